"""Comparing policy states: the same basket under different scenarios and/or dates.

A *state* is a schedule (with its scenarios applied) and a date.  Every line
is computed in every state (lines' own ``entry_date`` is ignored: the state's
date is the point), and each state after the first is compared with the
first: the change in duty (USD) and in effective rate (percentage points).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .basket import Basket
from .engine import estimate
from .money import RATE_SCALE, cents_to_str, format_cents, format_rate
from .result import Estimate
from .schedule import Schedule


@dataclass(frozen=True)
class State:
    label: str
    scenarios: tuple[str, ...]
    date: dt.date
    schedule: Schedule


@dataclass
class Comparison:
    basket: Basket
    states: list[State]
    results: list[Estimate]

    def duty_changes(self) -> list[np.ndarray]:
        """Per state after the first: each line's total duty minus the first state's (signed cents)."""
        base = self.results[0].total_duty
        return [r.total_duty - base for r in self.results[1:]]

    def point_changes(self) -> list[np.ndarray]:
        """Per state after the first: each line's effective rate minus the first's, in millionths (-2**62 if undefined)."""
        base = self.results[0].effective_rate
        return [np.where((r.effective_rate >= 0) & (base >= 0), r.effective_rate - base, UNDEFINED) for r in self.results[1:]]


UNDEFINED = -(2**62)


def compare(basket: Basket, states: list[State]) -> Comparison:
    """Compute the basket in every state."""
    return Comparison(basket, states, [estimate(basket, s.schedule, s.date, use_entry_dates=False) for s in states])


def signed_cents(values: np.ndarray) -> pd.Series:
    """Signed cents as ``"-12.50"`` / ``"12.50"``."""
    values = np.asarray(values, dtype=np.int64)
    text = format_cents(np.abs(values))
    return pd.Series(np.where(values < 0, "-" + text.to_numpy(), text.to_numpy()), dtype=object)


def signed_cents_str(value: int) -> str:
    return ("-" if value < 0 else "") + cents_to_str(abs(value))


def points(micro: int) -> str | None:
    """A change of rate in millionths as percentage points: ``140000`` → ``"14"``."""
    if micro == UNDEFINED:
        return None
    return ("-" if micro < 0 else "") + format_rate(abs(micro) * 100)


def points_column(micro: np.ndarray) -> pd.Series:
    codes, uniques = pd.factorize(np.asarray(micro, dtype=np.int64))
    texts = np.array([points(int(u)) for u in uniques] or [None], dtype=object)
    return pd.Series(texts[codes], dtype=object)


def total_points(comparison: Comparison) -> list[str | None]:
    """The change in the basket's effective rate, per state after the first."""
    base = comparison.results[0].totals().effective_rate
    out = []
    for result in comparison.results[1:]:
        rate = result.totals().effective_rate
        out.append(points(rate - base) if rate >= 0 and base >= 0 else None)
    return out


__all__ = ["Comparison", "State", "compare", "points", "RATE_SCALE"]
