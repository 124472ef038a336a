"""The ``tariffcalc`` command: a thin Typer layer over the library.

It parses options, calls the library, writes data to stdout (or ``--output``)
and talk to stderr, and turns the library's exceptions into one line per
problem and a named exit code.  Heavy imports (pandas) happen inside the
commands, so ``tariffcalc --help`` and ``--version`` start fast.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import signal
import sys
import tempfile
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, TextIO

import typer

from .. import __version__
from ..errors import ExitStatus, InputError, Problem, WorkerLost
from .options import OutputFormat

app = typer.Typer(
    name="tariffcalc",
    help="What US import tariffs cost a basket of imports: each line's duties, why, and the basket's effective rate.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
)


_SUFFIX_FORMATS = {
    ".json": OutputFormat.json,
    ".jsonl": OutputFormat.jsonl,
    ".txt": OutputFormat.table,
    ".parquet": OutputFormat.parquet,
    ".pq": OutputFormat.parquet,
}


def say(message: str) -> None:
    """One line of talk on stderr."""
    typer.echo(message, err=True)


def note(text: str) -> None:
    """A note on stderr (what the library tells a person along the way, e.g. which HTS it uses)."""
    say(f"Note: {text}")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tariffcalc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """What US import tariffs cost a basket of imports."""


@contextmanager
def errors_to_exit_codes(debug: bool) -> Iterator[None]:
    try:
        yield
    except InputError as exc:
        for problem in exc.problems[:MAX_PROBLEMS_SHOWN]:
            say(f"Error: {problem}")
        if len(exc.problems) > MAX_PROBLEMS_SHOWN:
            say(f"Error: ... and {len(exc.problems) - MAX_PROBLEMS_SHOWN:,} more problems")
        if debug:
            traceback.print_exc()
        raise typer.Exit(ExitStatus.INVALID_INPUT) from None
    except KeyboardInterrupt:
        say("Interrupted.")
        raise typer.Exit(ExitStatus.INTERRUPTED) from None
    except WorkerLost as exc:
        say(f"Error: {exc}")
        raise typer.Exit(ExitStatus.ERROR) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except BrokenPipeError:  # the reader of stdout went away (`| head`): end quietly, as SIGPIPE would
        quiet_stdout()
        raise typer.Exit(ExitStatus.CLOSED_PIPE) from None
    except OSError as exc:
        if exc.errno not in ENVIRONMENT_ERRNOS:
            raise _internal(exc, debug) from None
        say(f"Error: {os_error_text(exc)}")
        if debug:
            traceback.print_exc()
        raise typer.Exit(ExitStatus.INVALID_INPUT) from None
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
        raise _internal(exc, debug) from None


def _internal(exc: BaseException, debug: bool) -> typer.Exit:
    """A bug in tariffcalc: say so (with the traceback under --debug); the Exit to raise."""
    if debug:
        traceback.print_exception(exc)
    else:
        say(f"Error: internal error ({type(exc).__name__}: {exc}); rerun with --debug for details and report it")
    return typer.Exit(ExitStatus.ERROR)


#: What the system says when the environment, not tariffcalc, is at fault: a full disk, a file that is not
#: there or not allowed, a folder where a file was expected, a closed stream... (exit 2, one line, no "bug").
ENVIRONMENT_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EFBIG", "EACCES", "EPERM", "EROFS", "EISDIR", "ENOTDIR", "ENOENT", "EEXIST",
                 "EBADF", "EIO", "EMFILE", "ENFILE", "ENAMETOOLONG", "ELOOP", "ETXTBSY", "EBUSY", "ENXIO", "ENODEV",
                 "ENOTEMPTY", "EXDEV", "ESTALE")
    if hasattr(errno, name)
)  # fmt: skip


def os_error_text(exc: OSError) -> str:
    """``basket.csv: Permission denied``: the file (or files) the system names, and its reason."""
    reason = exc.strerror or str(exc)
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    return f"{' -> '.join(names)}: {reason}" if names else reason


def quiet_stdout() -> None:
    """Point stdout at the null device, so that Python's last flush at exit does not complain about a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


#: The most problems printed; the count of the rest follows.
MAX_PROBLEMS_SHOWN = 1000


class OutputStream:
    """A text stream whose write errors name where the output was going (``stdout``, or the ``--output`` file)."""

    def __init__(self, stream: TextIO, where: str):
        self._stream, self._where = stream, where

    def _failed(self, exc: OSError) -> InputError:
        if self._stream is sys.stdout:
            quiet_stdout()  # what stayed in its buffer must not fail again (and be reported twice) at exit
        return InputError(Problem(self._where, f"cannot write the output ({exc.strerror or exc})"))

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from None

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

    def __iter__(self):
        return iter(self._stream)


