"""Customs user fees per entry: the Merchandise Processing Fee (MPF) and the Harbor Maintenance Fee (HMF).

CBP charges both per *entry*, not per line: the MPF is 0.3464% of the
entry's value, but at least the fiscal year's minimum and at most its maximum;
the HMF is 0.125% of the value of goods that arrive by vessel, with no cap
(``data/hts/fees.yaml`` holds the rates, amounts and citations).  A basket is one
entry unless it has an ``entry_id`` column; an entry's date is its earliest
line's date, and the fiscal year (1 October – 30 September) follows from it.

Fees are therefore not spread over lines: :class:`EntryFees` adds up each
entry's value over the chunks of a basket, and :meth:`EntryFees.table`
computes the fees per entry (vectorised), each rounded half-up to the cent.
Their JSON and Rich forms are the output's (:mod:`tariffcalc.output.fees`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..money import apply_rate, parse_rate
from ..notices import SHOWN_LINES, Notice
from ..paths import data_dir
from .result import Estimate

#: Values of the ``mode`` column, and whether the goods came by vessel.
MODES = {
    "ocean": True,
    "vessel": True,
    "sea": True,
    "air": False,
    "truck": False,
    "road": False,
    "rail": False,
    "mail": False,
    "pipeline": False,
    "other": False,
    "": False,
}


@dataclass(frozen=True)
class FiscalYear:
    fiscal_year: int
    start: dt.date
    end: dt.date
    minimum: int  # cents
    maximum: int  # cents
    citation: str


@dataclass(frozen=True)
class FeeRules:
    mpf_rate: int  # millionths
    mpf_authority: str
    years: tuple[FiscalYear, ...]
    hmf_rate: int
    hmf_modes: frozenset[str]
    hmf_authority: str

    def year_index(self, dates: np.ndarray) -> np.ndarray:
        """For each date, the index of its fiscal year in ``years`` (the first or last known one outside them)."""
        starts = np.array([np.datetime64(y.start.isoformat(), "D") for y in self.years])
        return np.clip(np.searchsorted(starts, dates.astype("datetime64[D]"), side="right") - 1, 0, len(self.years) - 1)

    def known(self, dates: np.ndarray) -> np.ndarray:
        first = np.datetime64(self.years[0].start.isoformat(), "D")
        last = np.datetime64(self.years[-1].end.isoformat(), "D")
        return (dates >= first) & (dates <= last)


def _cents(text: str) -> int:
    return int(Decimal(str(text)) * 100)


@lru_cache(maxsize=1)
def fee_rules() -> FeeRules:
    """The fee rates and amounts shipped in ``data/hts/fees.yaml``."""
    import yaml

    document = yaml.safe_load((data_dir() / "hts" / "fees.yaml").read_text(encoding="utf-8"))
    mpf, hmf = document["mpf"], document["hmf"]
    years = tuple(
        FiscalYear(y["fiscal_year"], y["from"], y["through"], _cents(y["minimum"]), _cents(y["maximum"]), y["citation"])
        for y in sorted(mpf["fiscal_years"], key=lambda y: y["from"])
    )
    return FeeRules(
        parse_rate(mpf["rate"]),
        mpf["authority"]["document"],
        years,
        parse_rate(hmf["rate"]),
        frozenset(hmf["modes"]),
        hmf["authority"]["document"],
    )


def mpf(value: np.ndarray, dates: np.ndarray, rules: FeeRules | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The MPF of entries of ``value`` cents on ``dates``: ``(fee cents, limit)`` where limit is -1 (minimum applied), 1 (maximum) or 0."""
    rules = rules or fee_rules()
    years = rules.year_index(np.asarray(dates))
    minimum = np.array([y.minimum for y in rules.years], dtype=np.int64)[years]
    maximum = np.array([y.maximum for y in rules.years], dtype=np.int64)[years]
    fee = apply_rate(np.asarray(value, dtype=np.int64), np.full(len(years), rules.mpf_rate, dtype=np.int64))
    limit = np.where(fee < minimum, -1, np.where(fee > maximum, 1, 0))
    return np.clip(fee, minimum, maximum).astype(np.int64), limit


def hmf(ocean_value: np.ndarray, rules: FeeRules | None = None) -> np.ndarray:
    """The HMF on ``ocean_value`` cents of goods unloaded from vessels (no minimum, no maximum)."""
    rules = rules or fee_rules()
    values = np.asarray(ocean_value, dtype=np.int64)
    return apply_rate(values, np.full(len(values), rules.hmf_rate, dtype=np.int64))


#: How each column of an entry's sums adds up over its lines (and over chunks).
_SUMS = {"lines": "sum", "value": "sum", "ocean": "sum", "first": "min", "last": "max", "line": "min"}


