"""One chunk of a basket computed on many dates (``timeline``): what depends only on the lines worked out once.

:func:`~tariffcalc.engine.calculate.estimate` builds, for every date, the
dense lines × measures matrices of rates, bases and duties, and its Summary
sorts the lines by country again.  Over a timeline's dozen dates the lines do
not change, only the key-level rates do, and most lines pay one or two
measures.  So here the values, MFN duties, AD/CVD deposits, each measure's
basis and the per-country grouping are made once per chunk; on each date a
measure's key-level rate is gathered onto the lines it applies to only, its
duties computed on those cells by :func:`~tariffcalc.money.apply_rate`, and
the sums taken from them.  Lines a portion-yield reaches (their keys are
``restack``\\ ed: whether they pay depends on their amounts) go through the
engine's own :func:`~tariffcalc.engine.calculate._restack`; "X% total" rates
are topped up against each line's MFN duty as ``estimate`` does.  The result
is the same :class:`~tariffcalc.engine.result.Summary` as ``estimate``'s (but
no notices: a timeline shows none), to the cent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..goods.basket import Basket
from ..money import apply_rate, total
from .calculate import PreparedLines, _ad_cvd, _restack, line_bases, mfn_equivalent
from .compile import CompiledSchedule
from .evaluate import KeyResult
from .result import CountryGroups, Summary


@dataclass
class DayRates:
    """What decides every line's rate under every measure on one date, kept to compare with the next date.

    A line's rate is its key's (topped up against its MFN duty where the key's rate is an "X% total" one), except
    on restacked lines, whose rates are kept line by line.
    """

    #: measures × keys: the key's rate (-1 where not applied), whether it is an "X% total" rate, and whether a line
    #: of the key may pay the measure once restacked.
    rates: np.ndarray
    total: np.ndarray
    restack_live: np.ndarray
    #: keys: restacked.
    restack: np.ndarray
    #: The restacked lines (ascending) and their rates, lines × every measure of the schedule.
    restacked_rows: np.ndarray
    restacked_rates: np.ndarray
    #: The measures charged on some key (any other measure's rates are -1 and its keys not live).
    used: list[int]


class DatedChunk:
    """A chunk's lines read once, then summed on one date after another (see the module's docstring)."""

    def __init__(self, basket: Basket, compiled: CompiledSchedule):
        self.basket, self.compiled = basket, compiled
        self.prepared = PreparedLines.of(basket, compiled)
        self.key_index = self.prepared.key_index
        self.value = basket.value_cents
        mfn_duty = apply_rate(self.value, basket.mfn_micro)
        if basket.mfn_specific_cents is not None:
            mfn_duty = mfn_duty + basket.mfn_specific_cents
        self.mfn_duty = mfn_duty
        self.ad_cvd = _ad_cvd(basket)
        self.fixed = self.mfn_duty + (self.ad_cvd if self.ad_cvd is not None else 0)
        self.totals = {
            "value": total(self.value),
            "mfn_duty": total(self.mfn_duty),
            "ad_cvd_duty": None if self.ad_cvd is None else total(self.ad_cvd),
        }
        self._mfn_ave: np.ndarray | None = None
        self._bases: dict[int, np.ndarray] = {}
        #: measure → (its keys' rates, "X% total" flags and unrestacked keys on the last date, (lines, duties))
        self._plain: dict[int, tuple[tuple[np.ndarray, ...], tuple[np.ndarray, np.ndarray]]] = {}
        #: (what the restacked lines' rates were worked out from on the last date, (their rates, their duties))
        self._last_restack: tuple[tuple[np.ndarray, ...], tuple[np.ndarray, np.ndarray]] | None = None
        self.countries = CountryGroups(basket.country.to_numpy(dtype=object), [self.value, self.mfn_duty])

    @property
    def mfn_ave(self) -> np.ndarray:
        """Each line's ad valorem equivalent of its MFN duty (for "X% total" top-ups), worked out on first use."""
        if self._mfn_ave is None:
            self._mfn_ave = mfn_equivalent(self.basket)
        return self._mfn_ave

    def base(self, j: int) -> np.ndarray:
        """The value measure ``j`` is charged on, per line (cents): the same on every date."""
        if j not in self._bases:
            bases, _ = line_bases(self.compiled, self.basket, self.prepared.fields, [j])
            self._bases[j] = self.value if bases is None else bases[:, 0]
        return self._bases[j]

    def on(self, date: dt.date) -> tuple[Summary, DayRates]:
        """The chunk's Summary on ``date`` (lines' own entry dates ignored), and what decides its lines' rates."""
        _, key_index, keys = self.prepared.on(date)
        result = self.prepared.on_days.on(keys)
        n, schedule = len(self.value), self.compiled.schedule
        rates, total_rates = result.per_measure("rates"), result.per_measure("total")  # measures × keys
        charged = (rates >= 0).any(axis=1) | (result.per_measure("own_rates") >= 0).any(axis=1)
        used = [int(j) for j in np.flatnonzero(charged)]
        restacked_rows = np.flatnonzero(result.restack[key_index])
        restacked_rates, restacked_duties = self._restacked(result, restacked_rows, used, date)
        plain_keys = ~result.restack
        additional = np.zeros(n, dtype=np.int64)
        sums: dict[str, list[int]] = {}
        for j in used:
            rows, duties = self._plain_duties(j, rates[j], total_rates[j], plain_keys)
            additional[rows] += duties
            applied = restacked_rates[:, j] >= 0
            more = restacked_duties[applied, j]
            additional[restacked_rows[applied]] += more
            sums[schedule.measures[j].id] = [
                len(rows) + int(applied.sum()),
                total(self.value[rows]) + total(self.value[restacked_rows[applied]]),
                total(duties) + total(more),
            ]
        summary = Summary(schedule, date)
        summary.lines = n
        summary.value = self.totals["value"]
        summary.mfn_duty = self.totals["mfn_duty"]
        summary.ad_cvd_duty = self.totals["ad_cvd_duty"]
        summary.additional_duty = sum(s[2] for s in sums.values())
        summary.total_duty = summary.mfn_duty + summary.additional_duty + (summary.ad_cvd_duty or 0)
        summary.refundable_duty = sum(sums[m.id][2] for m in schedule.measures if m.id in sums and m.refundable)
        summary.measures = sums
        summary.countries = self.countries.sums([additional, self.fixed + additional])
        return summary, self._day_rates(result, restacked_rows, restacked_rates, used)

    def _plain_duties(
        self, j: int, rates: np.ndarray, total_rates: np.ndarray, plain_keys: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The lines that pay measure ``j`` from their key's rate (not restacked), and their duties.

        They depend on the date only through the keys' rates under ``j`` and which keys are restacked: most
        measures are the same from one date to the next, so what the last date gave is kept while those are equal.
        """
        kept = self._plain.get(j)
        if kept is not None and all(np.array_equal(a, b) for a, b in zip(kept[0], (rates, total_rates, plain_keys))):
            return kept[1]
        key_index = self.key_index
        rows = np.flatnonzero(((rates >= 0) & plain_keys)[key_index])
        line_rates = rates[key_index[rows]]
        if total_rates.any():
            topped = total_rates[key_index[rows]]
            line_rates = np.where(topped, np.maximum(line_rates - self.mfn_ave[rows], 0), line_rates)
        duties = apply_rate(self.base(j)[rows], line_rates)
        self._plain[j] = ((rates.copy(), total_rates.copy(), plain_keys.copy()), (rows, duties))
        return rows, duties

    def _restacked(
        self, result: KeyResult, rows: np.ndarray, used: list[int], date: dt.date
    ) -> tuple[np.ndarray, np.ndarray]:
        """The restacked lines' rates and duties (lines × every measure; -1 and 0 where not paid), as ``estimate``
        works them out: stacked again from each measure's own rate on the line's bases, then topped up (kept from
        the last date while nothing they are worked out from changed)."""
        day = np.datetime64(date.isoformat(), "D")
        restack = result.restack
        # All the restacking reads of the date: which keys, their rates, own rates and "X% total" flags, the
        # measures charged and the stacking epoch. Equal to the last date's, its lines' rates and duties are too.
        reads = (
            restack, result.per_measure("rates")[:, restack], result.per_measure("own_rates"),
            result.per_measure("total")[:, restack], np.array(used),
            np.array([epoch.start <= day <= epoch.end for epoch in self.compiled.epochs]),
        )  # fmt: skip
        if self._last_restack is not None and all(np.array_equal(a, b) for a, b in zip(reads, self._last_restack[0])):
            return self._last_restack[1]
        found = self._restack_lines(result, rows, used, date)
        self._last_restack = (tuple(np.array(a, copy=True) for a in reads), found)
        return found

    def _restack_lines(
        self, result: KeyResult, rows: np.ndarray, used: list[int], date: dt.date
    ) -> tuple[np.ndarray, np.ndarray]:
        m = len(self.compiled.measures)
        rates = np.full((len(rows), m), -1, dtype=np.int64)
        duties = np.zeros((len(rows), m), dtype=np.int64)
        if not len(rows) or not used:
            return rates, duties
        key_index = self.key_index[rows]
        line_rates = np.ascontiguousarray(result.per_measure("rates")[used][:, key_index].T)
        bases = np.stack([self.base(j)[rows] for j in used], axis=1)
        dates = np.full(len(rows), np.datetime64(date.isoformat(), "D"))
        column = {j: c for c, j in enumerate(used)}
        everyone = np.arange(len(rows))
        _restack(self.compiled, result, key_index, everyone, dates, self.value[rows], column, line_rates, bases)
        total_rates = result.per_measure("total")
        for c, j in enumerate(used):
            topped = np.flatnonzero(total_rates[j][key_index] & (line_rates[:, c] >= 0))
            line_rates[topped, c] = np.maximum(line_rates[topped, c] - self.mfn_ave[rows[topped]], 0)
        paid = line_rates >= 0
        line_duties = np.where(paid, apply_rate(bases, np.where(paid, line_rates, 0)), 0)
        rates[:, used], duties[:, used] = line_rates, line_duties
        return rates, duties

    def _day_rates(
        self, result: KeyResult, restacked_rows: np.ndarray, restacked_rates: np.ndarray, used: list[int]
    ) -> DayRates:
        rates, total_rates = result.per_measure("rates"), result.per_measure("total")
        live = np.zeros(rates.shape, dtype=bool)
        live[:, result.restack] = (rates[:, result.restack] >= 0) | (result.per_measure("own_rates") >= 0)
        return DayRates(rates, total_rates, live, result.restack, restacked_rows, restacked_rates, used)

    def line_rates(self, day: DayRates, j: int, rows: np.ndarray) -> np.ndarray:
        """The rate of measure ``j`` on lines ``rows`` (-1 where not paid), as ``estimate`` has it."""
        keys = self.key_index[rows]
        rates = day.rates[j][keys]
        topped = day.total[j][keys] & (rates >= 0)
        if topped.any():
            rates = np.where(topped, np.maximum(rates - self.mfn_ave[rows], 0), rates)
        restacked = day.restack[keys]
        if restacked.any():
            positions = np.searchsorted(day.restacked_rows, rows[restacked])
            rates[restacked] = day.restacked_rates[positions, j]
        return rates

    def changed(self, before: DayRates, after: DayRates) -> set[str]:
        """The measures whose rate differs on some line of the chunk between two dates.

        Compared on the keys first: a line whose key has the same rate, the same kind of rate and is not restacked on
        either date has the same rate.  The lines of the other keys are compared line by line.
        """
        # Only measures charged on one date or the other can move: elsewhere no line pays them on either date.
        charged = sorted(set(before.used) | set(after.used))
        differs = (
            (before.rates[charged] != after.rates[charged]) | (before.total[charged] != after.total[charged])
            | before.restack_live[charged] | after.restack_live[charged]
        )  # fmt: skip
        moved = set()
        for c in np.flatnonzero(differs.any(axis=1)):
            j = charged[c]
            rows = np.flatnonzero(differs[c][self.key_index])
            if (self.line_rates(before, j, rows) != self.line_rates(after, j, rows)).any():
                moved.add(self.compiled.schedule.measures[j].id)
        return moved
