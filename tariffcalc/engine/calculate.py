"""The calculator: which measures apply to which goods, and what they cost.

The work is done on whole columns.  A basket is reduced to its distinct
*keys* — (HTS code, country, date, USMCA flag, MFN rate) — and each measure is
evaluated once over all keys with vectorised masks (dates, countries, HTS
prefixes, exemptions, pauses), in the order that the stacking rules
(``yields_to``) require.  The keys' rates are then joined back onto the lines,
and the duties computed in integer cents.  There is no Python loop per line.
"""

from __future__ import annotations

import datetime as dt
import graphlib
import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pandas as pd

from .. import hts_codes
from ..goods.basket import Basket
from ..law.model import (
    AllExcept,
    Measure,
    Pause,
    Rate,
    Schedule,
    stacking_epochs,
    yield_graph,
)
from ..money import apply_rate, ratio
from ..notices import SHOWN_LINES, Notice
from .result import Estimate


class Status(IntEnum):
    """Why a measure does or does not apply to a key (for ``explain``)."""

    APPLIED = 0
    NOT_IN_FORCE = 1
    COUNTRY_NOT_COVERED = 2
    PRODUCT_NOT_COVERED = 3
    PRODUCT_EXCLUDED = 4
    EXEMPT = 5
    PAUSED = 6
    YIELDED = 7
    #: Needs a basket flag that the line does not set (e.g. ``auto_part: true``).
    NOT_DECLARED = 8


@dataclass(frozen=True)
class Segment:
    """A stretch of days over which a measure's rates do not change."""

    start: np.datetime64
    end: np.datetime64  # inclusive
    default: Rate | None
    country_rates: dict[str, Rate]
    pause: Pause | None
    pause_countries: frozenset[str] | None  # None: every covered country


@dataclass(frozen=True)
class CompiledMeasure:
    """A measure with its groups expanded and its rate timeline cut into segments."""

    measure: Measure
    all_countries: bool
    countries: frozenset[str]  # covered, or (when all_countries) excepted
    include: frozenset[str] | None
    exclude: frozenset[str]
    segments: tuple[Segment, ...]

    @property
    def id(self) -> str:
        return self.measure.id


_ONE_DAY = np.timedelta64(1, "D")
_END_OF_TIME = np.datetime64("9999-12-31", "D")


def _day(value: dt.date) -> np.datetime64:
    return np.datetime64(value.isoformat(), "D")


def compile_measure(schedule: Schedule, measure: Measure) -> CompiledMeasure:
    """Expand groups and cut the measure's changes and pauses into segments."""
    if measure.countries == "all":
        all_countries, countries = True, frozenset()
    elif isinstance(measure.countries, AllExcept):
        all_countries, countries = True, schedule.expand_countries(measure.countries.all_except)
    else:
        all_countries = False
        countries = schedule.expand_countries(measure.countries or list(measure.rates))

    start = _day(measure.from_)
    end = _day(measure.through) if measure.through else _END_OF_TIME
    cuts = {start, end + _ONE_DAY}
    cuts.update(_day(c.from_) for c in measure.changes)
    for pause in measure.pauses:
        cuts.add(_day(pause.from_))
        cuts.add(_day(pause.through) + _ONE_DAY if pause.through else _END_OF_TIME + _ONE_DAY)
    bounds = sorted(c for c in cuts if start <= c <= end + _ONE_DAY)

    segments = []
    for seg_start, next_start in zip(bounds, bounds[1:]):
        default, rates = measure.rate, _expand_rates(schedule, measure.rates)
        for change in measure.changes:
            if _day(change.from_) <= seg_start:
                default = change.rate if change.rate is not None else default
                if change.rates is not None:
                    rates = {**rates, **_expand_rates(schedule, change.rates)}
        pause = None
        for candidate in measure.pauses:
            pause_end = _day(candidate.through) if candidate.through else _END_OF_TIME
            if _day(candidate.from_) <= seg_start <= pause_end:
                pause = candidate
        pause_countries = (
            schedule.expand_countries(pause.countries) if pause is not None and pause.countries is not None else None
        )
        segments.append(Segment(seg_start, next_start - _ONE_DAY, default, rates, pause, pause_countries))

    include = schedule.expand_products(measure.products.include) if measure.products.include is not None else None
    return CompiledMeasure(
        measure=measure,
        all_countries=all_countries,
        countries=countries,
        include=include,
        exclude=schedule.expand_products(measure.products.exclude),
        segments=tuple(segments),
    )


