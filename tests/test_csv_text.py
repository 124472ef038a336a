"""The CSV writer on whole columns (tariffcalc.output.csv_text) writes what pandas' to_csv wrote, and quotes a bare CR."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pyarrow as pa
import pytest

from tariffcalc.engine.calculate import estimate
from tariffcalc.goods.read import basket_from_records
from tariffcalc.law.load import load_schedule
from tariffcalc.money import format_cents, format_rates
from tariffcalc.output import csv_text, sinks

TRICKY = [
    "plain",
    "",
    "with, comma",
    'with "quotes"',
    '"',
    "line\nfeed",
    "crlf\r\nend",
    "bare\rcr",
    "=SUM(A1:A2)",
    "+1",
    "-12.50",
    "@home",
    "\tlead tab",
    " =spaced",
    "naïve ünïcödé, 日本",
    "emoji 🚢",
    "trailing space ",
    "-١٢",  # Arabic-Indic digits: a number to Python's \d
]


def python_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def test_cells_as_pythons_csv_module_writes_them_except_a_bare_cr_which_is_quoted():
    rows = [[cell, "x", cell] for cell in TRICKY]
    columns = [pa.array([r[i] for r in rows]) for i in range(3)]
    text = csv_text.csv_lines(columns)
    for cell, line in zip(TRICKY, _records(text)):
        assert line == [cell, "x", cell]
    without_cr = [r for r in rows if "\r" not in r[0] or "\n" in r[0]]
    assert csv_text.csv_lines([pa.array([r[i] for r in without_cr]) for i in range(3)]) == python_csv(without_cr)
    assert csv_text.csv_lines([pa.array(["bare\rcr"]), pa.array(["x"])]) == '"bare\rcr",x\n'


def _records(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_money_and_rate_text_as_the_money_module_formats_them():
    cents = np.array([0, 1, 99, 100, 12345, 10**14, 7], dtype=np.int64)
    assert csv_text.cents_text(cents).to_pylist() == format_cents(cents).tolist()
    micro = np.array([-1, 0, 250_000, 25_000, 1, 100_000_000, 250_000], dtype=np.int64)
    assert csv_text.rates_text(micro).to_pylist() == format_rates(micro).tolist()


@pytest.fixture(scope="module")
def tricky_estimate():
    records = [
        {"hts_code": code, "country": country, "value": "1000.50", "mfn_rate": "2.5%", "description": text}
        for text in TRICKY
        for code, country in (("8703.23.01", "JP"), ("9503.00.00", "CN"), ("7208.10.15", "DE"))
    ]
    return estimate(basket_from_records(records), load_schedule("us"), dt.date(2025, 5, 20))


def _old_csv(result, excel_safe: bool) -> tuple[str, int]:
    out = io.StringIO()
    frame = sinks.csv_frame(result)
    changed = 0
    if excel_safe:
        frame, changed = sinks.neutralise_formulas(frame)
    frame.to_csv(out, index=False, lineterminator="\n")
    return out.getvalue(), changed


@pytest.mark.parametrize("excel_safe", [False, True])
def test_the_csv_sink_writes_the_bytes_of_the_pandas_path(tricky_estimate, excel_safe):
    old, old_changed = _old_csv(tricky_estimate, excel_safe)
    new = io.StringIO()
    sink = sinks.CsvSink(new, excel_safe)
    sink.write(tricky_estimate, 1)
    assert sink.changed == old_changed
    # The old path left a bare CR unquoted; apart from those cells, the bytes are the same.
    assert new.getvalue().replace('"bare\rcr"', "bare\rcr").replace("\"'bare\rcr\"", "'bare\rcr") == old
    records = _records(new.getvalue())
    assert len(records) == len(tricky_estimate) + 1  # one record per line: CR and LF stay inside their cells
    described = [r[records[0].index("description")] for r in records[1:]]
    if not excel_safe:
        assert described == [text for text in TRICKY for _ in range(3)]

def test_a_column_that_is_not_text_goes_the_pandas_way(tricky_estimate):
    assert csv_text.text_column(pa.array([1, 2])) is None
    assert csv_text.text_column(pa.array([None, None])).to_pylist() == ["", ""]
