"""One run of an estimate, as a library call: :func:`run_estimate`.

The ``estimate`` command only wires its options to it and renders what it
returns; a Python user calls it the same way::

    from tariffcalc.engine.estimating import run_estimate
    run = run_estimate("imports.csv", "us", dt.date(2025, 4, 17), fees=True, hts="none")
    for estimate, first_line in run:
        ...                       # each chunk's lines, in order
    run.summary.totals()          # then the whole basket's totals, notices and breakdowns
    run.fees.table()              # the entry fees (with fees=True)

The basket is read and computed chunk by chunk (bounded memory), by one
process (``engine="pandas"``) or as Dask partitions (``engine="dask"``);
each chunk gets its MFN duties from the official HTS when one is chosen
(``hts``: see :func:`tariffcalc.hts.store.choose`), and its lines are
added to the entry fees when asked (``fees``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, cast

from ..defaults import DEFAULT_CHUNK_SIZE
from ..paths import DEFAULT_SCHEDULE
from ..goods.basket import Skipped
from ..goods.chunks import basket_chunks, raw_chunks
from ..goods.read_ahead import read_ahead
from ..hts.official import OfficialHts
from ..law.load import load_schedule
from ..law.model import Schedule
from ..notices import merge
from .fees import EntryFees
from .result import Estimate, Summary
from .run import ChunkedEstimate, Finished

Engine = Literal["pandas", "dask"]


class EstimateRun:
    """One run of an estimate over a basket: iterate over it for each chunk's estimate, then read the totals.

    Iterating gives ``(estimate, number of its first line)`` per chunk, in line
    order.  Without ``skip_invalid``, computing goes on after a bad line (so
    that every problem is found) and InputError lists them all at the end:
    whoever writes the chunks must not publish them before then.  Afterwards,
    :attr:`summary` and :attr:`skipped` hold the whole basket's, :attr:`fees`
    the entry fees (or None), and :attr:`hts` the official HTS used (or None).
    """

    def __init__(
        self,
        basket: str | Path,
        schedule: Schedule,
        date: dt.date,
        *,
        input_format: str | None,
        encoding: str,
        decimal_comma: bool,
        chunk_size: int,
        skip_invalid: bool,
        hts: str | None,
        fees: bool,
        engine: Engine,
        tell: Callable[[str], None] | None,
    ):
        self.basket, self.schedule, self.date = basket, schedule, date
        self.input_format, self.encoding, self.decimal_comma = input_format, encoding, decimal_comma
        self.chunk_size, self.skip_invalid, self.engine = chunk_size, skip_invalid, engine
        self.official = OfficialHts(hts, date, tell)
        if engine == "dask":
            from .dask_run import require_dask  # here: a pandas run does not load the Dask engine

            require_dask()
            self.official.refuse_for("--engine dask")
        #: The entry fees, added up chunk by chunk (None unless asked for).
        self.fees = EntryFees() if fees else None
        self.chunked: ChunkedEstimate | None = None

    @property
    def hts(self):
        """The official HTS the MFN duties came from (an HtsTariff), or None."""
        return self.official.tariff

    @property
    def summary(self) -> Summary:
        return self.chunked.summary

    @property
    def skipped(self) -> Skipped | None:
        return self.chunked.skipped

    def __iter__(self) -> Iterator[tuple[Estimate, int]]:
        return self.results()

    def results(
        self, progress: Callable[[int, int], None] | None = None, finish: Callable[[Estimate], Any] | None = None,
        jobs: int = 1,
    ) -> Iterator[tuple[Estimate | Finished, int]]:
        """``(estimate, number of its first line)`` per chunk; ``progress(done_bytes, total_bytes)`` after each is read.

        With ``jobs`` > 1 and a ``finish`` (a module-level function of an estimate, such as the CSV writer's
        :func:`~tariffcalc.output.sinks.csv_chunk`), the chunks are checked and computed in ``jobs`` worker
        processes, which send back what ``finish`` made of each estimate: each chunk then comes as
        :class:`Finished`.  A script that asks for this must guard its start with ``if __name__ == "__main__":``
        (the workers are spawned).  Chunks are computed in this process, as estimates, with ``fees`` (added up from
        whole estimates), with an official HTS to apply, and with the Dask engine.
        """
        if self.engine == "dask":
            from .dask_run import DaskEstimate

            self.chunked = DaskEstimate(
                self.basket, self.input_format, self.encoding, self.decimal_comma, self.chunk_size,
                self.schedule, self.date, self.skip_invalid, progress,
            )  # fmt: skip
        elif finish is not None and jobs > 1 and self.fees is None and not self.official.chosen():
            raw = read_ahead(
                raw_chunks(self.basket, self.input_format, self.encoding, self.decimal_comma, self.chunk_size, progress)
            )
            self.chunked = ChunkedEstimate(raw, self.schedule, self.date, self.skip_invalid, finish, jobs)
        else:
            chunks = read_ahead(
                basket_chunks(self.basket, self.input_format, self.encoding, self.decimal_comma, self.chunk_size, progress)
            )
            self.chunked = ChunkedEstimate(self.official.chunks(chunks), self.schedule, self.date, self.skip_invalid)
        for result, first_line in self.chunked:
            yield result, first_line
            self.official.merge_notices(self.chunked.summary)
            if self.fees is not None:
                self.fees.add(cast(Estimate, result))
            del result
        if self.fees is not None:
            merge(self.chunked.summary.notices, self.fees.notices())


def run_estimate(
    basket: str | Path,
    schedule: Schedule | str = DEFAULT_SCHEDULE,
    date: dt.date | None = None,
    *,
    input_format: str | None = None,
    encoding: str = "utf-8-sig",
    decimal_comma: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    skip_invalid: bool = False,
    hts: str | None = None,
    fees: bool = False,
    engine: Engine = "pandas",
    tell: Callable[[str], None] | None = None,
) -> EstimateRun:
    """One run of an estimate: what every line of the basket at ``basket`` (a path, or ``-`` for stdin) pays on ``date``.

    ``schedule`` is a :class:`Schedule` (with any scenarios applied) or the name or path of one;
    ``date`` defaults to today, and a line's own ``entry_date`` wins.  ``hts`` chooses the
    official HTS for the MFN duties (a store or a USITC CSV, ``"none"``, or None for the
    command's default: ``$TARIFFCALC_HTS``, else the imported store when the basket has no
    ``mfn_rate`` column); ``fees`` adds the entry fees; ``engine="dask"`` computes the chunks as
    Dask partitions.  ``tell`` receives the notes meant for a person (which HTS is used).
    Nothing is read until the run is iterated; see :class:`EstimateRun`.
    """
    return EstimateRun(
        basket,
        load_schedule(schedule) if isinstance(schedule, (str, Path)) else schedule,
        date or dt.date.today(),
        input_format=input_format,
        encoding=encoding,
        decimal_comma=decimal_comma,
        chunk_size=chunk_size,
        skip_invalid=skip_invalid,
        hts=hts,
        fees=fees,
        engine=engine,
        tell=tell,
    )
