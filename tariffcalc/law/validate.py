"""Validating a schedule: the schema (pydantic), then every rule it cannot see, one function per rule.

Each rule yields ``(YAML key path, message)`` for what it finds; the
problems are reported in the order of the document (the country groups,
then measure by measure, rule by rule), each at its YAML line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from .. import countries as country_codes
from .. import hts_codes
from ..errors import InputError, Problem
from ..yaml_source import YamlDocument
from .code_lists import with_code_lists
from .model import AllExcept, Measure, Model, Schedule, stacking_epochs, yield_graph

#: What a rule finds: the YAML key path of the problem, and what is wrong there.
Finding = tuple[tuple, str]


def schedule_from_document(doc: YamlDocument, base: Path | None = None) -> Schedule:
    """Validate a parsed YAML document as a schedule; raise InputError listing every problem.

    Code-list files named by product groups are read relative to ``base`` (the schedule's folder).
    """
    if not isinstance(doc.data, dict):
        raise InputError(Problem(doc.where(()), "a schedule must be a mapping with 'schedule' and 'measures' keys"))
    data = with_code_lists(doc, base)
    try:
        schedule = Schedule.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, doc)) from None
    problems = check_references(schedule, doc)
    if problems:
        raise InputError(problems)
    return schedule


# -- the schema's errors -------------------------------------------------------------------------


def _is_branch_name(part: object) -> bool:
    """True for the parts of a pydantic error location that name a union branch, not a YAML key."""
    if not isinstance(part, str):
        return False
    return part in {cls.__name__ for cls in Model.__subclasses__()} or bool(
        re.search(r"[\[\]]|^function-|^literal", part)
    )


def problems_from_validation(error: ValidationError, doc: YamlDocument) -> list[Problem]:
    """pydantic's errors as one problem per YAML location, in words a person can act on."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        # Drop pydantic's union branch names ("list[str]", "AllExcept", ...) from the key path.
        path = tuple(p for p in loc if not _is_branch_name(p))
        message = item["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against the README's schedule format)"
        elif item["type"] == "missing":
            message = "required key is missing"
        problems.append(Problem(doc.where(path), message))
    # A union reports every branch; one line per location is enough.
    unique: dict[str, Problem] = {}
    for problem in problems:
        unique.setdefault(problem.where, problem)
    return list(unique.values())


# -- the rules the schema cannot see ------------------------------------------------------------


def check_references(schedule: Schedule, doc: YamlDocument) -> list[Problem]:
    """What the schema cannot see: codes, groups, measure ids, dates in order (see the rules below)."""
    findings = list(country_groups_are_countries(schedule)) + list(basket_fields_are_sound(schedule))
    for index, measure in enumerate(schedule.measures):
        at = ("measures", index)
        for rule in MEASURE_RULES:
            findings += [(at + path, message) for path, message in rule(schedule, index, measure)]
    if not findings:
        findings += list(no_yield_cycle(schedule))
    findings += list(coverage_in_order(schedule))
    return [Problem(doc.where(path), message) for path, message in findings]


def _country_problem(schedule: Schedule, code: str) -> str | None:
    if code not in schedule.country_groups and not country_codes.is_country_code(code):
        return f"{code!r} is neither an ISO 3166 alpha-2 country code nor a country group of this schedule"
    return None


def _countries(schedule: Schedule, path: tuple, codes) -> Iterator[Finding]:
    """Each of ``codes`` (at ``path + (i,)``) that is neither a country nor a group of the schedule."""
    for i, code in enumerate(codes):
        problem = _country_problem(schedule, code)
        if problem:
            yield path + (i,), problem


def _products(schedule: Schedule, path: tuple, items) -> Iterator[Finding]:
    """Each of ``items`` (at ``path + (i,)``) that is neither an HTS prefix nor a product group of the schedule."""
    for i, item in enumerate(items):
        if item in schedule.product_groups:
            continue
        try:
            hts_codes.check_prefix(item)
        except ValueError as exc:
            yield path + (i,), f"{exc}, and not a product group of this schedule"


def country_groups_are_countries(schedule: Schedule) -> Iterator[Finding]:
    """A group's name is not a country code, and its members are country codes."""
    for name, group in schedule.country_groups.items():
        if country_codes.is_country_code(name):
            yield ("country_groups", name), f"group name {name!r} is also a country code; choose another name"
        for i, code in enumerate(group.members):
            if not country_codes.is_country_code(code):
                yield ("country_groups", name, "members", i), f"{code!r} is not an ISO 3166 alpha-2 country code"


def unique_id(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """No two measures have the same id."""
    if measure.id in [m.id for m in schedule.measures[:index]]:
        yield ("id",), f"measure id {measure.id!r} is defined twice"


def dates_in_order(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """A measure does not end before it starts."""
    if measure.through and measure.through < measure.from_:
        yield ("through",), f"through {measure.through} is before from {measure.from_}"


def known_countries(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """A measure names its countries (or has country rates), each a country or group; a rate's country is covered."""
    if measure.countries is None and not measure.rates:
        yield (), "needs 'countries' (or country-specific 'rates')"
    if isinstance(measure.countries, list):
        yield from _countries(schedule, ("countries",), measure.countries)
    if isinstance(measure.countries, AllExcept):
        yield from _countries(schedule, ("countries", "all_except"), measure.countries.all_except)
    covered = _covered_names(measure)
    for code in measure.rates:
        problem = _country_problem(schedule, code)
        if problem:
            yield ("rates", code), problem
        if covered is not None and schedule.expand_countries([code]) - schedule.expand_countries(covered):
            yield ("rates", code), f"{code!r} has a rate but is not among the measure's countries"


def has_a_rate(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """A measure with countries has a rate, or country rates."""
    if measure.rate is None and measure.countries is not None and not measure.rates:
        yield (), "needs a 'rate' (or country-specific 'rates')"


def known_products(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """Product scopes (of the measure and of its requirements) are HTS prefixes or product groups."""
    for key in ("include", "exclude"):
        yield from _products(schedule, ("products", key), getattr(measure.products, key) or [])
    for i, requirement in enumerate(measure.requires):
        yield from _products(schedule, ("requires", i, "products"), requirement.products or [])


def changes_in_order(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """Changes come in date order, within the measure's dates, each with a rate or rates of known countries."""
    previous = measure.from_
    for i, change in enumerate(measure.changes):
        if change.from_ < previous:
            yield ("changes", i, "from"), f"from {change.from_} is before {previous}; list changes in date order"
        if measure.through and change.from_ > measure.through:
            yield ("changes", i, "from"), f"from {change.from_} is after the measure ends ({measure.through})"
        if change.rate is None and change.rates is None:
            yield ("changes", i), "a change needs 'rate' or 'rates'"
        for code in change.rates or {}:
            problem = _country_problem(schedule, code)
            if problem:
                yield ("changes", i, "rates", code), problem
        previous = change.from_


def pauses_apart(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """Two pauses of a measure for the same countries do not overlap."""
    ordered = sorted(enumerate(measure.pauses), key=lambda item: item[1].from_)
    for (_, earlier), (i, later) in zip(ordered, ordered[1:]):
        overlap = earlier.through is None or later.from_ <= earlier.through
        same_countries = earlier.countries is None or later.countries is None or set(earlier.countries) & set(later.countries)
        if overlap and same_countries:
            yield ("pauses", i, "from"), f"this pause overlaps another pause of the measure (from {earlier.from_})"


def pauses_within(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """A pause ends after it starts, starts once the measure has, and names known countries."""
    for i, pause in enumerate(measure.pauses):
        if pause.through and pause.through < pause.from_:
            yield ("pauses", i, "through"), f"through {pause.through} is before from {pause.from_}"
        if pause.from_ < measure.from_:
            yield ("pauses", i, "from"), f"from {pause.from_} is before the measure starts ({measure.from_})"
        yield from _countries(schedule, ("pauses", i, "countries"), pause.countries or [])


def yields_to_others(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """A measure yields only to other measures of the schedule, on dates in order."""
    ids = [m.id for m in schedule.measures]
    for i, rule in enumerate(measure.yields_to):
        if rule.measure not in ids:
            yield ("yields_to", i), f"no measure with id {rule.measure!r} in this schedule"
        elif rule.measure == measure.id:
            yield ("yields_to", i), "a measure cannot yield to itself"
        if rule.from_ and rule.through and rule.through < rule.from_:
            yield ("yields_to", i, "through"), f"through {rule.through} is before from {rule.from_}"


# -- the rules of the 2025-26 format: declared fields, conditions, bases, endings, exceptions -----------------

#: Basket columns with a built-in meaning, which a schedule cannot declare again.
BUILT_IN_COLUMNS = frozenset(
    {"hts_code", "country", "value", "description", "quantity", "mfn_rate", "entry_date", "unit", "mode", "entry_id",
     "ad_rate", "cvd_rate", "ad_case", "cvd_case"}
)
#: The flags of the first format, declared implicitly when ``exemptions`` or ``requires`` read them.
LEGACY_FLAGS = frozenset({"usmca", "auto_part"})
#: The test a condition on each type of field uses.
_TESTS = {"bool": "is", "enum": "in", "date": "before"}


def basket_fields_are_sound(schedule: Schedule) -> Iterator[Finding]:
    """A declared field has a new lower-case name; enum values only for enums; at_most only for amounts."""
    for name, spec in schedule.basket_fields.items():
        at = ("basket_fields", name)
        if name in BUILT_IN_COLUMNS:
            yield at, f"{name!r} is a basket column with a built-in meaning; choose another name"
        elif not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            yield at, f"{name!r} is not a field name (lower case letters, digits and _)"
        if spec.type == "enum" and not spec.values:
            yield at + ("values",), "an enum field needs its 'values'"
        if spec.type != "enum" and spec.values is not None:
            yield at + ("values",), f"only enum fields have 'values' (this one is {spec.type})"
        if spec.at_most is not None and spec.type != "amount":
            yield at + ("at_most",), f"only amount fields have 'at_most' (this one is {spec.type})"


def field_type(schedule: Schedule, name: str) -> str | None:
    """The type of a declared basket field (the first format's flags are bool), or None."""
    spec = schedule.basket_fields.get(name)
    if spec is not None:
        return spec.type
    return "bool" if name in LEGACY_FLAGS else None


def conditions_read_declared_fields(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """A condition reads a declared bool, enum or date field with the test of its type, and known enum values."""
    for i, condition in enumerate(measure.conditions):
        at = ("conditions", i)
        kind = field_type(schedule, condition.field)
        if kind is None:
            yield at + ("field",), f"no basket field {condition.field!r} is declared (declare it under basket_fields)"
            continue
        if kind == "amount":
            yield at + ("field",), f"{condition.field!r} is an amount: a condition reads a bool, enum or date field"
            continue
        tests = [key for key, value in (("is", condition.is_), ("in", condition.in_), ("before", condition.before)) if value is not None]
        wanted = _TESTS[kind]
        if tests != [wanted]:
            found = ", ".join(tests) or "no test"
            yield at, f"a condition on the {kind} field {condition.field!r} needs '{wanted}' (found {found})"
        if condition.entered_before is not None and condition.before is None:
            yield at + ("entered_before",), "'entered_before' goes with 'before' (the in-transit rule)"
        if kind == "enum" and condition.in_:
            values = [v.lower() for v in schedule.basket_fields[condition.field].values or []]
            for j, value in enumerate(condition.in_):
                if value.lower() not in values:
                    yield at + ("in", j), f"{value!r} is not a value of {condition.field!r} ({', '.join(values)})"


def conditions_and_exceptions_in_order(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """A condition's or exception's dates are in order, and it names known countries and products."""
    scoped = [("conditions", i, c) for i, c in enumerate(measure.conditions)]
    scoped += [("exceptions", i, e) for i, e in enumerate(measure.exceptions)]
    for key, i, item in scoped:
        at = (key, i)
        if item.from_ and item.through and item.through < item.from_:
            yield at + ("through",), f"through {item.through} is before from {item.from_}"
        if isinstance(item.countries, list):
            yield from _countries(schedule, at + ("countries",), item.countries)
        yield from _products(schedule, at + ("products",), item.products or [])


def bases_read_amounts(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """A value basis reads a declared amount field."""
    name = getattr(measure.basis, "content", None) or getattr(measure.basis, "less", None)
    if name is None:
        return
    key = "content" if getattr(measure.basis, "content", None) else "less"
    kind = field_type(schedule, name)
    if kind != "amount":
        found = f"{'an' if kind == 'enum' else 'a'} {kind} field" if kind else "not declared"
        yield ("basis", key), f"a basis reads an amount field; {name!r} is {found}"


def ends_after_it_starts(schedule: Schedule, index: int, measure: Measure) -> Iterator[Finding]:
    """A measure ended by an act ends after it starts, and not after its own ``through``."""
    if measure.ended is None:
        return
    if measure.ended.from_ <= measure.from_:
        yield ("ended", "from"), f"ended from {measure.ended.from_} is not after from {measure.from_}"
    if measure.through and measure.through >= measure.ended.from_:
        yield ("ended", "from"), f"the measure's through {measure.through} is not before it ended ({measure.ended.from_})"


#: The rules checked for each measure, in the order their problems are reported.
MEASURE_RULES = (
    unique_id,
    dates_in_order,
    known_countries,
    has_a_rate,
    known_products,
    changes_in_order,
    pauses_apart,
    pauses_within,
    yields_to_others,
    conditions_read_declared_fields,
    conditions_and_exceptions_in_order,
    bases_read_amounts,
    ends_after_it_starts,
)


def no_yield_cycle(schedule: Schedule) -> Iterator[Finding]:
    """Measures do not yield to each other in a circle on any day (only the first circle is reported)."""
    ids = [m.id for m in schedule.measures]
    for start, _ in stacking_epochs(schedule):
        cycle = _find_cycle(schedule, start)
        if cycle:
            yield ("measures", ids.index(cycle[0]), "yields_to"), (
                f"measures yield to each other in a circle on {start}: " + " → ".join(cycle)
            )
            return


def coverage_in_order(schedule: Schedule) -> Iterator[Finding]:
    """What the schedule covers ends after it starts."""
    if schedule.schedule.covers.through < schedule.schedule.covers.from_:
        yield ("schedule", "covers", "through"), "through is before from"


def _covered_names(measure: Measure) -> list[str] | None:
    """The country names a measure lists, or None when it covers all or all-except."""
    if isinstance(measure.countries, list):
        return measure.countries
    if measure.countries is None:
        return list(measure.rates)
    return None


def _find_cycle(schedule: Schedule, day: dt.date) -> list[str] | None:
    graph = yield_graph(schedule, day)
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return trail[trail.index(nxt) :] + [node, nxt] if nxt in trail else [node, nxt]
            if nxt not in state:
                found = visit(nxt, trail + [node])
                if found:
                    return found
        state[node] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None
