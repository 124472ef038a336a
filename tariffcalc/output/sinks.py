"""Machine-readable output: CSV, JSON and JSON Lines.

The JSON contract (documented in the README and tested) is::

    {"schedule": {...}, "date": "YYYY-MM-DD",
     "lines": [{"line": 1, "hts_code": "8703.23.01", "description": ..., "country": "JP",
                "date": "2025-04-17", "value": "30000.00", "mfn_rate": "0.025", "mfn_duty": "750.00",
                "measures": [{"id": ..., "rate": "0.25", "duty": "7500.00"}],
                "additional_duty": "7500.00", "total_duty": "8250.00", "effective_rate": "0.275"}],
     "totals": {...}, "by_measure": [...], "by_country": [...], "warnings": [...], "errors": [...]}

Amounts and rates are decimal strings; ``effective_rate`` is null for a line
of value 0.  Line objects are built as text with vectorised string
operations, one column at a time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import numpy as np
import pandas as pd

from ..engine.result import Estimate, Summary, Totals
from ..engine.run import Finished
from ..goods.basket import HTS_COLUMNS, Basket, Skipped
from ..law.model import Schedule
from ..money import cents_to_str, format_cents, format_rate, format_rates
from .utf8 import write_utf8

#: The columns the CSV writer appends after the input's own.
COMPUTED_COLUMNS = ("mfn_duty", "additional_duty", "total_duty", "effective_rate", "measures", "refundable_duty", "ad_cvd_duty")


def _json_strings(values: pd.Series) -> pd.Series:
    """Each value as a JSON string literal; each distinct value encoded once."""
    codes, uniques = pd.factorize(values.astype(object).fillna(""))
    encoded = np.array([json.dumps(str(v), ensure_ascii=False) for v in uniques] or ["null"], dtype=object)
    return pd.Series(encoded[codes], dtype=object)


def _quoted(values: pd.Series) -> pd.Series:
    """Wrap strings known to need no escaping (digits, dots, codes) in quotes."""
    return '"' + pd.Series(values, dtype=object).reset_index(drop=True) + '"'


def line_objects(estimate: Estimate, first_line: int = 1) -> pd.Series:
    """Each line's JSON object, as one line of text; lines are numbered from ``first_line``."""
    n = len(estimate)
    description = estimate.basket.text("description")
    description_json = (
        _json_strings(description) if description is not None else pd.Series("null", index=range(n), dtype=object)
    )
    measures = estimate.join_measures(
        lambda measure, rates, duties, bases: f'{{"id": {json.dumps(measure.id)}, "rate": "'
        + rates
        + '", "duty": "'
        + duties
        + np.where(bases == "", '"', '", "basis": "' + bases + '"')
        + "}",
        ", ",
        with_bases=True,
    )
    effective = format_rates(estimate.effective_rate)
    effective_json = _quoted(effective).where(effective != "", "null")
    dates = pd.Series(np.datetime_as_string(estimate.dates, unit="D"), dtype=object)
    return (
        '{"line": '
        + pd.Series(np.arange(first_line, first_line + n).astype(str), dtype=object)
        + ', "hts_code": '
        + _quoted(estimate.hts_dotted())
        + ', "description": '
        + description_json
        + ', "country": '
        + _quoted(estimate.basket.country)
        + ', "date": '
        + _quoted(dates)
        + ', "value": '
        + _quoted(format_cents(estimate.value))
        + ', "mfn_rate": '
        + _quoted(format_rates(estimate.basket.mfn_micro))
        + ', "mfn_duty": '
        + _quoted(format_cents(estimate.mfn_duty))
        + ', "measures": ['
        + measures
        + '], "additional_duty": '
        + _quoted(format_cents(estimate.additional_duty))
        + ', "total_duty": '
        + _quoted(format_cents(estimate.total_duty))
        + ', "effective_rate": '
        + effective_json
        + ', "refundable_duty": '
        + _quoted(format_cents(estimate.refundable_duty))
        + ("" if estimate.ad_cvd_duty is None else ', "ad_cvd_duty": ' + _quoted(format_cents(estimate.ad_cvd_duty)))
        + _added_json(estimate, n)
        + "}"
    )


def _added_json(estimate: Estimate, n: int) -> pd.Series:
    """The keys that an official HTS adds to each line (``hts_description``, ``mfn_source``...), or nothing."""
    text = pd.Series("", index=range(n), dtype=object)
    for name in HTS_COLUMNS:
        if name in estimate.basket.columns:
            values = estimate.basket.columns[name].astype(object).fillna("").reset_index(drop=True)
            text = text + f', "{name}": ' + _json_strings(values).where(values != "", "null")
    return text


