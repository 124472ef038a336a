"""Running an estimate over a basket read in chunks: compute each chunk, add up the summaries in line order.

What is done to one chunk is :func:`compute_chunk`, a pure function of the
chunk and the compiled schedule: the single-process run here and the Dask run
(:mod:`tariffcalc.engine.dask_run`) both call it, and add up the summaries in line order.

Given a ``finish`` (what a writer makes of a chunk's estimate, such as its CSV
columns), the chunks can be computed in worker processes
(:func:`~tariffcalc.engine.processes.in_processes`): each worker computes its
chunk and finishes it, and only the finished value and the summary come back,
not the estimate's arrays.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from ..goods.basket import Basket, Skipped
from ..goods.chunks import fail_on_skipped, merge_skipped
from ..law.model import Schedule
from .calculate import estimate, text_read
from .compile import CompiledSchedule
from .processes import in_processes
from .result import Estimate, Summary

T = TypeVar("T")


def compute_chunk(basket: Basket, compiled: CompiledSchedule, date: dt.date) -> tuple[Estimate, Summary]:
    """One chunk's estimate and summary: a pure function of the chunk and the schedule (no state kept)."""
    result = estimate(basket, compiled, date)
    return result, result.summary()


@dataclass
class Finished(Generic[T]):
    """What ``finish`` made of a chunk's estimate where it was computed, with the chunk as it was read (all its
    columns, its skipped lines)."""

    value: T
    basket: Basket

    def __len__(self) -> int:
        return len(self.basket)


def _finished_chunk(
    compiled: CompiledSchedule, basket: Basket, date: dt.date, finish: Callable[[Estimate], Any]
) -> tuple[Any, Summary]:
    """One chunk computed and finished (in a worker process): the finished value and the summary, detached."""
    result, summary = compute_chunk(basket, compiled, date)
    return finish(result), summary.detached()


class ChunkedEstimate:
    """Iterates over per-chunk estimates; afterwards ``summary`` and ``skipped`` hold the whole basket's."""

    def __init__(
        self, chunks: Iterator[Basket], schedule: Schedule, date: dt.date, skip_invalid: bool,
        finish: Callable[[Estimate], Any] | None = None, jobs: int = 1,
    ):  # fmt: skip
        """With ``finish`` (a module-level function) and ``jobs`` > 1, the chunks are computed in ``jobs`` worker
        processes, and each chunk's estimate is replaced by :class:`Finished` (what ``finish`` made of it there);
        otherwise they are computed in this process, and come as estimates."""
        self.chunks, self.skip_invalid = chunks, skip_invalid
        self.compiled = CompiledSchedule.of(schedule)
        self.summary = Summary(schedule, date)
        self.date = date
        self.skipped: Skipped | None = None
        self.finish, self.jobs = finish, jobs

    def computed(self) -> Iterator[tuple[Estimate | Finished, Summary, Skipped | None]]:
        """Each chunk's estimate (or finished value), summary and skipped lines, in line order."""
        if self.finish is None or self.jobs <= 1:
            for basket in self.chunks:
                result, summary = compute_chunk(basket, self.compiled, self.date)
                yield result, summary, basket.skipped
            return
        sent: deque[Basket] = deque()  # the chunks in the workers, as read, in order
        read = text_read(self.compiled)

        def sending() -> Iterator[Basket]:
            for basket in self.chunks:
                sent.append(basket)
                yield basket.keeping(read)

        finished = in_processes(
            partial(_finished_chunk, date=self.date, finish=self.finish),
            sending(),
            setup=CompiledSchedule.of,
            setup_args=(self.compiled.schedule,),
            here=self.compiled,
            jobs=self.jobs,
        )
        for value, summary in finished:
            basket = sent.popleft()
            yield Finished(value, basket), summary, basket.skipped

    def __iter__(self) -> Iterator[tuple[Estimate | Finished, int]]:
        """``(estimate, number of its first line)`` per chunk (:class:`Finished` when computed in workers).

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
