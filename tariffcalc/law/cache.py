"""A schedule parsed once, then kept on disk: the validated :class:`Schedule`, pickled in the user cache.

Parsing and validating the shipped schedule costs tens of milliseconds on
every run; unpickling it costs about one.  Each schedule file has one cache
entry, named after its resolved path, which records what it was made from::

    (tariffcalc version, tariffcalc's code, file size, mtime_ns, sha256 of the file)

An entry is used only when all of these still match, so editing the file,
upgrading tariffcalc, or editing tariffcalc's own modules (in a development
checkout, where the version does not change) invalidates it: an old pickle
is never taken for a schedule of a model that has since changed.  A cache that cannot be read
(corrupt, truncated, from another Python, unreadable folder) is ignored and
rewritten; one that cannot be written is skipped.  The cache never makes a
run fail.

Only the validated Schedule is cached: the engine compiles it in about 2 ms,
and keeping the compiled form out of the cache keeps the engine free to
change it.

``TARIFFCALC_NO_CACHE=1`` turns the cache off; ``TARIFFCALC_CACHE_DIR`` puts
it somewhere else (the default is platformdirs' user cache folder, e.g.
``~/.cache/tariffcalc`` on Linux).  The cache holds pickles: like any file in
your own cache folder, it is trusted.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from .. import __version__

T = TypeVar("T")

#: Bump when what is pickled changes shape within one tariffcalc version.
_FORMAT = 2


def cache_dir() -> Path | None:
    """Where cache entries live, or None when the cache is off."""
    if os.environ.get("TARIFFCALC_NO_CACHE", "").strip() not in ("", "0"):
        return None
    override = os.environ.get("TARIFFCALC_CACHE_DIR", "").strip()
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("tariffcalc"))


def entry_path(folder: Path, path: Path) -> Path:
    """The cache file of a schedule file (one per resolved path)."""
    return folder / f"schedule-{hashlib.sha256(str(path).encode()).hexdigest()[:32]}.pickle"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The name, size and mtime of each of tariffcalc's modules (every sub-package's too), hashed: changes when the code does."""
    package = Path(__file__).resolve().parents[1]
    stamps = []
    for module in sorted(package.rglob("*.py")):
        try:
            stat = module.stat()
        except OSError:
            continue
        stamps.append(f"{module.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(stamps).encode()).hexdigest()


def _key(path: Path, data: bytes, size: int, mtime_ns: int) -> tuple:
    return (_FORMAT, __version__, code_fingerprint(), str(path), size, mtime_ns, hashlib.sha256(data).hexdigest())


def file_stamps(files: list[Path]) -> tuple:
    """(path, size, mtime_ns) of each file, or None for one that cannot be read: what an entry also depends on."""
    stamps = []
    for file in files:
        try:
            stat = file.stat()
            stamps.append((str(file), stat.st_size, stat.st_mtime_ns))
        except OSError:
            stamps.append((str(file), None, None))
    return tuple(stamps)


def cached(
    path: Path,
    size: int,
    mtime_ns: int,
    build: Callable[[], T],
    depends_on: Callable[[T], list[Path]] = lambda value: [],
) -> T:
    """What ``build()`` makes of the file at ``path``, from the disk cache when it is still valid.

    ``path`` is resolved; ``size`` and ``mtime_ns`` are from its ``stat``.
    ``depends_on(value)`` names other files the value was made from (a
    schedule's code lists): the entry is used only while they are unchanged too.
    Errors from ``build`` (an invalid schedule) are not cached: they are raised again on every run.
    """
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        data = path.read_bytes()
    except OSError:
        return build()
    key = _key(path, data, size, mtime_ns)
    entry = entry_path(folder, path)
    try:
        with open(entry, "rb") as handle:
            stored_key, stamps, value = pickle.load(handle)  # noqa: S301 - our own cache, in the user's own folder
        if stored_key == key and stamps == file_stamps([Path(p) for p, _, _ in stamps]):
            return value
    except Exception:  # noqa: BLE001 - missing, corrupt or foreign: rebuild
        pass
    value = build()
    _store(entry, key, file_stamps(depends_on(value)), value)
    return value


def _store(entry: Path, key: tuple, stamps: tuple, value: object) -> None:
    """Write an entry atomically (a temporary file renamed into place); give up quietly on any failure."""
    temp = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{entry.name}.", suffix=".tmp", dir=entry.parent)
        with os.fdopen(handle, "wb") as stream:
            pickle.dump((key, stamps, value), stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, entry)
        temp = None
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache, not an error
        pass
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
