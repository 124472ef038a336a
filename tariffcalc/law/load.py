"""Loading a schedule by shipped name or path, parsed once per process and cached on disk across processes."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import InputError, Problem
from ..paths import DEFAULT_SCHEDULE, shipped_schedule, shipped_schedule_names
from ..yaml_source import read_yaml
from . import cache
from .code_lists import code_list_files
from .frozen import freeze
from .model import Schedule
from .validate import schedule_from_document


def resolve_schedule_path(name_or_path: str) -> Path:
    """A shipped schedule's name (``us``) or a path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    shipped = shipped_schedule(name_or_path)
    if shipped is None:
        names = ", ".join(shipped_schedule_names()) or "none"
        raise InputError(
            Problem("--schedule", f"no schedule named {name_or_path!r} (shipped schedules: {names}; or give a path)")
        )
    return shipped


def load_schedule(name_or_path: str | Path = DEFAULT_SCHEDULE) -> Schedule:
    """Load and validate a schedule by shipped name or path.

    Within one process a file is parsed once, until it changes on disk; across
    processes the validated schedule is cached on disk (:mod:`tariffcalc.law.cache`).
    Every caller gets the same Schedule: it is deeply immutable (frozen models whose lists and dicts refuse
    changes, see :mod:`tariffcalc.law.frozen`), so one caller cannot change what the next one loads.
    """
    path = resolve_schedule_path(str(name_or_path))
    try:
        stat = path.stat()
    except OSError:
        return schedule_from_document(read_yaml(path), path.parent)
    return _load_cached(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _load_cached(path: Path, mtime_ns: int, size: int) -> Schedule:
    # Across processes, the validated schedule is kept on disk (see tariffcalc.law.cache), with the engine's compiled
    # form of it: compiling costs every run more than reading it back.  The engine is imported here, not at the top:
    # the law does not otherwise need it.
    from ..engine.compile import CompiledSchedule, kept

    compiled = cache.cached(
        path, size, mtime_ns, lambda: CompiledSchedule.of(_parsed(path)),
        depends_on=lambda compiled: code_list_files(compiled.schedule, path.parent),
    )  # fmt: skip
    return kept(compiled).schedule


def _parsed(path: Path) -> Schedule:
    """The schedule file parsed, validated and frozen, with what every run works out of it already worked out.

    A product group's digit prefixes (tens of thousands of codes in all) are kept with it in the disk cache:
    working them out again costs every run more than reading them back.  Frozen before it is cached, so an entry
    read back from disk is frozen already.
    """
    schedule = freeze(schedule_from_document(read_yaml(path), path.parent))
    for group in schedule.product_groups.values():
        group.digit_prefixes  # noqa: B018 - a cached property: computed here, so that it is pickled with the group
    return schedule
