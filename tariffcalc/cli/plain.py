"""A plain ``tariffcalc estimate BASKET --date ...`` recognised and run without Typer.

Typer imports pydantic and builds a validator for each of the command's
seventeen options on every run: together more than pandas' own start-up
leaves room for (see benchmarks/README.md, start-up).  The arguments of the
common invocations are simple enough to be recognised here exactly: the
command's name, one basket, and options spelt out in full with values Typer
would take unchanged.  Anything else (``--help``, another command, an
``--option=value`` or a repeated option, a value Typer would refuse or convert,
shell completion) is left to Typer, which then says what it always said; so
the output and the messages of every run are those of the Typer command.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Optional

from ..defaults import DEFAULT_CHUNK_SIZE
from ..paths import DEFAULT_SCHEDULE
from .choices import Engine, InputFormatOption, OutputFormat

#: An option taking a value: its names, and the parameter of :func:`run_estimate_command` it sets.
_VALUED = {
    "--schedule": "schedule", "-s": "schedule",
    "--date": "date", "-d": "date",
    "--format": "fmt", "-f": "fmt",
    "--output": "output", "-o": "output",
    "--input-format": "input_format",
    "--encoding": "encoding",
    "--chunk-size": "chunk_size",
    "--engine": "engine",
    "--hts": "hts",
}  # fmt: skip
#: Options that may be given more than once (each value is kept, in order).
_REPEATABLE = {"--scenario": "scenario", "--set": "set_"}
_FLAGS = {
    "--excel-safe": "excel_safe",
    "--decimal-comma": "decimal_comma",
    "--skip-invalid": "skip_invalid",
    "--fees": "fees",
    "--debug": "debug",
}


class _NotPlain(Exception):
    """The arguments are not a plain estimate: Typer parses them."""


def plain_estimate(argv: list[str]) -> Optional[dict[str, Any]]:
    """The parameters of :func:`~tariffcalc.cli.estimate_run.run_estimate_command` for ``argv``, or None for Typer."""
    if not argv or argv[0] != "estimate" or any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None
    try:
        return _parameters(argv[1:])
    except _NotPlain:
        return None


def _parameters(args: list[str]) -> dict[str, Any]:
    given: dict[str, Any] = {}
    baskets: list[str] = []
    tokens = iter(args)
    for token in tokens:
        _check_text(token)
        if token in _FLAGS:
            _set_once(given, _FLAGS[token], True)
        elif token in _VALUED or token in _REPEATABLE:
            value = next(tokens, None)
            if not value or value.startswith("-") and value != "-":
                raise _NotPlain
            _check_text(value)
            if token in _REPEATABLE:
                given.setdefault(_REPEATABLE[token], []).append(value)
            else:
                _set_once(given, _VALUED[token], _converted(_VALUED[token], value))
        elif token == "-" or token and not token.startswith("-"):
            baskets.append(token)
        else:
            raise _NotPlain
    if len(baskets) != 1:
        raise _NotPlain
    return {
        "basket": baskets[0],
        "schedule": given.get("schedule", DEFAULT_SCHEDULE),
        "scenario": given.get("scenario"),
        "set_": given.get("set_"),
        "date": given.get("date"),
        "fmt": given.get("fmt"),
        "output": given.get("output"),
        "input_format": given.get("input_format"),
        "excel_safe": given.get("excel_safe", False),
        "encoding": given.get("encoding", "utf-8"),
        "decimal_comma": given.get("decimal_comma", False),
        "skip_invalid": given.get("skip_invalid", False),
        "chunk_size": given.get("chunk_size", DEFAULT_CHUNK_SIZE),
        "engine": given.get("engine", Engine.pandas),
        "hts": given.get("hts"),
        "fees": given.get("fees", False),
        "debug": given.get("debug", False),
    }


def _check_text(token: str) -> None:
    """Arguments that are not valid text (a file name in another encoding) are left to Typer."""
    try:
        token.encode("utf-8")
    except UnicodeEncodeError:
        raise _NotPlain from None


def _set_once(given: dict[str, Any], name: str, value: Any) -> None:
    if name in given:  # Typer takes the last one; rare enough to leave to it
        raise _NotPlain
    given[name] = value


def _converted(name: str, value: str) -> Any:
    """The value as the Typer option makes it, when it would take it unchanged (else _NotPlain)."""
    try:
        if name == "date":
            return dt.datetime.strptime(value, "%Y-%m-%d")  # as Typer's formats=["%Y-%m-%d"] reads it
        if name == "fmt":
            return OutputFormat(value)
        if name == "input_format":
            return InputFormatOption(value)
        if name == "engine":
            return Engine(value)
    except ValueError:
        raise _NotPlain from None
    if name == "chunk_size":
        if not (value.isascii() and value.isdigit()) or int(value) < 1:
            raise _NotPlain
        return int(value)
    if name == "output":
        return None if value == "-" else Path(value)  # `-o -` is standard output, as for the Typer option
    return value


def run_plain(parameters: dict[str, Any]) -> None:
    """Run the estimate as the Typer command would: ``--format``/``--output`` checked first, then the run."""
    from ..errors import ExitStatus, InputError
    from .estimate_run import run_estimate_command
    from .running import check_output, say

    try:
        check_output(parameters["fmt"], parameters["output"])
    except InputError as exc:  # worded as the options' own check (tariffcalc.cli.options) words it
        for problem in exc.problems:
            say(f"Error: {problem}")
        raise SystemExit(ExitStatus.INVALID_INPUT) from None
    run_estimate_command(**parameters)
