"""The schedule cache on disk: a cached load equals a fresh one, edits invalidate it, corruption is harmless."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
import shutil

import pytest

from conftest import EXAMPLES, ROOT

from tariffcalc.engine import compile as compile_module
from tariffcalc.engine.compile import CompiledSchedule
from tariffcalc.law import cache as schedule_cache
from tariffcalc.law.load import _load_cached, load_schedule
from tariffcalc.law.validate import schedule_from_document
from tariffcalc.yaml_source import read_yaml

SHIPPED = Path(__file__).parent / "fixtures" / "mini.yaml"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder of its own, and no in-process cache in the way."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TARIFFCALC_CACHE_DIR", str(folder))
    monkeypatch.delenv("TARIFFCALC_NO_CACHE", raising=False)
    _load_cached.cache_clear()
    yield folder
    _load_cached.cache_clear()


@pytest.fixture
def schedule_file(tmp_path):
    path = tmp_path / "mine.yaml"
    shutil.copy(SHIPPED, path)
    return path


def read_entry(entry):
    """An entry's key and its value."""
    with open(entry, "rb") as handle:
        key, _stamps = schedule_cache.read_header(handle)
        return key, pickle.load(handle)


def entries(folder):
    return sorted(p.name for p in folder.glob("*.pickle")) if folder.exists() else []


def test_a_cached_load_equals_a_fresh_one(cache, schedule_file):
    fresh = schedule_from_document(read_yaml(schedule_file))
    first = load_schedule(schedule_file)
    assert entries(cache) == [schedule_cache.entry_path(cache, schedule_file.resolve()).name]
    _load_cached.cache_clear()
    # The second load must come from the cache: make parsing impossible to be sure.
    original = schedule_cache.cached
    calls = []

    def spy(path, size, mtime_ns, build, depends_on):
        calls.append(path)
        return original(path, size, mtime_ns, lambda: pytest.fail("parsed again instead of read from the cache"), depends_on)

    schedule_cache.cached = spy
    try:
        second = load_schedule(schedule_file)
    finally:
        schedule_cache.cached = original
    assert calls == [schedule_file.resolve()]
    assert first == fresh and second == fresh
    assert second.model_dump() == fresh.model_dump()


def compiled_parts(compiled) -> tuple:
    """What the engine reads of a compiled schedule (its arrays as lists, so that tuples of them compare)."""
    return (compiled.measures, compiled.epochs, compiled.index, compiled.turning_days.tolist(), compiled.fields,
            compiled.key_columns)  # fmt: skip


def test_the_compiled_form_comes_from_the_cache_and_equals_a_fresh_compile(cache, schedule_file, monkeypatch):
    first = CompiledSchedule.of(load_schedule(schedule_file))
    _load_cached.cache_clear()
    with monkeypatch.context() as patch:
        patch.setattr(compile_module, "_COMPILED", {})  # nothing compiled in this process any more
        patch.setattr(compile_module, "compile_measure", lambda *a: pytest.fail("compiled again instead of read"))
        schedule = load_schedule(schedule_file)
        from_cache = CompiledSchedule.of(schedule)
    assert from_cache is not first and from_cache.schedule is schedule
    fresh = CompiledSchedule.of(schedule_from_document(read_yaml(schedule_file)))
    assert compiled_parts(from_cache) == compiled_parts(fresh) == compiled_parts(first)


def test_editing_the_file_invalidates_the_cache(cache, schedule_file):
    before = load_schedule(schedule_file)
    _load_cached.cache_clear()
    text = schedule_file.read_text()
    schedule_file.write_text(text.replace("name:", "name: Edited", 1))
    after = load_schedule(schedule_file)
    assert after.schedule.name.startswith("Edited")
    assert before.schedule.name != after.schedule.name
    assert len(entries(cache)) == 1  # rewritten in place, not piling up


