"""``tariffcalc estimate``: each line's duties, the totals, and the breakdowns.

The command wires its options to :func:`tariffcalc.api.estimate_run` (which runs
:func:`tariffcalc.engine.estimating.run_estimate`) and writes the run through the sink of the chosen format.
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .app import (
    app,
    codec,
    csv_writer,
    emit,
    errors_to_exit_codes,
    exit_for,
    note,
    pick_format,
    report_skipped,
    say,
)
from .options import (
    BASKET,
    CHUNK_SIZE,
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
    jobs_option,
)


class Engine(str, Enum):
    pandas = "pandas"
    dask = "dask"


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
    chunk_size: int = CHUNK_SIZE,
    jobs: Optional[int] = jobs_option(
        " for CSV output without --fees", default="one per core but the one that reads and writes"
    ),
    engine: Engine = typer.Option(
        Engine.pandas,
        "--engine",
        help="pandas: chunk by chunk (CSV output: in --jobs worker processes); dask: the chunks as Dask partitions, computed in parallel "
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
    memory does not grow with the basket; for CSV output the chunks of a large
    basket can be computed in worker processes (--jobs); output reaches stdout (or --output)
    only once every line has been checked, unless --skip-invalid is given.
    A progress bar is drawn on stderr for large baskets when it is a terminal.
    """
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
        write_run(run, fmt, output, excel_safe, quiet, jobs)
        for warning in run.summary.warnings:
            say(f"Warning: {warning}")
        if run.fees is not None and pick_format(fmt, output) not in (OutputFormat.json, OutputFormat.table):
            from ..output.fees import fees_summary_text

            note(f"{fees_summary_text(run.fees, run.summary.total_duty)} (per entry: --format json or table)")
        report_skipped(basket if basket != "-" else "<stdin>", run.summary.lines, run.skipped)
    exit_for(run)


def default_jobs() -> int:
    """Worker processes for a CSV estimate: one per core but one, for this process, which reads the chunks and
    writes what the workers send back (about a fifth of the work).  On two cores that is none: there, two workers
    beside the reader took as long as one process computing everything, in more memory (benchmarks/README.md)."""
    from ..engine.processes import usable_cores

    return max(1, usable_cores() - 1)


def write_run(
    run, fmt: Optional[OutputFormat], output: Optional[Path], excel_safe: bool, quiet: bool, jobs: Optional[int] = 1
) -> None:
    """The run through the sink of the chosen format, to stdout or ``--output``, with a progress bar unless ``quiet``.

    CSV is computed in ``jobs`` worker processes (None: :func:`default_jobs`), which send back each chunk's CSV text.
    """
    from contextlib import nullcontext
    from functools import partial

    from ..output import sinks
    from ..output.estimate import estimate_json_sink
    from ..output.progress import progress_bar
    from ..output.write_behind import WriteBehind

    def stream_into(sink, behind: bool = True, finish=None):
        bar = nullcontext(None) if quiet else progress_bar(f"Reading {run.basket if run.basket != '-' else 'stdin'}")
        with WriteBehind(sink.write) if behind else nullcontext(sink.write) as write, bar as report:
            for result, first_line in run.results(report, finish, default_jobs() if jobs is None else jobs):
                write(result, first_line)
                del result  # the writer holds the chunk: it is freed once written, not when the next is computed
        sink.finish(run.summary, run.skipped)
        return sink

    def table_output(console):
        from ..output.tables import MAX_TABLE_LINES, TableSink  # Rich: only for a table

        stream_into(TableSink(console), behind=False)
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

    def csv_output(stream, safe: bool) -> int:
        finish = partial(sinks.csv_chunk, excel_safe=safe)  # what a worker makes of its chunk: the CSV text
        return stream_into(sinks.CsvSink(stream, safe), finish=finish).changed

    emit(
        fmt,
        output,
        table=table_output,
        csv=csv_writer(csv_output, excel_safe),
        json=lambda stream: stream_into(estimate_json_sink(run, stream)),
        jsonl=lambda stream: stream_into(sinks.JsonlSink(stream)),
        parquet=parquet_output,
        hold=True,  # nothing reaches stdout before the run has succeeded, also with --skip-invalid
    )
