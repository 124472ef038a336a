"""Evaluating every measure over the distinct keys of a basket, on whole columns.

A key is (HTS code, country, date, and one column per condition the schedule
reads).  For each measure: its rate on the key's date (segments and
suspensions), whether the country and product are covered, excluded or
excepted, what its conditions say, and then the stacking rules, in the order
they must be resolved.  HTS scopes, country lists and date ranges are matched
once per distinct code, country and day, and spread onto the keys by index.
For ``timeline`` and ``compare``, :class:`KeysOnDays` evaluates the same keys
day after day, evaluating again only the measures that change.
"""

from __future__ import annotations

import copy
from enum import IntEnum

import numpy as np
import pandas as pd

from .. import hts_codes
from ..law.model import CONFIDENCE_ORDER, Schedule
from .compile import CompiledMeasure, CompiledSchedule, Segment


class Status(IntEnum):
    """Why a measure does or does not apply to a key (for ``explain``)."""

    APPLIED = 0
    NOT_IN_FORCE = 1
    COUNTRY_NOT_COVERED = 2
    PRODUCT_NOT_COVERED = 3
    PRODUCT_EXCLUDED = 4
    EXEMPT = 5
    SUSPENDED = 6
    YIELDED = 7
    #: Needs a basket field that the line does not set, or sets otherwise (e.g. ``auto_part: true``).
    NOT_DECLARED = 8
    #: Excepted for the goods' country (a per-country product exception).
    EXCEPTED = 9



def _turned(name: str, doc: str) -> property:
    """A keys × measures array of :class:`KeyResult`, turned from its measures × keys form on first use."""

    def get(self: KeyResult) -> np.ndarray:
        if name not in self.__dict__:
            self.__dict__[name] = _keys_by_measures(self._by_measures.pop(name))
        return self.__dict__[name]

    return property(get, doc=doc)


class KeyResult:
    """Each distinct key's rate (millionths, -1 where not applied) and status under each measure.

    The engine works measures × keys; each keys × measures array is turned on first use only, since a timeline's
    dates read only the rates (the transposes were ~30 ms per 100,000-line chunk and date).
    """

    def __init__(
        self, keys: pd.DataFrame, by_measures: dict[str, np.ndarray], portions: list[tuple[int, int, np.ndarray]],
        restack: np.ndarray,
    ):
        self.keys = keys
        #: The arrays below in their measures × keys form, until turned.
        self._by_measures = by_measures
        #: (measure j, measure k, keys): j yields to k only on k's basis, on these keys ("split line").
        self.portions = portions
        #: keys, bool: a portion-yield may reach these keys, so whether a measure is charged depends on each line's
        #: values (a measure left with nothing to charge is not applied, and nothing yields to it): the engine
        #: stacks their lines again, line by line in columns.
        self.restack = restack

    def per_measure(self, name: str) -> np.ndarray:
        """One of the arrays below measures × keys (each measure's keys contiguous), without turning it (a view of
        it once it is turned)."""
        return self.__dict__[name].T if name in self.__dict__ else self._by_measures[name]

    rates = _turned("rates", "keys × measures, int64")
    total = _turned("total", 'keys × measures, bool: the rate is an "X% total" rate, topped up against each line\'s MFN duty.')
    status = _turned("status", "keys × measures, int8 (Status)")
    yielded_to = _turned("yielded_to", "keys × measures, int16: index of the measure that excluded it, or -1")
    partial = _turned("partial", "keys × measures, bool: the HTS code is less specific than the measure's scope")
    confidence = _turned(
        "confidence", "keys × measures, int8: the confidence of the rate (2 high, 1 medium, 0 low; -1 where not in force)."
    )
    own_rates = _turned(
        "own_rates", "restacked keys × measures: the rate each measure has before any ``yields_to`` (-1 where not applied)."
    )


#: The country of the schedule's own goods, which no measure covers.
DOMESTIC = frozenset({"US"})


