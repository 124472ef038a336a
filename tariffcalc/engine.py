"""The calculator: which measures apply to which goods, and what they cost.

The work is done on whole columns.  A basket is reduced to its distinct
*keys* — (HTS code, country, date, and one column per declared basket field
that a condition reads) — and each measure is evaluated once over all keys
with vectorised masks (dates, countries, HTS prefixes, conditions,
exceptions, pauses), in the order that the stacking rules (``yields_to``)
require.  The keys' rates are then joined back onto the lines, where what
depends on amounts is computed: "X% total" top-ups (against each line's MFN
duty), value bases (a declared content, or the value less a declared part),
the portion-yields of split lines, and the duties in integer cents.  There
is no Python loop per line.
"""

from __future__ import annotations

import datetime as dt
import graphlib
import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pandas as pd

from . import hts as hts_codes
from .basket import Basket
from .basket_fields import read_field
from .errors import InputError
from .money import apply_rate, parse_rates, ratio
from .notices import SHOWN_LINES, Notice
from .result import Estimate
from .schedule import (
    CONFIDENCE_ORDER,
    AllExcept,
    BasketField,
    Condition,
    ContentBasis,
    Measure,
    Pause,
    Rate,
    RemainderBasis,
    Schedule,
    stacking_epochs,
    yield_graph,
)


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
    #: Needs a basket field that the line does not set, or sets otherwise (e.g. ``auto_part: true``).
    NOT_DECLARED = 8
    #: Excepted for the goods' country (a per-country product exception).
    EXCEPTED = 9


_ONE_DAY = np.timedelta64(1, "D")
_BEGINNING = np.datetime64("0001-01-01", "D")
_END_OF_TIME = np.datetime64("9999-12-31", "D")


def _day(value: dt.date) -> np.datetime64:
    return np.datetime64(value.isoformat(), "D")


@dataclass(frozen=True)
class Segment:
    """A stretch of days over which a measure's rates, pauses and confidence do not change."""

    start: np.datetime64
    end: np.datetime64  # inclusive
    default: Rate | None
    country_rates: dict[str, Rate]
    #: The pauses in force over the stretch, each with its countries (None: every covered country).
    pauses: tuple[tuple[Pause, frozenset[str] | None], ...]
    #: How sure the rates of this stretch are (the latest change's confidence, else the measure's).
    confidence: str

    def pause_for(self, country: str | None) -> Pause | None:
        """The pause that governs ``country`` (None: any pause of the stretch) on these days, if any."""
        for pause, countries in self.pauses:
            if countries is None or country is None or country in countries:
                return pause
        return None

    @property
    def pause(self) -> Pause | None:
        return self.pauses[0][0] if self.pauses else None


@dataclass(frozen=True)
class CompiledCondition:
    """A condition ready for the engine: the key column it reads and the values that meet it."""

    condition: Condition
    column: str
    accept: tuple[int, ...]
    start: np.datetime64
    end: np.datetime64  # inclusive: the entry dates on which the condition holds
    products: frozenset[str] | None
    countries: frozenset[str] | None


@dataclass(frozen=True)
class CompiledException:
    countries: frozenset[str] | None  # None: every country
    products: frozenset[str]
    start: np.datetime64
    end: np.datetime64
    zero: bool


@dataclass(frozen=True)
class CompiledMeasure:
    """A measure with its groups expanded and its rate timeline cut into segments."""

    measure: Measure
    all_countries: bool
    countries: frozenset[str]  # covered, or (when all_countries) excepted
    include: frozenset[str] | None
    exclude: frozenset[str]
    segments: tuple[Segment, ...]
    conditions: tuple[CompiledCondition, ...]
    exceptions: tuple[CompiledException, ...]

    @property
    def id(self) -> str:
        return self.measure.id


#: The basket flags of the first schedule format, as declared fields.
LEGACY_FIELDS = {
    "usmca": BasketField(type="bool", description="the goods qualify for USMCA preference"),
    "auto_part": BasketField(type="bool", description="the goods are parts of passenger vehicles or light trucks"),
}


