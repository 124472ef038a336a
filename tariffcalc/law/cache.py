"""A schedule parsed once, then kept on disk: the validated :class:`Schedule`, compiled, pickled in the user cache.

Parsing and validating the shipped schedule costs about half a second; unpickling
it costs about 15 ms.  Each schedule file has one cache
entry, named after its resolved path, which records what it was made from::

    (tariffcalc version, tariffcalc's code, file size, mtime_ns, sha256 of the file)

An entry is used only when all of these still match, so editing the file,
upgrading tariffcalc, or editing tariffcalc's own modules (in a development
checkout, where the version does not change) invalidates it: an old pickle
is never taken for a schedule of a model that has since changed.  A cache that cannot be read
(corrupt, truncated, from another Python, unreadable folder) is ignored and
rewritten; one that cannot be written is skipped.  The cache never makes a
run fail.

An entry is a header, then the pickle::

    tariffcalc schedule cache
    [[key...], [[path, size, mtime_ns], ...]]      (JSON: the key, and the files it depends on)

The header is read and checked first: a file is unpickled only when it is
one of ours, its key is the one expected and the files it depends on are
unchanged, and it is owned by the user running tariffcalc and writable by no
one else.  A stale, foreign or planted file is never unpickled (like any file
in your own cache folder, an entry that passes these checks is trusted).

A schedule's entry holds the engine's compiled form of it
(:class:`~tariffcalc.engine.compile.CompiledSchedule`, which holds the
validated Schedule): compiling the shipped schedule costs about 20-35 ms in a
fresh process, and reading the compiled form back about 3 ms more than the
schedule alone.

``TARIFFCALC_NO_CACHE=1`` turns the cache off; ``TARIFFCALC_CACHE_DIR`` puts
it somewhere else (the default is platformdirs' user cache folder, e.g.
``~/.cache/tariffcalc`` on Linux).
"""

from __future__ import annotations

import hashlib
import json
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
_FORMAT = 4


def cache_dir() -> Path | None:
    """Where cache entries live, or None when the cache is off."""
    if os.environ.get("TARIFFCALC_NO_CACHE", "").strip() not in ("", "0"):
        return None
    override = os.environ.get("TARIFFCALC_CACHE_DIR", "").strip()
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("tariffcalc"))


def entry_path(folder: Path, path: Path, kind: str = "schedule") -> Path:
    """The cache file of a schedule file (one per resolved path); another ``kind`` of file's is in a sub-folder ``kind``."""
    name = f"{kind}-{hashlib.sha256(str(path).encode()).hexdigest()[:32]}.pickle"
    return folder / name if kind == "schedule" else folder / kind / name


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The name, size and mtime of each of tariffcalc's modules (every sub-package's too), hashed: changes when the code does."""
    return fingerprint_of(Path(__file__).resolve().parents[1])


def fingerprint_of(package: Path) -> str:
    """The fingerprint of the modules of the package folder ``package``."""
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
    kind: str = "schedule",
) -> T:
    """What ``build()`` makes of the file at ``path``, from the disk cache when it is still valid.

    ``path`` is resolved; ``size`` and ``mtime_ns`` are from its ``stat``.
    ``depends_on(value)`` names other files the value was made from (a
    schedule's code lists): the entry is used only while they are unchanged too.
    Errors from ``build`` (an invalid schedule) are not cached: they are raised again on every run.
    ``kind`` names the entry's file (``schedule-...``): other files are kept the same way (pycountry's countries).
    """
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        data = path.read_bytes()
    except OSError:
        return build()
    key = _key(path, data, size, mtime_ns)
    entry = entry_path(folder, path, kind)
    try:
        with open(entry, "rb") as handle:
            if _usable(handle, key):
                return pickle.load(handle)  # noqa: S301 - checked: our own entry, for this key, in the user's own file
    except Exception:  # noqa: BLE001 - missing, corrupt or foreign: rebuild
        pass
    value = build()
    _store(entry, key, file_stamps(depends_on(value)), value)
    return value


_MAGIC = b"tariffcalc schedule cache\n"
#: The longest header read (a schedule with thousands of code-list files would still fit).
_MAX_HEADER = 1 << 20


def read_header(handle) -> tuple[tuple, tuple] | None:
    """The key and dependency stamps of an open entry (left at the start of its pickle), or None if it is not one."""
    if handle.read(len(_MAGIC)) != _MAGIC:
        return None
    line = handle.readline(_MAX_HEADER)
    if not line.endswith(b"\n"):
        return None
    key, stamps = json.loads(line)
    return tuple(key), tuple(tuple(stamp) for stamp in stamps)


def _usable(handle, key: tuple) -> bool:
    """Whether the entry open in ``handle`` may be unpickled: the user's own, private to them, for ``key``, still fresh."""
    info = os.fstat(handle.fileno())
    if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
        return False
    header = read_header(handle)
    if header is None:
        return False
    stored_key, stamps = header
    return stored_key == key and stamps == file_stamps([Path(p) for p, _, _ in stamps])


def _store(entry: Path, key: tuple, stamps: tuple, value: object) -> None:
    """Write an entry atomically (a temporary file renamed into place); give up quietly on any failure."""
    temp = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{entry.name}.", suffix=".tmp", dir=entry.parent)
        with os.fdopen(handle, "wb") as stream:
            stream.write(_MAGIC + json.dumps([list(key), [list(stamp) for stamp in stamps]]).encode() + b"\n")
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, entry)
        temp = None
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache, not an error
        pass
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