def _expand_rates(schedule: Schedule, rates: dict[str, Rate]) -> dict[str, Rate]:
    """Country-or-group → rate, as alpha-2 → rate.  A country named itself beats its group."""
    expanded: dict[str, Rate] = {}
    for name, rate in rates.items():
        if name in schedule.country_groups:
            for code in schedule.country_groups[name].members:
                expanded.setdefault(code, rate)
    for name, rate in rates.items():
        if name not in schedule.country_groups:
            expanded[name] = rate
    return expanded


@dataclass(frozen=True)
class StackingEpoch:
    """Days over which the same ``yields_to`` rules hold, with the order they must be resolved in."""

    start: np.datetime64
    end: np.datetime64  # inclusive
    #: Measure indexes, each after every measure it yields to.
    order: tuple[int, ...]
    #: Measure index → indexes of the measures it yields to in this epoch.
    yields_to: dict[int, tuple[int, ...]]


@dataclass
class CompiledSchedule:
    """A schedule ready for the engine: measures compiled, stacking rules ordered per epoch."""

    schedule: Schedule
    measures: tuple[CompiledMeasure, ...]
    epochs: tuple[StackingEpoch, ...]
    #: Measure id → index into ``measures``.
    index: dict[str, int]
    #: Every day on which some measure, rate, pause, exemption or stacking rule starts or stops
    #: applying (sorted).  Between two such days, every date gives the same result.
    turning_days: np.ndarray
    #: Whether some rate is "inclusive of MFN", so that the MFN rate changes the additional duty.
    uses_mfn: bool

    def representative_days(self, days: np.ndarray) -> np.ndarray:
        """Each day replaced by the first day of its stretch between turning days (same result, fewer keys)."""
        days = np.asarray(days, dtype="datetime64[D]")
        return self.turning_days[np.searchsorted(self.turning_days, days, side="right") - 1]

    @classmethod
    def of(cls, schedule: Schedule) -> CompiledSchedule:
        compiled = tuple(compile_measure(schedule, m) for m in schedule.measures)
        index = {m.id: i for i, m in enumerate(schedule.measures)}
        epochs = []
        for start, end in stacking_epochs(schedule):
            graph = yield_graph(schedule, start)
            order = tuple(index[i] for i in graphlib.TopologicalSorter(graph).static_order())
            edges = {index[m]: tuple(index[o] for o in others) for m, others in graph.items() if others}
            epochs.append(
                StackingEpoch(
                    np.datetime64("0001-01-01", "D") if start == dt.date.min else _day(start),
                    _day(end) if end else _END_OF_TIME,
                    order,
                    edges,
                )
            )
        turning = {np.datetime64("0001-01-01", "D")}
        rates: list[Rate] = []
        for cm in compiled:
            for seg in cm.segments:
                turning.update((seg.start, seg.end + _ONE_DAY))
                rates += [r for r in (seg.default, seg.pause.rate if seg.pause else None) if r is not None]
                rates += list(seg.country_rates.values())
            turning.update(_day(e.from_) for e in cm.measure.exemptions if e.from_)
        turning.update(e.start for e in epochs)
        turning.update(e.end + _ONE_DAY for e in epochs if e.end < _END_OF_TIME)
        turning_days = np.array(sorted(d for d in turning if d <= _END_OF_TIME), dtype="datetime64[D]")
        return cls(schedule, compiled, tuple(epochs), index, turning_days, any(r.inclusive_of_mfn for r in rates))


@dataclass
class KeyResult:
    """Each distinct key's rate (millionths, -1 where not applied) and status under each measure."""

    keys: pd.DataFrame
    rates: np.ndarray  # keys × measures, int64
    status: np.ndarray  # keys × measures, int8 (Status)
    yielded_to: np.ndarray  # keys × measures, int16: index of the measure that excluded it, or -1
    partial: np.ndarray  # keys × measures, bool: the HTS code is less specific than the measure's scope


