"""``tariffcalc estimate``: each line's duties, the totals, and the breakdowns.

Its options, declared for Typer; the work (:func:`tariffcalc.engine.estimating.run_estimate`,
written through the sink of the chosen format) is in :mod:`tariffcalc.cli.estimate_run`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from ..defaults import DEFAULT_CHUNK_SIZE
from .choices import Engine
from .estimate_run import run_estimate_command
from .options import (
    BASKET,
    DEBUG,
    DECIMAL_COMMA,
    ENCODING,
    EXCEL_SAFE,
    FORMAT,
    HTS_OPTION,
    INPUT_FORMAT,
    OUTPUT,
    SCENARIOS,
    SCHEDULE,
    SETS,
    SKIP_INVALID,
    InputFormatOption,
    OutputFormat,
)
from .typer_app import app


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
    chunk_size: int = typer.Option(
        DEFAULT_CHUNK_SIZE, "--chunk-size", min=1, help="Lines read and computed at a time (CSV, JSON Lines and Parquet baskets)."
    ),
    engine: Engine = typer.Option(
        Engine.pandas,
        "--engine",
        help="pandas: one process, chunk by chunk; dask: the chunks as Dask partitions, computed in parallel "
        "(BASKET: CSV, Parquet, or a folder of Parquet files; needs tariffcalc[dask]).",
    ),
    hts: Optional[str] = HTS_OPTION,
    fees: bool = typer.Option(
        False, "--fees", help="Add the entry fees (MPF, and HMF for ocean lines) per entry, and the landed duty cost."
    ),
    debug: bool = DEBUG,
) -> None:
    """Compute each line's duties, the totals, and the breakdowns by measure and by country.

    CSV, JSON Lines and Parquet baskets are read and computed in chunks, so
    memory does not grow with the basket; output reaches stdout (or --output)
    only once every line has been checked, unless --skip-invalid is given.
    A progress bar is drawn on stderr for large baskets when it is a terminal.
    """
    run_estimate_command(
        basket, schedule, scenario, set_, date, fmt, output, input_format, excel_safe, encoding, decimal_comma,
        skip_invalid, chunk_size, engine, hts, fees, debug,
    )
