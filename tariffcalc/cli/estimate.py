"""``tariffcalc estimate``: each line's duties, the totals, and the breakdowns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

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
    emit,
    errors_to_exit_codes,
    load_state,
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
        from .. import writers
        from ..basket import read_basket
        from ..engine import estimate as compute
        from ..tables import write_table

        day = date.date() if date else dt.date.today()
        loaded = load_state(schedule, scenario, set_)
        items = read_basket(basket, input_format.value if input_format else None)
        result = compute(items, loaded, day)
        for warning in result.warnings:
            say(f"Warning: {warning}")
        emit(
            fmt,
            output,
            table=lambda console: write_table(result, console),
            csv=lambda stream: writers.write_csv(result, stream),
            json=lambda stream: writers.write_json(result, stream),
            jsonl=lambda stream: writers.write_jsonl(result, stream),
        )