def evaluate_keys(compiled: CompiledSchedule, keys: pd.DataFrame) -> KeyResult:
    """Evaluate every measure over the distinct keys.

    ``keys`` has columns ``hts`` (digits), ``country`` (alpha-2), ``date``
    (datetime64[D]), ``usmca`` (bool), ``auto_part`` (1, 0, or -1 when the
    basket is silent) and ``mfn`` (millionths).
    """
    n, m = len(keys), len(compiled.measures)
    rates = np.full((n, m), -1, dtype=np.int64)
    status = np.zeros((n, m), dtype=np.int8)
    yielded_to = np.full((n, m), -1, dtype=np.int16)
    partial = np.zeros((n, m), dtype=bool)
    # HTS scopes are matched once per distinct code, then spread to the keys.
    code_of_key, codes = pd.factorize(keys["hts"], use_na_sentinel=False)
    codes = pd.Series(codes, dtype="string")

    def by_code(prefixes: frozenset[str]) -> np.ndarray:
        return hts_codes.prefix_mask(codes, prefixes)[code_of_key]

    country = keys["country"].astype("string")
    date = keys["date"].to_numpy(dtype="datetime64[D]")
    usmca = keys["usmca"].to_numpy(dtype=bool)
    auto_part = keys["auto_part"].to_numpy(dtype=np.int8)
    flags = {"usmca": usmca, "not_auto_part": auto_part == 0, "auto_part": auto_part == 1}
    mfn = keys["mfn"].to_numpy(dtype=np.int64)

    for j, cm in enumerate(compiled.measures):
        measure = cm.measure
        st = np.full(n, Status.APPLIED, dtype=np.int8)
        rate = np.full(n, -1, dtype=np.int64)

        in_force = np.zeros(n, dtype=bool)
        for seg in cm.segments:
            in_seg = (date >= seg.start) & (date <= seg.end)
            if not in_seg.any():
                continue
            in_force |= in_seg
            seg_rate = _segment_rates(seg, country, mfn)
            if seg.pause is not None:
                paused = in_seg & (
                    np.ones(n, dtype=bool)
                    if seg.pause_countries is None
                    else country.isin(seg.pause_countries).to_numpy(dtype=bool)
                )
                if seg.pause.rate is None:
                    st = np.where(paused, Status.PAUSED, st)
                else:
                    seg_rate = np.where(paused, _rate_array(seg.pause.rate, n, mfn), seg_rate)
            rate = np.where(in_seg, seg_rate, rate)

        listed = country.isin(cm.countries).to_numpy(dtype=bool)
        covered = ~listed if cm.all_countries else listed
        in_scope = np.ones(n, dtype=bool) if cm.include is None else by_code(cm.include)
        excluded = by_code(cm.exclude) if cm.exclude else np.zeros(n, dtype=bool)
        exempt = np.zeros(n, dtype=bool)
        for exemption in measure.exemptions:
            since = _day(exemption.from_) if exemption.from_ else np.datetime64("0001-01-01", "D")
            exempt |= flags[exemption.flag] & (date >= since)
        undeclared = np.zeros(n, dtype=bool)
        for requirement in measure.requires:
            scope = (
                np.ones(n, dtype=bool)
                if requirement.products is None
                else by_code(compiled.schedule.expand_products(requirement.products))
            )
            undeclared |= scope & ~flags[requirement.flag]
        if cm.include is not None:
            partial[:, j] = hts_codes.partial_mask(codes, cm.include)[code_of_key] & in_force & covered

        # Each assignment overrides the ones above it: the last matching reason here is the one reported.
        st = np.where(undeclared, Status.NOT_DECLARED, st)
        st = np.where(exempt, Status.EXEMPT, st)
        st = np.where(excluded, Status.PRODUCT_EXCLUDED, st)
        st = np.where(~in_scope, Status.PRODUCT_NOT_COVERED, st)
        st = np.where(~covered, Status.COUNTRY_NOT_COVERED, st)
        st = np.where(~in_force, Status.NOT_IN_FORCE, st)
        # No rate for a covered country means the measure has no rate for it at that date.
        st = np.where((st == Status.APPLIED) & (rate < 0), Status.COUNTRY_NOT_COVERED, st)

        status[:, j] = st
        rates[:, j] = rate

    # Stacking: within each epoch, a measure yields where one it yields to applies.
    for epoch in compiled.epochs:
        in_epoch = (date >= epoch.start) & (date <= epoch.end)
        if not in_epoch.any():
            continue
        for j in epoch.order:
            for k in epoch.yields_to.get(j, ()):
                other_applies = in_epoch & (status[:, k] == Status.APPLIED)
                beaten = other_applies & (status[:, j] == Status.APPLIED)
                status[:, j] = np.where(beaten, Status.YIELDED, status[:, j])
                yielded_to[:, j] = np.where(beaten, k, yielded_to[:, j])
                # A code too coarse for this measure's scope does not matter where it would yield anyway.
                partial[:, j] &= ~other_applies
    rates = np.where(status == Status.APPLIED, rates, -1)
    return KeyResult(keys, rates, status, yielded_to, partial)


