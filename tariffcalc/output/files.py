"""Writing an output file without destroying what is there, or what it stands for.

``--output PATH`` is written only when the run succeeds, and how depends on what PATH is:

* nothing yet: a temporary file beside it, renamed into place; it gets the mode a new file gets
  (``0666`` less the umask), like any file a shell redirection creates;
* a regular file with one name: a temporary file beside it, with the old file's mode (and, where
  allowed, owner and group), renamed over it, so a failed run leaves the old file whole;
* a regular file with several names (hard links): the output is made in a temporary file, then
  copied into the file itself, so every name sees the new content (renaming would leave the others
  with the old);
* a symbolic link: whatever it points to, by the rules above (the link itself stays a link; a
  dangling link's target is created);
* a device, FIFO or socket (``/dev/null``, ``/dev/stdout``, ``<(...)``): opened and written, like
  stdout; never replaced by a regular file;
* a folder: refused.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError, Problem

#: Suffixes of formats tariffcalc does not write (spreadsheets, archives, documents): refused rather than
#: filled with CSV text a program that opens them by their name cannot read.
FOREIGN_SUFFIXES = frozenset(
    {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".numbers", ".pdf", ".doc", ".docx", ".zip", ".gz", ".bz2",
     ".xz", ".zst", ".7z", ".tar", ".feather", ".arrow", ".orc", ".avro", ".sqlite", ".db", ".pickle", ".pkl"}
)  # fmt: skip


def problem(output: Path, exc: OSError) -> Problem:
    """``out.csv: cannot write the output here (No space left on device)``."""
    return Problem(str(output), f"cannot write the output here ({exc.strerror or exc})")


def resolved(output: Path) -> Path:
    """The file a path stands for: a symbolic link's final target (also when it does not exist yet)."""
    return Path(os.path.realpath(output)) if os.path.islink(output) else output


def _stat(path: Path) -> os.stat_result | None:
    """What ``path`` is (following links), None when nothing is there; a path that cannot be looked at (a loop of
    links, a folder that may not be read, a name too long) is an error of the user's file system, not a bug."""
    try:
        return path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(problem(path, exc)) from None


def is_stream(output: Path) -> bool:
    """Whether ``output`` is (or links to) a device, FIFO or socket: opened by its own name and written, never replaced.

    By its own name: ``/dev/stdout`` links to ``/proc/self/fd/1``, whose target, a pipe, has no path to open.
    """
    info = _stat(output)
    return info is not None and not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode)


def check(output: Path) -> None:
    """Refuse, before anything is computed, an output that cannot be written: a folder, or a folder that does not exist."""
    if is_stream(output):
        return
    target = resolved(output)
    info = _stat(target)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError(Problem(str(output), "is a folder (give the name of a file to write)"))
    folder = target.parent if str(target.parent) else Path(".")
    if info is None and not folder.is_dir():
        raise InputError(Problem(str(output), f"cannot write the output here (no folder {str(folder)!r})"))


def _temporary_beside(target: Path) -> Path:
    """A new empty file beside ``target``, created with mode 0666 less the umask."""
    folder = target.parent if str(target.parent) else Path(".")
    for _ in range(100):
        temp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder))


def _keep_owner_and_mode(temp: Path, old: os.stat_result) -> None:
    os.chmod(temp, stat.S_IMODE(old.st_mode))
    if hasattr(os, "chown") and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
        try:
            os.chown(temp, old.st_uid, old.st_gid)
        except OSError:  # not allowed (not root): the new file is the writer's, as with any editor's save
            pass


@contextmanager
def written(output: Path) -> Iterator[Path]:
    """The path to write the whole output to; when the ``with`` block succeeds it becomes ``output``'s content.

    When the block fails, ``output`` is left as it was (devices and FIFOs are written as they go: the caller
    spools first when it must not write partial output).  Errors of the file system raise InputError.
    """
    check(output)
    if is_stream(output):
        yield output
        return
    target = resolved(output)
    info = _stat(target)
    try:
        temp = _temporary_beside(target)
        if info is not None and info.st_nlink == 1:
            _keep_owner_and_mode(temp, info)
    except OSError as exc:
        raise InputError(problem(output, exc)) from None
    try:
        yield temp
        try:
            if info is not None and info.st_nlink > 1:
                with open(temp, "rb") as source, open(target, "r+b") as into:
                    shutil.copyfileobj(source, into)
                    into.truncate()
                temp.unlink()
            else:
                os.replace(temp, target)
        except OSError as exc:
            raise InputError(problem(output, exc)) from None
    finally:
        temp.unlink(missing_ok=True)
