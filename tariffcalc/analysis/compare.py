"""Comparing policy states: the same basket under different scenarios and/or dates.

A *state* is a schedule (with its scenarios applied) and a date.  Every line
is computed in every state (a large basket chunk by chunk) (lines' own ``entry_date`` is ignored: the state's
date is the point), and each state after the first is compared with the
first: the change in duty (USD) and in effective rate (percentage points).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..engine.calculate import PreparedLines, estimate
from ..engine.compile import CompiledSchedule
from ..engine.result import Estimate, Summary, Totals
from ..goods.basket import Basket
from ..law.model import Schedule
from ..money import RATE_SCALE, cents_to_str, format_cents, format_rate


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


class ChunkedComparison:
    """Compares a basket chunk by chunk; iterating yields ``(comparison of the chunk, number of its first line)``.

    Afterwards ``summaries`` holds the whole basket's totals in each state, so
    memory does not grow with the basket.
    """

    def __init__(self, chunks: Iterable[Basket], states: list[State]):
        self.chunks, self.states = chunks, states
        self.summaries = [Summary(s.schedule, s.date) for s in states]
        # States of the same schedule (dates apart) share one compiled schedule, so a chunk's keys are read once.
        self.compiled: list[CompiledSchedule] = []
        for state in states:
            same = [c for c in self.compiled if c.schedule is state.schedule or c.schedule == state.schedule]
            self.compiled.append(same[0] if same else CompiledSchedule.of(state.schedule))

    def __iter__(self) -> Iterator[tuple[Comparison, int]]:
        first_line = 1
        for basket in self.chunks:
            prepared: dict[int, PreparedLines] = {}  # the chunk's keys, read once per compiled schedule
            results = []
            for compiled, state in zip(self.compiled, self.states):
                if id(compiled) not in prepared:
                    prepared[id(compiled)] = PreparedLines.of(basket, compiled)
                results.append(
                    estimate(basket, compiled, state.date, use_entry_dates=False, prepared=prepared[id(compiled)])
                )
            _add_summaries(self.summaries, results)
            yield Comparison(basket, self.states, results), first_line
            first_line += len(basket)
            del basket, prepared, results  # freed once used, not when the next chunk has been compared

    def totals(self) -> list[Totals]:
        return [summary.totals() for summary in self.summaries]


def _add_summaries(summaries: list[Summary], results: list[Estimate]) -> None:
    """Each state's summary of a chunk added to the state's (a function: its loop keeps no estimate afterwards)."""
    for summary, result in zip(summaries, results):
        summary.add(result.summary())


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


def total_points(totals: list[Totals]) -> list[str | None]:
    """The change in the basket's effective rate, per state after the first."""
    base = totals[0].effective_rate
    return [points(t.effective_rate - base) if t.effective_rate >= 0 and base >= 0 else None for t in totals[1:]]


__all__ = ["ChunkedComparison", "Comparison", "State", "compare", "points", "RATE_SCALE"]
