"""A chunk's basket and estimate are freed once they are used, not when the next chunk has been computed.

Each is tens of MB for a chunk of 80,000 lines, so a reference kept by a loop variable (the reader's, the engine's,
the run's, the command's, `compare`'s) until the next chunk replaces it adds a whole chunk to the peak memory of a
large basket.
Checked with weak references and the cyclic garbage collector off: what is still referenced when the next chunk's
computing starts is alive.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
import weakref

import pytest
from generated import generated_csv

from tariffcalc import defaults
from tariffcalc.analysis import compare
from tariffcalc.api import compare_run
from tariffcalc.cli.estimate import write_run
from tariffcalc.cli.options import OutputFormat
from tariffcalc.engine import run
from tariffcalc.engine.estimating import run_estimate
from tariffcalc.output.compare import write_csv

CHUNK = 500
CHUNKS = 4


@pytest.fixture(scope="module")
def basket(tmp_path_factory):
    return generated_csv(tmp_path_factory.mktemp("lifetime") / "basket.csv", CHUNK * CHUNKS, seed=7)


def _writer_done():
    """The writer thread, if one is writing a chunk, done with it."""
    for thread in threading.enumerate():
        if thread.name == "tariffcalc-write-behind":
            thread.join()


@pytest.fixture
def no_gc():
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture
def watched(monkeypatch, no_gc):
    """Per chunk computed, which of the earlier chunks' baskets and estimates were alive when its computing began
    (once the writer thread, if any, has finished the chunk it holds)."""
    made: list[tuple[weakref.ref, weakref.ref]] = []
    alive: list[list[tuple[bool, bool]]] = []
    compute = run.compute_chunk

    def compute_watched(basket, compiled, date):
        _writer_done()
        alive.append([(b() is not None, e() is not None) for b, e in made])
        result, summary = compute(basket, compiled, date)
        made.append((weakref.ref(basket), weakref.ref(result)))
        return result, summary

    monkeypatch.setattr(run, "compute_chunk", compute_watched)
    return alive


#: At each chunk's start, every earlier chunk's basket and estimate freed.
NONE_ALIVE = [[(False, False)] * k for k in range(CHUNKS)]


def test_a_library_loop_holds_one_chunk(basket, watched):
    lines = 0
    for estimate, first_line in run_estimate(basket, date=dt.date(2026, 12, 1), chunk_size=CHUNK, hts="none"):
        assert first_line == lines + 1
        lines += len(estimate)
        del estimate  # the caller's own reference
    assert lines == CHUNK * CHUNKS
    assert watched == NONE_ALIVE


def test_the_command_holds_one_chunk(basket, watched, tmp_path):
    out = tmp_path / "out.csv"
    estimate_run = run_estimate(basket, date=dt.date(2026, 12, 1), chunk_size=CHUNK, hts="none")
    write_run(estimate_run, OutputFormat.csv, out, excel_safe=False, quiet=True, jobs=1)
    assert len(out.read_text().splitlines()) == CHUNK * CHUNKS + 1
    assert watched == NONE_ALIVE


def test_compare_holds_one_chunk(basket, monkeypatch, no_gc, tmp_path):
    monkeypatch.setattr(defaults, "DEFAULT_CHUNK_SIZE", CHUNK)
    chunks: list[tuple[weakref.ref, list[weakref.ref]]] = []  # per chunk: its basket, its estimates
    alive: list[list[tuple[bool, bool]]] = []
    prepare, estimate = compare.PreparedLines.of, compare.estimate

    def prepare_watched(basket, compiled):  # once per chunk: both dates are of one schedule
        _writer_done()
        alive.append([(b() is not None, any(e() is not None for e in estimates)) for b, estimates in chunks])
        chunks.append((weakref.ref(basket), []))
        return prepare(basket, compiled)

    def estimate_watched(*args, **kwargs):
        result = estimate(*args, **kwargs)
        chunks[-1][1].append(weakref.ref(result))
        return result

    monkeypatch.setattr(compare.PreparedLines, "of", prepare_watched)
    monkeypatch.setattr(compare, "estimate", estimate_watched)
    comparison, _, _ = compare_run(basket, dates=[dt.date(2025, 5, 20), dt.date(2026, 12, 1)], hts="none")
    with (tmp_path / "out.csv").open("w") as out:
        write_csv(comparison, out)
    assert [len(estimates) for _, estimates in chunks] == [2] * CHUNKS
    assert alive == NONE_ALIVE