class _Keys:
    """The key columns as arrays, with each mask of codes, countries and days computed once per distinct value.

    A basket has far fewer distinct codes, countries and days than keys, so a
    scope, country list or date range is matched on the distinct values and
    spread onto the keys by their integer index (and the same set, used by
    many measures, is matched once).
    """

    def __init__(self, keys: pd.DataFrame, schedule: Schedule):
        self.n = len(keys)
        self.schedule = schedule
        self.code_of_key, codes = pd.factorize(keys["hts"], use_na_sentinel=False)
        self.code_column = hts_codes.CodeColumn(codes)
        self.country_of_key, countries = pd.factorize(keys["country"], use_na_sentinel=False)
        self.countries = np.asarray(countries, dtype=object)
        self.day_of_key, days = pd.factorize(keys["date"].to_numpy(dtype="datetime64[D]"), use_na_sentinel=False)
        self.days = np.asarray(days, dtype="datetime64[D]")
        #: Each key's cell in the grid of distinct days × countries.
        self.cell_of_key = self.day_of_key * len(self.countries) + self.country_of_key
        self.frame = keys
        self._country_masks: dict[frozenset[str], np.ndarray] = {}
        self._meets: dict[tuple[str, tuple], np.ndarray] = {}
        self._between: dict[tuple[np.datetime64, np.datetime64], np.ndarray] = {}
        self._subsets: dict[bytes, _Keys] = {}
        #: Of a :meth:`subset`: its keys' rows in ``frame`` (None: all of them).
        self.rows: np.ndarray | None = None

    def subset(self, live: np.ndarray) -> _Keys:
        """The keys where ``live`` (per key) holds, as keys of their own: its masks are of those keys only.

        The measures that cover the same countries on the same days share theirs (their masks of days and
        condition values too)."""
        found = self._subsets.get(key := np.packbits(live).tobytes())
        if found is None:
            rows = np.flatnonzero(live)
            found = self._subsets[key] = copy.copy(self)
            found.n, found.rows = len(rows), rows
            found.code_of_key, found.country_of_key = self.code_of_key[rows], self.country_of_key[rows]
            found.day_of_key, found.cell_of_key = self.day_of_key[rows], self.cell_of_key[rows]
            # Its own masks, and no reference back to these keys: a cycle would keep every chunk's masks alive
            # until Python's cyclic collector ran (at 10M lines, 140 MB more at the peak).
            found._meets, found._between, found._subsets = {}, {}, {}
        return found

    def on_day(self, keys: pd.DataFrame) -> _Keys:
        """These keys with the (one) date of ``keys``: the masks of codes and countries found so far are shared."""
        other = copy.copy(self)
        other.frame = keys
        other._meets = {}  # from the frame, which is new
        other._between = {}  # of the days, which are new
        other._subsets = {}
        other.day_of_key = np.zeros(self.n, dtype=np.int64)
        other.cell_of_key = self.country_of_key
        other.days = np.unique(keys["date"].to_numpy(dtype="datetime64[D]"))
        if len(other.days) > 1:
            raise ValueError("keys on one day expected")
        return other

    def by_code(self, prefixes: frozenset[str]) -> np.ndarray:
        return self.code_column.prefix_mask(prefixes)[self.code_of_key]

    def partial(self, prefixes: frozenset[str]) -> np.ndarray:
        """Keys whose code is less specific than some prefix of the scope (:meth:`hts_codes.CodeColumn.partial_mask`)."""
        return self.code_column.partial_mask(prefixes)[self.code_of_key]

    def country_mask(self, countries: frozenset[str]) -> np.ndarray:
        """Per distinct country: in ``countries``."""
        mask = self._country_masks.get(countries)
        if mask is None:
            mask = self._country_masks[countries] = np.isin(self.countries, list(countries))
        return mask

    def in_countries(self, countries: frozenset[str]) -> np.ndarray:
        return self.country_mask(countries)[self.country_of_key]

    def days_between(self, start: np.datetime64, end: np.datetime64) -> np.ndarray:
        """Per distinct day: from ``start`` through ``end``."""
        return (self.days >= start) & (self.days <= end)

    def between(self, start: np.datetime64, end: np.datetime64) -> np.ndarray:
        """Keys whose day is from ``start`` through ``end`` (many segments and conditions share their days)."""
        found = self._between.get((start, end))
        if found is None:
            found = self._between[(start, end)] = self.days_between(start, end)[self.day_of_key]
            found.flags.writeable = False  # shared by its callers: one that changed it in place would fail here
        return found

    def meets(self, column: str, accept) -> np.ndarray:
        """Keys whose value of a condition's column is one it accepts (many conditions ask the same)."""
        found = self._meets.get((column, tuple(accept)))
        if found is None:
            values = self.frame[column].to_numpy()
            found = self._meets[(column, tuple(accept))] = np.isin(values if self.rows is None else values[self.rows], accept)
        return found

    def everywhere(self) -> np.ndarray:
        return np.ones(self.n, dtype=bool)


