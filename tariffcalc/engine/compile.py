"""Compiling a schedule for the engine: each measure's groups expanded and its rate timeline cut into segments.

A :class:`CompiledSchedule` also orders the stacking rules (``yields_to``) per
epoch, and knows the schedule's turning days: the days on which some
measure, rate, suspension, exemption or stacking rule starts or stops applying.
"""

from __future__ import annotations

import datetime as dt
import graphlib
from dataclasses import dataclass

import numpy as np

from ..law.model import AllExcept, Measure, Suspension, Rate, Schedule, stacking_epochs, yield_graph


@dataclass(frozen=True)
class Segment:
    """A stretch of days over which a measure's rates do not change."""

    start: np.datetime64
    end: np.datetime64  # inclusive
    default: Rate | None
    country_rates: dict[str, Rate]
    suspension: Suspension | None
    suspension_countries: frozenset[str] | None  # None: every covered country


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


ONE_DAY = np.timedelta64(1, "D")
END_OF_TIME = np.datetime64("9999-12-31", "D")


def as_day(value: dt.date) -> np.datetime64:
    """A date as a NumPy day."""
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

    start = as_day(measure.from_)
    end = as_day(measure.through) if measure.through else END_OF_TIME
    cuts = {start, end + ONE_DAY}
    cuts.update(as_day(c.from_) for c in measure.changes)
    for suspension in measure.pauses:
        cuts.add(as_day(suspension.from_))
        cuts.add(as_day(suspension.through) + ONE_DAY if suspension.through else END_OF_TIME + ONE_DAY)
    bounds = sorted(c for c in cuts if start <= c <= end + ONE_DAY)

    segments = []
    for seg_start, next_start in zip(bounds, bounds[1:]):
        default, rates = measure.rate, _expand_rates(schedule, measure.rates)
        for change in measure.changes:
            if as_day(change.from_) <= seg_start:
                default = change.rate if change.rate is not None else default
                if change.rates is not None:
                    rates = {**rates, **_expand_rates(schedule, change.rates)}
        suspension = None
        for candidate in measure.pauses:
            suspension_end = as_day(candidate.through) if candidate.through else END_OF_TIME
            if as_day(candidate.from_) <= seg_start <= suspension_end:
                suspension = candidate
        suspension_countries = (
            schedule.expand_countries(suspension.countries) if suspension is not None and suspension.countries is not None else None
        )
        segments.append(Segment(seg_start, next_start - ONE_DAY, default, rates, suspension, suspension_countries))

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
    #: Every day on which some measure, rate, suspension, exemption or stacking rule starts or stops
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
                    np.datetime64("0001-01-01", "D") if start == dt.date.min else as_day(start),
                    as_day(end) if end else END_OF_TIME,
                    order,
                    edges,
                )
            )
        turning = {np.datetime64("0001-01-01", "D")}
        rates: list[Rate] = []
        for cm in compiled:
            for seg in cm.segments:
                turning.update((seg.start, seg.end + ONE_DAY))
                rates += [r for r in (seg.default, seg.suspension.rate if seg.suspension else None) if r is not None]
                rates += list(seg.country_rates.values())
            turning.update(as_day(e.from_) for e in cm.measure.exemptions if e.from_)
        turning.update(e.start for e in epochs)
        turning.update(e.end + ONE_DAY for e in epochs if e.end < END_OF_TIME)
        turning_days = np.array(sorted(d for d in turning if d <= END_OF_TIME), dtype="datetime64[D]")
        return cls(schedule, compiled, tuple(epochs), index, turning_days, any(r.inclusive_of_mfn for r in rates))