def totals_object(totals: Totals, skipped=None) -> dict:
    """The totals; the ``skipped_*`` keys account for invalid lines left out with --skip-invalid (0 otherwise)."""
    effective = totals.effective_rate
    return {
        "lines": totals.lines,
        "value": cents_to_str(totals.value),
        "mfn_duty": cents_to_str(totals.mfn_duty),
        "additional_duty": cents_to_str(totals.additional_duty),
        "total_duty": cents_to_str(totals.total_duty),
        "effective_rate": format_rate(effective) if effective >= 0 else None,
        "refundable_duty": cents_to_str(totals.refundable_duty),
        **({} if totals.ad_cvd_duty is None else {"ad_cvd_duty": cents_to_str(totals.ad_cvd_duty)}),
        "skipped_lines": skipped.lines if skipped else 0,
        "skipped_value": cents_to_str(skipped.value_cents if skipped else 0),
        "skipped_value_unknown_lines": skipped.unknown_value_lines if skipped else 0,
    }


def schedule_object(schedule: Schedule) -> dict:
    """The schedule's identity and every measure in it, with its legal authority."""
    info = schedule.schedule
    return {
        "id": info.id,
        "name": info.name,
        "covers": {"from": info.covers.from_.isoformat(), "through": info.covers.through.isoformat()},
        "measures": [
            {"id": m.id, "name": m.name, "authority": m.authority.as_json()}
            for m in schedule.measures
        ],
    }


def breakdown_objects(summary: Summary) -> tuple[list[dict], list[dict]]:
    by_measure = [
        {
            "id": row.id,
            "name": row.name,
            "lines": int(row.lines),
            "value": cents_to_str(int(row.value)),
            "duty": cents_to_str(int(row.duty)),
        }
        for row in summary.by_measure().itertuples()
    ]
    by_country = [
        {
            "country": row.country,
            "lines": int(row.lines),
            "value": cents_to_str(int(row.value)),
            "mfn_duty": cents_to_str(int(row.mfn_duty)),
            "additional_duty": cents_to_str(int(row.additional_duty)),
            "total_duty": cents_to_str(int(row.total_duty)),
            "effective_rate": format_rate(int(row.effective_rate)) if row.effective_rate >= 0 else None,
        }
        for row in summary.by_country().itertuples()
    ]
    return by_measure, by_country


class Sink:
    """Where an estimate's output goes, one chunk of lines at a time, then the totals."""

    def write(self, estimate: Estimate, first_line: int) -> None:
        raise NotImplementedError

    def finish(self, summary: Summary, skipped: Skipped | None) -> None:
        """Called once, after the last chunk."""