def evaluate_keys(compiled: CompiledSchedule, keys: pd.DataFrame) -> KeyResult:
    """Evaluate every measure over the distinct keys.

    ``keys`` has columns ``hts`` (digits), ``country`` (alpha-2), ``date``
    (datetime64[D]) and one column per entry of ``compiled.key_columns``.
    """
    k = _Keys(keys, compiled.schedule)
    return _stacked(compiled, k, *_columns(compiled, k))


class KeysOnDays:
    """The same keys evaluated on one day after another (``timeline``, ``compare``).

    Codes, countries and flags are matched once for all the days; and a
    measure's column (its rates and status before stacking) depends on the
    day only through which of its segments, conditions and exceptions hold on
    it, so the columns of the day before are kept and only the measures for
    which that changed are worked out again.
    """

    def __init__(self, compiled: CompiledSchedule, keys: pd.DataFrame):
        self.compiled = compiled
        self.keys = _Keys(keys, compiled.schedule)
        #: What of each measure held on the last day, and the measures × keys arrays before stacking on it.
        self.held: list[tuple] = []
        self.unstacked: tuple[np.ndarray, ...] | None = None

    def on(self, keys: pd.DataFrame) -> KeyResult:
        """The result of the keys on their (one) day: ``keys`` are this object's keys with that day as their date."""
        k = self.keys.on_day(keys)
        held = [_holds_on(cm, k.days[0]) for cm in self.compiled.measures]
        if self.unstacked is None:
            self.unstacked = _columns(self.compiled, k)
        else:
            _columns(self.compiled, k, [j for j, holds in enumerate(held) if holds != self.held[j]], self.unstacked)
        self.held = held
        rates, total, confidence, status, partial = self.unstacked
        # The stacking changes status and partial, and the next day changes the kept columns: copies of the
        # one-byte arrays; the rates are not changed but read into a new array.
        return _stacked(self.compiled, k, rates, total.copy(), confidence.copy(), status.copy(), partial.copy(), keep_rates=True)


def _holds_on(cm: CompiledMeasure, day: np.datetime64) -> tuple:
    """Which of a measure's segments, conditions and exceptions hold on ``day``: all its column depends on of the day."""
    return tuple(item.start <= day <= item.end for item in (*cm.segments, *cm.conditions, *cm.exceptions))


def _columns(
    compiled: CompiledSchedule, k: _Keys, measures: list[int] | None = None, into: tuple[np.ndarray, ...] | None = None
) -> tuple[np.ndarray, ...]:
    """Measures × keys, before stacking: rates, total, confidence, status and partial (each measure's keys contiguous
    in memory); only ``measures`` (default: all) are worked out, into the arrays ``into`` when given."""
    if into is None:
        n, m = k.n, len(compiled.measures)
        into = (
            np.full((m, n), -1, dtype=np.int64),
            np.zeros((m, n), dtype=bool),
            np.full((m, n), -1, dtype=np.int8),
            np.zeros((m, n), dtype=np.int8),
            np.zeros((m, n), dtype=bool),
        )
    for j in range(len(compiled.measures)) if measures is None else measures:
        for array, column in zip(into, _measure_column(compiled.measures[j], k)):
            array[j] = column
    return into


