"""The work of ``tariffcalc estimate`` once its options are parsed: shared by the Typer command and the plain run.

Neither Typer nor Rich is imported here (Rich only when a table is drawn), so
that :mod:`tariffcalc.cli.plain` can run a plain estimate without them.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Optional

from .choices import Engine, InputFormatOption, OutputFormat
from .running import codec, csv_writer, emit, errors_to_exit_codes, exit_for, note, pick_format, report_skipped, say


def run_estimate_command(
    basket: str,
    schedule: str,
    scenario: Optional[list[str]],
    set_: Optional[list[str]],
    date: Optional[dt.datetime],
    fmt: Optional[OutputFormat],
    output: Optional[Path],
    input_format: Optional[InputFormatOption],
    excel_safe: bool,
    encoding: str,
    decimal_comma: bool,
    skip_invalid: bool,
    chunk_size: int,
    engine: Engine,
    hts: Optional[str],
    fees: bool,
    debug: bool,
) -> None:
    """Compute the run, write it, and say its warnings, notes and skipped lines; exit with the run's status."""
    with errors_to_exit_codes(debug):
        from ..api import estimate_run

        run = estimate_run(
            basket,
            date=date.date() if date else dt.date.today(),
            schedule=schedule,
            scenarios=scenario or (),
            sets=set_ or (),
            input_format=input_format.value if input_format else None,
            encoding=codec(encoding),
            decimal_comma=decimal_comma,
            chunk_size=chunk_size,
            skip_invalid=skip_invalid,
            hts=hts,
            fees=fees,
            engine=engine.value,
            tell=note,
        )
        # No bar while a table or CSV streams to the same terminal (--skip-invalid writes as it goes).
        quiet = skip_invalid and output is None and sys.stdout.isatty()
        write_run(run, fmt, output, excel_safe, quiet)
        for warning in run.summary.warnings:
            say(f"Warning: {warning}")
        if run.fees is not None and pick_format(fmt, output) not in (OutputFormat.json, OutputFormat.table):
            from ..output.fees import fees_summary_text

            note(f"{fees_summary_text(run.fees, run.summary.total_duty)} (per entry: --format json or table)")
        report_skipped(basket if basket != "-" else "<stdin>", run.summary.lines, run.skipped)
    exit_for(run)




def write_run(run, fmt: Optional[OutputFormat], output: Optional[Path], excel_safe: bool, quiet: bool) -> None:
    """The run through the sink of the chosen format, to stdout or ``--output``, with a progress bar unless ``quiet``."""
    from contextlib import nullcontext

    from ..output import sinks
    from ..output.estimate import estimate_json_sink
    from ..output.progress import progress_bar

    def stream_into(sink):
        bar = nullcontext(None) if quiet else progress_bar(f"Reading {run.basket if run.basket != '-' else 'stdin'}")
        with bar as report:
            for result, first_line in run.results(report):
                sink.write(result, first_line)
        sink.finish(run.summary, run.skipped)
        return sink

    def table_output(console):
        from ..output.tables import MAX_TABLE_LINES, TableSink  # Rich: only for a table

        stream_into(TableSink(console))
        if run.fees is not None:
            from ..output.fees import fees_table

            console.print(fees_table(run.fees, run.summary.total_duty, MAX_TABLE_LINES))

    def parquet_output(path):
        from ..output.parquet import ParquetSink

        sink = ParquetSink(path)
        try:
            stream_into(sink)
        finally:
            sink.close()

    emit(
        fmt,
        output,
        table=table_output,
        csv=csv_writer(lambda stream, safe: stream_into(sinks.CsvSink(stream, safe)).changed, excel_safe),
        json=lambda stream: stream_into(estimate_json_sink(run, stream)),
        jsonl=lambda stream: stream_into(sinks.JsonlSink(stream)),
        parquet=parquet_output,
        hold=True,  # nothing reaches stdout before the run has succeeded, also with --skip-invalid
    )