class JsonSink(Sink):
    """The JSON document: its head, the lines as they come, then the totals and breakdowns.

    ``extend_tail(tail, summary)``, if given, adds to the tail (``estimate`` adds the HTS used and the fees).
    """

    def __init__(
        self, out: TextIO, schedule: Schedule, date: dt.date, extend_tail: Callable[[dict, Summary], None] | None = None
    ):
        self.out = out
        self.started = False
        self.extend_tail = extend_tail
        head = {"schedule": schedule_object(schedule), "date": date.isoformat()}
        self.out.write(json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "lines": [')

    def write(self, estimate: Estimate, first_line: int) -> None:
        lines = line_objects(estimate, first_line)
        if len(lines):
            self.out.write((",\n    " if self.started else "\n    ") + ",\n    ".join(lines))
            self.started = True

    def finish(self, summary: Summary, skipped: Skipped | None) -> None:
        by_measure, by_country = breakdown_objects(summary)
        tail = {
            "totals": totals_object(summary.totals(), skipped),
            "by_measure": by_measure,
            "by_country": by_country,
            "warnings": summary.warnings,
            "errors": [str(p) for p in skipped.problems] if skipped else [],
        }
        if self.extend_tail is not None:
            self.extend_tail(tail, summary)
        self.out.write(("\n  " if self.started else "") + "],\n" + json.dumps(tail, indent=2, ensure_ascii=False)[2:] + "\n")


class JsonlSink(Sink):
    def __init__(self, out: TextIO):
        self.out = out

    def write(self, estimate: Estimate, first_line: int) -> None:
        lines = line_objects(estimate, first_line)
        if len(lines):
            self.out.write("\n".join(lines) + "\n")


class CsvSink(Sink):
    def __init__(self, out: TextIO, excel_safe: bool = False):
        self.out, self.excel_safe = out, excel_safe
        self.header = True
        #: Cells neutralised by ``excel_safe``.
        self.changed = 0

    def write(self, estimate: Estimate | Finished[CsvChunk], first_line: int) -> None:
        """A chunk's lines: its estimate, or its :class:`CsvChunk` made in a worker process (:func:`csv_chunk`)."""
        chunk = estimate.value if isinstance(estimate, Finished) else csv_chunk(estimate, self.excel_safe)
        if self.header:
            self.out.write(chunk.header)
            self.header = False
        write_utf8(self.out, chunk.body)
        self.changed += chunk.changed


@dataclass(frozen=True)
class CsvChunk:
    """A chunk's CSV text: the header line, the lines (UTF-8), and the cells ``excel_safe`` changed."""

    header: str
    body: bytes
    changed: int


def csv_chunk(estimate: Estimate, excel_safe: bool = False) -> CsvChunk:
    """The input's columns (as written) then the computed ones, as CSV (see :func:`csv_frame`).

    Built on whole columns with pyarrow (:mod:`tariffcalc.output.csv_text`), or by pandas when an input column
    holds anything but text (or pyarrow is missing): the same bytes.
    """
    inputs = input_frame(estimate.basket)
    try:
        from .csv_text import estimate_text
    except ImportError:  # no pyarrow (a core dependency, but a broken install should still get its CSV)
        pass
    else:
        made = estimate_text(inputs, estimate, excel_safe)
        if made is not None:
            header, body, changed = made
            return CsvChunk(header, bytes(body), changed)  # bytes: sent back from a worker process
    frame = pd.concat([inputs, estimate.computed_columns()], axis=1)
    changed = 0
    if excel_safe:
        frame, changed = neutralise_formulas(frame)
    quoting = bare_cr_quoting(frame)
    header = frame.head(0).to_csv(index=False, lineterminator="\n", quoting=quoting)
    body = frame.to_csv(index=False, header=False, lineterminator="\n", quoting=quoting)
    return CsvChunk(header, body.encode("utf-8"), changed)


def bare_cr_quoting(frame: pd.DataFrame) -> int:
    """``csv.QUOTE_ALL`` for the rare chunk with a carriage return in a cell (Python's writer quotes only the line
    terminator's characters, so such a cell would be written bare and not read back), else ``QUOTE_MINIMAL``."""
    import csv

    for column in frame.columns:
        if frame[column].dtype == object and "\r" in "".join(v for v in frame[column].tolist() if isinstance(v, str)):
            return csv.QUOTE_ALL
    return csv.QUOTE_MINIMAL


def write_all(estimate: Estimate, sink: Sink) -> Sink:
    """A whole (in-memory) estimate through a sink."""
    sink.write(estimate, 1)
    sink.finish(estimate.summary(), estimate.basket.skipped)
    return sink


def write_json(estimate: Estimate, out: TextIO) -> None:
    write_all(estimate, JsonSink(out, estimate.schedule, estimate.date))


def write_jsonl(estimate: Estimate, out: TextIO) -> None:
    write_all(estimate, JsonlSink(out))


def csv_frame(estimate: Estimate) -> pd.DataFrame:
    """The input's columns (as written), then the computed ones.

    Input columns whose names are computed columns (say, a previous run's
    output fed back in) are replaced by the new values.
    """
    return pd.concat([input_frame(estimate.basket), estimate.computed_columns()], axis=1)


def input_frame(basket: Basket) -> pd.DataFrame:
    """The input's columns as written, without those named like a computed column."""
    original = basket.columns
    keep = [c for c in original.columns if str(c).strip().lower() not in COMPUTED_COLUMNS]
    return original[keep].reset_index(drop=True)


_FORMULA_START = r"^[=+\-@\t\r]"
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?$"


def neutralise_formulas(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Prefix ``'`` to text cells a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first).

    Numbers such as ``-12.50`` are left alone.  Returns the frame and how many cells changed.
    """
    changed = 0
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column].astype(object).fillna("").astype(str)
        risky = values.str.contains(_FORMULA_START, regex=True) & ~values.str.strip().str.match(_NUMBER)
        if risky.any():
            changed += int(risky.sum())
            frame[column] = values.where(~risky, "'" + values)
    return frame, changed


def write_frame_csv(frame: pd.DataFrame, out: TextIO, excel_safe: bool = False) -> int:
    """Write a frame as CSV; with ``excel_safe``, neutralise formulas first.  Returns the cells neutralised."""
    changed = 0
    if excel_safe:
        frame, changed = neutralise_formulas(frame)
    frame.to_csv(out, index=False, lineterminator="\n")
    return changed


def write_csv(estimate: Estimate, out: TextIO, excel_safe: bool = False) -> int:
    return write_all(estimate, CsvSink(out, excel_safe)).changed