def _rate_array(rate: Rate, n: int, mfn: np.ndarray) -> np.ndarray:
    if rate.inclusive_of_mfn:
        return np.maximum(rate.micro - mfn, 0)
    return np.full(n, rate.micro, dtype=np.int64)


def _segment_rates(seg: Segment, country: pd.Series, mfn: np.ndarray) -> np.ndarray:
    """Each key's rate in a segment: the country's own rate, else the default, else -1."""
    n = len(country)
    result = _rate_array(seg.default, n, mfn) if seg.default is not None else np.full(n, -1, dtype=np.int64)
    for rate in set(seg.country_rates.values()):
        codes = [c for c, r in seg.country_rates.items() if r == rate]
        result = np.where(country.isin(codes).to_numpy(dtype=bool), _rate_array(rate, n, mfn), result)
    return result


def line_keys(basket: Basket, default_date: dt.date, use_entry_dates: bool = True) -> pd.DataFrame:
    """The engine's key columns for each basket line."""
    if use_entry_dates:
        date = basket.entry_date.fillna(pd.Timestamp(default_date)).to_numpy(dtype="datetime64[D]")
    else:
        date = np.full(len(basket), np.datetime64(default_date.isoformat(), "D"))
    return pd.DataFrame(
        {
            "hts": basket.hts.to_numpy(dtype=object),
            "country": basket.country.to_numpy(dtype=object),
            "date": date,
            "usmca": basket.usmca,
            "auto_part": basket.auto_part,
            "mfn": basket.mfn_micro,
        }
    )


