"""Why: which measures apply to a country and HTS code on a date, and why the others do not.

With both a country and an HTS code, every measure that is in force and
covers them is listed: applied (with its rate, the value it is charged on
when that is not the whole value, and how sure the rate is) or not applied
(with the reason: the measure it yields to, the exclusion, the suspension,
the condition that exempts it, the exception for the country, the field the
basket must declare).  Measures that covered them until an act or a court
ended them are listed as ended, with the authority and whether what was
collected is refundable.  With only one of the two, the measures in force
that cover it are listed with their scope on the other side.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import hts_codes
from ..engine.calculate import single_key
from ..engine.compile import CompiledCondition, CompiledMeasure, CompiledSchedule, as_day
from ..engine.evaluate import KeyResult, Status, evaluate_keys
from ..law.model import Authority, ContentBasis, Measure, Schedule
from ..money import format_percent


@dataclass(frozen=True)
class Explanation:
    measure: Measure
    applied: bool
    #: The rate in millionths when applied (or the rate it would have had), else None.
    rate: int | None
    reason: str
    authority: Authority
    #: How sure the rate is on the day (the latest change's confidence, else the measure's).
    confidence: str = "high"


def _segment_on(cm: CompiledMeasure, day: np.datetime64):
    for seg in cm.segments:
        if seg.start <= day <= seg.end:
            return seg
    return None


_CONFIDENCE = {2: "high", 1: "medium", 0: "low"}


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
    """The measures relevant to ``country`` and/or ``code`` on ``day``, applied first, then not applied, then ended.

    ``fields`` gives values of the schedule's declared basket fields (bool,
    enum text or a date); fields not given are taken as not declared.
    """
    compiled = CompiledSchedule.of(schedule)
    if country is None or code is None:
        return _scope_listing(compiled, day, country, code)
    declared = {"usmca": usmca or None, "auto_part": auto_part, **(fields or {})}
    keys = single_key(compiled, code, country, day, declared)
    result = evaluate_keys(compiled, keys)
    out = []
    for j, cm in enumerate(compiled.measures):
        status = Status(int(result.status[0, j]))
        if status in (Status.COUNTRY_NOT_COVERED, Status.PRODUCT_NOT_COVERED):
            continue
        if status == Status.NOT_IN_FORCE:
            ended = _ended(compiled, cm, j, code, country, day, declared)
            if ended is not None:
                out.append(ended)
            continue
        rate = int(result.rates[0, j])
        if rate >= 0 and result.total[0, j]:
            rate = max(rate - mfn_micro, 0)
        out.append(
            Explanation(
                cm.measure,
                status == Status.APPLIED,
                rate if rate >= 0 else None,
                _reason(compiled, cm, status, result, j, keys, day, code, country),
                cm.measure.authority,
                _CONFIDENCE.get(int(result.confidence[0, j]), cm.measure.confidence),
            )
        )
    ended = ("not applied: ended", "not applied: in force through")
    return sorted(out, key=lambda e: (not e.applied, e.reason.startswith(ended)))


def _ended(compiled, cm, j, code, country, day, declared) -> Explanation | None:
    """A measure that ended (by an act or a court, or at its ``through``) before ``day``, listed when it covered
    these goods on its last day."""
    measure = cm.measure
    last = measure.last_day
    if last is None or day <= last:
        return None
    before = evaluate_keys(compiled, single_key(compiled, code, country, last, declared))
    if Status(int(before.status[0, j])) != Status.APPLIED:
        return None
    if measure.ended is not None and measure.ended.from_ == last + dt.timedelta(days=1):
        refund = "; what was collected is refundable" if measure.refundable else ""
        reason = f"not applied: ended for entries from {measure.ended.from_} ({measure.ended.authority.document}){refund}"
    else:
        reason = f"not applied: in force through {last}"
    return Explanation(measure, False, None, reason, measure.authority, measure.confidence)


def _reason(
    compiled: CompiledSchedule,
    cm: CompiledMeasure,
    status: Status,
    result: KeyResult,
    j: int,
    keys: pd.DataFrame,
    day: dt.date,
    code: str,
    country: str,
) -> str:
    measure = cm.measure
    if status == Status.APPLIED:
        return "applies" + _how(compiled, cm, result, j)
    if status == Status.YIELDED:
        winner = compiled.measures[int(result.yielded_to[0, j])].measure
        rule = next(r for r in measure.yields_to if r.measure == winner.id and r.active_on(day))
        why = f" ({rule.authority.document})" if rule.authority else ""
        return f"not applied: the goods pay {winner.id} ({winner.name}) instead{why}"
    if status == Status.PRODUCT_EXCLUDED:
        schedule = compiled.schedule
        matching = [
            item for item in measure.products.exclude if hts_codes.prefix_mask(pd.Series([code]), schedule.expand_products([item]))[0]
        ]
        return f"not applied: product excluded ({_names(schedule, matching)})"
    if status == Status.SUSPENDED:
        seg = _segment_on(cm, as_day(day))
        suspension = seg.suspension_for(country) if seg else None
        if suspension is None:
            return "not applied: suspended"
        until = f" through {suspension.through}" if suspension.through else ""
        return f"not applied: suspended from {suspension.from_}{until} ({suspension.authority.document})"
    if status == Status.EXEMPT:
        met = [cc for cc in cm.conditions if cc.condition.effect == "exempt" and _meets(cc, keys, day, code, country)]
        return "not applied: exempt (" + "; ".join(_condition_text(cc) for cc in met) + ")" if met else "not applied: exempt"
    if status == Status.EXCEPTED:
        return f"not applied: excepted for goods of {country} in these products ({_exception_authority(cm, day, code, country)})"
    if status == Status.NOT_DECLARED:
        unmet = [cc for cc in cm.conditions if cc.condition.effect == "require" and not _meets(cc, keys, day, code, country, need=False)]
        return "not applied: " + "; ".join(_requirement_text(compiled, cc) for cc in unmet)
    return status.name.lower().replace("_", " ")


def _how(compiled: CompiledSchedule, cm: CompiledMeasure, result: KeyResult, j: int) -> str:
    """How an applied measure charges: its basis when not the whole value, a total rate, a zero-rate heading."""
    parts = []
    basis = cm.measure.basis
    if isinstance(basis, ContentBasis):
        parts.append(f"on the declared {basis.content}, not the whole value")
    if result.total[0, j]:
        parts.append(f"{format_percent(int(result.rates[0, j]))} total: tops up the MFN duty to that rate")
    elif result.rates[0, j] == 0:
        parts.append("at 0%")
    portions = [other for k, other, mask in result.portions if k == j and mask[0]]
    if portions:
        parts.append("on what remains after " + ", ".join(compiled.measures[o].id for o in portions))
    return f" ({'; '.join(parts)})" if parts else ""


def _meets(cc: CompiledCondition, keys: pd.DataFrame, day: dt.date, code: str, country: str, need: bool = True) -> bool:
    """Whether a condition is active for this key and (with ``need``) met; without ``need``: active and met."""
    active = cc.start <= as_day(day) <= cc.end
    active &= cc.products is None or bool(hts_codes.prefix_mask(pd.Series([code]), cc.products)[0])
    active &= cc.countries is None or country in cc.countries
    met = int(keys[cc.column].iloc[0]) in cc.accept
    return bool(active and met) if need else bool(not active or met)


def _condition_text(cc: CompiledCondition) -> str:
    condition = cc.condition
    if condition.before is not None:
        entered = f" and entered before {condition.entered_before}" if condition.entered_before else ""
        text = f"in transit: {condition.field} before {condition.before}{entered}"
    elif condition.in_ is not None:
        text = f"{condition.field} is {' or '.join(condition.in_)}"
    else:
        text = f"{condition.field} is {str(condition.is_ is not False).lower()}"
    return text + (f", {condition.authority.document}" if condition.authority else "")


def _requirement_text(compiled: CompiledSchedule, cc: CompiledCondition) -> str:
    condition = cc.condition
    if condition.field == "auto_part":
        return "covers this code only for parts of passenger vehicles and light trucks (auto_part: true)"
    wanted = " or ".join(condition.in_) if condition.in_ is not None else str(condition.is_ is not False).lower()
    return f"covers this code only where {condition.field} is {wanted}"


def _exception_authority(cm: CompiledMeasure, day: dt.date, code: str, country: str) -> str:
    for exception in cm.measure.exceptions:
        if exception.authority is not None:
            return exception.authority.document
    return cm.measure.authority.document


def _names(schedule: Schedule, items: list[str]) -> str:
    return ", ".join(schedule.product_groups[i].name if i in schedule.product_groups else f"HTS {i}" for i in items)


def _scope_listing(compiled: CompiledSchedule, day: dt.date, country: str | None, code: str | None) -> list[Explanation]:
    today = as_day(day)
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
            if cm.include is not None and not hts_codes.prefix_mask(codes, cm.include)[0]:
                continue
        rate = seg.country_rates.get(country, seg.default) if country else seg.default
        suspension = seg.suspension_for(country)
        if suspension is not None:
            rate = suspension.rate
        scope = _product_scope(compiled, cm) if code is None else _country_scope(cm)
        state = f"suspended ({suspension.authority.document}); " if suspension is not None and rate is None else ""
        out.append(
            Explanation(cm.measure, rate is not None, rate.micro if rate else None, state + scope, cm.measure.authority, seg.confidence)
        )
    return out


def _product_scope(compiled: CompiledSchedule, cm: CompiledMeasure) -> str:
    products = cm.measure.products
    include = "all products" if products.include is None else ", ".join(_name(compiled, p) for p in products.include)
    exclude = f", except {', '.join(_name(compiled, p) for p in products.exclude)}" if products.exclude else ""
    return f"{include}{exclude}"


def _name(compiled: CompiledSchedule, item: str) -> str:
    group = compiled.schedule.product_groups.get(item)
    return f"{item} ({len(group.codes())} HTS prefixes)" if group else item


def _country_scope(cm: CompiledMeasure) -> str:
    codes = ", ".join(sorted(cm.countries)[:12]) + (" ..." if len(cm.countries) > 12 else "")
    if cm.all_countries:
        return f"all countries except {codes}" if cm.countries else "all countries"
    return f"countries {codes}"


def describe_rate(explanation: Explanation) -> str:
    return format_percent(explanation.rate) if explanation.rate is not None else "–"
