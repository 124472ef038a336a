"""Why: which measures apply to a country and HTS code on a date, and why the others do not.

With both a country and an HTS code, every measure that is in force and
covers them is listed: applied (with its rate) or not applied (with the
reason: the measure it yields to, the exclusion, the pause, the exemption).
With only one of the two, the measures in force that cover it are listed with
their scope on the other side.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import hts
from .engine import CompiledMeasure, CompiledSchedule, Status, evaluate_keys, single_key
from .money import format_percent
from .schedule import Authority, Measure, Schedule


@dataclass(frozen=True)
class Explanation:
    measure: Measure
    applied: bool
    #: The rate in millionths when applied (or the rate it would have had), else None.
    rate: int | None
    reason: str
    authority: Authority


def _segment_on(cm: CompiledMeasure, day: np.datetime64):
    for seg in cm.segments:
        if seg.start <= day <= seg.end:
            return seg
    return None


def explain(
    schedule: Schedule,
    day: dt.date,
    country: str | None = None,
    code: str | None = None,
    usmca: bool = False,
    auto_part: bool | None = None,
    mfn_micro: int = 0,
    fields: dict[str, object] | None = None,
) -> list[Explanation]:
    """The measures relevant to ``country`` and/or ``code`` on ``day``, applied first."""
    compiled = CompiledSchedule.of(schedule)
    if country is not None and code is not None:
        declared = {"usmca": usmca or None, "auto_part": auto_part, **(fields or {})}
        keys = single_key(compiled, code, country, day, declared)
        result = evaluate_keys(compiled, keys)
        out = []
        for j, cm in enumerate(compiled.measures):
            status = Status(int(result.status[0, j]))
            if status in (Status.COUNTRY_NOT_COVERED, Status.PRODUCT_NOT_COVERED, Status.NOT_IN_FORCE):
                continue
            rate = int(result.rates[0, j])
            if rate >= 0 and result.total[0, j]:
                rate = max(rate - mfn_micro, 0)
            out.append(
                Explanation(
                    cm.measure,
                    status == Status.APPLIED,
                    rate if rate >= 0 else None,
                    _reason(compiled, cm, status, int(result.yielded_to[0, j]), day, code),
                    cm.measure.authority,
                )
            )
        return sorted(out, key=lambda e: not e.applied)
    return _scope_listing(compiled, day, country, code)


def _reason(compiled: CompiledSchedule, cm: CompiledMeasure, status: Status, other: int, day: dt.date, code: str) -> str:
    measure = cm.measure
    if status == Status.APPLIED:
        return "applies"
    if status == Status.YIELDED:
        winner = compiled.measures[other].measure
        rule = next(r for r in measure.yields_to if r.measure == winner.id and r.active_on(day))
        why = f" ({rule.authority.document})" if rule.authority else ""
        return f"not applied: the goods pay {winner.id} ({winner.name}) instead{why}"
    if status == Status.PRODUCT_EXCLUDED:
        schedule = compiled.schedule
        matching = [
            item for item in measure.products.exclude if hts.prefix_mask(pd.Series([code]), schedule.expand_products([item]))[0]
        ]
        names = ", ".join(schedule.product_groups[i].name if i in schedule.product_groups else f"HTS {i}" for i in matching)
        return f"not applied: product excluded ({names})"
    if status == Status.PAUSED:
        seg = _segment_on(cm, np.datetime64(day.isoformat(), "D"))
        pause = seg.pause if seg else None
        if pause is None:
            return "not applied: suspended"
        until = f" through {pause.through}" if pause.through else ""
        return f"not applied: suspended from {pause.from_}{until} ({pause.authority.document})"
    if status == Status.EXEMPT:
        flags = ", ".join(e.flag for e in measure.exemptions)
        return f"not applied: exempt ({flags})"
    if status == Status.NOT_DECLARED:
        return "not applied: covers this code only for parts of passenger vehicles and light trucks (auto_part: true)"
    return status.name.lower().replace("_", " ")


def _scope_listing(compiled: CompiledSchedule, day: dt.date, country: str | None, code: str | None) -> list[Explanation]:
    today = np.datetime64(day.isoformat(), "D")
    out = []
    for cm in compiled.measures:
        seg = _segment_on(cm, today)
        if seg is None:
            continue
        if country is not None:
            listed = country in cm.countries
            if listed == cm.all_countries:
                continue
        if code is not None:
            codes = pd.Series([code])
            if cm.include is not None and not hts.prefix_mask(codes, cm.include)[0]:
                continue
        rate = seg.country_rates.get(country, seg.default) if country else seg.default
        paused = seg.pause is not None and (seg.pause_countries is None or country in (seg.pause_countries or ()))
        if paused:
            rate = seg.pause.rate
        scope = _product_scope(compiled, cm) if code is None else _country_scope(cm)
        state = f"suspended ({seg.pause.authority.document}); " if paused and rate is None else ""
        out.append(Explanation(cm.measure, rate is not None, rate.micro if rate else None, state + scope, cm.measure.authority))
    return out


def _product_scope(compiled: CompiledSchedule, cm: CompiledMeasure) -> str:
    products = cm.measure.products
    include = "all products" if products.include is None else ", ".join(_name(compiled, p) for p in products.include)
    exclude = f", except {', '.join(_name(compiled, p) for p in products.exclude)}" if products.exclude else ""
    return f"{include}{exclude}"


def _name(compiled: CompiledSchedule, item: str) -> str:
    group = compiled.schedule.product_groups.get(item)
    return f"{item} ({len(group.hts)} HTS prefixes)" if group else item


def _country_scope(cm: CompiledMeasure) -> str:
    codes = ", ".join(sorted(cm.countries)[:12]) + (" ..." if len(cm.countries) > 12 else "")
    if cm.all_countries:
        return f"all countries except {codes}" if cm.countries else "all countries"
    return f"countries {codes}"


def describe_rate(explanation: Explanation) -> str:
    return format_percent(explanation.rate) if explanation.rate is not None else "–"


