"""``tariffcalc estimate``: each line's duties, the totals, and the breakdowns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from .app import (
    DEBUG,
    DECIMAL_COMMA,
    ENCODING,
    EXCEL_SAFE,
    FORMAT,
    INPUT_FORMAT,
    OUTPUT,
    SCENARIOS,
    SCHEDULE,
    SETS,
    SKIP_INVALID,
    InputFormatOption,
    OutputFormat,
    app,
    csv_writer,
    emit,
    errors_to_exit_codes,
    exit_for,
    load_state,
    read_basket_option,
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
    excel_safe: bool = EXCEL_SAFE,
    encoding: str = ENCODING,
    decimal_comma: bool = DECIMAL_COMMA,
    skip_invalid: bool = SKIP_INVALID,
    debug: bool = DEBUG,
) -> None:
    """Compute each line's duties, the totals, and the breakdowns by measure and by country."""
    with errors_to_exit_codes(debug):
        from .. import writers
        from ..engine import estimate as compute
        from ..tables import write_table

        day = date.date() if date else dt.date.today()
        loaded = load_state(schedule, scenario, set_)
        items = read_basket_option(basket, input_format, encoding, decimal_comma, skip_invalid)
        result = compute(items, loaded, day)
        for warning in result.warnings:
            say(f"Warning: {warning}")
        emit(
            fmt,
            output,
            table=lambda console: write_table(result, console),
            csv=csv_writer(lambda stream, safe: writers.write_csv(result, stream, safe), excel_safe),
            json=lambda stream: writers.write_json(result, stream),
            jsonl=lambda stream: writers.write_jsonl(result, stream),
        )
    exit_for(items)


@app.command()
def check(
    basket: str = BASKET,
    input_format: Optional[InputFormatOption] = INPUT_FORMAT,
    encoding: str = ENCODING,
    decimal_comma: bool = DECIMAL_COMMA,
    debug: bool = DEBUG,
) -> None:
    """Check a basket without computing anything: every problem on stderr, exit 2 if there is any."""
    with errors_to_exit_codes(debug):
        items = read_basket_option(basket, input_format, encoding, decimal_comma, False)
        say(f"OK: {len(items):,} line(s), USD {int(items.value_cents.sum()) // 100:,}.{int(items.value_cents.sum()) % 100:02d}")
