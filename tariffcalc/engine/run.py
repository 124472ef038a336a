"""Running an estimate over a basket read in chunks: compute each chunk, add up the summaries in line order.

What is done to one chunk is :func:`compute_chunk`, a pure function of the
chunk and the compiled schedule: the single-process run here and the Dask run
(:mod:`tariffcalc.engine.dask_run`) both call it, and add up the summaries in line order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..goods.basket import Basket, Skipped
from ..goods.chunks import fail_on_skipped, merge_skipped
from ..law.model import Schedule
from .calculate import estimate
from .compile import CompiledSchedule
from .result import Estimate, Summary


def compute_chunk(basket: Basket, compiled: CompiledSchedule, date: dt.date) -> tuple[Estimate, Summary]:
    """One chunk's estimate and summary: a pure function of the chunk and the schedule (no state kept)."""
    result = estimate(basket, compiled, date)
    return result, result.summary()



class ChunkedEstimate:
    """Iterates over per-chunk estimates; afterwards ``summary`` and ``skipped`` hold the whole basket's."""

    def __init__(self, chunks: Iterator[Basket], schedule: Schedule, date: dt.date, skip_invalid: bool):
        self.chunks, self.skip_invalid = chunks, skip_invalid
        self.compiled = CompiledSchedule.of(schedule)
        self.summary = Summary(schedule, date)
        self.date = date
        self.skipped: Skipped | None = None

    def computed(self) -> Iterator[tuple[Estimate, Summary, Skipped | None]]:
        """Each chunk's estimate, summary and skipped lines, in line order."""
        for basket in self.chunks:
            result, summary = compute_chunk(basket, self.compiled, self.date)
            yield result, summary, basket.skipped

    def __iter__(self) -> Iterator[tuple[Estimate, int]]:
        """``(estimate, number of its first line)`` per chunk.

        Without ``skip_invalid``, computing goes on after a bad line (so that
        every problem is found), and InputError lists them all at the end:
        the caller must not publish what it wrote before then.
        """
        first_line = 1
        for result, summary, skipped in self.computed():
            self.skipped = merge_skipped(self.skipped, skipped)
            self.summary.add(summary)
            yield result, first_line
            first_line += len(result)
        fail_on_skipped(self.skipped, self.skip_invalid)
        if not self.skip_invalid:
            self.skipped = None