def legacy_conditions(measure: Measure) -> list[Condition]:
    """``exemptions`` and ``requires`` of the first format, as conditions."""
    conditions = []
    for exemption in measure.exemptions:
        field, value = ("usmca", True) if exemption.flag == "usmca" else ("auto_part", False)
        conditions.append(
            Condition.model_validate(
                {"field": field, "is": value, "effect": "exempt", "from": exemption.from_, "authority": exemption.authority}
            )
        )
    for requirement in measure.requires:
        conditions.append(
            Condition.model_validate(
                {"field": requirement.flag, "is": True, "effect": "require", "products": requirement.products,
                 "authority": requirement.authority}
            )
        )
    return conditions


def declared_fields(schedule: Schedule) -> dict[str, BasketField]:
    """The schedule's basket fields, with the first format's flags where its measures use them."""
    fields = dict(schedule.basket_fields)
    for measure in schedule.measures:
        for condition in legacy_conditions(measure):
            fields.setdefault(condition.field, LEGACY_FIELDS[condition.field])
    return fields


def condition_column(condition: Condition) -> str:
    """The key column a condition reads: the field itself, or (in-transit rules) whether it is before a day."""
    if condition.before is not None:
        return f"{condition.field}<{condition.before.isoformat()}"
    return condition.field


def _compile_condition(schedule: Schedule, measure: Measure, condition: Condition) -> CompiledCondition:
    spec = declared_fields(schedule)[condition.field]
    if condition.before is not None:
        accept: tuple[int, ...] = (1,)
    elif spec.type == "enum":
        values = [v.lower() for v in spec.values or []]
        accept = tuple(values.index(v.lower()) for v in condition.in_ or [])
    else:
        accept = (1,) if condition.is_ is not False else (0,)
    start = _day(condition.from_) if condition.from_ else _BEGINNING
    end = _day(condition.through) if condition.through else _END_OF_TIME
    if condition.entered_before is not None:
        end = min(end, _day(condition.entered_before) - _ONE_DAY)
    return CompiledCondition(
        condition=condition,
        column=condition_column(condition),
        accept=accept,
        start=start,
        end=end,
        products=schedule.expand_products(condition.products) if condition.products is not None else None,
        countries=schedule.expand_countries(condition.countries) if condition.countries is not None else None,
    )


def compile_measure(schedule: Schedule, measure: Measure) -> CompiledMeasure:
    """Expand groups, compile conditions, and cut the measure's changes and pauses into segments."""
    if measure.countries == "all":
        all_countries, countries = True, frozenset()
    elif isinstance(measure.countries, AllExcept):
        all_countries, countries = True, schedule.expand_countries(measure.countries.all_except)
    else:
        all_countries = False
        countries = schedule.expand_countries(measure.countries or list(measure.rates))
    include = schedule.expand_products(measure.products.include) if measure.products.include is not None else None
    exceptions = tuple(
        CompiledException(
            None if e.countries == "all" else schedule.expand_countries(e.countries),
            schedule.expand_products(e.products),
            _day(e.from_) if e.from_ else _BEGINNING,
            _day(e.through) if e.through else _END_OF_TIME,
            e.effect == "zero",
        )
        for e in measure.exceptions
    )
    return CompiledMeasure(
        measure=measure,
        all_countries=all_countries,
        countries=countries,
        include=include,
        exclude=schedule.expand_products(measure.products.exclude),
        segments=_segments(schedule, measure),
        conditions=tuple(_compile_condition(schedule, measure, c) for c in [*legacy_conditions(measure), *measure.conditions]),
        exceptions=exceptions,
    )


