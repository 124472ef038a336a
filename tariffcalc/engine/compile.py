"""Compiling a schedule for the engine: groups expanded, conditions compiled, rate timelines cut into segments.

A :class:`CompiledSchedule` also orders the stacking rules (``yields_to``) per
epoch, knows the key columns its conditions read, and knows the schedule's
turning days: the days on which some measure, rate, suspension, condition,
exception or stacking rule starts or stops applying.
"""

from __future__ import annotations

import datetime as dt
import graphlib
from dataclasses import dataclass

import numpy as np

from ..law.frozen import FrozenList
from ..law.model import (
    CONFIDENCE_ORDER,
    AllExcept,
    BasketField,
    Condition,
    Measure,
    Rate,
    Schedule,
    Suspension,
    stacking_epochs,
    yield_graph,
)

ONE_DAY = np.timedelta64(1, "D")
BEGINNING = np.datetime64("0001-01-01", "D")
END_OF_TIME = np.datetime64("9999-12-31", "D")


def as_day(value: dt.date) -> np.datetime64:
    """A date as a NumPy day."""
    return np.datetime64(value.isoformat(), "D")


@dataclass(frozen=True)
class Segment:
    """A stretch of days over which a measure's rates, pauses and confidence do not change."""

    start: np.datetime64
    end: np.datetime64  # inclusive
    default: Rate | None
    country_rates: dict[str, Rate]
    #: The suspensions in force over the stretch, each with its countries (None: every covered country).
    suspensions: tuple[tuple[Suspension, frozenset[str] | None], ...]
    #: How sure the rates of this stretch are (the latest change's confidence, else the measure's).
    confidence: str

    def suspension_for(self, country: str | None) -> Suspension | None:
        """The suspension that governs ``country`` (None: any of the stretch) on these days, if any."""
        for suspension, countries in self.suspensions:
            if countries is None or country is None or country in countries:
                return suspension
        return None

    @property
    def suspension(self) -> Suspension | None:
        return self.suspensions[0][0] if self.suspensions else None


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
    "usmca": BasketField.model_construct(type="bool", description="the goods qualify for USMCA preference"),
    "auto_part": BasketField.model_construct(type="bool", description="the goods are parts of passenger vehicles or light trucks"),
}


def _exemption_field(exemption) -> tuple[str, bool]:
    """The declared field and value that a first-format exemption exempts."""
    return ("usmca", True) if exemption.flag == "usmca" else ("auto_part", False)


def condition_fields(measure: Measure) -> list[str]:
    """The fields of a measure's compiled conditions, in their order, without building them (for ordering warnings)."""
    return [_exemption_field(e)[0] for e in measure.exemptions] + [r.flag for r in measure.requires] + [
        c.field for c in measure.conditions
    ]


def legacy_conditions(measure: Measure) -> list[Condition]:
    """``exemptions`` and ``requires`` of the first format, as conditions."""
    conditions = []
    for exemption in measure.exemptions:
        field, value = _exemption_field(exemption)
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


def _compile_condition(schedule: Schedule, fields: dict[str, BasketField], condition: Condition) -> CompiledCondition:
    spec = fields[condition.field]
    if condition.before is not None:
        accept: tuple[int, ...] = (1,)
    elif spec.type == "enum":
        values = [v.lower() for v in spec.values or []]
        accept = tuple(values.index(v.lower()) for v in condition.in_ or [])
    else:
        accept = (1,) if condition.is_ is not False else (0,)
    start = as_day(condition.from_) if condition.from_ else BEGINNING
    end = as_day(condition.through) if condition.through else END_OF_TIME
    if condition.entered_before is not None:
        end = min(end, as_day(condition.entered_before) - ONE_DAY)
    return CompiledCondition(
        condition=condition,
        column=condition_column(condition),
        accept=accept,
        start=start,
        end=end,
        products=schedule.expand_products(condition.products) if condition.products is not None else None,
        countries=schedule.expand_countries(condition.countries) if condition.countries is not None else None,
    )


