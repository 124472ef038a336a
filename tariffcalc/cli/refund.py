"""``tariffcalc refund``: what a history of past entries paid in IEEPA duties, where each refund goes, and its interest.

Every line is priced on its own ``entry_date`` by the same engine as
``estimate``; the history is read in chunks, and only the per-entry sums are
kept across them (for JSON, the lines of each entry too).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..defaults import DEFAULT_CHUNK_SIZE
from .app import (
    app,
    binary_destination,
    codec,
    emit,
    errors_to_exit_codes,
    note,
    pick_format,
    say,
)
from .options import (
    DEBUG,
    ENCODING,
    FORMAT,
    HTS_OPTION,
    INPUT_FORMAT,
    OUTPUT,
    SCHEDULE,
    InputFormatOption,
    OutputFormat,
)

class InterestBasis(str, Enum):
    non_corporate = "non-corporate"
    corporate = "corporate"


@app.command()
def refund(
    history: str = typer.Argument(
        ...,
        metavar="HISTORY",
        help="A history of past entry lines (CSV, JSON, JSON Lines, YAML or Parquet), or - for stdin: a basket with "
        "entry_number, entry_date, liquidation_date, deposit_date, entry_type and ieepa_paid columns.",
    ),
    schedule: str = SCHEDULE,
    as_of: Optional[dt.datetime] = typer.Option(
        None, "--as-of", formats=["%Y-%m-%d"], help="The day the buckets and interest are computed for, YYYY-MM-DD (default: today)."
    ),
    interest: Optional[InterestBasis] = typer.Option(
        None, "--interest", help="The overpayment rate: non-corporate (default) or corporate (26 U.S.C. 6621(a)(1))."
    ),
    interest_rates: Optional[Path] = typer.Option(
        None, "--interest-rates", metavar="FILE", help="Quarterly interest rates (default: data/refunds/interest-rates.yaml)."
    ),
    cape_file: Optional[Path] = typer.Option(
        None,
        "--cape-file",
        metavar="PATH",
        help="Also write the CAPE declaration: the cape-bucket entries, at most 9,999 per file (PATH, PATH-2...).",
    ),
    fmt: Optional[OutputFormat] = FORMAT,
    output: Optional[Path] = OUTPUT,
    input_format: Optional[InputFormatOption] = INPUT_FORMAT,
    encoding: str = ENCODING,
    chunk_size: int = typer.Option(
        DEFAULT_CHUNK_SIZE, "--chunk-size", min=1, help="Lines read and computed at a time (CSV, JSON Lines and Parquet histories)."
    ),
    hts: Optional[str] = HTS_OPTION,
    debug: bool = DEBUG,
) -> None:
    """The IEEPA duties each past entry paid, its refund bucket (cape, protest, court, excluded, none) and interest.

    CSV and JSON Lines keep only per-entry sums across chunks; JSON also holds each entry's lines in memory.
    """
    with errors_to_exit_codes(debug):
        from ..api import refund_report
        from ..errors import InputError, Problem
        from ..output import refund as refund_output

        if cape_file is not None and not (cape_file.parent if str(cape_file.parent) else Path(".")).is_dir():
            raise InputError(Problem(str(cape_file), "cannot write the CAPE file here (no such folder)"))
        chosen = pick_format(fmt, output)
        report, classified, rules = refund_report(
            history,
            as_of=as_of.date() if as_of else dt.date.today(),
            schedule=schedule,
            interest=interest.value if interest else None,
            interest_rates=interest_rates,
            hts=hts,
            input_format=input_format.value if input_format else None,
            encoding=codec(encoding),
            chunk_size=chunk_size,
            with_lines=chosen is OutputFormat.json,
            tell=note,
            warn=lambda text: say(f"Warning: {text}"),
            name=history if history != "-" else "<stdin>",
        )
        for warning in report.warnings:
            say(f"Warning: {warning}")
        emit(
            chosen,
            output,
            table=lambda console: refund_output.write_table(report, console),
            csv=lambda stream: refund_output.write_csv(report, stream),
            json=lambda stream: refund_output.write_json(report, stream),
            jsonl=lambda stream: refund_output.write_jsonl(report, stream),
        )
        if cape_file is not None:
            write_cape(classified.cape_numbers(), cape_file, rules)


def write_cape(numbers: list[str], path: Path, rules) -> None:
    """The CAPE declaration file(s), or a warning when no entry is in the cape bucket."""
    from ..output.refund import write_cape_files

    if not numbers:
        say(f"Warning: no entry is in the cape bucket: {path} was not written")
        return
    from ..output.refund import cape_paths

    paths = write_cape_files(numbers, path, rules.header, rules.max_entries_per_file, binary_destination)
    # Files of an earlier, larger run are not this declaration; say so rather than delete them.
    stale = [p for p in cape_paths(path, len(paths) + 50)[len(paths):] if p.exists()]
    if stale:
        say(
            f"Warning: {', '.join(str(p) for p in stale)} {'is' if len(stale) == 1 else 'are'} not part of this "
            f"declaration ({len(paths)} file{'' if len(paths) == 1 else 's'} written): left from an earlier run, "
            "do not upload"
        )
    if len(paths) == 1:
        note(f"CAPE declaration: {len(numbers):,} entr{'y' if len(numbers) == 1 else 'ies'} written to {path}")
    else:
        note(
            f"CAPE declaration: {len(numbers):,} entries in {len(paths)} files of at most "
            f"{rules.max_entries_per_file:,} entries: {', '.join(str(p) for p in paths)}"
        )
