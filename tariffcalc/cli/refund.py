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
    MAX_PROBLEMS_SHOWN,
    app,
    binary_destination,
    codec,
    emit,
    errors_to_exit_codes,
    load_state,
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

BASIS_NOTE = "interest at the non-corporate overpayment rate (26 U.S.C. 6621(a)(1)); --interest corporate for a corporation"


class InterestBasis(str, Enum):
    non_corporate = "non-corporate"
    corporate = "corporate"


def collect(chunks, compiled, as_of: dt.date, with_lines: bool):
    """Per-entry sums over the chunks (and the line objects when ``with_lines``), the differences, the notices.

    Problems of the history are gathered over every chunk and raised together at the end.
    """
    from ..analysis.refund import RefundLines, combine, entries_disagree, read_history
    from ..engine.calculate import estimate
    from ..errors import InputError
    from ..notices import merge
    from ..output.refund import LineRecords

    entries = None
    lines: dict[str, list[str]] | None = {} if with_lines else None
    differences: list[tuple[str, dict]] = []
    more_differences = 0  # beyond MAX_PROBLEMS_SHOWN, counted only (unless JSON, which lists them all)
    notices: dict = {}
    problems = []
    defaulted = 0
    first_line = 1
    for basket in chunks:
        try:
            refund_lines = RefundLines.of(basket, estimate(basket, compiled, as_of, use_entry_dates=True))
        except InputError as exc:
            found = list(exc.problems)
            try:
                read_history(basket)
            except InputError as more:
                found += [p for p in more.problems if p not in found]
            problems += found
            first_line += len(basket)
            continue
        merge(notices, refund_lines.estimate.notices)
        defaulted += int(refund_lines.history.deposit_defaulted.sum())
        records = LineRecords(refund_lines)
        found = records.differences(first_line)
        keep = len(found) if with_lines else max(0, MAX_PROBLEMS_SHOWN - len(differences))
        differences += found[:keep]
        more_differences += len(found[keep:])
        if lines is not None:
            for number, record in records.objects(first_line):
                lines.setdefault(number, []).append(record)
        part = refund_lines.per_entry()
        if entries is not None:
            history = refund_lines.history
            problems += entries_disagree(basket, history.entry_number, history.entry_date, history.liquidation_date, entries)
        entries = combine([part] if entries is None else [entries, part])
        first_line += len(basket)
    if problems:
        raise InputError(problems)
    entries = entries if entries is not None else combine([])
    return entries, lines, (differences, more_differences), list(notices.values()), defaulted


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
        from ..analysis.interest import load_interest_rates
        from ..analysis.refund import classify, load_cape_rules
        from ..engine.compile import CompiledSchedule
        from ..errors import InputError, Problem
        from ..goods.chunks import CheckedChunks, basket_chunks
        from ..hts.official import OfficialHts
        from ..output import refund as refund_output

        if cape_file is not None and not (cape_file.parent if str(cape_file.parent) else Path(".")).is_dir():
            raise InputError(Problem(str(cape_file), "cannot write the CAPE file here (no such folder)"))
        day = as_of.date() if as_of else dt.date.today()
        basis = (interest or InterestBasis.non_corporate).value
        rates = load_interest_rates(interest_rates)
        rules = load_cape_rules()
        loaded = load_state(schedule, None, None)
        official = OfficialHts(hts, day, tell=note)
        chunks = CheckedChunks(
            official.chunks(
                basket_chunks(history, input_format.value if input_format else None, codec(encoding), False, chunk_size)
            ),
            False,
        )
        chosen = pick_format(fmt, output)
        entries, lines, differences, notices, defaulted = collect(
            chunks, CompiledSchedule.of(loaded), day, with_lines=chosen is OutputFormat.json
        )
        classified = classify(entries, day, basis, rates, rules)
        name = history if history != "-" else "<stdin>"
        if chunks.lines == 0:
            say(f"Warning: {name} has no lines")
        if interest is None:
            note(BASIS_NOTE)
        if defaulted:
            note(f"deposit_date is empty on {defaulted:,} line(s): the entry date is taken as the day the duty was deposited")
        warnings = [n.text for n in official.take_notices()] + [n.text for n in notices]
        warnings += [_borrowed_text(rates, quarter) for quarter in sorted(classified.borrowed_quarters)]
        differences, more_differences = differences
        warnings += [text for text, _ in differences[:MAX_PROBLEMS_SHOWN]]
        more_differences += len(differences[MAX_PROBLEMS_SHOWN:])
        if more_differences:
            warnings.append(f"... and {more_differences:,} more lines whose ieepa_paid differs from the computed IEEPA duty")
        for warning in warnings:
            say(f"Warning: {warning}")
        report = refund_output.RefundReport(
            classified, loaded.id, lines, [record for _, record in differences], warnings
        )
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


def _borrowed_text(rates, quarter: str) -> str:
    earlier = [q for q in rates.quarters if q.quarter < quarter] or rates.quarters[:1]
    used = max(earlier, key=lambda q: q.quarter).quarter
    return f"no interest rate is known for {quarter}: the rate of {used} is used"


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
