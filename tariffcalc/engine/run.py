"""Running an estimate over a basket read in chunks: compute each chunk, add up the summaries in line order.

What is done to one chunk is :func:`compute_chunk`, a pure function of the
chunk and the compiled schedule: the single-process run here and the Dask run
(:mod:`tariffcalc.engine.dask_run`) both call it, and add up the summaries in line order.

Given a ``finish`` (what a writer makes of a chunk's estimate, such as its CSV
text), the chunks can be computed in worker processes
(:func:`~tariffcalc.engine.processes.in_processes`): each worker checks a
chunk as read, computes it and finishes it, and only the finished value, the
summary and the skipped lines come back, not the estimate's arrays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar, cast

from ..goods.basket import Basket, Skipped
from ..goods.chunks import RawChunk, fail_on_skipped, merge_skipped
from ..law.model import Schedule
from .calculate import estimate
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
    """What ``finish`` made of a chunk's estimate in the worker process that checked and computed it: all that
    comes back of the chunk, with its number of lines and its skipped lines."""

    value: T
    lines: int
    skipped: Skipped | None

    def __len__(self) -> int:
        return self.lines


def _finished_chunk(
    compiled: CompiledSchedule, chunk: RawChunk, date: dt.date, finish: Callable[[Estimate], Any]
) -> tuple[Finished, Summary]:
    """A chunk as read, checked, computed and finished (in a worker process), and its summary, detached."""
    basket = chunk.normalised()
    result, summary = compute_chunk(basket, compiled, date)
    return Finished(finish(result), len(basket), basket.skipped), summary.detached()


class ChunkedEstimate:
    """Iterates over per-chunk estimates; afterwards ``summary`` and ``skipped`` hold the whole basket's."""

    def __init__(
        self, chunks: Iterator[Basket] | Iterator[RawChunk], schedule: Schedule, date: dt.date, skip_invalid: bool,
        finish: Callable[[Estimate], Any] | None = None, jobs: int = 1,
    ):  # fmt: skip
        """``chunks`` are baskets, computed in this process; or, with ``finish`` (a module-level function of an
        estimate), chunks as read, each checked, computed and finished in one of ``jobs`` worker processes, and
        coming as :class:`Finished`."""
        self.chunks, self.skip_invalid = chunks, skip_invalid
        self.compiled = CompiledSchedule.of(schedule)
        self.summary = Summary(schedule, date)
        self.date = date
        self.skipped: Skipped | None = None
        self.finish, self.jobs = finish, jobs

    def computed(self) -> Iterator[tuple[Estimate | Finished, Summary, Skipped | None]]:
        """Each chunk's estimate (or finished value), summary and skipped lines, in line order."""
        if self.finish is None:
            for basket in cast(Iterator[Basket], self.chunks):
                result, summary = compute_chunk(basket, self.compiled, self.date)
                yield result, summary, basket.skipped
                del basket, result, summary
            return
        finished = in_processes(
            partial(_finished_chunk, date=self.date, finish=self.finish),
            cast(Iterator[RawChunk], self.chunks),
            setup=CompiledSchedule.of,
            setup_args=(self.compiled.schedule,),
            here=self.compiled,
            jobs=self.jobs,
        )
        for done, summary in finished:
            yield done, summary, done.skipped

    def __iter__(self) -> Iterator[tuple[Estimate | Finished, int]]:
        """``(estimate, number of its first line)`` per chunk (:class:`Finished` with ``finish``).

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
            del result
        fail_on_skipped(self.skipped, self.skip_invalid)
        if not self.skip_invalid:
            self.skipped = None
