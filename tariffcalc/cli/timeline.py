"""``tariffcalc timeline``: the basket's duty and effective rate on every date where it changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from .app import app, binary_destination, codec, emit, errors_to_exit_codes, exit_for, note, report_skipped, say
from .options import (
    BASKET,
    CHART,
    CHUNK_SIZE,
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
    jobs_option,
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
    chart: Optional[Path] = CHART,
    chunk_size: int = CHUNK_SIZE,
    jobs: Optional[int] = jobs_option(),
    debug: bool = DEBUG,
) -> None:
    """The basket's total duty and effective rate on every date in the window where a measure changes it."""
    with errors_to_exit_codes(debug):
        from ..api import timeline_run
        from ..output import timeline as timeline_output

        if chart is not None:
            from ..output.chart import check_chart_path

            check_chart_path(chart)

        first, last = start.date(), end.date()
        points, chunks, notices, coverage = timeline_run(
            basket,
            start=first,
            end=last,
            schedule=schedule,
            scenarios=scenario or (),
            sets=set_ or (),
            hts=hts,
            input_format=input_format.value if input_format else None,
            encoding=codec(encoding),
            decimal_comma=decimal_comma,
            skip_invalid=skip_invalid,
            chunk_size=chunk_size,
            jobs=jobs,
            tell=note,
        )
        for text in notices:
            say(f"Warning: {text}")
        report_skipped(points.basket, chunks.lines, chunks.skipped)
        if coverage:
            say(f"Warning: {coverage}")
        emit(
            fmt,
            output,
            table=lambda console: timeline_output.write_table(points, console),
            csv=lambda stream: timeline_output.write_csv(points, stream),
            json=lambda stream: timeline_output.write_json(points, first, last, stream),
            jsonl=lambda stream: timeline_output.write_jsonl(points, stream),
        )
        if chart is not None:
            import io
            import json

            from ..output.chart import timeline_chart

            document = io.StringIO()
            timeline_output.write_json(points, first, last, document)
            with binary_destination(chart) as path:
                timeline_chart(json.loads(document.getvalue()), path, chart.suffix.lower()[1:])
            note(f"chart written to {chart}")
    exit_for(chunks)
