"""``tariffcalc compare``: the same basket in two or more policy states, side by side."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from .app import (
    app,
    binary_destination,
    codec,
    csv_writer,
    emit,
    errors_to_exit_codes,
    exit_for,
    note,
    report_skipped,
    say,
    say_warnings,
)
from .options import (
    BASKET,
    CHART,
    DEBUG,
    DECIMAL_COMMA,
    ENCODING,
    EXCEL_SAFE,
    FORMAT,
    HTS_OPTION,
    INPUT_FORMAT,
    OUTPUT,
    SCHEDULE,
    SETS,
    SKIP_INVALID,
    InputFormatOption,
    OutputFormat,
)

BASELINE = "baseline"


def build_states(schedule: str, scenarios: list[str], dates: list[dt.date], sets: Optional[list[str]]):
    """One state per column (see :func:`tariffcalc.api.build_states`)."""
    from ..api import build_states as states

    return states(schedule, scenarios, dates, sets or ())


@app.command()
def compare(
    basket: str = BASKET,
    scenario: Optional[list[str]] = typer.Option(
        None,
        "--scenario",
        metavar="NAME",
        help="One column per use: a scenario name or path, 'baseline' for none, or several joined by '+'.",
    ),
    date: Optional[list[dt.datetime]] = typer.Option(
        None, "--date", "-d", formats=["%Y-%m-%d"], help="One column per use, or one date for every column (default: today)."
    ),
    schedule: str = SCHEDULE,
    set_: Optional[list[str]] = SETS,
    fmt: Optional[OutputFormat] = FORMAT,
    output: Optional[Path] = OUTPUT,
    input_format: Optional[InputFormatOption] = INPUT_FORMAT,
    encoding: str = ENCODING,
    decimal_comma: bool = DECIMAL_COMMA,
    skip_invalid: bool = SKIP_INVALID,
    excel_safe: bool = EXCEL_SAFE,
    hts: Optional[str] = HTS_OPTION,
    chart: Optional[Path] = CHART,
    debug: bool = DEBUG,
) -> None:
    """Put policy states side by side: duty per line and in total, and the change in USD and in rate points."""
    with errors_to_exit_codes(debug):
        if chart is not None:
            from ..output.chart import check_chart_path

            check_chart_path(chart)
        from ..api import compare_run
        from ..output import compare as compare_output

        run, chunks, official = compare_run(
            basket,
            scenarios=scenario or (),
            dates=[d.date() for d in date or []],
            schedule=schedule,
            sets=set_ or (),
            hts=hts,
            input_format=input_format.value if input_format else None,
            encoding=codec(encoding),
            decimal_comma=decimal_comma,
            skip_invalid=skip_invalid,
            tell=note,
        )
        emit(
            fmt,
            output,
            table=lambda console: compare_output.write_table(run, console),
            csv=csv_writer(lambda stream, safe: compare_output.write_csv(run, stream, safe), excel_safe),
            json=lambda stream: compare_output.write_json(run, stream),
            jsonl=lambda stream: compare_output.write_jsonl(run, stream),
            hold=True,  # nothing reaches stdout before the run has succeeded, also with --skip-invalid
        )
        if chart is not None:
            from ..output.chart import compare_chart

            document = {"basket": basket if basket != "-" else "<stdin>", "totals": compare_output.totals_record(run)}
            with binary_destination(chart) as path:
                compare_chart(document, path, chart.suffix.lower()[1:])
            note(f"chart written to {chart}")
        say_warnings(official.take_notices())
        for summary in run.summaries:
            for warning in summary.warnings:
                say(f"Warning: {warning}")
        report_skipped(basket if basket != "-" else "<stdin>", chunks.lines, chunks.skipped)
    exit_for(chunks)
