"""Reading lines into keys on whole columns, against plain per-line Python.

The engine reads a declared field once per distinct cell and spreads the result onto the lines
(:func:`tariffcalc.engine.fields.read_field`), and numbers key columns without hashing the small-integer ones
(:func:`tariffcalc.engine.calculate.distinct_keys`).  Both are checked here against a line-by-line reading.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES

from tariffcalc.engine.calculate import distinct_keys
from tariffcalc.engine.compile import CompiledSchedule
from tariffcalc.engine.fields import read_field
from tariffcalc.goods.read import basket_from_records
from tariffcalc.law.load import load_schedule
from tariffcalc.law.model import BasketField

MINI = CompiledSchedule.of(load_schedule(FIXTURES / "mini.yaml"))


def _plain_bool(cell: str) -> int | None:
    word = cell.strip().lower()
    return 1 if word in {"true", "yes", "y", "1", "t"} else 0 if word in {"false", "no", "n", "0", "f"} else -1 if not word else None


FLAG_CELLS = ["true", "TRUE", " yes ", "n", "0", "", "  ", "maybe", "Maybe", " maybe", "t"]


def test_a_flag_is_read_cell_by_cell_as_plain_python_reads_it():
    rng = np.random.default_rng(3)
    cells = [str(c) for c in rng.choice(FLAG_CELLS, 500)]
    basket = basket_from_records([{"hts_code": "9503.00.00", "country": "JP", "value": "10", "sts_crane": c} for c in cells])
    values, problems = read_field(basket, "sts_crane", BasketField(type="bool"))
    expected = [_plain_bool(c) for c in cells]
    assert values.tolist() == [-1 if e is None else e for e in expected]
    assert [str(p) for p in problems] == [
        f"{basket.where(i)}: sts_crane: {c.strip()!r} is not true or false" for i, c in enumerate(cells) if expected[i] is None
    ]


def test_an_enum_and_a_date_are_read_per_line():
    cells = ["in", " OVER", "", "inside", "in", "inside"]
    basket = basket_from_records([{"hts_code": "9503.00.00", "country": "JP", "value": "10", "quota": c} for c in cells])
    values, problems = read_field(basket, "quota", BasketField(type="enum", values=["in", "over"]))
    assert values.tolist() == [0, 1, -1, -1, 0, -1]
    assert [str(p) for p in problems] == [
        f"{basket.where(3)}: quota: 'inside' is not one of in, over",
        f"{basket.where(5)}: quota: 'inside' is not one of in, over",
    ]
    cells = ["2025-04-05", "", "04/05/2025", "2025-04-05"]
    basket = basket_from_records([{"hts_code": "9503.00.00", "country": "JP", "value": "10", "loaded": c} for c in cells])
    values, problems = read_field(basket, "loaded", BasketField(type="date"))
    assert [str(v) for v in values] == ["2025-04-05", "NaT", "NaT", "2025-04-05"]
    assert [str(p) for p in problems] == [f"{basket.where(2)}: loaded: '04/05/2025' is not a date YYYY-MM-DD"]


def test_a_content_amount_is_checked_against_each_line_s_own_value():
    # One distinct cell, " 200 ", on lines worth 100 and 300: only the first is over its value.
    rows = [("100", " 200 "), ("300", " 200 "), ("100", ""), ("100", "abc"), ("250", "200")]
    basket = basket_from_records(
        [{"hts_code": "7308.90.95", "country": "CN", "value": v, "steel_value": s} for v, s in rows]
    )
    values, problems = read_field(basket, "steel_value", BasketField(type="amount", at_most="value"))
    assert values[[1, 2, 4]].tolist() == [20000, -1, 20000]
    expected = "is not an amount in USD of at most the line's value"
    assert [str(p) for p in problems] == [
        f"{basket.where(0)}: steel_value: '200' {expected}",
        f"{basket.where(3)}: steel_value: 'abc' {expected}",
    ]
    values, problems = read_field(basket, "steel_value", BasketField(type="amount"))
    assert [str(p) for p in problems] == [f"{basket.where(3)}: steel_value: 'abc' is not an amount in USD (e.g. 1250.00)"]


def test_a_declared_amount_over_the_line_s_value_is_refused_through_the_cli(tariffcalc, write):
    path = write("b.csv", "hts_code,country,value,steel_value\n7308.90.95,CN,100, 200 \n7308.90.95,CN,300, 200 \n")
    run = tariffcalc("estimate", path, "--date", "2025-06-10", "--format", "json")
    assert run.exit_code == 2, run
    assert run.stdout == ""
    assert run.stderr == f"Error: {path}:2: steel_value: '200' is not an amount in USD of at most the line's value\n"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_distinct_keys_are_the_distinct_rows_in_the_order_they_first_occur(seed):
    rng = np.random.default_rng(seed)
    n = 2_000
    lines = pd.DataFrame(
        {
            "hts": rng.choice(["9503000000", "8703230190", "7308909590", "0101"], n),
            "country": rng.choice(["JP", "CN", "CA", "MX", "DE"], n),
            "date": rng.choice(np.array(["2025-01-01", "2025-04-05", "2025-04-09", "2026-03-01"], dtype="datetime64[D]"), n),
            "flag": rng.choice(np.array([-1, 0, 1], dtype=np.int8), n),
            "unsaid": np.full(n, -1, dtype=np.int8),
            "choice": rng.choice(np.array([-1, 0, 1, 2], dtype=np.int16), n),
            "before": rng.choice(np.array([-1, 1], dtype=np.int8), n),
        }
    )
    key_index, keys = distinct_keys(MINI, lines)
    days = MINI.representative_days(lines["date"].to_numpy())
    rows = [(h, c, d, int(f), int(u), int(ch), int(b)) for h, c, d, f, u, ch, b in zip(
        lines["hts"], lines["country"], days, lines["flag"], lines["unsaid"], lines["choice"], lines["before"])]  # fmt: skip
    first: dict[tuple, int] = {}
    for row in rows:
        first.setdefault(row, len(first))
    assert key_index.tolist() == [first[row] for row in rows]
    assert [tuple(r) for r in keys.itertuples(index=False)] == list(first)
    assert keys["date"].to_numpy(dtype="datetime64[D]").tolist() == [row[2].astype(dt.date) for row in first]
