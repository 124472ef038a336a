"""``tariffcalc check``: every problem of a basket that ``estimate`` would refuse, with nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import typer

from ..defaults import DEFAULT_CHUNK_SIZE
from .app import app, codec, errors_to_exit_codes, load_state, note, say
from .options import (
    BASKET,
    DEBUG,
    DECIMAL_COMMA,
    ENCODING,
    HTS_OPTION,
    INPUT_FORMAT,
    SCENARIOS,
    SCHEDULE,
    SETS,
    InputFormatOption,
)


@app.command()
def check(
    basket: str = BASKET,
    schedule: str = SCHEDULE,
    scenario: Optional[list[str]] = SCENARIOS,
    set_: Optional[list[str]] = SETS,
    date: Optional[dt.datetime] = typer.Option(
        None, "--date", "-d", formats=["%Y-%m-%d"], help="Entry date, YYYY-MM-DD (default: today). A line's entry_date column wins."
    ),
    input_format: Optional[InputFormatOption] = INPUT_FORMAT,
    encoding: str = ENCODING,
    decimal_comma: bool = DECIMAL_COMMA,
    chunk_size: int = typer.Option(DEFAULT_CHUNK_SIZE, "--chunk-size", min=1, help="Lines read and checked at a time."),
    hts: Optional[str] = HTS_OPTION,
    fees: bool = typer.Option(False, "--fees", help="Check the columns the entry fees need too (mode, entry_id), as estimate --fees does."),
    debug: bool = DEBUG,
) -> None:
    """Check a basket as ``estimate`` with the same options would: every problem on stderr, exit 2 if there is any; nothing on stdout.

    It runs the same reading, checks and computation as ``estimate`` (so a basket ``check`` passes is one
    ``estimate`` accepts), and writes only ``OK`` with the line count and value.
    """
    with errors_to_exit_codes(debug):
        from ..engine.estimating import run_estimate
        from ..output.text import money

        run = run_estimate(
            basket,
            load_state(schedule, scenario, set_),
            date.date() if date else dt.date.today(),
            input_format=input_format.value if input_format else None,
            encoding=codec(encoding),
            decimal_comma=decimal_comma,
            chunk_size=chunk_size,
            hts=hts,
            fees=fees,
            tell=note,
        )
        for _ in run:
            pass
        say(f"OK: {run.summary.lines:,} line(s), USD {money(run.summary.value)}")