def compile_measure(schedule: Schedule, measure: Measure, fields: dict[str, BasketField]) -> CompiledMeasure:
    """Expand groups, compile conditions, and cut the measure's changes and pauses into segments.

    ``fields`` is :func:`declared_fields` of the schedule (worked out once, not per condition).
    """
    if measure.countries == "all":
        all_countries, countries = True, frozenset()
    elif isinstance(measure.countries, AllExcept):
        # A country named in `rates` is covered at that rate, even where `all_except` leaves its group out.
        named = set(measure.rates) | {code for change in measure.changes for code in (change.rates or {})}
        all_countries = True
        countries = schedule.expand_countries(measure.countries.all_except) - schedule.expand_countries(sorted(named))
    else:
        all_countries = False
        countries = schedule.expand_countries(measure.countries or list(measure.rates))
    include = schedule.expand_products(measure.products.include) if measure.products.include is not None else None
    exceptions = tuple(
        CompiledException(
            None if e.countries == "all" else schedule.expand_countries(e.countries),
            schedule.expand_products(e.products),
            as_day(e.from_) if e.from_ else BEGINNING,
            as_day(e.through) if e.through else END_OF_TIME,
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
        conditions=tuple(_compile_condition(schedule, fields, c) for c in [*legacy_conditions(measure), *measure.conditions]),
        exceptions=exceptions,
    )


def _segments(schedule: Schedule, measure: Measure) -> tuple[Segment, ...]:
    start = as_day(measure.from_)
    end = as_day(measure.last_day) if measure.last_day else END_OF_TIME
    cuts = {start, end + ONE_DAY}
    cuts.update(as_day(c.from_) for c in measure.changes)
    for pause in measure.pauses:
        cuts.add(as_day(pause.from_))
        cuts.add(as_day(pause.through) + ONE_DAY if pause.through else END_OF_TIME + ONE_DAY)
    bounds = sorted(c for c in cuts if start <= c <= end + ONE_DAY)
    segments = []
    for seg_start, next_start in zip(bounds, bounds[1:]):
        default, rates, confidence = measure.rate, _expand_rates(schedule, measure.rates), measure.confidence
        for change in measure.changes:
            if as_day(change.from_) <= seg_start:
                default = change.rate if change.rate is not None else default
                if change.rates is not None:
                    rates = {**rates, **_expand_rates(schedule, change.rates)}
                confidence = change.confidence or measure.confidence
        suspensions = tuple(
            (pause, schedule.expand_countries(pause.countries) if pause.countries is not None else None)
            for pause in measure.pauses
            if as_day(pause.from_) <= seg_start <= (as_day(pause.through) if pause.through else END_OF_TIME)
        )
        paused_confidence = [p.confidence for p, _ in suspensions if p.confidence]
        if paused_confidence:
            confidence = min([confidence, *paused_confidence], key=CONFIDENCE_ORDER.__getitem__)
        segments.append(Segment(seg_start, next_start - ONE_DAY, default, rates, suspensions, confidence))
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
        first = BEGINNING if start == dt.date.min else as_day(start)
        epochs.append(StackingEpoch(first, as_day(end) if end else END_OF_TIME, order, edges))
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
        """The schedule compiled; a loaded (frozen) schedule is compiled once per process (see :func:`kept`)."""
        known = _COMPILED.get(id(schedule))
        if known is not None and known.schedule is schedule:
            return known
        fields = declared_fields(schedule)
        compiled = tuple(compile_measure(schedule, m, fields) for m in schedule.measures)
        index = {m.id: i for i, m in enumerate(schedule.measures)}
        epochs = _epochs(schedule, index)
        key_columns: dict[str, tuple[str, dt.date | None]] = {}
        for cm in compiled:
            for cc in cm.conditions:
                key_columns.setdefault(cc.column, (cc.condition.field, cc.condition.before))
        return kept(cls(schedule, compiled, epochs, index, _turning_days(compiled, epochs), fields, key_columns))


#: The compiled form of each frozen schedule compiled or read from the disk cache in this process, by the
#: schedule's ``id()``.  An entry holds its schedule, so the id cannot be reused while the entry lives; the oldest
#: entries go beyond :data:`KEPT_AT_MOST` (as many as the loader keeps schedules).
_COMPILED: dict[int, CompiledSchedule] = {}
KEPT_AT_MOST = 16


def kept(compiled: CompiledSchedule) -> CompiledSchedule:
    """Remember ``compiled`` for :meth:`CompiledSchedule.of` of its schedule, when that schedule cannot change.

    Only a frozen schedule (:func:`tariffcalc.law.frozen.freeze`: what :func:`~tariffcalc.law.load.load_schedule`
    returns) is remembered: one whose lists could still be edited is compiled afresh on every call, as it may have
    changed since.  Returns ``compiled``.
    """
    if isinstance(compiled.schedule.measures, FrozenList):
        _COMPILED.pop(id(compiled.schedule), None)
        _COMPILED[id(compiled.schedule)] = compiled
        while len(_COMPILED) > KEPT_AT_MOST:
            del _COMPILED[next(iter(_COMPILED))]
    return compiled


def _turning_days(compiled: tuple[CompiledMeasure, ...], epochs: tuple[StackingEpoch, ...]) -> np.ndarray:
    turning = {BEGINNING}
    for cm in compiled:
        for seg in cm.segments:
            turning.update((seg.start, seg.end + ONE_DAY))
        for item in (*cm.conditions, *cm.exceptions):
            turning.update((item.start, item.end + ONE_DAY))
    turning.update(e.start for e in epochs)
    turning.update(e.end + ONE_DAY for e in epochs if e.end < END_OF_TIME)
    return np.array(sorted(d for d in turning if BEGINNING <= d <= END_OF_TIME), dtype="datetime64[D]")