def test_same_size_and_mtime_but_other_content_is_not_served_from_the_cache(cache, schedule_file):
    load_schedule(schedule_file)
    _load_cached.cache_clear()
    stat = schedule_file.stat()
    text = schedule_file.read_text()
    marker = text.index("name:") + len("name: ")
    edited = text[:marker] + ("X" if text[marker] != "X" else "Y") + text[marker + 1 :]
    schedule_file.write_text(edited)
    os.utime(schedule_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert schedule_file.stat().st_size == stat.st_size
    assert load_schedule(schedule_file) == schedule_from_document(read_yaml(schedule_file))


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", pickle.dumps("a string, not an entry"), pickle.dumps(("key", 1))[:-3]])
def test_a_corrupt_cache_file_is_ignored_and_rewritten(cache, schedule_file, garbage):
    fresh = load_schedule(schedule_file)
    _load_cached.cache_clear()
    (entry,) = cache.glob("*.pickle")
    entry.write_bytes(garbage)
    assert load_schedule(schedule_file) == fresh
    stored_key, stored = read_entry(entry)
    assert stored.schedule == fresh


def test_a_cache_folder_that_cannot_be_written_is_no_error(tmp_path, monkeypatch, schedule_file):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("TARIFFCALC_CACHE_DIR", str(blocker / "cache"))
    _load_cached.cache_clear()
    assert load_schedule(schedule_file) == schedule_from_document(read_yaml(schedule_file))
    _load_cached.cache_clear()


def test_no_cache_when_turned_off(cache, schedule_file, monkeypatch):
    monkeypatch.setenv("TARIFFCALC_NO_CACHE", "1")
    load_schedule(schedule_file)
    assert entries(cache) == []


def test_an_invalid_schedule_is_not_cached_and_fails_every_time(cache, tmp_path, tariffcalc):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schedule: {}\nmeasures: []\nextra: 1\n")
    for _ in range(2):
        result = tariffcalc("estimate", EXAMPLES / "japan-shipment.csv", "--schedule", bad, "--date", "2025-04-17")
        assert result.exit_code == 2
        assert f"Error: {bad}:3 extra: unknown key (check the spelling against the README's schedule format)" in result.stderr
    assert entries(cache) == []


def test_the_command_line_gives_the_same_output_cold_and_warm(cache, tariffcalc):
    args = ("estimate", EXAMPLES / "japan-shipment.csv", "--date", "2025-04-17", "--format", "json")
    cold = tariffcalc(*args)
    assert entries(cache)
    _load_cached.cache_clear()
    warm = tariffcalc(*args)
    assert cold.exit_code == warm.exit_code == 0
    assert (warm.stdout, warm.stderr) == (cold.stdout, cold.stderr)


def test_a_change_to_tariffcalc_itself_invalidates_the_cache(cache, schedule_file, monkeypatch):
    load_schedule(schedule_file)
    _load_cached.cache_clear()
    (entry,) = cache.glob("*.pickle")
    before = entry.read_bytes()
    monkeypatch.setattr(schedule_cache, "code_fingerprint", lambda: "the code has changed")
    assert load_schedule(schedule_file) == schedule_from_document(read_yaml(schedule_file))
    assert entry.read_bytes() != before
    stored_key, _ = read_entry(entry)
    assert "the code has changed" in stored_key


@pytest.mark.parametrize("module", ["defaults.py", "engine/calculate.py"], ids=["top level", "sub-package"])
def test_the_code_fingerprint_follows_the_modules(module, tmp_path):
    # On a copy of the package: the repository's own files are never touched.
    package = tmp_path / "tariffcalc"
    shutil.copytree(ROOT / "tariffcalc", package, ignore=shutil.ignore_patterns("__pycache__"))
    first = schedule_cache.fingerprint_of(package)
    assert first == schedule_cache.fingerprint_of(package)
    assert schedule_cache.code_fingerprint() == schedule_cache.fingerprint_of(ROOT / "tariffcalc")
    module = package / module
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert schedule_cache.fingerprint_of(package) != first


def test_editing_a_code_list_invalidates_the_cache(cache, tmp_path):
    (tmp_path / "lists").mkdir()
    codes = tmp_path / "lists" / "toys.txt"
    codes.write_text("# source: a test\n9503.00.00\n")
    schedule_file = tmp_path / "schedules" / "listed.yaml"
    schedule_file.parent.mkdir()
    schedule_file.write_text(
        "schedule: {id: listed, name: Listed, covers: {from: 2025-01-01, through: 2025-12-31}}\n"
        "product_groups:\n"
        "  toys: {name: Toys, authority: {document: A, citation: B, date: 2025-01-01}, file: ../lists/toys.txt}\n"
        "measures:\n"
        "  - {id: toy-duty, name: Toy duty, authority: {document: A, citation: B, date: 2025-01-01}, from: 2025-01-01,\n"
        "     countries: all, rate: 10%, products: {include: [toys]}}\n"
    )
    assert load_schedule(schedule_file).product_groups["toys"].hts == ["9503.00.00"]
    _load_cached.cache_clear()
    codes.write_text("# source: a test\n9503.00.00\n9504\n")
    assert load_schedule(schedule_file).product_groups["toys"].hts == ["9503.00.00", "9504"]


class Planted:
    """Unpickling this runs code: a planted cache file must never be unpickled."""

    def __reduce__(self):
        return (_record_unpickling, ())


UNPICKLED = []


def _record_unpickling():
    UNPICKLED.append(True)
    return "planted"


@pytest.mark.parametrize("header", ["none", "another key"])
def test_a_file_in_the_cache_is_unpickled_only_when_its_header_has_the_expected_key(cache, schedule_file, header):
    fresh = load_schedule(schedule_file)
    _load_cached.cache_clear()
    (entry,) = cache.glob("*.pickle")
    with open(entry, "rb") as handle:
        key, stamps = schedule_cache.read_header(handle)
    prefix = b"" if header == "none" else schedule_cache._MAGIC + json.dumps([["another", *key[1:]], stamps]).encode() + b"\n"
    entry.write_bytes(prefix + pickle.dumps(Planted()))
    UNPICKLED.clear()
    assert load_schedule(schedule_file) == fresh
    assert UNPICKLED == []


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="no file owners here")
def test_an_entry_others_can_write_is_not_used(cache, schedule_file):
    fresh = load_schedule(schedule_file)
    _load_cached.cache_clear()
    (entry,) = cache.glob("*.pickle")
    with open(entry, "rb") as handle:
        header = handle.read(len(schedule_cache._MAGIC)) + handle.readline()
    entry.write_bytes(header + pickle.dumps(Planted()))
    entry.chmod(0o666)
    UNPICKLED.clear()
    assert load_schedule(schedule_file) == fresh
    assert UNPICKLED == []


def test_a_loaded_schedule_cannot_be_changed_for_the_next_caller(cache, schedule_file):
    first = load_schedule(schedule_file)
    measure = first.measures[0]
    for change in (
        lambda: first.measures.append(measure),
        lambda: first.measures.clear(),
        lambda: measure.rates.update({"CN": "1"}),
        lambda: measure.sources.append("mine"),
        lambda: first.country_groups.pop(next(iter(first.country_groups)), None),
    ):
        with pytest.raises(TypeError, match="a loaded schedule is shared and cannot be changed"):
            change()
    assert load_schedule(schedule_file) == schedule_from_document(read_yaml(schedule_file))
    _load_cached.cache_clear()  # from the disk cache too
    assert load_schedule(schedule_file) == schedule_from_document(read_yaml(schedule_file))
