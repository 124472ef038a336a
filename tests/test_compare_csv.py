"""compare's CSV written on whole columns (pyarrow) against the pandas frame it replaced (``csv_frame().to_csv``).

The basket holds cells that need quoting (commas, quotes, line breaks), cells a spreadsheet would run, a line of
value 0 (its rate changes are undefined, so empty) and lines whose duty falls between the states.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tariffcalc.analysis.compare import ChunkedComparison
from tariffcalc.cli.compare import build_states
from tariffcalc.goods.read import basket_from_records
from tariffcalc.output import compare as compare_output
from tariffcalc.output.sinks import neutralise_formulas

RECORDS = [
    {"hts_code": "8703230190", "country": "JP", "value": "10000.00", "mfn_rate": "0.025", "description": 'Car, "red"'},
    {"hts_code": "7208510030", "country": "CN", "value": "2500.50", "mfn_rate": "0", "description": "=SUM(A1:A3)"},
    {"hts_code": "9503000000", "country": "CN", "value": "0.00", "mfn_rate": "0", "description": "toy\nline two"},
    {"hts_code": "0901110025", "country": "BR", "value": "1234.56", "mfn_rate": "", "description": "-12.50"},
    {"hts_code": "7601103000", "country": "CA", "value": "99.99", "mfn_rate": "0.026", "description": "@alu, ingots"},
    {"hts_code": "8479899499", "country": "MX", "value": "50000.00", "mfn_rate": "0.025", "description": "+machine"},
]


def old_csv(chunks, states, excel_safe: bool) -> tuple[str, int]:
    """What write_csv wrote before: each chunk's csv_frame through pandas."""
    out, changed = io.StringIO(), 0
    for comparison, first_line in ChunkedComparison(chunks, states):
        frame = compare_output.csv_frame(comparison)
        if excel_safe:
            frame, more = neutralise_formulas(frame)
            changed += more
        frame.to_csv(out, index=False, header=first_line == 1, lineterminator="\n")
    return out.getvalue(), changed


@pytest.mark.parametrize("excel_safe", [False, True])
@pytest.mark.parametrize("size", [6, 2])
def test_compare_csv_is_the_pandas_frame_text(excel_safe, size):
    states = build_states("us", [], [dt.date(2025, 4, 10), dt.date(2025, 2, 1), dt.date(2026, 3, 1)], None)
    chunks = [basket_from_records(RECORDS[i : i + size]) for i in range(0, len(RECORDS), size)]
    out = io.StringIO()
    changed = compare_output.write_csv(ChunkedComparison(chunks, states), out, excel_safe)
    want, want_changed = old_csv(chunks, states, excel_safe)
    assert out.getvalue() == want
    assert changed == want_changed
    rows = list(csv.DictReader(io.StringIO(want)))
    changes = [row[name] for row in rows for name in row if name.startswith("change_duty[")]
    points = [row[name] for row in rows for name in row if name.startswith("change_points[")]
    assert any(c.startswith("-") for c in changes) and any(not c.startswith("-") for c in changes)
    assert "" in points and rows[0]["description"] == 'Car, "red"'
