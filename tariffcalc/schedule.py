"""Rate schedules: the YAML format, its validation, and loading.

A schedule is a list of :class:`Measure` objects plus named groups of
countries and of products.  The README documents the format with an example;
the models below are its single source of truth (``extra="forbid"``
everywhere, so a misspelt key is an error, not a silently ignored line).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from . import countries as country_codes
from . import hts
from .errors import InputError, Problem
from .money import format_percent, parse_rate
from .paths import shipped_schedule, shipped_schedule_names
from .yaml_source import YamlDocument, read_yaml


@dataclass(frozen=True)
class Rate:
    """An ad valorem rate in millionths; ``inclusive_of_mfn`` makes it a total that includes the MFN duty.

    A rate "15% total" (or "15% inclusive of MFN") adds ``max(0, 15% − AVE)``,
    where AVE, the ad valorem equivalent of the MFN duty, is the whole column 1
    duty payable (specific and compound parts too) divided by the customs value.
    """

    micro: int
    inclusive_of_mfn: bool = False

    def __str__(self) -> str:
        text = format_percent(self.micro)
        return f"{text} total" if self.inclusive_of_mfn else text


_INCLUSIVE = re.compile(r"^\s*(?P<rate>.+?)\s+(?:inclusive\s+of\s+MFN|total)\s*$", re.IGNORECASE)


def _parse_rate(value: Any) -> Rate:
    if isinstance(value, Rate):
        return value
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Rate(parse_rate(value))
    if isinstance(value, str):
        match = _INCLUSIVE.match(value)
        if match:
            return Rate(parse_rate(match["rate"]), inclusive_of_mfn=True)
        return Rate(parse_rate(value))
    raise ValueError(f"expected a rate such as 24%, 0.24 or '15% total', found {value!r}")


RateValue = Annotated[Rate, BeforeValidator(_parse_rate)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Authority(Model):
    """The legal act behind a rate: what a person needs to look it up."""

    document: str = Field(description="The act, e.g. 'Executive Order 14257'.")
    citation: str = Field(description="Federal Register citation, e.g. '90 FR 15041'.")
    date: dt.date | None = Field(description="The date the act was signed or issued (null where no source gives it).")
    hts_heading: str | None = Field(default=None, description="The HTS chapter 99 heading(s) that carry the rate.")
    note: str | None = None

    def __str__(self) -> str:
        text = f"{self.document}, {self.citation}" + (f" ({self.date.isoformat()})" if self.date else "")
        return f"{text}, HTS {self.hts_heading}" if self.hts_heading else text


class AllExcept(Model):
    all_except: list[str]


Countries = Union[Literal["all"], list[str], AllExcept]


class Products(Model):
    """HTS scope: prefixes of 2–10 digits, or names of product groups."""

    include: list[str] | None = Field(default=None, description="Omitted: every product.")
    exclude: list[str] = Field(default_factory=list)


Confidence = Literal["high", "medium", "low"]
#: How sure a fact is: high = read in the legal text (or the HTS chapter 99 text); medium = two or more
#: independent secondary sources agree; low = one source.
CONFIDENCE_ORDER = {"high": 2, "medium": 1, "low": 0}


class Change(Model):
    """From a date on, the measure's rate(s) change; what is not restated carries over."""

    from_: dt.date = Field(alias="from")
    rate: RateValue | None = None
    rates: dict[str, RateValue] | None = None
    authority: Authority
    confidence: Confidence | None = Field(default=None, description="Omitted: the measure's.")
    sources: list[str] = Field(default_factory=list)
    note: str | None = None


class Pause(Model):
    """A window of days in which the measure is suspended or, with ``rate``, charged at a temporary rate.

    Without ``rate`` the measure does not apply in the window (for the listed
    countries, or all it covers); with ``rate`` that rate replaces the
    measure's own for them.  Pauses of one measure may overlap only for
    different countries.
    """

    from_: dt.date = Field(alias="from")
    through: dt.date | None = None
    rate: RateValue | None = None
    countries: list[str] | None = Field(default=None, description="Omitted: every country the measure covers.")
    authority: Authority
    amended_by: list[Authority] = Field(default_factory=list)
    confidence: Confidence | None = None
    sources: list[str] = Field(default_factory=list)
    note: str | None = None


