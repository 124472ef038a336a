"""``tariffcalc estimate``: each line's duties, the totals, and the breakdowns."""

from __future__ import annotations

import datetime as dt
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..defaults import DEFAULT_CHUNK_SIZE
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
    codec,
    csv_writer,
    emit,
    errors_to_exit_codes,
    exit_for,
    load_state,
    pick_format,
    report_skipped,
    say,
)
from .hts import HTS_OPTION

BASKET = typer.Argument(
    ..., metavar="BASKET", help="Basket file (CSV, JSON, JSON Lines, YAML or Parquet), or - for stdin."
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
    with errors_to_exit_codes(debug):
        from contextlib import nullcontext

        from ..engine.fees import EntryFees
        from ..engine.run import ChunkedEstimate
        from ..goods.chunks import basket_chunks
        from ..notices import merge as merge_notices
        from ..output import sinks as writers
        from ..output.progress import progress_bar
        from ..output.tables import MAX_TABLE_LINES, TableSink
        from .hts import OfficialHts

        day = date.date() if date else dt.date.today()
        loaded = load_state(schedule, scenario, set_)
        source_format = input_format.value if input_format else None
        official = OfficialHts(hts, day)
        if engine is Engine.dask:
            from ..engine.dask_run import require_dask

            require_dask()
            official.refuse_for("--engine dask")
        entry_fees = EntryFees() if fees else None
        run = None

        def extend_tail(tail, summary):
            """The JSON's additions: the HTS used (edition, source, SHA-256) and the entry fees."""
            if official.schedule is not None:
                tail["hts"] = {k: official.schedule.meta.get(k) for k in ("edition", "source", "sha256")}
            if entry_fees is not None:
                tail["totals"].update(entry_fees.totals_object(summary.total_duty))
                tail["fees"] = entry_fees.fees_object()

        def stream_into(sink):
            nonlocal run
            sink.extend_tail = extend_tail
            # No bar while a table or CSV streams to the same terminal (--skip-invalid writes as it goes).
            quiet = skip_invalid and output is None and sys.stdout.isatty()
            bar = nullcontext(None) if quiet else progress_bar(f"Reading {basket if basket != '-' else 'stdin'}")
            with bar as report:
                if engine is Engine.dask:
                    from ..engine.dask_run import DaskEstimate

                    run = DaskEstimate(
                        basket, source_format, codec(encoding), decimal_comma, chunk_size, loaded, day, skip_invalid, report
                    )
                else:
                    chunks = basket_chunks(basket, source_format, codec(encoding), decimal_comma, chunk_size, report)
                    run = ChunkedEstimate(official.chunks(chunks), loaded, day, skip_invalid)
                for result, first_line in run:
                    sink.write(result, first_line)
                    official.merge_notices(run.summary)
                    if entry_fees is not None:
                        entry_fees.add(result)
            if entry_fees is not None:
                merge_notices(run.summary.notices, entry_fees.notices())
            sink.finish(run.summary, run.skipped)
            return sink

        def table_output(console):
            stream_into(TableSink(console))
            if entry_fees is not None:
                console.print(entry_fees.rich_table(run.summary.total_duty, MAX_TABLE_LINES))

        def parquet_output(path):
            from ..output.parquet import ParquetSink

            sink = ParquetSink(path)
            try:
                stream_into(sink)
            finally:
                sink.close()

        def csv_output(stream, safe):
            return stream_into(writers.CsvSink(stream, safe)).changed

        emit(
            fmt,
            output,
            table=table_output,
            csv=csv_writer(csv_output, excel_safe),
            json=lambda stream: stream_into(writers.JsonSink(stream, loaded, day)),
            jsonl=lambda stream: stream_into(writers.JsonlSink(stream)),
            parquet=parquet_output,
            hold=not skip_invalid,
        )
        for warning in run.summary.warnings:
            say(f"Warning: {warning}")
        if entry_fees is not None and pick_format(fmt, output) not in (OutputFormat.json, OutputFormat.table):
            say(f"Note: {entry_fees.summary_text(run.summary.total_duty)} (per entry: --format json or table)")
        report_skipped(basket if basket != "-" else "<stdin>", run.summary.lines, run.skipped)
    exit_for(run)


@app.command()
def check(
    basket: str = BASKET,
    input_format: Optional[InputFormatOption] = INPUT_FORMAT,
    encoding: str = ENCODING,
    decimal_comma: bool = DECIMAL_COMMA,
    hts: Optional[str] = HTS_OPTION,
    debug: bool = DEBUG,
) -> None:
    """Check a basket without computing anything: every problem on stderr, exit 2 if there is any."""
    with errors_to_exit_codes(debug):
        from ..goods.chunks import CheckedChunks, basket_chunks
        from .hts import OfficialHts

        chunks = basket_chunks(basket, input_format.value if input_format else None, codec(encoding), decimal_comma)
        checked = CheckedChunks(OfficialHts(hts, dt.date.today()).chunks(chunks), skip_invalid=False)
        value = sum(int(chunk.value_cents.sum()) for chunk in checked)
        say(f"OK: {checked.lines:,} line(s), USD {value // 100:,}.{value % 100:02d}")