def _segments(schedule: Schedule, measure: Measure) -> tuple[Segment, ...]:
    start = _day(measure.from_)
    end = _day(measure.last_day) if measure.last_day else _END_OF_TIME
    cuts = {start, end + _ONE_DAY}
    cuts.update(_day(c.from_) for c in measure.changes)
    for pause in measure.pauses:
        cuts.add(_day(pause.from_))
        cuts.add(_day(pause.through) + _ONE_DAY if pause.through else _END_OF_TIME + _ONE_DAY)
    bounds = sorted(c for c in cuts if start <= c <= end + _ONE_DAY)
    segments = []
    for seg_start, next_start in zip(bounds, bounds[1:]):
        default, rates, confidence = measure.rate, _expand_rates(schedule, measure.rates), measure.confidence
        for change in measure.changes:
            if _day(change.from_) <= seg_start:
                default = change.rate if change.rate is not None else default
                if change.rates is not None:
                    rates = {**rates, **_expand_rates(schedule, change.rates)}
                confidence = change.confidence or measure.confidence
        pauses = tuple(
            (pause, schedule.expand_countries(pause.countries) if pause.countries is not None else None)
            for pause in measure.pauses
            if _day(pause.from_) <= seg_start <= (_day(pause.through) if pause.through else _END_OF_TIME)
        )
        paused_confidence = [p.confidence for p, _ in pauses if p.confidence]
        if paused_confidence:
            confidence = min([confidence, *paused_confidence], key=CONFIDENCE_ORDER.__getitem__)
        segments.append(Segment(seg_start, next_start - _ONE_DAY, default, rates, pauses, confidence))
    return tuple(segments)


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
    #: Measure index → (index of a measure it yields to, "all" or "basis") in this epoch.
    yields_to: dict[int, tuple[tuple[int, str], ...]]


def _epochs(schedule: Schedule, index: dict[str, int]) -> tuple[StackingEpoch, ...]:
    epochs = []
    for start, end in stacking_epochs(schedule):
        graph = yield_graph(schedule, start)
        order = tuple(index[i] for i in graphlib.TopologicalSorter(graph).static_order())
        edges = {}
        for measure in schedule.measures:
            rules = [r for r in measure.yields_to if r.active_on(start)]
            if rules:
                edges[index[measure.id]] = tuple((index[r.measure], r.portion) for r in rules)
        first = _BEGINNING if start == dt.date.min else _day(start)
        epochs.append(StackingEpoch(first, _day(end) if end else _END_OF_TIME, order, edges))
    return tuple(epochs)


@dataclass
class CompiledSchedule:
    """A schedule ready for the engine: measures compiled, stacking rules ordered per epoch."""

    schedule: Schedule
    measures: tuple[CompiledMeasure, ...]
    epochs: tuple[StackingEpoch, ...]
    #: Measure id → index into ``measures``.
    index: dict[str, int]
    #: Every day on which some measure, rate, pause, condition, exception or stacking rule starts or stops
    #: applying (sorted).  Between two such days, every date gives the same result.
    turning_days: np.ndarray
    #: The declared basket fields that conditions read (key columns) or bases read (amounts).
    fields: dict[str, BasketField]
    #: The key columns of the conditions, in a fixed order: column name → (field, before-day or None).
    key_columns: dict[str, tuple[str, dt.date | None]]

    def representative_days(self, days: np.ndarray) -> np.ndarray:
        """Each day replaced by the first day of its stretch between turning days (same result, fewer keys)."""
        days = np.asarray(days, dtype="datetime64[D]")
        return self.turning_days[np.searchsorted(self.turning_days, days, side="right") - 1]

    @classmethod
    def of(cls, schedule: Schedule) -> CompiledSchedule:
        compiled = tuple(compile_measure(schedule, m) for m in schedule.measures)
        index = {m.id: i for i, m in enumerate(schedule.measures)}
        epochs = _epochs(schedule, index)
        key_columns: dict[str, tuple[str, dt.date | None]] = {}
        for cm in compiled:
            for cc in cm.conditions:
                key_columns.setdefault(cc.column, (cc.condition.field, cc.condition.before))
        return cls(schedule, compiled, epochs, index, _turning_days(compiled, epochs), declared_fields(schedule), key_columns)


def _turning_days(compiled: tuple[CompiledMeasure, ...], epochs: tuple[StackingEpoch, ...]) -> np.ndarray:
    turning = {_BEGINNING}
    for cm in compiled:
        for seg in cm.segments:
            turning.update((seg.start, seg.end + _ONE_DAY))
        for item in (*cm.conditions, *cm.exceptions):
            turning.update((item.start, item.end + _ONE_DAY))
    turning.update(e.start for e in epochs)
    turning.update(e.end + _ONE_DAY for e in epochs if e.end < _END_OF_TIME)
    return np.array(sorted(d for d in turning if _BEGINNING <= d <= _END_OF_TIME), dtype="datetime64[D]")


