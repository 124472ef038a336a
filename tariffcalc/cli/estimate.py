"""``tariffcalc estimate``: each line's duties, the totals, and the breakdowns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional, TextIO

import typer

from .app import (
    DEBUG,
    FORMAT,
    INPUT_FORMAT,
    OUTPUT,
    SCENARIOS,
    SCHEDULE,
    SETS,
    InputFormatOption,
    OutputFormat,
    app,
    console_for,
    destination,
    errors_to_exit_codes,
    load_state,
    pick_format,
    say,
)

BASKET = typer.Argument(..., metavar="BASKET", help="Basket file (CSV, JSON, JSON Lines or YAML), or - for stdin.")


@app.command()
def estimate(
    basket: str = BASKET,
    schedule: str = SCHEDULE,
    scenario: Optional[list[str]] = SCENARIOS,
    set_: Optional[list[str]] = SETS,
    date: Optional[dt.datetime] = typer.Option(
        None, "--date", "-d", formats=["%Y-%m-%d"], help="Entry date, YYYY-MM-DD (default: today). A line's entry_date column wins."
    ),
    fmt: Optional[OutputFormat] = FORMAT,
    output: Optional[Path] = OUTPUT,
    input_format: Optional[InputFormatOption] = INPUT_FORMAT,
    debug: bool = DEBUG,
) -> None:
    """Compute each line's duties, the totals, and the breakdowns by measure and by country."""
    with errors_to_exit_codes(debug):
        from ..basket import read_basket
        from ..engine import estimate as compute

        day = date.date() if date else dt.date.today()
        loaded = load_state(schedule, scenario, set_)
        items = read_basket(basket, input_format.value if input_format else None)
        result = compute(items, loaded, day)
        for warning in result.warnings:
            say(f"Warning: {warning}")
        chosen = pick_format(fmt, output)
        with destination(output) as stream:
            write(result, chosen, stream, to_file=output is not None)


def write(result, chosen: OutputFormat, stream: TextIO, to_file: bool) -> None:
    from .. import writers

    if chosen is OutputFormat.table:
        from ..tables import write_table

        write_table(result, console_for(stream, to_file))
    elif chosen is OutputFormat.csv:
        writers.write_csv(result, stream)
    elif chosen is OutputFormat.json:
        writers.write_json(result, stream)
    else:
        writers.write_jsonl(result, stream)
