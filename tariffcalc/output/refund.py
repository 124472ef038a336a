"""Output of ``refund``: CSV, JSON, JSON Lines, Rich tables, and the CAPE declaration files.

A :class:`RefundReport` is what the command computed: every entry with its
refund, bucket and interest (:class:`tariffcalc.analysis.refund.Entries`),
the lines of each entry (for JSON only), the lines whose declared
``ieepa_paid`` differs from the computed IEEPA duty, and the warnings.
JSON shape (documented in the README, kept stable)::

    {"as_of", "interest_basis", "schedule",
     "entries": [{"entry_number", "entry_date", "liquidation_date", "deposit_date", "entry_type",
                  "bucket", "reason", "days_since_liquidation",
                  "ieepa_refund", "interest", "refund_with_interest", "non_refundable_duty",
                  "lines": [{"line", "hts_code", "country", "value",
                             "ieepa": [{"id", "heading", "rate", "duty"}],
                             "ieepa_duty", "ieepa_paid", "non_refundable_duty"}]}],
     "totals": {"entries", "ieepa_refund", "interest", "refund_with_interest",
                "by_bucket": [{"bucket", "entries", "ieepa_refund", "interest", "refund_with_interest"}]},
     "differences": [{"line", "where", "entry_number", "ieepa_paid", "ieepa_duty", "difference"}],
     "warnings": [...], "errors": []}

JSON Lines: one entry object per line, without ``lines``.  Amounts are
decimal strings with two places, dates ``YYYY-MM-DD`` or null.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..analysis.compare import signed_cents_str
from ..analysis.refund import BUCKETS, Entries, RefundLines
from ..goods import entry_numbers
from ..law.model import Measure
from ..money import cents_to_str, format_cents, format_percent, format_rate
from .tables import MAX_TABLE_LINES
from .text import money

#: The CSV columns, one row per entry.
CSV_COLUMNS = (
    "entry_number", "entry_date", "liquidation_date", "deposit_date", "entry_type", "lines", "value",
    "ieepa_refund", "interest", "refund_with_interest", "non_refundable_duty", "bucket", "reason",
)  # fmt: skip


@dataclass
class RefundReport:
    """A whole refund run, ready to write."""

    entries: Entries
    schedule: str
    #: Entry number (no dashes) → its line objects as JSON text, in line order; None unless JSON is written.
    lines: dict[str, list[str]] | None = None
    differences: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def heading_on(measure: Measure, day, country: str) -> str | None:
    """The chapter 99 heading of the act that set the measure's rate in force on ``day`` for ``country``."""
    heading = measure.authority.hts_heading
    for change in sorted(measure.changes, key=lambda c: c.from_):
        if change.from_ > day:
            break
        touches = change.rate is not None or (change.rates is not None and country in change.rates)
        if touches and change.authority.hts_heading:
            heading = change.authority.hts_heading
    return heading


class LineRecords:
    """The IEEPA measures of each line of a chunk: as JSON text, and as text for the reconciliation warning."""

    def __init__(self, lines: RefundLines):
        self.lines = lines
        estimate = lines.estimate
        self.refundable = [j for j, m in enumerate(estimate.measures) if m.refundable]
        self.days = estimate.dates.astype("datetime64[D]").astype(object)
        self.countries = estimate.basket.country.tolist()
        self._headings: dict[tuple, str | None] = {}

    def heading(self, j: int, i: int) -> str | None:
        measure = self.lines.estimate.measures[j]
        key = (j, self.days[i], self.countries[i])
        if key not in self._headings:
            self._headings[key] = heading_on(measure, self.days[i], self.countries[i])
        return self._headings[key]

    def ieepa(self, i: int) -> list[tuple[Measure, str | None, int, int]]:
        """(measure, heading, rate, duty) of each IEEPA measure that applies to line ``i``."""
        estimate = self.lines.estimate
        return [
            (estimate.measures[j], self.heading(j, i), int(estimate.rates[i, j]), int(estimate.duties[i, j]))
            for j in self.refundable
            if estimate.rates[i, j] >= 0
        ]

    def objects(self, first_line: int) -> list[tuple[str, str]]:
        """(entry number, line object as compact JSON text) per line, numbered from ``first_line``."""
        lines, estimate = self.lines, self.lines.estimate
        rates, duties = estimate.rates, estimate.duties
        applied = [(j, estimate.measures[j].id, np.flatnonzero(rates[:, j] >= 0)) for j in self.refundable]
        pieces: list[list[dict]] = [[] for _ in range(len(estimate))]
        for j, measure_id, rows in applied:
            for i, rate, duty in zip(rows.tolist(), rates[rows, j].tolist(), duties[rows, j].tolist()):
                pieces[i].append({"id": measure_id, "heading": self.heading(j, i), "rate": format_rate(rate), "duty": cents_to_str(duty)})
        paid = lines.history.ieepa_paid
        paid_text = [cents_to_str(p) if p >= 0 else None for p in paid.tolist()]
        columns = zip(
            lines.history.entry_number.tolist(),
            estimate.hts_dotted().tolist(),
            self.countries,
            format_cents(estimate.value).tolist(),
            pieces,
            format_cents(lines.computed).tolist(),
            paid_text,
            format_cents(lines.non_refundable).tolist(),
        )
        return [
            (
                number,
                json.dumps(
                    {
                        "line": first_line + i,
                        "hts_code": code,
                        "country": country,
                        "value": value,
                        "ieepa": ieepa,
                        "ieepa_duty": computed,
                        "ieepa_paid": declared,
                        "non_refundable_duty": other,
                    },
                    ensure_ascii=False,
                ),
            )
            for i, (number, code, country, value, ieepa, computed, declared, other) in enumerate(columns)
        ]

    def differences(self, first_line: int) -> list[tuple[str, dict]]:
        """(warning text, JSON object) per line whose ``ieepa_paid`` differs from the computed IEEPA duty."""
        lines = self.lines
        out = []
        for i in np.flatnonzero(lines.differences()):
            i = int(i)
            paid, computed = int(lines.history.ieepa_paid[i]), int(lines.computed[i])
            measures = ", ".join(
                f"{m.id} {heading} {format_percent(rate)}" if heading else f"{m.id} {format_percent(rate)}"
                for m, heading, rate, _ in self.ieepa(i)
            )
            where = lines.estimate.basket.where(i)
            text = (
                f"{where}: ieepa_paid {cents_to_str(paid)} differs from the computed IEEPA duty "
                f"{cents_to_str(computed)} by {signed_cents_str(paid - computed)} "
                f"({measures or 'no IEEPA measure applies'}); the refund uses the amount paid"
            )
            out.append(
                (
                    text,
                    {
                        "line": first_line + i,
                        "where": where,
                        "entry_number": entry_numbers.dashed(lines.history.entry_number.iloc[i]),
                        "ieepa_paid": cents_to_str(paid),
                        "ieepa_duty": cents_to_str(computed),
                        "difference": signed_cents_str(paid - computed),
                    },
                )
            )
        return out