def _by_entry(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby("entry", sort=False).agg(**{column: (column, how) for column, how in _SUMS.items()})


class EntryFees:
    """Adds up each entry's lines over the chunks of a basket; then the fees per entry."""

    def __init__(self, rules: FeeRules | None = None):
        self.rules = rules or fee_rules()
        #: The entries seen so far (see :attr:`entries`), or None before the first chunk.
        self.sums: pd.DataFrame | None = None
        self.has_mode = True
        self.name = ""

    def add(self, estimate: Estimate) -> None:
        basket = estimate.basket
        self.name = basket.name
        ids = basket.text("entry_id")
        mode_text = basket.text("mode")
        n = len(basket)
        if mode_text is None:
            self.has_mode = False
            ocean = np.zeros(n, dtype=bool)
        else:
            modes = mode_text.astype(str).str.strip().str.lower()
            known = modes.isin(list(MODES)).to_numpy(dtype=bool)
            if not known.all():
                raise InputError(
                    [
                        Problem(
                            basket.where(row),
                            f"mode: {mode_text.iat[row]!r} is not a mode of transport tariffcalc knows "
                            "(expected ocean, vessel, air, truck, rail, mail, pipeline or other)",
                        )
                        for row in np.flatnonzero(~known)
                    ]
                )
            ocean = modes.isin(sorted(self.rules.hmf_modes)).to_numpy(dtype=bool)
        frame = pd.DataFrame(
            {
                "entry": (ids.astype(str).str.strip() if ids is not None else pd.Series("", index=range(n))).to_numpy(dtype=object),
                "lines": 1,
                "value": estimate.value,
                "ocean": np.where(ocean, estimate.value, 0),
                "first": estimate.dates.astype("datetime64[D]"),
                "last": estimate.dates.astype("datetime64[D]"),
                "line": basket.source_lines,
            }
        )
        self.sums = _by_entry(frame if self.sums is None else pd.concat([self.sums.reset_index(), frame]))

    @property
    def entries(self) -> pd.DataFrame:
        """Per entry id, in input order: lines, value, ocean (value by vessel), first and last date, first line."""
        return self.sums if self.sums is not None else _by_entry(pd.DataFrame(columns=list(_SUMS) + ["entry"]))

    def table(self) -> pd.DataFrame:
        """One row per entry, in input order: entry, date, fiscal_year, lines, value, mpf, mpf_limit, hmf_value, hmf, fees (cents)."""
        entries = self.entries
        dates = entries["first"].to_numpy(dtype="datetime64[D]")
        value = entries["value"].to_numpy(dtype=np.int64)
        ocean = entries["ocean"].to_numpy(dtype=np.int64)
        mpf_fee, limit = mpf(value, dates, self.rules)
        hmf_fee = hmf(ocean, self.rules)
        years = self.rules.year_index(dates) if len(dates) else np.zeros(0, dtype=np.int64)
        fiscal_years = np.array([y.fiscal_year for y in self.rules.years], dtype=np.int64)
        return pd.DataFrame(
            {
                "entry": entries.index.to_numpy(dtype=object),
                "date": dates,
                "fiscal_year": fiscal_years[years],
                "lines": entries["lines"].to_numpy(dtype=np.int64),
                "value": value,
                "mpf": mpf_fee,
                "mpf_limit": limit,
                "hmf_value": ocean,
                "hmf": hmf_fee,
                "fees": mpf_fee + hmf_fee,
            }
        )

    def totals(self) -> tuple[int, int]:
        table = self.table()
        return int(table["mpf"].sum()), int(table["hmf"].sum())

    def notices(self) -> list[Notice]:
        notices = []
        if not self.has_mode:
            notices.append(
                Notice(("fees-mode",), f"{self.name}: no mode column: no Harbor Maintenance Fee charged (add a column mode, ocean for goods that come by vessel)")
            )
        entries = self.entries
        mixed = entries.index[(entries["first"] != entries["last"]).to_numpy()].tolist()
        if mixed:
            notices.append(
                Notice(
                    ("fees-dates",),
                    f"{self.name}: {{count}} entr(ies) have lines of different dates; each entry's fees use its earliest date "
                    f"(entry {', '.join(k or '(basket)' for k in mixed[:SHOWN_LINES])})",
                    count=len(mixed),
                )
            )
        table = self.table()
        unknown = ~self.rules.known(table["date"].to_numpy(dtype="datetime64[D]")) if len(table) else np.zeros(0, dtype=bool)
        if unknown.any():
            years = sorted({d.isoformat() for d in pd.to_datetime(table["date"][unknown]).dt.date})
            notices.append(
                Notice(
                    ("fees-years",),
                    f"the MPF minimum and maximum for {', '.join(years[:3])} are not in tariffcalc's data "
                    f"(it knows fiscal years {self.rules.years[0].fiscal_year}-{self.rules.years[-1].fiscal_year}); "
                    "the nearest known fiscal year's were used",
                )
            )
        return notices
