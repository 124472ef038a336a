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
    """An ad valorem rate in millionths; ``inclusive_of_mfn`` makes it a ceiling that includes the MFN duty.

    A rate "15% inclusive of MFN" adds ``max(0, 15% − MFN rate)``.
    """

    micro: int
    inclusive_of_mfn: bool = False

    def __str__(self) -> str:
        text = format_percent(self.micro)
        return f"{text} inclusive of MFN" if self.inclusive_of_mfn else text


_INCLUSIVE = re.compile(r"^\s*(?P<rate>.+?)\s+inclusive\s+of\s+MFN\s*$", re.IGNORECASE)


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
    raise ValueError(f"expected a rate such as 24%, 0.24 or '15% inclusive of MFN', found {value!r}")


RateValue = Annotated[Rate, BeforeValidator(_parse_rate)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Authority(Model):
    """The legal act behind a rate: what a person needs to look it up."""

    document: str = Field(description="The act, e.g. 'Executive Order 14257'.")
    citation: str = Field(description="Federal Register citation, e.g. '90 FR 15041'.")
    date: dt.date = Field(description="The date the act was signed or issued.")
    hts_heading: str | None = Field(default=None, description="The HTS chapter 99 heading(s) that carry the rate.")
    note: str | None = None

    def __str__(self) -> str:
        text = f"{self.document}, {self.citation} ({self.date.isoformat()})"
        return f"{text}, HTS {self.hts_heading}" if self.hts_heading else text


class AllExcept(Model):
    all_except: list[str]


Countries = Union[Literal["all"], list[str], AllExcept]


class Products(Model):
    """HTS scope: prefixes of 2–10 digits, or names of product groups."""

    include: list[str] | None = Field(default=None, description="Omitted: every product.")
    exclude: list[str] = Field(default_factory=list)


class Change(Model):
    """From a date on, the measure's rate(s) change; what is not restated carries over."""

    from_: dt.date = Field(alias="from")
    rate: RateValue | None = None
    rates: dict[str, RateValue] | None = None
    authority: Authority
    note: str | None = None


class Suspension(Model):
    """A window in which the measure's own rates are suspended: replaced by a temporary ``rate``, or, without one, not applied.

    Written under the YAML key ``pauses`` (the 90-day "pause" of EO 14266 is one):
    a suspension with a ``rate`` is a temporary rate, not a pause of the duty.
    """

    from_: dt.date = Field(alias="from")
    through: dt.date | None = None
    rate: RateValue | None = None
    countries: list[str] | None = Field(default=None, description="Omitted: every country the measure covers.")
    authority: Authority
    amended_by: list[Authority] = Field(default_factory=list)
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
    """This measure is not applied to goods that ``measure`` applies to (on the dates given)."""

    measure: str
    from_: dt.date | None = Field(default=None, alias="from")
    through: dt.date | None = None
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
    #: The measure's suspensions (YAML key ``pauses``).
    pauses: list[Suspension] = Field(default_factory=list)
    exemptions: list[Exemption] = Field(default_factory=list)
    requires: list[Requirement] = Field(default_factory=list)
    yields_to: list[YieldValue] = Field(default_factory=list)
    note: str | None = None


class Coverage(Model):
    from_: dt.date = Field(alias="from")
    through: dt.date


class ScheduleInfo(Model):
    id: str
    name: str
    description: str | None = None
    covers: Coverage
    sources: list[str] = Field(default_factory=list)


class CountryGroup(Model):
    name: str
    members: list[str]
    note: str | None = None


class ProductGroup(Model):
    name: str
    authority: Authority
    note: str | None = None
    hts: list[str]

    @field_validator("hts")
    @classmethod
    def _prefixes(cls, values: list[str]) -> list[str]:
        return [hts_codes.dotted(hts_codes.check_prefix(v)) for v in values]


class Schedule(Model):
    schedule: ScheduleInfo
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
            for code in group.hts if group else [item]:
                prefixes.add(hts_codes.digits_of(code))
        return frozenset(prefixes)


# -- stacking: which yields_to rules are in force when -------------------------------------


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