@dataclass
class KeyResult:
    """Each distinct key's rate (millionths, -1 where not applied) and status under each measure."""

    keys: pd.DataFrame
    rates: np.ndarray  # keys × measures, int64
    #: keys × measures, bool: the rate is an "X% total" rate, topped up against each line's MFN duty.
    total: np.ndarray
    status: np.ndarray  # keys × measures, int8 (Status)
    yielded_to: np.ndarray  # keys × measures, int16: index of the measure that excluded it, or -1
    partial: np.ndarray  # keys × measures, bool: the HTS code is less specific than the measure's scope
    #: keys × measures, int8: the confidence of the rate (2 high, 1 medium, 0 low; -1 where not in force).
    confidence: np.ndarray
    #: (measure j, measure k, keys): j yields to k only on k's basis, on these keys ("split line").
    portions: list[tuple[int, int, np.ndarray]]


class _Keys:
    """The key columns as arrays, and HTS scopes matched once per distinct code."""

    def __init__(self, keys: pd.DataFrame, schedule: Schedule):
        self.n = len(keys)
        self.schedule = schedule
        self.code_of_key, codes = pd.factorize(keys["hts"], use_na_sentinel=False)
        self.codes = pd.Series(codes, dtype="string")
        self.country = keys["country"].astype("string")
        self.date = keys["date"].to_numpy(dtype="datetime64[D]")
        self.frame = keys

    def by_code(self, prefixes: frozenset[str]) -> np.ndarray:
        return hts_codes.prefix_mask(self.codes, prefixes)[self.code_of_key]

    def in_countries(self, countries: frozenset[str]) -> np.ndarray:
        return self.country.isin(countries).to_numpy(dtype=bool)

    def between(self, start: np.datetime64, end: np.datetime64) -> np.ndarray:
        return (self.date >= start) & (self.date <= end)

    def everywhere(self) -> np.ndarray:
        return np.ones(self.n, dtype=bool)


def evaluate_keys(compiled: CompiledSchedule, keys: pd.DataFrame) -> KeyResult:
    """Evaluate every measure over the distinct keys.

    ``keys`` has columns ``hts`` (digits), ``country`` (alpha-2), ``date``
    (datetime64[D]) and one column per entry of ``compiled.key_columns``.
    """
    k = _Keys(keys, compiled.schedule)
    n, m = k.n, len(compiled.measures)
    rates = np.full((n, m), -1, dtype=np.int64)
    total = np.zeros((n, m), dtype=bool)
    status = np.zeros((n, m), dtype=np.int8)
    partial = np.zeros((n, m), dtype=bool)
    confidence = np.full((n, m), -1, dtype=np.int8)
    for j, cm in enumerate(compiled.measures):
        rates[:, j], total[:, j], confidence[:, j], in_force, paused = _rates_by_day(cm, k)
        covered = ~k.in_countries(cm.countries) if cm.all_countries else k.in_countries(cm.countries)
        in_scope = k.everywhere() if cm.include is None else k.by_code(cm.include)
        excluded = k.by_code(cm.exclude) if cm.exclude else np.zeros(n, dtype=bool)
        exempt, undeclared, zero = _conditions(cm, k)
        excepted, zero_by_exception = _exceptions(cm, k)
        zero |= zero_by_exception
        if cm.include is not None:
            partial[:, j] = hts_codes.partial_mask(k.codes, cm.include)[k.code_of_key] & in_force & covered
        # Each assignment overrides the ones above it: the last matching reason here is the one reported.
        st = np.full(n, Status.APPLIED, dtype=np.int8)
        for mask, reason in (
            (paused, Status.PAUSED),
            (undeclared, Status.NOT_DECLARED),
            (exempt, Status.EXEMPT),
            (excepted, Status.EXCEPTED),
            (excluded, Status.PRODUCT_EXCLUDED),
            (~in_scope, Status.PRODUCT_NOT_COVERED),
            (~covered, Status.COUNTRY_NOT_COVERED),
            (~in_force, Status.NOT_IN_FORCE),
        ):
            st = np.where(mask, reason, st)
        # No rate for a covered country means the measure has no rate for it at that date.
        st = np.where((st == Status.APPLIED) & (rates[:, j] < 0), Status.COUNTRY_NOT_COVERED, st)
        # Goods under the measure's zero-rate heading: it applies, at 0%.
        zeroed = zero & (st == Status.APPLIED)
        rates[:, j] = np.where(zeroed, 0, rates[:, j])
        total[:, j] &= ~zeroed
        status[:, j] = st
    yielded_to, portions = _stack(compiled, k, status, partial)
    rates = np.where(status == Status.APPLIED, rates, -1)
    return KeyResult(keys, rates, total, status, yielded_to, partial, confidence, portions)


