"""Keys evaluated day after day (KeysOnDays, which keeps the columns of the day before and works out again only
the measures for which something changed) give what evaluating them afresh on each day gives, on every turning day
of the shipped schedule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from generated import generated_csv

from tariffcalc.engine.calculate import PreparedLines
from tariffcalc.engine.compile import CompiledSchedule
from tariffcalc.engine.evaluate import KeysOnDays, evaluate_keys
from tariffcalc.goods.chunks import basket_chunks
from tariffcalc.law.load import load_schedule

ARRAYS = ("rates", "total", "status", "yielded_to", "partial", "confidence", "restack", "own_rates")


def _generated_basket(tmp_path: Path) -> Path:
    return generated_csv(tmp_path / "basket.csv", 3_000, seed=5)


def test_day_after_day_equals_each_day_afresh(tmp_path):
    compiled = CompiledSchedule.of(load_schedule("us"))
    basket = next(iter(basket_chunks(_generated_basket(tmp_path))))
    prepared = PreparedLines.of(basket, compiled)
    on_days = KeysOnDays(compiled, prepared.keys)
    days = [d.astype(object) for d in compiled.turning_days if np.datetime64("2024-01-01") <= d <= np.datetime64("2027-01-01")]
    kept = 0
    for day in [dt.date(2024, 6, 1), *days, dt.date(2025, 2, 1)]:  # also back to an earlier day
        _, _, keys = prepared.on(day)
        held_before = list(on_days.held)
        fresh, again = evaluate_keys(compiled, keys), on_days.on(keys)
        for name in ARRAYS:
            assert np.array_equal(getattr(fresh, name), getattr(again, name)), (day, name)
        assert [(j, o) for j, o, _ in fresh.portions] == [(j, o) for j, o, _ in again.portions]
        assert all(np.array_equal(a, b) for (_, _, a), (_, _, b) in zip(fresh.portions, again.portions))
        kept += sum(before == now for before, now in zip(held_before, on_days.held))  # columns not worked out again
    assert len(days) > 10 and kept  # the window crosses many turning days, and columns were kept