def _dates(values: pd.Series) -> np.ndarray:
    """Each date as ``YYYY-MM-DD``, empty where there is none."""
    days = values.to_numpy(dtype="datetime64[D]")
    return np.where(np.isnat(days), "", np.datetime_as_string(days, unit="D")).astype(object)


def entry_columns(entries: Entries) -> pd.DataFrame:
    """Every entry's columns as text (dates: empty when there is none), in the CSV's order."""
    frame = entries.frame
    refund = frame["refund"].to_numpy(dtype=np.int64)
    interest = frame["interest"].to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {
            "entry_number": entry_numbers.dashed_column(frame.index),
            "entry_date": _dates(frame["entry_date"]),
            "liquidation_date": _dates(frame["liquidation_date"]),
            "deposit_date": _dates(frame["deposit_date"]),
            "entry_type": frame["entry_type"].to_numpy(dtype=object),
            "lines": frame["lines"].to_numpy(dtype=np.int64),
            "value": format_cents(frame["value"].to_numpy(dtype=np.int64)),
            "ieepa_refund": format_cents(refund),
            "interest": format_cents(interest),
            "refund_with_interest": format_cents(refund + interest),
            "non_refundable_duty": format_cents(frame["non_refundable"].to_numpy(dtype=np.int64)),
            "bucket": frame["bucket"].to_numpy(dtype=object),
            "reason": frame["reason"].to_numpy(dtype=object),
        },
        columns=list(CSV_COLUMNS),
    )


def write_csv(report: RefundReport, out: TextIO) -> None:
    entry_columns(report.entries).to_csv(out, index=False, lineterminator="\n")


def entry_records(report: RefundReport) -> list[dict]:
    """Every entry's object, without its lines."""
    columns = entry_columns(report.entries)
    days = report.entries.frame["days_since_liquidation"].to_numpy(dtype=np.int64)
    return [
        {
            "entry_number": row.entry_number,
            "entry_date": row.entry_date or None,
            "liquidation_date": row.liquidation_date or None,
            "deposit_date": row.deposit_date or None,
            "entry_type": row.entry_type,
            "bucket": row.bucket,
            "reason": row.reason,
            "days_since_liquidation": int(day) if day >= 0 else None,
            "ieepa_refund": row.ieepa_refund,
            "interest": row.interest,
            "refund_with_interest": row.refund_with_interest,
            "non_refundable_duty": row.non_refundable_duty,
        }
        for row, day in zip(columns.itertuples(index=False), days)
    ]


def totals_record(entries: Entries) -> dict:
    totals = entries.totals()
    refund, interest = int(totals["refund"].sum()), int(totals["interest"].sum())
    return {
        "entries": int(totals["entries"].sum()),
        "ieepa_refund": cents_to_str(refund),
        "interest": cents_to_str(interest),
        "refund_with_interest": cents_to_str(refund + interest),
        "by_bucket": [
            {
                "bucket": bucket,
                "entries": int(row.entries),
                "ieepa_refund": cents_to_str(int(row.refund)),
                "interest": cents_to_str(int(row.interest)),
                "refund_with_interest": cents_to_str(int(row.refund_with_interest)),
            }
            for bucket, row in totals.iterrows()
        ],
    }


