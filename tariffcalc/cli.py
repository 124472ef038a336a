"""The ``tariffcalc`` command: a thin Typer layer over the library.

It parses options, calls the library, writes data to stdout (or ``--output``)
and talk to stderr, and turns the library's exceptions into one line per
problem and a named exit code.  Heavy imports (pandas) happen inside the
commands, so ``tariffcalc --help`` and ``--version`` start fast.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import tempfile
import traceback
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Iterator, Optional, TextIO

import typer

from . import __version__
from .errors import ExitStatus, InputError

app = typer.Typer(
    name="tariffcalc",
    help="What US import tariffs cost a basket of imports: each line's duties, why, and the basket's effective rate.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


class InputFormatOption(str, Enum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    yaml = "yaml"


_SUFFIX_FORMATS = {".json": OutputFormat.json, ".jsonl": OutputFormat.jsonl, ".txt": OutputFormat.table}


def say(message: str) -> None:
    """One line of talk on stderr."""
    typer.echo(message, err=True)


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
def _errors_to_exit_codes(debug: bool) -> Iterator[None]:
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
def _destination(output: Optional[Path]) -> Iterator[TextIO]:
    """stdout, or a temporary file beside ``output`` renamed into place only on success."""
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    folder = output.parent if str(output.parent) else Path(".")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError([_output_problem(output, exc)]) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(temp, output)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _output_problem(output: Path, exc: OSError):
    from .errors import Problem

    return Problem(str(output), f"cannot write the output here ({exc.strerror})")


def _pick_format(fmt: Optional[OutputFormat], output: Optional[Path]) -> OutputFormat:
    if fmt is not None:
        return fmt
    if output is not None:
        return _SUFFIX_FORMATS.get(output.suffix.lower(), OutputFormat.csv)
    return OutputFormat.table if sys.stdout.isatty() else OutputFormat.csv


@app.command()
def estimate(
    basket: str = typer.Argument(..., metavar="BASKET", help="Basket file (CSV, JSON, JSON Lines or YAML), or - for stdin."),
    schedule: str = typer.Option(
        "us-2025", "--schedule", "-s", help="A shipped schedule's name or the path of a schedule YAML file."
    ),
    date: Optional[dt.datetime] = typer.Option(
        None, "--date", "-d", formats=["%Y-%m-%d"], help="Entry date, YYYY-MM-DD (default: today). A line's entry_date column wins."
    ),
    fmt: Optional[OutputFormat] = typer.Option(
        None, "--format", "-f", help="Output format (default: table on a terminal, csv otherwise, or from --output's suffix)."
    ),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout (only if the run succeeds)."),
    input_format: Optional[InputFormatOption] = typer.Option(
        None, "--input-format", help="Basket format (default: from the file's suffix; csv for stdin)."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback when something fails."),
) -> None:
    """Compute each line's duties, the totals, and the breakdowns by measure and by country."""
    with _errors_to_exit_codes(debug):
        from .basket import read_basket
        from .engine import estimate as compute
        from .schedule import load_schedule

        day = date.date() if date else dt.date.today()
        loaded = load_schedule(schedule)
        items = read_basket(basket, input_format.value if input_format else None)
        result = compute(items, loaded, day)
        for warning in result.warnings:
            say(f"Warning: {warning}")
        chosen = _pick_format(fmt, output)
        with _destination(output) as stream:
            _write(result, chosen, stream, to_file=output is not None)


def _write(result, chosen: OutputFormat, stream: TextIO, to_file: bool) -> None:
    from . import writers

    if chosen is OutputFormat.table:
        from rich.console import Console

        from .tables import write_table

        if to_file:
            console = Console(file=stream, width=160, color_system=None)
        elif stream.isatty():
            console = Console(file=stream)
        else:  # piped on purpose with --format table: wide enough not to crop, no colour codes
            console = Console(file=stream, width=140, color_system=None)
        write_table(result, console)
    elif chosen is OutputFormat.csv:
        writers.write_csv(result, stream)
    elif chosen is OutputFormat.json:
        writers.write_json(result, stream)
    else:
        writers.write_jsonl(result, stream)


def main() -> None:
    """Console-script entry point."""
    if hasattr(signal, "SIGPIPE"):
        # Like csvkit: let `| head` end us quietly instead of raising BrokenPipeError.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    app()