def _rates_by_day(cm: CompiledMeasure, k: _Keys) -> tuple[np.ndarray, ...]:
    """Per key: the rate (-1 none), whether it is a total rate, its confidence, in force, and suspended."""
    n = k.n
    rate = np.full(n, -1, dtype=np.int64)
    total = np.zeros(n, dtype=bool)
    confidence = np.full(n, -1, dtype=np.int8)
    in_force = np.zeros(n, dtype=bool)
    paused = np.zeros(n, dtype=bool)
    for seg in cm.segments:
        in_seg = k.between(seg.start, seg.end)
        if not in_seg.any():
            continue
        in_force |= in_seg
        seg_rate, seg_total = _segment_rates(seg, k.country)
        # Pauses of one measure overlap only for different countries; each governs its own.
        for pause, countries in seg.pauses:
            hit = in_seg & (k.everywhere() if countries is None else k.in_countries(countries))
            if pause.rate is None:
                paused |= hit
            else:
                seg_rate = np.where(hit, pause.rate.micro, seg_rate)
                seg_total = np.where(hit, pause.rate.inclusive_of_mfn, seg_total)
        rate = np.where(in_seg, seg_rate, rate)
        total = np.where(in_seg, seg_total, total)
        confidence = np.where(in_seg, CONFIDENCE_ORDER[seg.confidence], confidence)
    return rate, total, confidence, in_force, paused


