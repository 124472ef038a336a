"""Lines × measures of bases are made only where a measure a line pays is charged on less than its whole value.

Without declared contents (``steel_value`` and the like) every base is the line's value, and the estimate holds no
such array (``Estimate.bases`` is None): 28 MB less per chunk of 80,000 lines on today's schedule. The duties are
the same as when the array is made, which the tests here check against the engine made to build it always; the
amounts themselves are checked by hand in ``test_law_features.py`` and against the reference evaluator in
``test_reference.py``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from generated import generated_csv

from tariffcalc.engine import calculate
from tariffcalc.engine.compile import CompiledSchedule
from tariffcalc.goods.chunks import basket_chunks
from tariffcalc.law.load import load_schedule

DAYS = ["2025-05-20", "2026-01-15", "2026-12-01"]


@pytest.fixture(scope="module")
def compiled():
    return CompiledSchedule.of(load_schedule("us"))


@pytest.fixture(scope="module")
def basket(tmp_path_factory):
    return next(iter(basket_chunks(generated_csv(tmp_path_factory.mktemp("bases") / "basket.csv", 3_000, seed=5))))


def _always_made(monkeypatch):
    """The engine with the lines × measures bases made for every chunk, as before they could be left out."""
    line_bases = calculate.line_bases

    def made(compiled, basket, fields, measures):
        bases, missing = line_bases(compiled, basket, fields, measures)
        if bases is None:
            bases = np.repeat(basket.value_cents[:, None], len(measures), axis=1)
        return bases, missing

    monkeypatch.setattr(calculate, "line_bases", made)


@pytest.mark.parametrize("day", DAYS)
def test_no_bases_without_declared_contents(monkeypatch, compiled, basket, day):
    date = dt.date.fromisoformat(day)
    restacked = []
    restack = calculate._restack
    monkeypatch.setattr(calculate, "_restack", lambda *args: restacked.append(len(args[3])) or restack(*args))
    left_out = calculate.estimate(basket, compiled, date)
    assert left_out.bases is None
    assert restacked and restacked[0] > 0  # split lines too: restacked on bases of their whole value
    assert (left_out.rates >= 0).sum() > len(basket) // 2  # most lines pay something
    _always_made(monkeypatch)
    made = calculate.estimate(basket, compiled, date)
    assert made.bases is not None
    assert [m.id for m in left_out.measures] == [m.id for m in made.measures]
    for name in ("rates", "duties", "total_duty"):
        assert np.array_equal(getattr(left_out, name), getattr(made, name)), name
    assert left_out.join_measures(lambda m, r, d, b: m.id + r + d + b, ";", with_bases=True).equals(
        made.join_measures(lambda m, r, d, b: m.id + r + d + b, ";", with_bases=True)
    )
