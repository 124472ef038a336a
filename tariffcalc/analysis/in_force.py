"""The measures of a schedule in force on a day: each with its rate(s) that day, how sure they are, and its sources.

What ``tariffcalc schedule`` prints: a person's view of the law on one date.
Measures that a court or an act ended before the day are listed apart, with
the authority that ended them and whether what was collected is refundable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..engine.compile import CompiledSchedule, as_day
from ..law.model import Authority, Measure, Schedule
from ..money import format_percent


@dataclass(frozen=True)
class InForce:
    measure: Measure
    #: "in force", "suspended" or "ended".
    state: str
    #: The rate(s) that day, for people: "10%", "25% (GB 10%, EU 15% total)", "" when ended.
    rates: str
    confidence: str
    authority: Authority
    note: str


def in_force(schedule: Schedule, day: dt.date) -> list[InForce]:
    """Every measure in force on ``day`` (suspended ones too), then those ended on or before it."""
    compiled = CompiledSchedule.of(schedule)
    today = as_day(day)
    current, ended = [], []
    for cm in compiled.measures:
        measure = cm.measure
        seg = next((s for s in cm.segments if s.start <= today <= s.end), None)
        if seg is not None:
            suspension = seg.suspension_for(None)
            state = "suspended" if suspension is not None and suspension.rate is None and suspension.countries is None else "in force"
            current.append(InForce(measure, state, _rates(seg), seg.confidence, measure.authority, _note(measure)))
        elif measure.ended is not None and measure.ended.from_ <= day:
            refund = "; refundable" if measure.refundable else ""
            note = f"ended for entries from {measure.ended.from_} ({measure.ended.authority.document}){refund}"
            ended.append(InForce(measure, "ended", "", measure.confidence, measure.authority, note))
    return current + ended


def _rates(seg) -> str:
    default = str(seg.default) if seg.default is not None else ""
    by_rate: dict[str, list[str]] = {}
    for country, rate in sorted(seg.country_rates.items()):
        by_rate.setdefault(str(rate), []).append(country)
    others = [f"{', '.join(c[:6])}{' ...' if len(c) > 6 else ''} {r}" for r, c in by_rate.items()]
    if not others:
        return default
    text = "; ".join(others)
    return f"{default} ({text})" if default else text


def _note(measure: Measure) -> str:
    parts = []
    if measure.last_day:
        parts.append(f"through {measure.last_day}")
    if measure.refundable:
        parts.append("refundable")
    return ", ".join(parts)


def describe(rate_micro: int) -> str:
    return format_percent(rate_micro)
