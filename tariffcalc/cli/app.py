"""The ``tariffcalc`` command: a thin Typer layer over the library.

It parses options, calls the library, writes data to stdout (or ``--output``)
and talk to stderr, and turns the library's exceptions into one line per
problem and a named exit code.  Heavy imports (pandas) happen inside the
commands, so ``tariffcalc --help`` and ``--version`` start fast.
"""

from __future__ import annotations

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
from ..errors import ExitStatus, InputError, Problem
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
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
        if debug:
            traceback.print_exc()
        else:
            say(f"Error: internal error ({type(exc).__name__}: {exc}); rerun with --debug for details and report it")
        raise typer.Exit(ExitStatus.ERROR) from None


#: The most problems printed; the count of the rest follows.
MAX_PROBLEMS_SHOWN = 1000


@contextmanager
def destination(output: Optional[Path], hold: bool = False) -> Iterator[TextIO]:
    """stdout, or a temporary file beside ``output`` renamed into place only on success.

    With ``hold``, stdout too receives the output only once the run has succeeded (it is
    written to a temporary file first): for streams that may still fail after writing.
    """
    if output is None and hold:
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
            yield spool
            spool.seek(0)
            shutil.copyfileobj(spool, sys.stdout)
        sys.stdout.flush()
        return
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with binary_destination(output) as path, open(path, "w", encoding="utf-8", newline="") as stream:
        yield stream


@contextmanager
def binary_destination(output: Path) -> Iterator[Path]:
    """A temporary path beside ``output``, renamed into place only on success (for writers that open files themselves)."""
    folder = output.parent if str(output.parent) else Path(".")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError([_output_problem(output, exc)]) from None
    os.close(handle)
    try:
        yield Path(temp)
        os.replace(temp, output)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _output_problem(output: Path, exc: OSError) -> Problem:
    return Problem(str(output), f"cannot write the output here ({exc.strerror})")


def pick_format(fmt: Optional[OutputFormat], output: Optional[Path]) -> OutputFormat:
    if fmt is not None:
        return fmt
    if output is not None:
        return _SUFFIX_FORMATS.get(output.suffix.lower(), OutputFormat.csv)
    return OutputFormat.table if sys.stdout.isatty() else OutputFormat.csv


def main() -> None:
    """Console-script entry point."""
    if hasattr(signal, "SIGPIPE"):
        # Like csvkit: let `| head` end us quietly instead of raising BrokenPipeError.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C outside a command's own handler (e.g. while starting up)
        say("Interrupted.")
        sys.exit(ExitStatus.INTERRUPTED)


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
