"""``tariffcalc timeline``: the basket's duty and effective rate on every date where it changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError, Problem
from .app import app, codec, emit, errors_to_exit_codes, exit_for, load_state, note, report_skipped, say, say_warnings
from .options import (
    BASKET,
    DEBUG,
    DECIMAL_COMMA,
    ENCODING,
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


@app.command()
def timeline(
    basket: str = BASKET,
    start: dt.datetime = typer.Option(..., "--from", formats=["%Y-%m-%d"], help="First day, YYYY-MM-DD."),
    end: dt.datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"], help="Last day, YYYY-MM-DD."),
    schedule: str = SCHEDULE,
    scenario: Optional[list[str]] = SCENARIOS,
    set_: Optional[list[str]] = SETS,
    fmt: Optional[OutputFormat] = FORMAT,
    output: Optional[Path] = OUTPUT,
    input_format: Optional[InputFormatOption] = INPUT_FORMAT,
    encoding: str = ENCODING,
    decimal_comma: bool = DECIMAL_COMMA,
    skip_invalid: bool = SKIP_INVALID,
    hts: Optional[str] = HTS_OPTION,
    debug: bool = DEBUG,
) -> None:
    """The basket's total duty and effective rate on every date in the window where a measure changes it."""
    with errors_to_exit_codes(debug):
        from ..analysis.timeline import timeline as run
        from ..goods.chunks import CheckedChunks, basket_chunks
        from ..hts.official import OfficialHts
        from ..output import timeline as timeline_output

        first, last = start.date(), end.date()
        if last < first:
            raise InputError(Problem("--to", f"{last} is before --from {first}"))
        loaded = load_state(schedule, scenario, set_)
        official = OfficialHts(hts, first, tell=note)
        chunks = CheckedChunks(
            official.chunks(
                basket_chunks(basket, input_format.value if input_format else None, codec(encoding), decimal_comma)
            ),
            skip_invalid,
        )
        points = run(chunks, loaded, first, last)
        say_warnings(official.take_notices())
        report_skipped(points.basket, chunks.lines, chunks.skipped)
        covers = loaded.schedule.covers
        if first < covers.from_ or last > covers.through:
            say(
                f"Warning: the window {first} to {last} reaches outside what schedule {loaded.id!r} covers "
                f"({covers.from_} to {covers.through}): changes outside it are not in the schedule"
            )
        emit(
            fmt,
            output,
            table=lambda console: timeline_output.write_table(points, console),
            csv=lambda stream: timeline_output.write_csv(points, stream),
            json=lambda stream: timeline_output.write_json(points, first, last, stream),
            jsonl=lambda stream: timeline_output.write_jsonl(points, stream),
        )
    exit_for(chunks)
