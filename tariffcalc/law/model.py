"""Rate schedules: the YAML format as pydantic models.

A schedule is a list of :class:`Measure` objects plus named groups of
countries and of products.  The README documents the format with an example;
the models below are its single source of truth (``extra="forbid"``
everywhere, so a misspelt key is an error, not a silently ignored line).
What the schema cannot see is checked in :mod:`tariffcalc.law.validate`;
reading a schedule by name or path is :mod:`tariffcalc.law.load`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from .. import hts_codes
from ..money import format_percent, parse_rate


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
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Authority(Model):
    """The legal act behind a rate: what a person needs to look it up."""

    document: str = Field(description="The act, e.g. 'Executive Order 14257'.")
    citation: str = Field(description="Federal Register citation, e.g. '90 FR 15041'.")
    date: dt.date | None = Field(description="The date the act was signed or issued (null where no source gives it).")
    hts_heading: str | None = Field(default=None, description="The HTS chapter 99 heading(s) that carry the rate.")
    note: str | None = None

    def as_json(self) -> dict:
        """For JSON output: document, citation and date always (date null when no source gives it), the rest when set."""
        data = self.model_dump(mode="json", exclude_none=True)
        return {"document": data.pop("document"), "citation": data.pop("citation"), "date": data.pop("date", None), **data}

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


class Suspension(Model):
    """A window in which the measure's own rates are suspended: replaced by a temporary ``rate``, or, without one, not applied.

    Written under the YAML key ``pauses`` (the 90-day "pause" of EO 14266 is one):
    a suspension with a ``rate`` is a temporary rate, not a pause of the duty.  Suspensions
    of one measure may overlap only for different countries.
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
    pauses: list[Suspension] = Field(default_factory=list)
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
        return None if values is None else [hts_codes.dotted(hts_codes.check_prefix(v)) for v in values]

    def codes(self) -> list[str]:
        """The group's prefixes, dotted (those of its file once loaded)."""
        return list(self.hts or ())

    @cached_property
    def digit_prefixes(self) -> frozenset[str]:
        """The group's prefixes as digits: worked out once per process, not for each measure naming the group.

        A code-list group has thousands of codes, and the engine compiles ~200 product lists on every run.
        """
        return frozenset(hts_codes.digits_of(code) for code in self.codes())


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
            if group:
                prefixes.update(group.digit_prefixes)
            else:
                prefixes.add(hts_codes.digits_of(item))
        return frozenset(prefixes)


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