def _segment_rates(seg: Segment, country: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each key's rate in a segment: the country's own rate, else the default, else -1; and whether it is a total."""
    n = len(country)
    rate = np.full(n, seg.default.micro if seg.default is not None else -1, dtype=np.int64)
    total = np.full(n, seg.default is not None and seg.default.inclusive_of_mfn, dtype=bool)
    for value in set(seg.country_rates.values()):
        codes = [c for c, r in seg.country_rates.items() if r == value]
        hit = country.isin(codes).to_numpy(dtype=bool)
        rate = np.where(hit, value.micro, rate)
        total = np.where(hit, value.inclusive_of_mfn, total)
    return rate, total


def _conditions(cm: CompiledMeasure, k: _Keys) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per key: exempt by a condition, not meeting a condition the measure requires, and charged 0% by one."""
    exempt = np.zeros(k.n, dtype=bool)
    undeclared = np.zeros(k.n, dtype=bool)
    zero = np.zeros(k.n, dtype=bool)
    for cc in cm.conditions:
        active = k.between(cc.start, cc.end)
        if cc.products is not None:
            active &= k.by_code(cc.products)
        if cc.countries is not None:
            active &= k.in_countries(cc.countries)
        meets = np.isin(k.frame[cc.column].to_numpy(), cc.accept)
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
    """Within each epoch, a measure yields where one it yields to applies (wholly, or on that one's basis)."""
    yielded_to = np.full(status.shape, -1, dtype=np.int16)
    portions: dict[tuple[int, int], np.ndarray] = {}
    for epoch in compiled.epochs:
        in_epoch = k.between(epoch.start, epoch.end)
        if not in_epoch.any():
            continue
        for j in epoch.order:
            for other, portion in epoch.yields_to.get(j, ()):
                other_applies = in_epoch & (status[:, other] == Status.APPLIED)
                beaten = other_applies & (status[:, j] == Status.APPLIED)
                if portion == "basis":
                    previous = portions.get((j, other), np.zeros(k.n, dtype=bool))
                    portions[(j, other)] = previous | beaten
                    continue
                status[:, j] = np.where(beaten, Status.YIELDED, status[:, j])
                yielded_to[:, j] = np.where(beaten, other, yielded_to[:, j])
                # A code too coarse for this measure's scope does not matter where it would yield anyway.
                partial[:, j] &= ~other_applies
    return yielded_to, [(j, other, mask) for (j, other), mask in portions.items()]


# -- from baskets to keys and back ---------------------------------------------------------------------------------


@dataclass
class LineFields:
    """The declared basket fields of every line, read once per chunk."""

    values: dict[str, np.ndarray]

    @classmethod
    def of(cls, basket: Basket, compiled: CompiledSchedule) -> LineFields:
        values, problems = {}, []
        for name, spec in compiled.fields.items():
            values[name], found = read_field(basket, name, spec)
            problems += found
        if problems:
            raise InputError(problems)
        return cls(values)


def line_keys(
    basket: Basket, default_date: dt.date, use_entry_dates: bool = True, compiled: CompiledSchedule | None = None,
    fields: LineFields | None = None,
) -> pd.DataFrame:
    """The engine's key columns for each basket line."""
    if use_entry_dates:
        date = basket.entry_date.fillna(pd.Timestamp(default_date)).to_numpy(dtype="datetime64[D]")
    else:
        date = np.full(len(basket), np.datetime64(default_date.isoformat(), "D"))
    columns: dict[str, object] = {
        "hts": basket.hts.to_numpy(dtype=object),
        "country": basket.country.to_numpy(dtype=object),
        "date": date,
    }
    if compiled is not None:
        fields = fields or LineFields.of(basket, compiled)
        for column, (field, before) in compiled.key_columns.items():
            values = fields.values[field]
            if before is None:
                columns[column] = values
            else:
                known = ~np.isnat(values)
                columns[column] = np.where(known, (values < _day(before)).astype(np.int8), -1).astype(np.int8)
    return pd.DataFrame(columns)


def single_key(
    compiled: CompiledSchedule, code: str, country: str, day: dt.date, declared: dict[str, object] | None = None
) -> pd.DataFrame:
    """The key of one line (for ``rates`` and ``hts lookup``): ``declared`` gives field values (bool, enum text,
    or a date); fields not given are not said."""
    declared = declared or {}
    columns: dict[str, object] = {"hts": [code], "country": [country], "date": np.array([_day(day)])}
    for column, (field, before) in compiled.key_columns.items():
        spec, value = compiled.fields[field], declared.get(field)
        if value is None:
            code_value = -1
        elif before is not None:
            code_value = int(value < before)
        elif spec.type == "enum":
            code_value = [v.lower() for v in spec.values or []].index(str(value).lower())
        else:
            code_value = int(bool(value))
        columns[column] = np.array([code_value], dtype=np.int16 if spec.type == "enum" else np.int8)
    return pd.DataFrame(columns)


def distinct_keys(compiled: CompiledSchedule, lines: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """The distinct keys the engine must evaluate, and the key of each line.

    Dates become the first day of their stretch between the schedule's turning
    days, which leaves every result unchanged and makes far fewer keys.  Each
    column is factorized on its own and the codes combined into one integer per line.
    """
    columns = lines.assign(date=compiled.representative_days(lines["date"].to_numpy()))
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


def mfn_equivalent(basket: Basket) -> np.ndarray:
    """Each line's ad valorem equivalent of its whole MFN duty (specific parts too), in millionths."""
    ave = basket.mfn_micro.astype(np.int64)
    if basket.mfn_specific_cents is not None:
        ave = ave + ratio(basket.mfn_specific_cents, basket.value_cents).clip(min=0)
    return ave


def line_bases(
    compiled: CompiledSchedule, basket: Basket, fields: LineFields, measures: list[int]
) -> tuple[np.ndarray, list[tuple[int, np.ndarray]]]:
    """Lines × measures: the value each measure is charged on (cents), and, per measure, lines whose declared
    content was missing (charged on the whole value)."""
    value = basket.value_cents
    bases = np.repeat(value[:, None], len(measures), axis=1)
    missing = []
    for c, j in enumerate(measures):
        basis = compiled.measures[j].measure.basis
        if isinstance(basis, ContentBasis):
            content = fields.values[basis.content]
            absent = content < 0
            bases[:, c] = np.where(absent, value, content)
            if absent.any():
                missing.append((j, absent))
        elif isinstance(basis, RemainderBasis):
            part = np.maximum(fields.values[basis.less], 0)
            share = ratio(part, value)
            enough = share >= (basis.min_share.micro if basis.min_share else 0)
            bases[:, c] = np.where(enough & (part > 0), value - part, value)
    return bases, missing


def estimate(
    basket: Basket, schedule: Schedule | CompiledSchedule, date: dt.date, use_entry_dates: bool = True
) -> Estimate:
    """Compute what every line of the basket pays on ``date`` (or its own ``entry_date``, unless told not to)."""
    compiled = schedule if isinstance(schedule, CompiledSchedule) else CompiledSchedule.of(schedule)
    fields = LineFields.of(basket, compiled)
    lines = line_keys(basket, date, use_entry_dates, compiled, fields)
    key_index, keys = distinct_keys(compiled, lines)
    result = evaluate_keys(compiled, keys)

    used = [int(j) for j in np.flatnonzero((result.rates >= 0).any(axis=0))]
    column = {j: c for c, j in enumerate(used)}
    line_rates = result.rates[key_index][:, used] if used else np.zeros((len(lines), 0), dtype=np.int64)
    if used and result.total[:, used].any():
        top_up = result.total[key_index][:, used] & (line_rates >= 0)
        line_rates = np.where(top_up, np.maximum(line_rates - mfn_equivalent(basket)[:, None], 0), line_rates)
    bases, missing = line_bases(compiled, basket, fields, used)
    for j, other, mask in result.portions:
        if j in column and other in column:
            rows = np.flatnonzero(mask[key_index] & (line_rates[:, column[other]] >= 0))
            cj = column[j]
            bases[rows, cj] = np.maximum(bases[rows, cj] - bases[rows, column[other]], 0)
            # Nothing left to charge: the line yields wholly.
            gone = rows[(bases[rows, cj] == 0) & (basket.value_cents[rows] > 0)]
            line_rates[gone, cj] = -1
    value = basket.value_cents
    # Most lines pay one or two measures: compute only the cells that apply.
    rows, columns = np.nonzero(line_rates >= 0)
    duties = np.zeros(line_rates.shape, dtype=np.int64)
    duties[rows, columns] = apply_rate(bases[rows, columns], line_rates[rows, columns])
    mfn_duty = apply_rate(value, basket.mfn_micro)
    if basket.mfn_specific_cents is not None:
        mfn_duty = mfn_duty + basket.mfn_specific_cents
    additional = duties.sum(axis=1, dtype=np.int64)
    ad_cvd = _ad_cvd(basket)
    total = mfn_duty + additional + (ad_cvd if ad_cvd is not None else 0)

    notices = _notices(compiled, basket, lines, result, key_index, used, line_rates, missing)
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
        bases=bases,
        ad_cvd_duty=ad_cvd,
    )


#: The basket columns of antidumping and countervailing cash deposits (importer-declared, case-specific).
AD_CVD_COLUMNS = ("ad_rate", "cvd_rate")


def _ad_cvd(basket: Basket) -> np.ndarray | None:
    """Each line's AD and CVD cash deposits (cents), or None when the basket declares neither."""
    from .basket_fields import column_text

    found = [(name, column_text(basket, name)) for name in AD_CVD_COLUMNS]
    found = [(name, text) for name, text in found if text is not None]
    if not found:
        return None
    duty = np.zeros(len(basket), dtype=np.int64)
    problems = []
    for name, text in found:
        micro, valid = parse_rates(text)
        for row in np.flatnonzero(~valid):
            problems.append(
                basket_problem(basket, row, f"{name}: {text.iloc[row]!r} is not a rate (expected e.g. 17.09% or 0.1709)")
            )
        duty += apply_rate(basket.value_cents, micro)
    if problems:
        raise InputError(problems)
    return duty


def basket_problem(basket: Basket, row: int, message: str):
    from .errors import Problem

    return Problem(basket.where(int(row)), message)


_CONFIDENCE_WORD = {0: "low", 1: "medium"}


def _notices(
    compiled: CompiledSchedule,
    basket: Basket,
    lines: pd.DataFrame,
    result: KeyResult,
    key_index: np.ndarray,
    used: list[int],
    line_rates: np.ndarray,
    missing: list[tuple[int, np.ndarray]],
) -> list[Notice]:
    notices = _date_notices(compiled, lines)
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
        cm = compiled.measures[j]
        for cc in cm.conditions:
            if cc.condition.effect != "require" or cc.condition.before is not None:
                continue
            silent = (result.status[key_index, j] == Status.NOT_DECLARED) & (lines[cc.column].to_numpy() == -1)
            if silent.any():
                notices.append(_undeclared_notice(compiled, basket, cm.measure, cc, silent))
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
    for c, j in enumerate(used):
        doubtful = (result.confidence[key_index, j] < CONFIDENCE_ORDER["high"]) & (line_rates[:, c] >= 0)
        for level in (0, 1):
            mask = doubtful & (result.confidence[key_index, j] == level)
            if mask.any():
                measure = compiled.schedule.measures[j]
                notices.append(
                    _lines_notice(
                        ("confidence", measure.id, level),
                        f"{basket.name}: {{count}} line(s) pay {measure.id!r}, whose rate is known with "
                        f"{_CONFIDENCE_WORD[level]} confidence only (line {{lines}}): check it against the legal "
                        f"text before relying on it (`tariffcalc rates` names the sources)",
                        basket,
                        mask,
                    )
                )
    for j, absent in missing:
        measure = compiled.schedule.measures[j]
        content = measure.basis.content
        paid = absent & (line_rates[:, used.index(j)] >= 0)
        if paid.any():
            notices.append(
                _lines_notice(
                    ("content", measure.id),
                    f"{basket.name}: {{count}} line(s) pay {measure.id!r} on the declared {content}, but give none: "
                    f"charged on the whole value (line {{lines}}; add a column {content})",
                    basket,
                    paid,
                )
            )
    return notices


def _undeclared_notice(compiled: CompiledSchedule, basket: Basket, measure: Measure, cc: CompiledCondition, silent) -> Notice:
    field = cc.condition.field
    if field == "auto_part":
        what = "are parts of passenger vehicles or light trucks"
        hint = "add a column auto_part with true or false"
    else:
        spec = compiled.fields[field]
        what = f"declare {field}" + (f" ({spec.description})" if spec.description else "")
        wanted = ", ".join(cc.condition.in_ or []) if cc.condition.in_ else str(cc.condition.is_ is not False).lower()
        hint = f"add a column {field} ({wanted} where it holds)"
    return _lines_notice(
        ("undeclared", measure.id, field),
        f"{basket.name}: {{count}} line(s) have HTS codes that {measure.id!r} covers only when the goods "
        f"{what}; it was not applied to them because the basket does not say so (line {{lines}}; {hint})",
        basket,
        silent,
    )


def _date_notices(compiled: CompiledSchedule, lines: pd.DataFrame) -> list[Notice]:
    notices = []
    info = compiled.schedule.schedule
    covers = info.covers
    dates = {pd.Timestamp(x).date() for x in pd.unique(lines["date"])}
    after = {d for d in dates if d > covers.through}
    before = {d for d in dates if d < covers.from_}
    outside = after | before
    if after:
        notices.append(
            Notice(
                ("dates",),
                f"date {{dates}} is outside what schedule {compiled.schedule.id!r} covers "
                f"({covers.from_} to {covers.through}): measures that began or changed after "
                f"{covers.through} are not in it, so the result may be incomplete",
                dates=after,
            )
        )
    if before:
        notices.append(
            Notice(
                ("dates-before",),
                f"date {{dates}} is outside what schedule {compiled.schedule.id!r} covers "
                f"({covers.from_} to {covers.through}): measures in force before {covers.from_} "
                f"are not in it, so the result may be incomplete",
                dates=before,
            )
        )
    if info.verified_through is not None:
        unverified = {d for d in dates if d > info.verified_through and d not in outside}
        if unverified:
            notices.append(
                Notice(
                    ("unverified",),
                    f"date {{dates}} is after {info.verified_through}, the day the sources of schedule "
                    f"{compiled.schedule.id!r} were last checked: rates from then on have not been checked "
                    f"against new legal acts",
                    dates=unverified,
                )
            )
    return notices


def _lines_notice(key: tuple, template: str, basket: Basket, mask: np.ndarray) -> Notice:
    rows = basket.source_lines[mask]
    return Notice(key, template, count=len(rows), lines=[int(r) for r in rows[: SHOWN_LINES + 1]])