def _stacked(
    compiled: CompiledSchedule, k: _Keys, rates: np.ndarray, total: np.ndarray, confidence: np.ndarray,
    status: np.ndarray, partial: np.ndarray, keep_rates: bool = False,
) -> KeyResult:
    """The measures' columns stacked (``status`` and ``partial`` are changed in place, and ``rates`` unless
    ``keep_rates``), as a KeyResult.

    The work is done measures × keys and turned keys × measures only where a caller asks for it.
    """
    own = status == Status.APPLIED
    restack = _portion_keys(compiled, k, own)
    restacked = np.flatnonzero(restack)
    own_rates = np.where(own[:, restacked], rates[:, restacked], -1)
    yielded_to, portions = _stack(compiled, k, status, partial)
    if keep_rates:
        rates = np.where(status == Status.APPLIED, rates, -1)
    else:
        rates[status != Status.APPLIED] = -1
    turned = dict(
        rates=rates, total=total, status=status, yielded_to=yielded_to, partial=partial, confidence=confidence,
        own_rates=own_rates,
    )  # fmt: skip
    return KeyResult(k.frame, turned, portions, restack)


#: A measure whose covered keys on its days are fewer than this share of all keys is worked out on those keys only.
_SUBSET_SHARE = 0.5


def _measure_column(cm: CompiledMeasure, k: _Keys) -> tuple[np.ndarray, ...]:
    """One measure over the keys, before stacking: rate, total, confidence, status and partial per key.

    Only the keys of a covered country on a day in force (the "live" keys) need the product scope, conditions and
    exceptions; when they are few (a measure on one country's goods), those are worked out on them alone.
    """
    n = k.n
    rate, total, confidence, in_force, paused = _rates_by_day(cm, k)
    partial = np.zeros(n, dtype=bool)
    if not in_force.any():  # not in force on any key's day: nothing else to look at
        return rate, total, confidence, np.full(n, Status.NOT_IN_FORCE, dtype=np.int8), partial
    covered = ~k.country_mask(cm.countries) if cm.all_countries else k.country_mask(cm.countries)
    # The measures are on foreign goods: goods of US origin (returned under chapter 98) pay none of them.
    covered = (covered & ~k.country_mask(DOMESTIC))[k.country_of_key]
    live = in_force & covered
    # The status of a key that is not live: the last matching reason is the one reported.
    status = np.where(in_force, np.int8(Status.COUNTRY_NOT_COVERED), np.int8(Status.NOT_IN_FORCE))
    live_count = int(np.count_nonzero(live))
    if live_count == 0:
        return rate, total, confidence, status, partial
    whole = live_count > _SUBSET_SHARE * n
    s = k if whole else k.subset(live)
    rows = None if whole else s.rows

    def on_s(values: np.ndarray) -> np.ndarray:
        return values if whole else values[rows]

    in_scope = s.everywhere() if cm.include is None else s.by_code(cm.include)
    excluded = s.by_code(cm.exclude) if cm.exclude else np.zeros(s.n, dtype=bool)
    exempt, undeclared, zero = _conditions(cm, s)
    excepted, zero_by_exception = _exceptions(cm, s)
    zero |= zero_by_exception
    # Each assignment overrides the ones above it: the last matching reason here is the one reported.
    st = np.full(s.n, Status.APPLIED, dtype=np.int8)
    for mask, reason in (
        (on_s(paused), Status.SUSPENDED),
        (undeclared, Status.NOT_DECLARED),
        (exempt, Status.EXEMPT),
        (excepted, Status.EXCEPTED),
        (excluded, Status.PRODUCT_EXCLUDED),
        (~in_scope, Status.PRODUCT_NOT_COVERED),
    ):
        st[mask] = reason
    if whole:  # the keys that are not live keep their reason, which overrides all of the above
        st = np.where(live, st, status)
    # No rate for a covered country means the measure has no rate for it at that date.
    st[(st == Status.APPLIED) & (on_s(rate) < 0)] = Status.COUNTRY_NOT_COVERED
    # Goods under the measure's zero-rate heading: it applies, at 0%.
    zeroed = np.flatnonzero(zero & (st == Status.APPLIED))
    if not whole:
        zeroed = rows[zeroed]
    rate[zeroed] = 0
    total[zeroed] = False
    if whole:
        status = st
        if cm.include is not None:
            partial = s.partial(cm.include) & live
    else:
        status[rows] = st
        if cm.include is not None:
            partial[rows] = s.partial(cm.include)
    return rate, total, confidence, status, partial


