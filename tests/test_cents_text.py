"""Cents as CSV text, by Arrow's decimal cast or the fallback, against the money module's Python formatting."""

from __future__ import annotations

import numpy as np

from tariffcalc.money import cents_to_str
from tariffcalc.output import csv_text


def _by_python(cents) -> list[str]:
    return [cents_to_str(int(c)) for c in cents]


def test_amounts_of_every_width():
    cents = np.array([0, 1, 9, 10, 99, 100, 101, 12345, 10**14, 10**16 + 7, 10**18 - 1], dtype=np.int64)
    assert csv_text.cents_text(cents).to_pylist() == _by_python(cents)
    assert csv_text.cents_text(cents).to_pylist()[:6] == ["0.00", "0.01", "0.09", "0.10", "0.99", "1.00"]


def test_generated_amounts_and_a_strided_view():
    rng = np.random.default_rng(7)
    cents = rng.integers(0, 10**15, (2000, 3))
    for column in (cents[:, 1], cents.ravel()):  # a strided column too, as a slice of a matrix is
        assert csv_text.cents_text(column).to_pylist() == _by_python(column)


def test_negative_and_huge_amounts_as_before():
    cents = np.array([-5, -100, -12345, 10**18, 2**63 - 1, 3], dtype=np.int64)
    assert csv_text.cents_text(cents).to_pylist() == _by_python(cents)


def test_no_amounts():
    assert csv_text.cents_text(np.array([], dtype=np.int64)).to_pylist() == []