def distinct_keys(compiled: CompiledSchedule, lines: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """The distinct keys the engine must evaluate, and the key of each line.

    Dates become the first day of their stretch between the schedule's turning
    days, and the MFN rate is dropped unless some rate depends on it: both
    leave every result unchanged and make far fewer keys.  Each column is
    factorized on its own and the codes combined into one integer per line.
    """
    columns = lines.assign(date=compiled.representative_days(lines["date"].to_numpy()))
    if not compiled.uses_mfn:
        columns["mfn"] = 0
    factorized = [pd.factorize(columns[name], use_na_sentinel=False) for name in columns.columns]
    if math.prod(max(len(uniques), 1) for _, uniques in factorized) < 2**62:
        combined = np.zeros(len(columns), dtype=np.int64)
        for codes, uniques in factorized:
            combined = combined * max(len(uniques), 1) + codes
        key_index, _ = pd.factorize(combined)
    else:  # too many combinations to number in 64 bits: let pandas hash the rows
        key_index = columns.groupby(list(columns.columns), sort=False, dropna=False).ngroup().to_numpy()
    _, where_first = np.unique(key_index, return_index=True)
    return key_index, columns.iloc[where_first].reset_index(drop=True)


def estimate(
    basket: Basket, schedule: Schedule | CompiledSchedule, date: dt.date, use_entry_dates: bool = True
) -> Estimate:
    """Compute what every line of the basket pays on ``date`` (or its own ``entry_date``, unless told not to)."""
    compiled = schedule if isinstance(schedule, CompiledSchedule) else CompiledSchedule.of(schedule)
    lines = line_keys(basket, date, use_entry_dates)
    key_index, keys = distinct_keys(compiled, lines)
    result = evaluate_keys(compiled, keys)

    used = np.flatnonzero((result.rates >= 0).any(axis=0))
    line_rates = result.rates[key_index][:, used] if len(used) else np.zeros((len(lines), 0), dtype=np.int64)
    value = basket.value_cents
    # Most lines pay one or two measures: compute only the cells that apply.
    rows, columns = np.nonzero(line_rates >= 0)
    duties = np.zeros(line_rates.shape, dtype=np.int64)
    duties[rows, columns] = apply_rate(value[rows], line_rates[rows, columns])
    mfn_duty = apply_rate(value, basket.mfn_micro)
    if basket.mfn_specific_cents is not None:
        mfn_duty = mfn_duty + basket.mfn_specific_cents
    additional = duties.sum(axis=1, dtype=np.int64)
    total = mfn_duty + additional

    notices = _notices(compiled, basket, lines, result, key_index)
    return Estimate(
        schedule=compiled.schedule,
        date=date,
        basket=basket,
        dates=lines["date"].to_numpy(dtype="datetime64[D]"),
        measures=[compiled.schedule.measures[j] for j in used],
        rates=line_rates,
        duties=duties,
        mfn_duty=mfn_duty,
        additional_duty=additional,
        total_duty=total,
        effective_rate=ratio(total, value),
        notices=notices,
    )


def _notices(
    compiled: CompiledSchedule, basket: Basket, lines: pd.DataFrame, result: KeyResult, key_index: np.ndarray
) -> list[Notice]:
    notices = []
    covers = compiled.schedule.schedule.covers
    dates = pd.unique(lines["date"])
    outside = {d for d in (pd.Timestamp(x).date() for x in dates) if not covers.from_ <= d <= covers.through}
    if outside:
        notices.append(
            Notice(
                ("dates",),
                f"date {{dates}} is outside what schedule {compiled.schedule.id!r} covers "
                f"({covers.from_} to {covers.through}): measures that began or changed after "
                f"{covers.through} are not in it, so the result may be incomplete",
                dates=outside,
            )
        )
    if basket.rounded_values.any():
        notices.append(
            _lines_notice(
                ("rounded",),
                f"{basket.name}: {{count}} value(s) had more than two decimals and were rounded to the cent (line {{lines}})",
                basket,
                basket.rounded_values,
            )
        )
    for j in np.flatnonzero((result.status == Status.NOT_DECLARED).any(axis=0)):
        silent = (result.status[key_index, j] == Status.NOT_DECLARED) & (basket.auto_part == -1)
        if silent.any():
            measure = compiled.schedule.measures[j]
            notices.append(
                _lines_notice(
                    ("undeclared", measure.id),
                    f"{basket.name}: {{count}} line(s) have HTS codes that {measure.id!r} covers only when the goods "
                    f"are parts of passenger vehicles or light trucks; it was not applied to them because the basket "
                    f"does not say so (line {{lines}}; add a column auto_part with true or false)",
                    basket,
                    silent,
                )
            )
    for j in np.flatnonzero(result.partial.any(axis=0)):
        measure = compiled.schedule.measures[j]
        notices.append(
            _lines_notice(
                ("partial", measure.id),
                f"{basket.name}: {{count}} line(s) have an HTS code less specific than the scope of "
                f"{measure.id!r}, which covers only some of its subheadings; it was not applied to them "
                f"(line {{lines}}; give 8 or 10 digits)",
                basket,
                result.partial[key_index, j],
            )
        )
    return notices


def _lines_notice(key: tuple, template: str, basket: Basket, mask: np.ndarray) -> Notice:
    rows = basket.source_lines[mask]
    return Notice(key, template, count=len(rows), lines=[int(r) for r in rows[: SHOWN_LINES + 1]])