def write_json(report: RefundReport, out: TextIO) -> None:
    """The document above: its head, one entry per row (with its lines), then the totals and the rest."""
    entries = report.entries
    head = {"as_of": entries.as_of.isoformat(), "interest_basis": entries.basis, "schedule": report.schedule}
    out.write(json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "entries": [')
    lines = report.lines or {}
    for k, (number, record) in enumerate(zip(entries.frame.index, entry_records(report))):
        text = json.dumps(record, ensure_ascii=False)[:-1] + ', "lines": [' + ", ".join(lines.get(number, [])) + "]}"
        out.write((",\n    " if k else "\n    ") + text)
    tail = {
        "totals": totals_record(entries),
        "differences": report.differences,
        "warnings": report.warnings,
        "errors": [],
    }
    out.write(("\n  " if len(entries.frame) else "") + "],\n" + json.dumps(tail, indent=2, ensure_ascii=False)[2:] + "\n")


def write_jsonl(report: RefundReport, out: TextIO) -> None:
    for record in entry_records(report):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def render(report: RefundReport, limit: int = MAX_TABLE_LINES) -> Group:
    columns = entry_columns(report.entries)
    days = report.entries.frame["days_since_liquidation"].to_numpy(dtype=np.int64)
    table = Table(title="Entries", title_justify="left", header_style="bold")
    for name, right in (
        ("Entry", False), ("Type", False), ("Entered", False), ("Liquidated", False), ("Days", True), ("Bucket", False),
        ("IEEPA refund", True), ("Interest", True), ("With interest", True), ("Not refunded", True),
    ):  # fmt: skip
        table.add_column(name, justify="right" if right else "left", no_wrap=True)
    for row, day in list(zip(columns.itertuples(index=False), days))[:limit]:
        table.add_row(
            row.entry_number, row.entry_type, row.entry_date, row.liquidation_date or "–",
            str(day) if day >= 0 else "–", row.bucket,
            money_text(row.ieepa_refund), money_text(row.interest), money_text(row.refund_with_interest),
            money_text(row.non_refundable_duty),
        )  # fmt: skip
    parts: list = [table]
    if len(columns) > limit:
        parts.append(Text(f"... {len(columns) - limit:,} more entries not shown here (the totals include them)", style="italic"))
    totals = report.entries.totals()
    buckets = Table(title="By bucket", title_justify="left", header_style="bold")
    for name in ("Bucket", "Entries", "IEEPA refund (USD)", "Interest (USD)", "With interest (USD)"):
        buckets.add_column(name, justify="left" if name == "Bucket" else "right", no_wrap=True)
    for bucket in BUCKETS:
        row = totals.loc[bucket]
        buckets.add_row(
            bucket, f"{int(row.entries):,}", money(int(row.refund)), money(int(row.interest)), money(int(row.refund_with_interest))
        )
    refund, interest = int(totals["refund"].sum()), int(totals["interest"].sum())
    buckets.add_row(
        Text("all", style="bold"), f"{int(totals['entries'].sum()):,}", money(refund), money(interest), money(refund + interest)
    )
    entries = report.entries
    parts += [
        buckets,
        Text(
            f"Interest at the {entries.basis} overpayment rate to {entries.as_of.isoformat()}; schedule {report.schedule}. "
            "cape: file a CAPE declaration; protest: within 180 days of liquidation; court: a CIT action.",
            style="dim",
        ),
    ]
    return Group(*parts)


def money_text(amount: str) -> str:
    """``"1234.50"`` → ``"1,234.50"``."""
    whole, _, cents = amount.partition(".")
    return f"{int(whole):,}.{cents}"


def write_table(report: RefundReport, console: Console) -> None:
    console.print(render(report))


def cape_paths(path: Path, files: int) -> list[Path]:
    """``cape.csv``, ``cape-2.csv``, ``cape-3.csv``... (``cape``, ``cape-2``... without a suffix)."""
    return [path] + [path.with_name(f"{path.stem}-{k}{path.suffix}") for k in range(2, files + 1)]


def write_cape_files(
    numbers: list[str], path: Path, header: str, per_file: int, destination: Callable[[Path], AbstractContextManager[Path]]
) -> list[Path]:
    """The CAPE declaration: ``header``, then one entry number per row, at most ``per_file`` per file.

    Each file is written through ``destination`` (a temporary path renamed into place on success);
    none is renamed until all are written.  Returns the paths.
    """
    chunks = [numbers[k : k + per_file] for k in range(0, len(numbers), per_file)] or [[]]
    paths = cape_paths(path, len(chunks))
    with ExitStack() as stack:
        for target, chunk in zip(paths, chunks):
            temp = stack.enter_context(destination(target))
            with open(temp, "w", encoding="utf-8", newline="") as stream:
                stream.write("\n".join([header, *chunk]) + "\n")
    return paths
