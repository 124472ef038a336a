"""``tariffcalc compare``: the same basket in two or more policy states, side by side."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError, Problem
from .app import (
    app,
    codec,
    csv_writer,
    emit,
    errors_to_exit_codes,
    exit_for,
    load_state,
    note,
    report_skipped,
    say,
    say_warnings,
)
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
    SCHEDULE,
    SETS,
    SKIP_INVALID,
    InputFormatOption,
    OutputFormat,
)

BASELINE = "baseline"


def build_states(schedule: str, scenarios: list[str], dates: list[dt.date], sets: Optional[list[str]]):
    """One state per column: scenarios and dates pair up; a single one of either applies to every column."""
    from ..analysis.compare import State

    scenarios = scenarios or [BASELINE]
    dates = dates or [dt.date.today()]
    if len(scenarios) > 1 and len(dates) > 1 and len(scenarios) != len(dates):
        raise InputError(
            Problem(
                "--scenario/--date",
                f"{len(scenarios)} scenarios and {len(dates)} dates: give one of each per column, "
                "or a single one of either for every column",
            )
        )
    columns = max(len(scenarios), len(dates))
    if columns < 2:
        raise InputError(
            Problem("compare", "needs at least two states: repeat --scenario (e.g. --scenario baseline --scenario "
                    "pause-ends) or --date")
        )
    scenarios = scenarios * columns if len(scenarios) == 1 else scenarios
    dates = dates * columns if len(dates) == 1 else dates
    states = []
    for name, day in zip(scenarios, dates):
        layers = [] if name == BASELINE else [part for part in name.split("+") if part]
        label = name if len(set(dates)) == 1 else day.isoformat() if len(set(scenarios)) == 1 else f"{name}@{day}"
        states.append(State(label, tuple(layers), day, load_state(schedule, layers, sets)))
    return states


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
    debug: bool = DEBUG,
) -> None:
    """Put policy states side by side: duty per line and in total, and the change in USD and in rate points."""
    with errors_to_exit_codes(debug):
        from ..analysis.compare import ChunkedComparison
        from ..goods.chunks import CheckedChunks, basket_chunks
        from ..hts.official import OfficialHts
        from ..output import compare as compare_output

        states = build_states(schedule, scenario or [], [d.date() for d in date or []], set_)
        official = OfficialHts(hts, states[0].date, tell=note)
        chunks = CheckedChunks(
            official.chunks(
                basket_chunks(basket, input_format.value if input_format else None, codec(encoding), decimal_comma)
            ),
            skip_invalid,
        )
        run = ChunkedComparison(chunks, states)
        emit(
            fmt,
            output,
            table=lambda console: compare_output.write_table(run, console),
            csv=csv_writer(lambda stream, safe: compare_output.write_csv(run, stream, safe), excel_safe),
            json=lambda stream: compare_output.write_json(run, stream),
            jsonl=lambda stream: compare_output.write_jsonl(run, stream),
            hold=not skip_invalid,
        )
        say_warnings(official.take_notices())
        for summary in run.summaries:
            for warning in summary.warnings:
                say(f"Warning: {warning}")
        report_skipped(basket if basket != "-" else "<stdin>", chunks.lines, chunks.skipped)
    exit_for(chunks)
