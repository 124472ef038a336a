"""The measures column of the CSV (csv_text.measures_text) as the estimate's own Python text of it."""

from __future__ import annotations

import datetime as dt

import pytest
from generated import generated_csv

from tariffcalc.engine.calculate import estimate
from tariffcalc.goods.chunks import basket_chunks
from tariffcalc.law.load import load_schedule
from tariffcalc.output import csv_text


@pytest.fixture(scope="module")
def basket(tmp_path_factory):
    """A generated basket of the benchmark's kind: lines with none, one or several measures."""
    return next(iter(basket_chunks(generated_csv(tmp_path_factory.mktemp("measures") / "basket.csv", 3_000, seed=3))))


@pytest.mark.parametrize("day", [dt.date(2025, 3, 1), dt.date(2025, 5, 20), dt.date(2026, 3, 1)])
def test_measures_text_as_the_estimate_writes_it(basket, day):
    result = estimate(basket, load_schedule("us"), day)
    applied = (result.rates >= 0).sum(axis=1)
    assert (applied == 0).any() and (applied >= 2).any()  # lines with no measure and lines with several
    assert csv_text.measures_text(result).to_pylist() == list(result.measures_text())


def test_lines_without_measures_are_empty(basket):
    result = estimate(basket, load_schedule("us"), dt.date(2025, 5, 20))
    result.rates[:] = -1
    assert csv_text.measures_text(result).to_pylist() == [""] * len(result) == list(result.measures_text())
