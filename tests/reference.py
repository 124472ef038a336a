"""A reference evaluator: one line, one day, plain Python, from the README's rules alone.

Written from README.md, "How a line is priced, in full" (rules 1-10), and the
schedule *model* (``tariffcalc.schedule``: the law as data).  It does not read
or import ``tariffcalc.engine`` or ``tariffcalc.money``: every rule is written
again here, slowly and readably, with Python ints (cents, millionths).

A line is a dict::

    {"hts": "87032301", "country": "JP", "value_cents": 3000000, "mfn_micro": 25000,
     "mfn_specific_cents": 0, "fields": {"usmca": True, "steel_value": 120000, ...}}

Declared field values are typed: bool True/False, enum str (as declared), amount
cents (int), date (``datetime.date``); ``None`` (or absent) where the cell is empty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tariffcalc.law.model import AllExcept, ContentBasis, Measure, Rate, RemainderBasis, Schedule

ONE = 1_000_000  # a rate of 100%, in millionths


# -- arithmetic: half-up, exact ------------------------------------------------------------


def div_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up (both non-negative, denominator > 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def duty_of(basis_cents: int, rate_micro: int) -> int:
    """Rule 10: basis × rate, rounded half-up to the cent."""
    return (basis_cents * rate_micro + ONE // 2) // ONE


def mfn_duty_of(line: dict) -> int:
    """The line's whole MFN duty: the ad valorem part rounded to the cent, plus the specific part."""
    return duty_of(line["value_cents"], line["mfn_micro"]) + line.get("mfn_specific_cents", 0)


def ave_of(line: dict) -> int:
    """Rule 8: the MFN duty's ad valorem equivalent, in millionths, rounded half-up.

    The README: "the line's whole MFN duty (specific parts included) divided by its value". The duty
    before rounding to the cent: (value × mfn + specific) / value = mfn + specific / value, so only the
    specific part is rounded.  (Dividing the MFN duty *rounded to the cent* would differ by a millionth
    or so on small lines; the README does not say which, the engine does this.)  A line of value 0 has no
    ratio; its AVE is its ad valorem MFN rate.
    """
    value = line["value_cents"]
    if value == 0:
        return line["mfn_micro"]
    return line["mfn_micro"] + div_half_up(line.get("mfn_specific_cents", 0) * ONE, value)


# -- names: countries and products ---------------------------------------------------------

_EXPANDED: dict = {}


def countries_in(schedule: Schedule, names) -> frozenset[str]:
    key = (id(schedule), "c", tuple(names))
    if key not in _EXPANDED:
        codes = set()
        for name in names:
            group = schedule.country_groups.get(name)
            codes.update(group.members if group else [name])
        _EXPANDED[key] = (schedule, frozenset(codes))
    return _EXPANDED[key][1]


def digits(code: str) -> str:
    return code.replace(".", "").replace(" ", "")


def prefixes_in(schedule: Schedule, items) -> frozenset[str]:
    key = (id(schedule), "p", tuple(items))
    if key not in _EXPANDED:
        codes = set()
        for item in items:
            group = schedule.product_groups.get(item)
            codes.update(digits(c) for c in (group.hts if group else [item]))
        _EXPANDED[key] = (schedule, frozenset(codes))
    return _EXPANDED[key][1]


def starts_with_any(code: str, prefixes: frozenset[str]) -> bool:
    return any(code[:n] in prefixes for n in range(2, len(code) + 1))