class Exemption(Model):
    """Lines with the basket flag do not pay the measure (from ``from`` on).

    ``usmca``: the basket's ``usmca`` column is true.  ``not_auto_part``: its
    ``auto_part`` column is false.
    """

    flag: Literal["usmca", "not_auto_part"]
    from_: dt.date | None = Field(default=None, alias="from")
    authority: Authority
    note: str | None = None


class YieldRule(Model):
    """This measure is not applied to goods that ``measure`` applies to (on the dates given).

    With ``portion: basis`` it yields only on the value the other measure is
    charged on (a "split line"): its own basis is reduced by the other's.
    """

    measure: str
    from_: dt.date | None = Field(default=None, alias="from")
    through: dt.date | None = None
    portion: Literal["all", "basis"] = "all"
    authority: Authority | None = None
    note: str | None = None

    def active_on(self, day: dt.date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (self.through is None or day <= self.through)


def _yield_rule(value: Any) -> Any:
    return {"measure": value} if isinstance(value, str) else value


YieldValue = Annotated[YieldRule, BeforeValidator(_yield_rule)]


class Requirement(Model):
    """For goods in ``products`` (default: all the measure covers), the measure applies only if the basket flag is true.

    Used for HTS codes that name goods with many uses, of which only one is taxed
    (a computer of heading 8471 pays the auto-parts duty only when it is a car part).
    """

    flag: Literal["auto_part"]
    products: list[str] | None = None
    authority: Authority | None = None
    note: str | None = None


FieldType = Literal["bool", "enum", "amount", "date"]


class BasketField(Model):
    """A basket column that the schedule's conditions or bases read, declared once."""

    type: FieldType
    values: list[str] | None = Field(default=None, description="The allowed values of an enum field.")
    at_most: Literal["value"] | None = Field(default=None, description="An amount that cannot exceed the line's value.")
    description: str | None = None


class Condition(Model):
    """A declared basket field that exempts lines from a measure, or that the measure requires.

    ``is`` tests a bool field, ``in`` an enum field; ``before`` (with
    ``entered_before``) a date field: the in-transit rule, goods loaded before
    a day and entered before another.
    """

    field: str
    is_: bool | None = Field(default=None, alias="is")
    in_: list[str] | None = Field(default=None, alias="in")
    before: dt.date | None = None
    entered_before: dt.date | None = None
    effect: Literal["exempt", "require", "zero"]
    from_: dt.date | None = Field(default=None, alias="from")
    through: dt.date | None = None
    products: list[str] | None = Field(default=None, description="Omitted: every product the measure covers.")
    countries: list[str] | None = Field(default=None, description="Omitted: every country the measure covers.")
    authority: Authority | None = None
    confidence: Confidence | None = None
    note: str | None = None

    def active_on(self, day: dt.date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (self.through is None or day <= self.through)


class ContentBasis(Model):
    """The rate applies to a declared part of the value (e.g. the steel content), not to the whole."""

    content: str


class RemainderBasis(Model):
    """The rate applies to the value less a declared amount, when that amount is at least ``min_share`` of it."""

    less: str
    min_share: RateValue | None = None


Basis = Union[Literal["value"], ContentBasis, RemainderBasis]


class ProductException(Model):
    """Goods of some countries (or of all) in some products do not pay the measure (from/through some dates)."""

    countries: Literal["all"] | list[str]
    products: list[str]
    effect: Literal["exempt", "zero"] = "exempt"
    from_: dt.date | None = Field(default=None, alias="from")
    through: dt.date | None = None
    authority: Authority | None = None
    confidence: Confidence | None = None
    note: str | None = None


class Ending(Model):
    """The measure stopped being collected from a day on, by an act or a court."""

    from_: dt.date = Field(alias="from", description="The first entry date that no longer pays.")
    authority: Authority
    note: str | None = None


class Measure(Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    authority: Authority
    amended_by: list[Authority] = Field(default_factory=list)
    from_: dt.date = Field(alias="from")
    through: dt.date | None = None
    countries: Countries | None = None
    rate: RateValue | None = None
    rates: dict[str, RateValue] = Field(default_factory=dict)
    products: Products = Field(default_factory=Products)
    changes: list[Change] = Field(default_factory=list)
    pauses: list[Pause] = Field(default_factory=list)
    exemptions: list[Exemption] = Field(default_factory=list)
    requires: list[Requirement] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    exceptions: list[ProductException] = Field(default_factory=list)
    basis: Basis = "value"
    yields_to: list[YieldValue] = Field(default_factory=list)
    ended: Ending | None = None
    refundable: bool = False
    confidence: Confidence = "high"
    sources: list[str] = Field(default_factory=list)
    note: str | None = None

    @property
    def last_day(self) -> dt.date | None:
        """The last entry date that pays: ``through``, or the day before ``ended``."""
        ends = [d for d in (self.through, self.ended.from_ - dt.timedelta(days=1) if self.ended else None) if d]
        return min(ends) if ends else None


class Coverage(Model):
    from_: dt.date = Field(alias="from")
    through: dt.date


class ScheduleInfo(Model):
    id: str
    name: str
    description: str | None = None
    covers: Coverage
    #: The day up to which the sources were last checked against new legal acts.
    verified_through: dt.date | None = None
    sources: list[str] = Field(default_factory=list)


class CountryGroup(Model):
    name: str
    members: list[str]
    note: str | None = None


class ProductGroup(Model):
    """Named HTS prefixes, written in the schedule (``hts``) or in a code-list file (``file``)."""

    name: str
    authority: Authority
    confidence: Confidence | None = None
    note: str | None = None
    hts: list[str] | None = None
    file: str | None = Field(default=None, description="A code-list file, relative to the schedule file.")

    @field_validator("hts")
    @classmethod
    def _prefixes(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else [hts.dotted(hts.check_prefix(v)) for v in values]

    def codes(self) -> list[str]:
        """The group's prefixes, dotted (those of its file once loaded)."""
        return list(self.hts or ())


class Schedule(Model):
    schedule: ScheduleInfo
    basket_fields: dict[str, BasketField] = Field(default_factory=dict)
    country_groups: dict[str, CountryGroup] = Field(default_factory=dict)
    product_groups: dict[str, ProductGroup] = Field(default_factory=dict)
    measures: list[Measure]

    # -- lookups used by the engine -------------------------------------------------

    @property
    def id(self) -> str:
        return self.schedule.id

    def measure(self, measure_id: str) -> Measure:
        for measure in self.measures:
            if measure.id == measure_id:
                return measure
        raise KeyError(measure_id)

    def expand_countries(self, names: list[str]) -> frozenset[str]:
        """Country codes and group names → a set of alpha-2 codes."""
        codes: set[str] = set()
        for name in names:
            group = self.country_groups.get(name)
            codes.update(group.members if group else [name])
        return frozenset(codes)

    def expand_products(self, items: list[str]) -> frozenset[str]:
        """HTS prefixes and product-group names → a set of digit prefixes."""
        prefixes: set[str] = set()
        for item in items:
            group = self.product_groups.get(item)
            for code in group.codes() if group else [item]:
                prefixes.add(hts.digits_of(code))
        return frozenset(prefixes)


# -- loading -----------------------------------------------------------------------------


def _is_branch_name(part: object) -> bool:
    """True for the parts of a pydantic error location that name a union branch, not a YAML key."""
    if not isinstance(part, str):
        return False
    return part in {cls.__name__ for cls in Model.__subclasses__()} or bool(
        re.search(r"[\[\]]|^function-|^literal", part)
    )


def _problems_from_validation(error: ValidationError, doc: YamlDocument) -> list[Problem]:
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


def _check_references(schedule: Schedule, doc: YamlDocument) -> list[Problem]:
    """What the schema cannot see: codes, groups, measure ids, dates in order."""
    problems: list[Problem] = []

    def bad(path: tuple, message: str) -> None:
        problems.append(Problem(doc.where(path), message))

    groups = schedule.country_groups
    for name, group in groups.items():
        if country_codes.is_country_code(name):
            bad(("country_groups", name), f"group name {name!r} is also a country code; choose another name")
        for i, code in enumerate(group.members):
            if not country_codes.is_country_code(code):
                bad(("country_groups", name, "members", i), f"{code!r} is not an ISO 3166 alpha-2 country code")

    def check_country(path: tuple, code: str) -> None:
        if code not in groups and not country_codes.is_country_code(code):
            bad(path, f"{code!r} is neither an ISO 3166 alpha-2 country code nor a country group of this schedule")

    def check_product(path: tuple, item: str) -> None:
        if item in schedule.product_groups:
            return
        try:
            hts.check_prefix(item)
        except ValueError as exc:
            bad(path, f"{exc}, and not a product group of this schedule")

    ids = [m.id for m in schedule.measures]
    seen: set[str] = set()
    for index, measure in enumerate(schedule.measures):
        at = ("measures", index)
        if measure.id in seen:
            bad(at + ("id",), f"measure id {measure.id!r} is defined twice")
        seen.add(measure.id)
        if measure.through and measure.through < measure.from_:
            bad(at + ("through",), f"through {measure.through} is before from {measure.from_}")
        if measure.countries is None and not measure.rates:
            bad(at, "needs 'countries' (or country-specific 'rates')")
        if isinstance(measure.countries, list):
            for i, code in enumerate(measure.countries):
                check_country(at + ("countries", i), code)
        if isinstance(measure.countries, AllExcept):
            for i, code in enumerate(measure.countries.all_except):
                check_country(at + ("countries", "all_except", i), code)
        covered = _covered_names(measure)
        for code in measure.rates:
            check_country(at + ("rates", code), code)
            if covered is not None and schedule.expand_countries([code]) - schedule.expand_countries(covered):
                bad(at + ("rates", code), f"{code!r} has a rate but is not among the measure's countries")
        if measure.rate is None and measure.countries is not None and not measure.rates:
            bad(at, "needs a 'rate' (or country-specific 'rates')")
        for key in ("include", "exclude"):
            for i, item in enumerate(getattr(measure.products, key) or []):
                check_product(at + ("products", key, i), item)
        for i, requirement in enumerate(measure.requires):
            for k, item in enumerate(requirement.products or []):
                check_product(at + ("requires", i, "products", k), item)
        previous = measure.from_
        for i, change in enumerate(measure.changes):
            if change.from_ < previous:
                bad(at + ("changes", i, "from"), f"from {change.from_} is before {previous}; list changes in date order")
            if measure.through and change.from_ > measure.through:
                bad(at + ("changes", i, "from"), f"from {change.from_} is after the measure ends ({measure.through})")
            if change.rate is None and change.rates is None:
                bad(at + ("changes", i), "a change needs 'rate' or 'rates'")
            for code in change.rates or {}:
                check_country(at + ("changes", i, "rates", code), code)
            previous = change.from_
        ordered = sorted(enumerate(measure.pauses), key=lambda item: item[1].from_)
        for (_, earlier), (i, later) in zip(ordered, ordered[1:]):
            overlap = earlier.through is None or later.from_ <= earlier.through
            same_countries = earlier.countries is None or later.countries is None or set(earlier.countries) & set(later.countries)
            if overlap and same_countries:
                bad(at + ("pauses", i, "from"), f"this pause overlaps another pause of the measure (from {earlier.from_})")
        for i, pause in enumerate(measure.pauses):
            if pause.through and pause.through < pause.from_:
                bad(at + ("pauses", i, "through"), f"through {pause.through} is before from {pause.from_}")
            if pause.from_ < measure.from_:
                bad(at + ("pauses", i, "from"), f"from {pause.from_} is before the measure starts ({measure.from_})")
            for j, code in enumerate(pause.countries or []):
                check_country(at + ("pauses", i, "countries", j), code)
        for i, rule in enumerate(measure.yields_to):
            if rule.measure not in ids:
                bad(at + ("yields_to", i), f"no measure with id {rule.measure!r} in this schedule")
            elif rule.measure == measure.id:
                bad(at + ("yields_to", i), "a measure cannot yield to itself")
            if rule.from_ and rule.through and rule.through < rule.from_:
                bad(at + ("yields_to", i, "through"), f"through {rule.through} is before from {rule.from_}")
    if not problems:
        for start, _ in stacking_epochs(schedule):
            cycle = _find_cycle(schedule, start)
            if cycle:
                index = ids.index(cycle[0])
                bad(
                    ("measures", index, "yields_to"),
                    f"measures yield to each other in a circle on {start}: " + " → ".join(cycle),
                )
                break
    if schedule.schedule.covers.through < schedule.schedule.covers.from_:
        bad(("schedule", "covers", "through"), "through is before from")
    return problems


#: Basket columns with a built-in meaning, which a schedule cannot declare again.
BUILT_IN_COLUMNS = frozenset(
    {"hts_code", "country", "value", "description", "quantity", "mfn_rate", "entry_date", "unit", "mode", "entry_id",
     "ad_rate", "cvd_rate", "ad_case", "cvd_case"}
)
_LEGACY_FIELDS = {"usmca", "auto_part"}


def check_basket_fields(schedule: Schedule, doc: YamlDocument) -> list[Problem]:
    """Declared basket fields: a name that is not a built-in column; enum values only for enums; at_most for amounts."""
    problems = []
    for name, spec in schedule.basket_fields.items():
        at = ("basket_fields", name)
        if name in BUILT_IN_COLUMNS:
            problems.append(Problem(doc.where(at), f"{name!r} is a basket column with a built-in meaning; choose another name"))
        elif not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            problems.append(Problem(doc.where(at), f"{name!r} is not a field name (lower case letters, digits and _)"))
        if spec.type == "enum" and not spec.values:
            problems.append(Problem(doc.where(at + ("values",)), "an enum field needs its 'values'"))
        if spec.type != "enum" and spec.values is not None:
            problems.append(Problem(doc.where(at + ("values",)), f"only enum fields have 'values' (this one is {spec.type})"))
        if spec.at_most is not None and spec.type != "amount":
            problems.append(Problem(doc.where(at + ("at_most",)), f"only amount fields have 'at_most' (this one is {spec.type})"))
    return problems


def _field_type(schedule: Schedule, name: str) -> str | None:
    spec = schedule.basket_fields.get(name)
    if spec is not None:
        return spec.type
    return "bool" if name in _LEGACY_FIELDS else None


_TESTS = {"bool": "is", "enum": "in", "date": "before"}


def check_conditions(schedule: Schedule, doc: YamlDocument) -> list[Problem]:
    """Each condition reads a declared field with the test its type has (is, in, or before), in date order."""
    problems = []
    for index, measure in enumerate(schedule.measures):
        for i, condition in enumerate(measure.conditions):
            at = ("measures", index, "conditions", i)
            kind = _field_type(schedule, condition.field)
            given = [key for key, value in (("is", condition.is_), ("in", condition.in_), ("before", condition.before)) if value is not None]
            if kind is None:
                problems.append(Problem(doc.where(at + ("field",)), f"no basket field {condition.field!r} is declared (declare it under basket_fields)"))
                continue
            if kind == "amount":
                problems.append(Problem(doc.where(at + ("field",)), f"{condition.field!r} is an amount: a condition reads a bool, enum or date field"))
                continue
            wanted = _TESTS[kind]
            if given != [wanted]:
                found = ", ".join(given) or "no test"
                problems.append(Problem(doc.where(at), f"a condition on the {kind} field {condition.field!r} needs '{wanted}' (found {found})"))
            if condition.entered_before is not None and condition.before is None:
                problems.append(Problem(doc.where(at + ("entered_before",)), "'entered_before' goes with 'before' (the in-transit rule)"))
            if kind == "enum" and condition.in_:
                values = {v.lower() for v in schedule.basket_fields[condition.field].values or []}
                for j, value in enumerate(condition.in_):
                    if value.lower() not in values:
                        problems.append(Problem(doc.where(at + ("in", j)), f"{value!r} is not a value of {condition.field!r} ({', '.join(sorted(values))})"))
            if condition.from_ and condition.through and condition.through < condition.from_:
                problems.append(Problem(doc.where(at + ("through",)), f"through {condition.through} is before from {condition.from_}"))
    return problems


def check_bases(schedule: Schedule, doc: YamlDocument) -> list[Problem]:
    """A basis reads a declared amount field."""
    problems = []
    for index, measure in enumerate(schedule.measures):
        basis = measure.basis
        name = getattr(basis, "content", None) or getattr(basis, "less", None)
        if name is None:
            continue
        key = "content" if getattr(basis, "content", None) else "less"
        kind = _field_type(schedule, name)
        if kind != "amount":
            found = f"a {kind} field" if kind else "not declared"
            problems.append(Problem(doc.where(("measures", index, "basis", key)), f"a basis reads an amount field; {name!r} is {found}"))
    return problems


def check_endings(schedule: Schedule, doc: YamlDocument) -> list[Problem]:
    """A measure ends after it starts, and not both by ``through`` and later by ``ended``."""
    problems = []
    for index, measure in enumerate(schedule.measures):
        if measure.ended is None:
            continue
        at = ("measures", index, "ended", "from")
        if measure.ended.from_ <= measure.from_:
            problems.append(Problem(doc.where(at), f"ended from {measure.ended.from_} is not after from {measure.from_}"))
        if measure.through and measure.through >= measure.ended.from_:
            problems.append(Problem(doc.where(at), f"the measure's through {measure.through} is not before it ended ({measure.ended.from_})"))
    return problems


def check_exceptions(schedule: Schedule, doc: YamlDocument) -> list[Problem]:
    """Exceptions and conditions name countries and products this schedule knows."""
    problems = []
    for index, measure in enumerate(schedule.measures):
        scoped = [("exceptions", i, e) for i, e in enumerate(measure.exceptions)]
        scoped += [("conditions", i, c) for i, c in enumerate(measure.conditions)]
        for key, i, item in scoped:
            at = ("measures", index, key, i)
            for j, code in enumerate(item.countries if isinstance(item.countries, list) else []):
                if code not in schedule.country_groups and not country_codes.is_country_code(code):
                    problems.append(Problem(doc.where(at + ("countries", j)), f"{code!r} is neither an ISO 3166 alpha-2 country code nor a country group of this schedule"))
            for j, product in enumerate(item.products or []):
                if product in schedule.product_groups:
                    continue
                try:
                    hts.check_prefix(product)
                except ValueError as exc:
                    problems.append(Problem(doc.where(at + ("products", j)), f"{exc}, and not a product group of this schedule"))
    return problems


LAW_RULES = (check_basket_fields, check_conditions, check_bases, check_endings, check_exceptions)


def _covered_names(measure: Measure) -> list[str] | None:
    """The country names a measure lists, or None when it covers all or all-except."""
    if isinstance(measure.countries, list):
        return measure.countries
    if measure.countries is None:
        return list(measure.rates)
    return None


def stacking_epochs(schedule: Schedule) -> list[tuple[dt.date, dt.date | None]]:
    """The stretches of days over which the same ``yields_to`` rules are in force.

    Returns ``(first day, last day)`` pairs; the first starts at ``date.min``
    and the last has no end (None).
    """
    cuts = {dt.date.min}
    for measure in schedule.measures:
        for rule in measure.yields_to:
            if rule.from_:
                cuts.add(rule.from_)
            if rule.through and rule.through < dt.date.max:
                cuts.add(rule.through + dt.timedelta(days=1))
    starts = sorted(cuts)
    ends: list[dt.date | None] = [d - dt.timedelta(days=1) for d in starts[1:]] + [None]
    return list(zip(starts, ends))


def yield_graph(schedule: Schedule, day: dt.date) -> dict[str, list[str]]:
    """Measure id → the ids it yields to on ``day``."""
    return {m.id: [r.measure for r in m.yields_to if r.active_on(day)] for m in schedule.measures}


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


def read_code_list(path: Path, where: str) -> list[str]:
    """The HTS prefixes of a code-list file: ``#`` comment lines, then one code per line.

    Raises InputError naming the file and line of every code that is not an HTS prefix.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(Problem(where, f"code list {str(path)!r} does not exist")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(where, f"code list {str(path)!r} cannot be read ({exc})")) from None
    codes, problems = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            codes.append(hts.dotted(hts.check_prefix(line)))
        except ValueError as exc:
            problems.append(Problem(f"{path}:{number}", str(exc)))
    if problems:
        raise InputError(problems)
    return codes


def _with_code_lists(doc: YamlDocument, base: Path | None) -> dict:
    """The document's data with each product group's ``file`` read into its ``hts``."""
    groups = doc.data.get("product_groups")
    if not isinstance(groups, dict):
        return doc.data
    loaded = {}
    problems: list[Problem] = []
    for name, group in groups.items():
        if not (isinstance(group, dict) and "file" in group):
            loaded[name] = group
            continue
        where = doc.where(("product_groups", name, "file"))
        if "hts" in group:
            problems.append(Problem(where, "a product group has either 'hts' or 'file', not both"))
            continue
        path = Path(str(group["file"]))
        if not path.is_absolute():
            path = (base or Path(".")) / path
        try:
            loaded[name] = {**group, "hts": read_code_list(path, where)}
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return {**doc.data, "product_groups": loaded}


def code_list_files(schedule: Schedule, base: Path) -> list[Path]:
    """The code-list files a schedule read (for the cache to notice when one changes)."""
    files = []
    for group in schedule.product_groups.values():
        if group.file:
            path = Path(group.file)
            files.append(path if path.is_absolute() else base / path)
    return files


def schedule_from_document(doc: YamlDocument, base: Path | None = None) -> Schedule:
    """Validate a parsed YAML document as a schedule; raise InputError listing every problem.

    Code-list files named by product groups are read relative to ``base`` (the schedule's folder).
    """
    if not isinstance(doc.data, dict):
        raise InputError(Problem(doc.where(()), "a schedule must be a mapping with 'schedule' and 'measures' keys"))
    data = _with_code_lists(doc, base)
    try:
        schedule = Schedule.model_validate(data)
    except ValidationError as exc:
        raise InputError(_problems_from_validation(exc, doc)) from None
    problems = _check_references(schedule, doc)
    for rule in LAW_RULES:
        problems += rule(schedule, doc)
    if problems:
        raise InputError(problems)
    return schedule


def resolve_schedule_path(name_or_path: str) -> Path:
    """A shipped schedule's name (``us-2025``) or a path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    shipped = shipped_schedule(name_or_path)
    if shipped is None:
        names = ", ".join(shipped_schedule_names()) or "none"
        raise InputError(
            Problem("--schedule", f"no schedule named {name_or_path!r} (shipped schedules: {names}; or give a path)")
        )
    return shipped


def load_schedule(name_or_path: str | Path = "us-2025") -> Schedule:
    """Load and validate a schedule by shipped name or path.

    Within one process a file is parsed once, until it changes on disk; across
    processes the validated schedule is cached on disk (``schedule_cache``).
    Schedules are immutable (frozen models), so sharing them is safe.
    """
    path = resolve_schedule_path(str(name_or_path))
    try:
        stat = path.stat()
    except OSError:
        return schedule_from_document(read_yaml(path), path.parent)
    return _load_cached(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _load_cached(path: Path, mtime_ns: int, size: int) -> Schedule:
    # Across processes, the validated schedule is kept on disk (see schedule_cache).
    from .schedule_cache import cached

    return cached(
        path,
        size,
        mtime_ns,
        lambda: schedule_from_document(read_yaml(path), path.parent),
        depends_on=lambda schedule: code_list_files(schedule, path.parent),
    )
