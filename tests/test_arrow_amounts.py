"""Amounts of Arrow text (CSV baskets read by Arrow) parse exactly as the same texts as Python strings do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffcalc.money import MAX_VALUE_CENTS, parse_amounts

CELLS = [
    "827.84", "12", "12.5", "12.", "007.10", "0", "0.0", ".5", "", " 12 ", "\t3.5", "1,234.50", "$5", "$ 1,000",
    "12.345", "12.355", "12.3449", "-1", "abc", "\u0663\u0663", "1e5", "12.3.4", "12..", "+5",
    "1000000000000", "1000000000000.00", "1000000000000.01", "100000000000000", "999999999999999.99",
    "9999999999999999", "1 234,50", None,
]  # fmt: skip


def _as_python_strings(cells) -> pd.Series:
    return pd.Series(cells, dtype=object)


def _as_arrow_text(cells) -> pd.Series:
    return pd.Series(cells, dtype=pd.StringDtype("pyarrow"))


def test_arrow_text_parses_as_python_strings():
    expected = parse_amounts(_as_python_strings(CELLS))
    for got, want in zip(parse_amounts(_as_arrow_text(CELLS)), expected):
        np.testing.assert_array_equal(got, want)


def test_bare_amounts_by_hand():
    cents, valid, rounded = parse_amounts(_as_arrow_text(["827.84", "12", "12.5", "12.", "007.10", "1000000000000.01"]))
    assert cents.tolist() == [82784, 1200, 1250, 1200, 710, 0]
    assert valid.tolist() == [True, True, True, True, True, False]
    assert not rounded.any()
    assert MAX_VALUE_CENTS == 100000000000000


@pytest.mark.parametrize("seed", [1, 2])
def test_many_generated_amounts(seed):
    rng = np.random.default_rng(seed)
    whole = rng.integers(0, 10**13, 5000).astype(str)
    decimals = rng.choice(["", ".", ".5", ".05", ".50", ".505", ",5"], 5000)
    cells = [w + d for w, d in zip(whole, decimals)]
    for got, want in zip(parse_amounts(_as_arrow_text(cells)), parse_amounts(_as_python_strings(cells))):
        np.testing.assert_array_equal(got, want)


def test_empty_column():
    cents, valid, rounded = parse_amounts(_as_arrow_text([]))
    assert len(cents) == len(valid) == len(rounded) == 0


@pytest.mark.parametrize("as_text", [_as_python_strings, _as_arrow_text])
def test_empty_cells_are_no_amount_without_the_regular_expressions(monkeypatch, as_text):
    # An optional amount column (steel_value...) is mostly empty: its empty cells must not take the slow path.
    from tariffcalc import money

    seen = []
    slowly = money._parse_amounts_slowly
    monkeypatch.setattr(money, "_parse_amounts_slowly", lambda text: seen.extend(text) or slowly(text))
    cents, valid, rounded = parse_amounts(as_text(["", " ", "\t", None, "12", "$5", "."]))
    assert cents.tolist() == [0, 0, 0, 0, 1200, 500, 0]
    assert valid.tolist() == [False, False, False, False, True, True, False]
    assert not rounded.any()
    assert seen == ["$5", "."]