def between(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


# -- one measure, on its own (rules 1-6, 8, 9) ---------------------------------------------


@dataclass(frozen=True)
class Own:
    rate: int  # millionths
    basis: int  # cents


def in_force(measure: Measure, day: dt.date) -> bool:
    """Rule 1: from ≤ day ≤ the last day (through, or the day before ended.from)."""
    if day < measure.from_:
        return False
    if measure.through is not None and day > measure.through:
        return False
    if measure.ended is not None and day >= measure.ended.from_:
        return False
    return True


def covers(schedule: Schedule, measure: Measure, country: str) -> bool:
    """Rule 2: countries (all, all_except, codes and groups), or named in rates."""
    if country == "US":  # goods of US origin pay no measure (they are not foreign goods)
        return False
    named_in_rates = country in countries_in(schedule, list(measure.rates))
    if measure.countries == "all":
        return True
    if isinstance(measure.countries, AllExcept):
        return country not in countries_in(schedule, measure.countries.all_except) or named_in_rates
    if isinstance(measure.countries, list):
        return country in countries_in(schedule, measure.countries) or named_in_rates
    return named_in_rates


def rate_on(schedule: Schedule, measure: Measure, country: str, day: dt.date) -> Rate | None:
    """Rule 3: the rate after the changes so far and the pauses; None: the measure does not apply.

    The measure's own rates and each change in force are layers, latest first: the latest layer that names
    the country (itself, or else its group) gives its rate; a layer's own name beats its group.  So a change
    naming a group restates the rate of every member, even one that had a rate of its own before (the
    README's "a change restates only what changes" read that way; the engine does the same).  Otherwise the
    latest default `rate`.
    """
    layers = [(measure.rate, measure.rates)]
    layers += [(change.rate, change.rates or {}) for change in measure.changes if change.from_ <= day]
    rate = None
    for _, rates in reversed(layers):
        groups = [name for name in rates if name in schedule.country_groups and country in countries_in(schedule, [name])]
        if country in rates:
            rate = rates[country]
        elif groups:
            rate = rates[groups[0]]
        if rate is not None:
            break
    if rate is None:
        defaults = [default for default, _ in layers if default is not None]
        rate = defaults[-1] if defaults else None
    for pause in measure.pauses:
        if between(day, pause.from_, pause.through) and (
            pause.countries is None or country in countries_in(schedule, pause.countries)
        ):
            if pause.rate is None:
                return None  # suspended
            rate = pause.rate
    return rate


def product_scope(schedule: Schedule, measure: Measure, code: str) -> bool:
    """Rule 4: an include prefix (none: all) and no exclude prefix; a less specific code is not guessed."""
    if measure.products.include is not None:
        include = prefixes_in(schedule, measure.products.include)
        if not starts_with_any(code, include):
            return False  # (also when it is less specific than an include prefix: not guessed)
    # Literally "no exclude prefix": a code less specific than an exclude prefix (8703 against an exclusion of
    # 8703.23.01) is in scope.  The README's "less specific than the scope" could also mean this case; the
    # engine reads it this way (applied, no warning).
    return not starts_with_any(code, prefixes_in(schedule, measure.products.exclude))


def condition_met(condition, value, day: dt.date) -> bool:
    """is (bool), in (enum values) or before (a date field earlier than the given day). Empty: not met."""
    if value is None:
        return False
    if condition.is_ is not None:
        return value is condition.is_
    if condition.in_ is not None:
        return value.lower() in {v.lower() for v in condition.in_}
    return value < condition.before


def effects(schedule: Schedule, measure: Measure, line: dict, day: dt.date) -> set[str]:
    """Rules 5 and 6 (and the first format's exemptions/requires): {"exempt", "zero"} that hold for the line."""
    code, country, fields = line["hts"], line["country"], line.get("fields", {})
    found = set()
    for exception in measure.exceptions:
        if not between(day, exception.from_, exception.through):
            continue
        if exception.countries != "all" and country not in countries_in(schedule, exception.countries):
            continue
        if starts_with_any(code, prefixes_in(schedule, exception.products)):
            found.add(exception.effect)
    for condition in measure.conditions:
        if not between(day, condition.from_, condition.through):
            continue
        if condition.entered_before is not None and not day < condition.entered_before:
            continue
        if condition.products is not None and not starts_with_any(code, prefixes_in(schedule, condition.products)):
            continue
        if condition.countries is not None and country not in countries_in(schedule, condition.countries):
            continue
        met = condition_met(condition, fields.get(condition.field), day)
        if condition.effect == "require":
            if not met:
                found.add("exempt")
        elif met:
            found.add(condition.effect)
    for exemption in measure.exemptions:  # the first format
        if exemption.from_ is None or exemption.from_ <= day:
            if exemption.flag == "usmca" and fields.get("usmca") is True:
                found.add("exempt")
            if exemption.flag == "not_auto_part" and fields.get("auto_part") is False:
                found.add("exempt")
    for requirement in measure.requires:
        if requirement.products is None or starts_with_any(code, prefixes_in(schedule, requirement.products)):
            if fields.get("auto_part") is not True:
                found.add("exempt")
    return found


def basis_of(measure: Measure, line: dict) -> int:
    """Rule 9: the whole value; the declared content; or the value less a declared amount of at least min_share."""
    value, fields = line["value_cents"], line.get("fields", {})
    if isinstance(measure.basis, ContentBasis):
        content = fields.get(measure.basis.content)
        return value if content is None else content
    if isinstance(measure.basis, RemainderBasis):
        less = fields.get(measure.basis.less)
        share = measure.basis.min_share.micro if measure.basis.min_share else 0
        if less is not None and less * ONE >= share * value:
            return value - less
    return value


def own(schedule: Schedule, measure: Measure, line: dict, day: dt.date) -> Own | None:
    """What the measure charges the line before stacking, or None where it does not apply."""
    if not in_force(measure, day):
        return None
    if not covers(schedule, measure, line["country"]):
        return None
    rate = rate_on(schedule, measure, line["country"], day)
    if rate is None:
        return None
    if not product_scope(schedule, measure, line["hts"]):
        return None
    found = effects(schedule, measure, line, day)
    if "exempt" in found:
        return None
    if "zero" in found:
        micro = 0
    elif rate.inclusive_of_mfn:
        micro = max(0, rate.micro - ave_of(line))
    else:
        micro = rate.micro
    return Own(micro, basis_of(measure, line))


# -- the whole line (rule 7: stacking; rule 10: duty) --------------------------------------


def reference_line(schedule: Schedule, line: dict, day: dt.date) -> dict[str, tuple[int, int]]:
    """{measure id: (rate in millionths, duty in cents)} for every measure that applies to the line."""
    measures = {m.id: m for m in schedule.measures}
    charged: dict[str, Own | None] = {}

    def applies(measure_id: str, trail: tuple = ()) -> Own | None:
        assert measure_id not in trail, f"yields_to circle: {trail + (measure_id,)}"
        if measure_id not in charged:
            measure = measures[measure_id]
            result = own(schedule, measure, line, day)
            if result is not None:
                basis, split = result.basis, False
                for rule in measure.yields_to:
                    if not between(day, rule.from_, rule.through):
                        continue
                    other = applies(rule.measure, trail + (measure_id,))
                    if other is None:
                        continue
                    if rule.portion == "all":
                        result = None
                        break
                    basis, split = basis - other.basis, True
                if result is not None and split:
                    # "not applied where nothing is left" -- of a line that had a value: a line of value 0
                    # keeps the measure, at duty 0 (the engine's reading; the README does not say).
                    result = Own(result.rate, max(basis, 0)) if basis > 0 or line["value_cents"] == 0 else None
            charged[measure_id] = result
        return charged[measure_id]

    out = {}
    for measure in schedule.measures:
        result = applies(measure.id)
        if result is not None:
            out[measure.id] = (result.rate, duty_of(result.basis, result.rate))
    return out


def reference_totals(schedule: Schedule, line: dict, day: dt.date) -> dict[str, int]:
    """The line's mfn_duty, additional_duty and total_duty (cents)."""
    additional = sum(duty for _, duty in reference_line(schedule, line, day).values())
    mfn = mfn_duty_of(line)
    return {"mfn_duty": mfn, "additional_duty": additional, "total_duty": mfn + additional}
