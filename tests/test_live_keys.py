"""A measure worked out on its live keys alone (a covered country, on a day in force) gives what working it out on
every key gives: the two paths of ``evaluate._measure_column`` agree array for array, on keys of many days (lines'
own entry dates) and on the turning days of ``timeline`` (``KeysOnDays``).

The engine as a whole is checked against the plain reference evaluator in ``test_reference.py``; this checks the
shortcut, which a basket of many countries takes for most measures."""

from __future__ import annotations

import datetime as dt
import numpy as np
import pandas as pd
import pytest
from generated import generated_csv

from tariffcalc.engine import evaluate
from tariffcalc.engine.calculate import PreparedLines, distinct_keys, line_keys
from tariffcalc.engine.compile import CompiledSchedule
from tariffcalc.goods.chunks import basket_chunks
from tariffcalc.law.load import load_schedule

ARRAYS = ("rates", "total", "status", "yielded_to", "partial", "confidence", "restack", "own_rates")


@pytest.fixture(scope="module")
def compiled():
    return CompiledSchedule.of(load_schedule("us"))


@pytest.fixture(scope="module")
def basket(tmp_path_factory):
    return next(iter(basket_chunks(generated_csv(tmp_path_factory.mktemp("live") / "basket.csv", 4_000, seed=11))))


def _both_ways(monkeypatch, evaluate_them):
    """What ``evaluate_them()`` gives with every measure on all keys, then on its live keys only (counting the
    subsets made, so that the test knows the shortcut was taken)."""
    made = []
    subset = evaluate._Keys.subset
    monkeypatch.setattr(evaluate._Keys, "subset", lambda self, live: made.append(1) or subset(self, live))
    monkeypatch.setattr(evaluate, "_SUBSET_SHARE", 0.0)  # more live keys than none: every measure on all keys
    whole = evaluate_them()
    assert not made
    monkeypatch.setattr(evaluate, "_SUBSET_SHARE", 1.0)  # never more than all: every measure on its live keys
    live = evaluate_them()
    assert made
    return whole, live


def _assert_same(whole, live, where):
    for name in ARRAYS:
        assert np.array_equal(getattr(whole, name), getattr(live, name)), (where, name)
    assert [(j, o) for j, o, _ in whole.portions] == [(j, o) for j, o, _ in live.portions], where
    assert all(np.array_equal(a, b) for (_, _, a), (_, _, b) in zip(whole.portions, live.portions)), where


@pytest.mark.parametrize("day", ["2025-04-10", "2025-05-20", "2026-03-01", "2026-12-01"])
def test_keys_of_many_days(monkeypatch, compiled, basket, day):
    lines = line_keys(basket, dt.date.fromisoformat(day), True, compiled)
    _, keys = distinct_keys(compiled, lines)
    assert keys["date"].nunique() > 5  # the lines' own entry dates: keys of many days
    whole, live = _both_ways(monkeypatch, lambda: evaluate.evaluate_keys(compiled, keys))
    assert (whole.status == evaluate.Status.APPLIED).any()
    _assert_same(whole, live, day)


def test_turning_days(monkeypatch, compiled, basket):
    prepared = PreparedLines.of(basket, compiled)
    days = [d.astype(object) for d in compiled.turning_days if np.datetime64("2025-01-01") <= d <= np.datetime64("2026-12-31")]

    def timeline():
        on_days = evaluate.KeysOnDays(compiled, prepared.keys)
        return [on_days.on(prepared.on(day)[2]) for day in days]

    whole, live = _both_ways(monkeypatch, timeline)
    for day, a, b in zip(days, whole, live):
        _assert_same(a, b, day)


def test_the_keys_and_their_subsets_are_freed_without_the_cyclic_collector(monkeypatch, compiled, basket):
    # A chunk's masks must go when the chunk does: a reference cycle between the keys and their subsets kept each
    # chunk's masks until the cyclic collector ran (140 MB more at the peak of a 10M-line estimate).
    import gc
    import weakref

    lines = line_keys(basket, dt.date(2026, 12, 1), True, compiled)
    _, keys = distinct_keys(compiled, lines)
    monkeypatch.setattr(evaluate, "_SUBSET_SHARE", 1.0)
    gc.disable()
    try:
        k = evaluate._Keys(keys, compiled.schedule)
        evaluate._stacked(compiled, k, *evaluate._columns(compiled, k))
        assert k._subsets
        freed = weakref.ref(k)
        del k
        assert freed() is None
    finally:
        gc.enable()


def test_a_key_that_is_not_live_is_not_charged_by_a_zero_rate_exception(monkeypatch, compiled):
    # reciprocal-country charges 0% on goods of its zero-rate exception, for the countries it covers: China's goods
    # (not covered) of such a code keep "no rate", on both paths.
    from tariffcalc.engine.calculate import single_key

    cm = compiled.measures[compiled.index["reciprocal-country"]]
    exception = next(e for e in cm.exceptions if e.zero)
    code, day = sorted(exception.products)[0], dt.date(2025, 9, 1)
    assert "CN" not in cm.countries and "AT" in cm.countries and np.datetime64(day) >= exception.start
    keys = pd.concat([single_key(compiled, code, country, day) for country in ["CN", "AT", "CN", "JP"]], ignore_index=True)
    for share in (0.0, 1.0):
        monkeypatch.setattr(evaluate, "_SUBSET_SHARE", share)
        rate, total, _, status, _ = evaluate._measure_column(cm, evaluate._Keys(keys, compiled.schedule))
        assert status.tolist()[:3] == [evaluate.Status.COUNTRY_NOT_COVERED, evaluate.Status.APPLIED, evaluate.Status.COUNTRY_NOT_COVERED]
        assert rate.tolist()[:3] == [-1, 0, -1] and not total[:3].any(), share
