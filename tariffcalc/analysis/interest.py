"""Interest on refunds of duty: 19 U.S.C. 1505(c) at the 26 U.S.C. 6621 overpayment rate, compounded daily.

The quarterly rates live in ``data/refunds/interest-rates.yaml`` (each with
its source); ``--interest-rates FILE`` gives others in the same form.
Interest runs from the deposit date to the as-of date: the deposit day
counts, the as-of day does not.  Each day takes the rate of its calendar
quarter; the balance is multiplied by ``(1 + r / Y) ** days`` over each
stretch of days at one rate within one year, ``Y`` being the days in that
year (26 U.S.C. 6622(a)).  The factors are exact decimals (50 digits), and
the interest of an entry is rounded half-up to the cent once.

A quarter with no known rate takes the last known quarter's, and the result
names the quarters that did.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from typing import Annotated

from ..errors import InputError, Problem
from ..money import parse_rate
from ..paths import data_dir
from ..yaml_source import read_yaml

Basis = Literal["non-corporate", "corporate"]

#: Fixed-point scale of the compounding factors used on whole columns of cents.
FACTOR_SCALE = 10**30


def _rate(value: object) -> Decimal:
    return Decimal(parse_rate(value)) / 1_000_000


Rate = Annotated[Decimal, BeforeValidator(_rate)]


class Quarter(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    quarter: str = Field(pattern=r"^\d{4}Q[1-4]$")
    from_: dt.date = Field(alias="from")
    through: dt.date
    non_corporate: Rate
    corporate: Rate
    corporate_over_10000: Rate | None = None
    underpayment: Rate | None = None
    source: str
    confidence: Literal["high", "medium", "low"]


class InterestRates(BaseModel):
    """The quarterly overpayment rates and the law they come from."""

    model_config = ConfigDict(extra="forbid")

    law: dict[str, dict[str, str]] = Field(default_factory=dict)
    default_rate: Literal["non_corporate", "corporate"] = "non_corporate"
    days_in_year: Literal["actual"] = "actual"
    verified_through: dt.date | None = None
    known_through: dt.date | None = None
    quarters: list[Quarter]
    name: str = ""

    def rate_of(self, year: int, quarter: int, basis: Basis) -> tuple[Decimal, str | None]:
        """The rate of a quarter, and the name of the quarter it was borrowed for (None when known)."""
        label = f"{year}Q{quarter}"
        known = {q.quarter: q for q in self.quarters}
        chosen = known.get(label)
        borrowed = None
        if chosen is None:
            earlier = [q for q in self.quarters if q.quarter < label] or self.quarters[:1]
            chosen = max(earlier, key=lambda q: q.quarter)
            borrowed = label
        return (chosen.corporate if basis == "corporate" else chosen.non_corporate), borrowed


def shipped_rates_path() -> Path:
    return data_dir() / "refunds" / "interest-rates.yaml"


@lru_cache(maxsize=8)
def load_interest_rates(path: Path | None = None) -> InterestRates:
    """Read and validate an interest-rate file (the shipped one by default)."""
    path = path or shipped_rates_path()
    doc = read_yaml(Path(path))
    try:
        rates = InterestRates.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(
            [Problem(doc.where(tuple(e["loc"])), e["msg"].removeprefix("Value error, ")) for e in exc.errors(include_url=False)]
        ) from None
    if not rates.quarters:
        raise InputError(Problem(doc.where(("quarters",)), "no quarters: at least one quarterly rate is needed"))
    return rates.model_copy(update={"name": str(path)})


def _stretches(start: dt.date, end: dt.date):
    """The days start ≤ d < end, cut at quarter ends: (year, quarter, days)."""
    day = start
    while day < end:
        quarter = (day.month - 1) // 3 + 1
        next_quarter = dt.date(day.year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
        stop = min(next_quarter, end)
        yield day.year, quarter, (stop - day).days
        day = stop


@dataclass
class Factors:
    """Compounding factors from each deposit date to one as-of date, and the quarters that borrowed a rate."""

    rates: InterestRates
    as_of: dt.date
    basis: Basis
    borrowed: set[str] = field(default_factory=set)

    def factor(self, deposit: dt.date) -> Decimal:
        """∏ (1 + r/Y)^days over the stretches from ``deposit`` to ``as_of``, exact to 50 digits."""
        with localcontext() as context:
            context.prec = 50
            product = Decimal(1)
            for year, quarter, days in _stretches(deposit, self.as_of):
                rate, borrowed = self.rates.rate_of(year, quarter, self.basis)
                if borrowed:
                    self.borrowed.add(borrowed)
                year_days = 366 if calendar.isleap(year) else 365
                product *= (1 + rate / year_days) ** days
            return product

    def interest_cents(self, principal_cents: np.ndarray, deposits: np.ndarray) -> np.ndarray:
        """Interest on each principal from its deposit date, rounded half-up to the cent once (whole columns).

        Factors are computed once per distinct deposit date and applied in
        exact integer arithmetic (fixed point, 30 decimals).
        """
        deposits = np.asarray(deposits, dtype="datetime64[D]")
        days, where = np.unique(deposits, return_inverse=True)
        scaled = np.array(
            [int((self.factor(d.astype(dt.date)) * FACTOR_SCALE).to_integral_value(rounding=ROUND_HALF_UP)) for d in days],
            dtype=object,
        )
        principal = np.asarray(principal_cents, dtype=np.int64).astype(object)
        grown = principal * scaled[where]
        interest = (grown - principal * FACTOR_SCALE + FACTOR_SCALE // 2) // FACTOR_SCALE
        return np.asarray(interest, dtype=np.int64)