def _keys_by_measures(array: np.ndarray) -> np.ndarray:
    """A measures × keys array turned keys × measures (C order, as the engine's callers index it by key)."""
    return np.ascontiguousarray(array.T)


def _portion_keys(compiled: CompiledSchedule, k: _Keys, own: np.ndarray) -> np.ndarray:
    """The keys on which a measure and one it yields to on that one's basis both apply, before any yield."""
    restack = np.zeros(k.n, dtype=bool)
    for epoch in compiled.epochs:
        pairs = [(j, other) for j, rules in epoch.yields_to.items() for other, portion in rules if portion == "basis"]
        if not pairs:
            continue
        in_epoch = k.between(epoch.start, epoch.end)
        for j, other in pairs:
            restack |= in_epoch & own[j] & own[other]
    return restack


def _rates_by_day(cm: CompiledMeasure, k: _Keys) -> tuple[np.ndarray, ...]:
    """Per key: the rate (-1 none), whether it is a total rate, its confidence, in force, and suspended.

    A rate depends only on the key's day and country: it is worked out on the grid of distinct days × countries,
    then spread onto the keys.
    """
    shape = (len(k.days), len(k.countries))
    rate = np.full(shape, -1, dtype=np.int64)
    total = np.zeros(shape, dtype=bool)
    confidence = np.full(shape, -1, dtype=np.int8)
    in_force = np.zeros(shape[0], dtype=bool)
    paused = np.zeros(shape, dtype=bool)
    for seg in cm.segments:
        in_seg = k.days_between(seg.start, seg.end)
        if not in_seg.any():
            continue
        in_force |= in_seg
        seg_rate, seg_total = _segment_rates(seg, k)
        seg_rate, seg_total = np.broadcast_to(seg_rate, shape), np.broadcast_to(seg_total, shape)
        # Pauses of one measure overlap only for different countries; each governs its own.
        for pause, countries in seg.suspensions:
            hit = in_seg[:, None] & (True if countries is None else k.country_mask(countries))
            if pause.rate is None:
                paused |= hit
            else:
                seg_rate = np.where(hit, pause.rate.micro, seg_rate)
                seg_total = np.where(hit, pause.rate.inclusive_of_mfn, seg_total)
        rate[in_seg] = seg_rate[in_seg]
        total[in_seg] = seg_total[in_seg]
        confidence[in_seg] = CONFIDENCE_ORDER[seg.confidence]
    return (
        _spread(rate, k.cell_of_key), _spread(total, k.cell_of_key), _spread(confidence, k.cell_of_key),
        _spread(in_force, k.day_of_key), _spread(paused, k.cell_of_key),
    )  # fmt: skip


