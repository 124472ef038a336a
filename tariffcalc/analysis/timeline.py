"""The timeline of a basket's tariff cost: its duty on every date where something changes for it.

The candidate dates are the days on which any measure of the schedule starts,
ends, changes rate, is paused or resumed, gains an exemption or changes its
stacking rules (the engine's turning days).  The basket is computed on the
first day of the window and on each candidate, chunk by chunk for a large
one; a date is kept when any line's measures or rates differ from the
previous kept date, so dates that change nothing for *this* basket are
left out.  Lines' own ``entry_date`` is ignored: the timeline's date is the
point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np

from ..engine.calculate import text_read
from ..engine.compile import CompiledSchedule
from ..engine.dated_chunk import DatedChunk
from ..engine.processes import in_processes
from ..engine.result import Summary
from ..goods.basket import Basket
from ..law.model import Schedule


@dataclass
class TimelinePoint:
    date: dt.date
    #: The whole basket's totals and breakdown by measure on ``date``.
    summary: Summary
    #: Measures whose rate on some line differs from the previous point (empty for the first point).
    changed: list[str]


@dataclass
class Timeline:
    basket: str
    lines: int
    points: list[TimelinePoint]


def timeline(
    basket: Basket | Iterable[Basket], schedule: Schedule, start: dt.date, end: dt.date, jobs: int | None = None
) -> Timeline:
    """The basket on ``start`` and on each later date up to ``end`` where its duties change.

    ``basket`` may come in chunks (see :func:`tariffcalc.stream.basket_chunks`):
    each chunk is computed on every candidate date and only the totals are
    kept, so memory does not grow with the basket.  A date is kept where some
    line of some chunk changes from the candidate before it, which is the
    same as changing from the last date kept.  The chunks are computed in
    ``jobs`` worker processes (default: one per core; see
    :mod:`tariffcalc.engine.processes`), the totals added up here in order.
    """
    compiled = CompiledSchedule.of(schedule)
    # The engine's turning days are exactly the days on which something in the schedule starts or stops.
    turning = compiled.turning_days
    days = [start, *(d.astype(object) for d in turning[(turning > np.datetime64(start)) & (turning <= np.datetime64(end))])]
    summaries = [Summary(schedule, day) for day in days]
    changed: list[set[str]] = [set() for _ in days]
    chunks = [basket] if isinstance(basket, Basket) else basket
    counted = _Counted(chunks)
    read = text_read(compiled)
    per_chunk = in_processes(
        partial(_chunk_on_days, days=days),
        (chunk.keeping(read) for chunk in counted),
        setup=CompiledSchedule.of,
        setup_args=(schedule,),
        here=compiled,
        jobs=jobs,
    )
    for chunk_summaries, chunk_changed in per_chunk:
        for k, (summary, moved) in enumerate(zip(chunk_summaries, chunk_changed)):
            summaries[k].add(summary)
            changed[k] |= moved
    points = [
        TimelinePoint(day, summary, sorted(moved))
        for k, (day, summary, moved) in enumerate(zip(days, summaries, changed))
        if k == 0 or moved
    ]
    return Timeline(counted.name, counted.lines, points)


class _Counted:
    """The chunks, passed through, with the basket's name and how many lines went by."""

    def __init__(self, chunks: Iterable[Basket]):
        self.chunks, self.name, self.lines = chunks, "", 0

    def __iter__(self) -> Iterator[Basket]:
        for chunk in self.chunks:
            self.name, self.lines = chunk.name, self.lines + len(chunk)
            yield chunk


def _chunk_on_days(
    compiled: CompiledSchedule, chunk: Basket, days: list[dt.date]
) -> tuple[list[Summary], list[set[str]]]:
    """One chunk's summary on each day (detached from the schedule, to travel between processes), and the measures
    whose rate on some line moved from the day before."""
    dated = DatedChunk(chunk, compiled)  # what depends only on the lines, worked out once for every date
    summaries, changed, previous = [], [], None
    for day in days:
        summary, rates = dated.on(day)
        summaries.append(summary.detached())
        changed.append(set() if previous is None else dated.changed(previous, rates))
        previous = rates
    return summaries, changed

