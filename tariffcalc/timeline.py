"""The timeline of a basket's tariff cost: its duty on every date where something changes for it.

The candidate dates are the days on which any measure of the schedule starts,
ends, changes rate, is paused or resumed, gains an exemption or changes its
stacking rules.  The basket is computed on the first day of the window and on
each candidate; a date is kept when any line's measures or rates differ from
the previous kept date, so dates that change nothing for *this* basket are
left out.  Lines' own ``entry_date`` is ignored: the timeline's date is the
point.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .basket import Basket
from .engine import CompiledSchedule, estimate
from .result import Estimate
from .schedule import Schedule

_DAY = dt.timedelta(days=1)


def change_dates(schedule: Schedule) -> list[dt.date]:
    """Every day on which something in the schedule starts or stops (sorted, distinct)."""
    days: set[dt.date] = set()

    def window(start: dt.date | None, through: dt.date | None) -> None:
        if start:
            days.add(start)
        if through and through < dt.date.max:
            days.add(through + _DAY)

    for measure in schedule.measures:
        window(measure.from_, measure.through)
        for change in measure.changes:
            days.add(change.from_)
        for pause in measure.pauses:
            window(pause.from_, pause.through)
        for exemption in measure.exemptions:
            window(exemption.from_, None)
        for rule in measure.yields_to:
            window(rule.from_, rule.through)
    return sorted(days)


@dataclass
class TimelinePoint:
    date: dt.date
    result: Estimate
    #: Measures whose rate on some line differs from the previous point (empty for the first point).
    changed: list[str]


def timeline(basket: Basket, schedule: Schedule, start: dt.date, end: dt.date) -> list[TimelinePoint]:
    """The basket on ``start`` and on each later date up to ``end`` where its duties change."""
    compiled = CompiledSchedule.of(schedule)
    candidates = [d for d in change_dates(schedule) if start < d <= end]
    points: list[TimelinePoint] = []
    previous: dict[str, np.ndarray] | None = None
    for day in [start, *candidates]:
        result = estimate(basket, compiled, day, use_entry_dates=False)
        current = {m.id: result.rates[:, j] for j, m in enumerate(result.measures)}
        if previous is None:
            points.append(TimelinePoint(day, result, []))
        else:
            changed = sorted(
                m
                for m in set(current) | set(previous)
                if not np.array_equal(current.get(m, _none(len(basket))), previous.get(m, _none(len(basket))))
            )
            if not changed:
                continue
            points.append(TimelinePoint(day, result, changed))
        previous = current
    return points


def _none(n: int) -> np.ndarray:
    return np.full(n, -1, dtype=np.int64)