def _spread(grid: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Per key, the value of its cell of ``grid`` (days × countries, or days); one value filled, not gathered."""
    flat = grid.ravel()
    if len(flat) and (flat == flat[0]).all():
        return np.full(len(index), flat[0], dtype=grid.dtype)
    return flat[index]


def _segment_rates(seg: Segment, k: _Keys) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct country's rate in a segment: its own rate, else the default, else -1; and whether it is a total."""
    n = len(k.countries)
    rate = np.full(n, seg.default.micro if seg.default is not None else -1, dtype=np.int64)
    total = np.full(n, seg.default is not None and seg.default.inclusive_of_mfn, dtype=bool)
    if seg.country_rates:
        for i, country in enumerate(k.countries.tolist()):
            value = seg.country_rates.get(country) if isinstance(country, str) else None
            if value is not None:
                rate[i], total[i] = value.micro, value.inclusive_of_mfn
    return rate, total


def _conditions(cm: CompiledMeasure, k: _Keys) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per key: exempt by a condition, not meeting a condition the measure requires, and charged 0% by one."""
    exempt = np.zeros(k.n, dtype=bool)
    undeclared = np.zeros(k.n, dtype=bool)
    zero = np.zeros(k.n, dtype=bool)
    for cc in cm.conditions:
        active = k.between(cc.start, cc.end)  # shared (read-only): combined into new arrays below
        if cc.products is not None:
            active = active & k.by_code(cc.products)
        if cc.countries is not None:
            active = active & k.in_countries(cc.countries)
        meets = k.meets(cc.column, cc.accept)
        if cc.condition.effect == "exempt":
            exempt |= active & meets
        elif cc.condition.effect == "zero":
            zero |= active & meets
        else:
            undeclared |= active & ~meets
    return exempt, undeclared, zero


def _exceptions(cm: CompiledMeasure, k: _Keys) -> tuple[np.ndarray, np.ndarray]:
    """Per key: excepted for its country, and charged 0% by an exception."""
    excepted = np.zeros(k.n, dtype=bool)
    zero = np.zeros(k.n, dtype=bool)
    for ce in cm.exceptions:
        countries = k.everywhere() if ce.countries is None else k.in_countries(ce.countries)
        hit = k.between(ce.start, ce.end) & countries & k.by_code(ce.products)
        if ce.zero:
            zero |= hit
        else:
            excepted |= hit
    return excepted, zero


def _stack(
    compiled: CompiledSchedule, k: _Keys, status: np.ndarray, partial: np.ndarray
) -> tuple[np.ndarray, list[tuple[int, int, np.ndarray]]]:
    """Within each epoch, a measure yields where one it yields to applies (wholly, or on that one's basis).

    ``status`` and ``partial`` are measures × keys, updated in place; so is the ``yielded_to`` returned.
    """
    yielded_to = np.full(status.shape, -1, dtype=np.int16)
    portions: dict[tuple[int, int], np.ndarray] = {}
    applied = status == Status.APPLIED
    for epoch in compiled.epochs:
        # Each key lies in one epoch: the epoch's keys are resolved alone.
        in_epoch = k.between(epoch.start, epoch.end)
        if not in_epoch.any():
            continue
        # Most measures apply to few keys: each rule is worked on the keys of the epoch where its measure applies
        # (kept as index arrays, per measure, updated as measures yield), not on every key.
        # (a row at a time: a third of the time of one np.nonzero over every measure, then split by measure)
        applying = [np.flatnonzero(row) for row in (applied if in_epoch.all() else applied & in_epoch)]
        coarse = (partial & in_epoch).any(axis=1)
        for j in epoch.order:
            for other, portion in epoch.yields_to.get(j, ()):
                if portion == "basis" and (j, other) not in portions:
                    portions[(j, other)] = np.zeros(k.n, dtype=bool)
                if not len(applying[other]):
                    continue
                mine = applying[j]
                beaten = mine[status[other][mine] == Status.APPLIED]
                if portion == "basis":
                    portions[(j, other)][beaten] = True
                    continue
                if len(beaten):
                    status[j][beaten] = Status.YIELDED
                    yielded_to[j][beaten] = other
                    applying[j] = mine[status[j][mine] == Status.APPLIED]
                if coarse[j]:
                    # A code too coarse for this measure's scope does not matter where it would yield anyway.
                    partial[j][applying[other]] = False
                    coarse[j] = (partial[j] & in_epoch).any()
    return yielded_to, [(j, other, mask) for (j, other), mask in portions.items()]