@contextmanager
def _held(into: OutputStream, hold: bool) -> Iterator[TextIO]:
    """``into`` itself, or with ``hold`` a temporary file copied into it only once the block has succeeded."""
    if not hold:
        yield into
        into.flush()
        return
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
        yield spool
        spool.seek(0)
        shutil.copyfileobj(spool, into)
    into.flush()


@contextmanager
def destination(output: Optional[Path], hold: bool = False) -> Iterator[TextIO]:
    """stdout, or ``--output`` written only on success (see :mod:`tariffcalc.output.files`).

    With ``hold``, stdout (or a device or FIFO given as ``--output``) too receives the output only once the run
    has succeeded (it is written to a temporary file first): for streams that may still fail after writing.
    """
    from ..output import files

    if output is None:
        with _held(OutputStream(sys.stdout, "stdout"), hold) as stream:
            yield stream
        return
    if files.is_stream(output):
        try:
            target = open(output, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise InputError(files.problem(output, exc)) from None
        with _closing(target), _held(OutputStream(target, str(output)), hold) as stream:
            yield stream
        return
    with files.written(output) as path, _closing(open(path, "w", encoding="utf-8", newline="")) as target:
        stream = OutputStream(target, str(output))
        yield stream
        stream.flush()  # so that closing the file has nothing left to fail on


@contextmanager
def _closing(file: TextIO) -> Iterator[TextIO]:
    """Close ``file`` after the block; when the block failed, without a second error from flushing what is left."""
    try:
        yield file
    except BaseException:
        try:
            file.close()
        except OSError:
            pass
        raise
    file.close()


@contextmanager
def binary_destination(output: Path) -> Iterator[Path]:
    """The path a writer that opens files itself (Parquet, CAPE files) writes to; ``output`` only changes on success."""
    from ..output import files

    with files.written(output) as path:
        try:
            yield path
        except OSError as exc:
            if exc.errno not in ENVIRONMENT_ERRNOS or exc.filename not in (None, str(path)):
                raise
            raise InputError(files.problem(output, exc)) from None


def pick_format(fmt: Optional[OutputFormat], output: Optional[Path]) -> OutputFormat:
    """``--format``, else from ``--output``'s suffix (CSV for others), else table on a terminal and CSV otherwise.

    An ``--output`` suffix of a format tariffcalc does not write (``.xlsx``, ``.zip``...) without ``--format``
    is refused: CSV text under that name would be a file no program opens.
    """
    if fmt is not None:
        return fmt
    if output is not None:
        from ..output.files import FOREIGN_SUFFIXES

        suffix = output.suffix.lower()
        if suffix in FOREIGN_SUFFIXES:
            raise InputError(
                Problem(
                    str(output),
                    f"tariffcalc does not write {suffix} files; it writes csv, json, jsonl, parquet and table text (.txt): "
                    "use one of these suffixes, or say which with --format",
                )
            )
        return _SUFFIX_FORMATS.get(suffix, OutputFormat.csv)
    return OutputFormat.table if sys.stdout.isatty() else OutputFormat.csv


def check_output(fmt, output: Optional[Path]) -> None:
    """Refuse an ``--output`` that cannot be written (a folder, a missing folder, a foreign suffix), before computing."""
    if output is None:
        return
    from ..output.files import check

    check(output)
    pick_format(OutputFormat(fmt) if fmt is not None else None, output)


class _ClosedStream(io.TextIOBase):
    """What ``sys.stdin`` or ``sys.stdout`` is when the process was started with it closed (``<&-``, ``>&-``).

    Python makes them None, and every use a traceback; this one says, when used, that the stream is closed.
    """

    def __init__(self, name: str, reason: str):
        self.name, self._reason = name, reason

    def _closed(self, *_args, **_kwargs):
        raise OSError(errno.EBADF, self._reason, self.name)

    read = readline = write = _closed

    @property
    def buffer(self):
        return self

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:
        pass


def main() -> None:
    """Console-script entry point."""
    if hasattr(signal, "SIGPIPE"):
        # Like csvkit: let `| head` end us quietly instead of raising BrokenPipeError.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if sys.stdin is None:
        sys.stdin = _ClosedStream("<stdin>", "stdin is closed (give the file's name, or pipe it in)")
    if sys.stdout is None:
        sys.stdout = _ClosedStream("stdout", "stdout is closed; redirect it, or write to a file with --output")
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C outside a command's own handler (e.g. while starting up)
        say("Interrupted.")
        sys.exit(ExitStatus.INTERRUPTED)
    finally:
        _flush_stdout()


def _flush_stdout() -> None:
    """Flush what commands left in stdout's buffer, so that a full disk is an error message, not a traceback at exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
        sys.exit(ExitStatus.CLOSED_PIPE)
    except OSError as exc:
        quiet_stdout()
        say(f"Error: stdout: cannot write the output ({exc.strerror or exc})")
        sys.exit(ExitStatus.INVALID_INPUT)


def load_state(schedule: str, scenarios: Optional[list[str]], sets: Optional[list[str]]):
    """The schedule with the scenarios and ``--set`` changes applied, in order (see :func:`tariffcalc.api.schedule_state`)."""
    from ..api import schedule_state

    return schedule_state(schedule, scenarios or (), sets or ())


def console_for(stream: TextIO, to_file: bool, terminal=None):
    """A Rich console for tables: the terminal's own, or plain and wide enough for a file or pipe.

    ``terminal`` is the console of the real stdout, measured before the output was spooled
    (see :func:`stdout_terminal`): a held table is drawn to its width and in its colours.
    """
    from rich.console import Console

    if to_file:
        return Console(file=stream, width=160, color_system=None)
    if terminal is not None:
        return Console(
            file=stream, width=terminal.width, color_system=terminal.color_system, force_terminal=True, legacy_windows=False
        )
    if stream.isatty():
        return Console(file=stream)
    return Console(file=stream, width=140, color_system=None)


def stdout_terminal():
    """Rich's view of the real stdout (its width and colour system) when it is a terminal, else None."""
    if not sys.stdout.isatty():
        return None
    from rich.console import Console

    return Console(file=sys.stdout)


def emit(
    fmt: Optional[OutputFormat], output: Optional[Path], *, table, csv, json, jsonl, parquet=None, hold: bool = False
) -> None:
    """Write a command's result in the chosen format to stdout or ``--output``.

    ``table`` takes a Rich console; ``parquet`` (for the commands that write it) a file path;
    the others take a text stream.
    """
    chosen = pick_format(fmt, output)
    if chosen is OutputFormat.parquet:
        if parquet is None:
            raise InputError(Problem("--format", "parquet is written only by `tariffcalc estimate` (use csv or json here)"))
        if output is None:
            raise InputError(
                Problem("--format parquet", "needs --output FILE (Parquet is binary: it is not written to a terminal or a pipe)")
            )
        with binary_destination(output) as path:
            parquet(path)
        return
    terminal = stdout_terminal() if output is None and chosen is OutputFormat.table else None
    with destination(output, hold) as stream:
        if chosen is OutputFormat.table:
            table(console_for(stream, output is not None, terminal))
        else:
            {OutputFormat.csv: csv, OutputFormat.json: json, OutputFormat.jsonl: jsonl}[chosen](stream)


def codec(encoding: str) -> str:
    """The Python codec for ``--encoding``: UTF-8 also accepts a byte-order mark."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def report_skipped(name: str, computed: int, skipped) -> None:
    """Say on stderr which lines ``--skip-invalid`` left out, or that the basket had none."""
    if computed == 0 and not (skipped and skipped.lines):
        say(f"Warning: {name} has no lines")
    if not (skipped and skipped.lines):
        return
    for problem in skipped.problems[:MAX_PROBLEMS_SHOWN]:
        say(f"Skipped: {problem}")
    if len(skipped.problems) > MAX_PROBLEMS_SHOWN:
        say(f"Skipped: ... and {len(skipped.problems) - MAX_PROBLEMS_SHOWN:,} more problems")
    unknown = (
        f" ({skipped.unknown_value_lines:,} of them with a value that could not be read)"
        if skipped.unknown_value_lines
        else ""
    )
    from ..output.text import money

    say(
        f"Warning: left out {skipped.lines:,} invalid line(s) of {skipped.lines + computed:,}, "
        f"worth USD {money(skipped.value_cents)}{unknown}; the totals do not include them"
    )


def say_warnings(notices) -> None:
    """Each notice as a warning on stderr."""
    for notice in notices:
        say(f"Warning: {notice.text}")


def exit_for(items) -> None:
    """Exit with PARTIAL when invalid lines were left out (``items``: a Basket, or anything with ``skipped``)."""
    if items.skipped and items.skipped.lines:
        raise typer.Exit(ExitStatus.PARTIAL)


def csv_writer(write, excel_safe: bool):
    """A CSV writer for ``emit`` that neutralises formulas when asked, and says how many cells it changed."""

    def run(stream) -> None:
        changed = write(stream, excel_safe)
        if excel_safe:
            note(f"--excel-safe: {changed:,} text cell(s) starting with =, +, - or @ were prefixed with ' so spreadsheets show them as text")

    return run
