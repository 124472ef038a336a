"""The result of an estimate: per-line amounts, totals and breakdowns.

Everything here is integer cents and integer millionths.  Totals are sums of
the rounded line amounts, so they reconcile with the lines to the cent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import hts
from .basket import Basket
from .money import format_cents, format_rates, ratio, total
from .schedule import Measure, Schedule


@dataclass(frozen=True)
class Totals:
    lines: int
    value: int
    mfn_duty: int
    additional_duty: int
    total_duty: int

    @property
    def effective_rate(self) -> int:
        """Total duty over value, in millionths; -1 when the value is 0."""
        return int(ratio(np.array([self.total_duty]), np.array([self.value]))[0])


@dataclass
class Estimate:
    """What each line of a basket pays, and why."""

    schedule: Schedule
    date: dt.date
    basket: Basket
    #: The date each line was computed for (its entry_date, else ``date``).
    dates: np.ndarray
    #: The measures that apply to at least one line, in schedule order; columns of ``rates`` and ``duties``.
    measures: list[Measure]
    #: Lines × measures: the rate in millionths, -1 where the measure does not apply.
    rates: np.ndarray
    #: Lines × measures: the duty in cents (0 where the measure does not apply).
    duties: np.ndarray
    mfn_duty: np.ndarray
    additional_duty: np.ndarray
    total_duty: np.ndarray
    #: Total duty over value, in millionths; -1 where the value is 0.
    effective_rate: np.ndarray
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.basket)

    @property
    def value(self) -> np.ndarray:
        return self.basket.value_cents

    def totals(self) -> Totals:
        return Totals(
            lines=len(self),
            value=total(self.value),
            mfn_duty=total(self.mfn_duty),
            additional_duty=total(self.additional_duty),
            total_duty=total(self.total_duty),
        )

    def by_measure(self) -> pd.DataFrame:
        """One row per applied measure: lines it applies to, their value, and its duty (cents)."""
        rows = []
        for j, measure in enumerate(self.measures):
            applied = self.rates[:, j] >= 0
            rows.append(
                {
                    "id": measure.id,
                    "name": measure.name,
                    "citation": f"{measure.authority.document}, {measure.authority.citation}",
                    "lines": int(applied.sum()),
                    "value": total(self.value[applied]),
                    "duty": total(self.duties[:, j]),
                }
            )
        return pd.DataFrame(rows, columns=["id", "name", "citation", "lines", "value", "duty"])

    def by_country(self) -> pd.DataFrame:
        """One row per country of origin, largest total duty first (cents; effective rate in millionths)."""
        frame = pd.DataFrame(
            {
                "country": self.basket.country.to_numpy(dtype=object),
                "lines": 1,
                "value": self.value,
                "mfn_duty": self.mfn_duty,
                "additional_duty": self.additional_duty,
                "total_duty": self.total_duty,
            }
        )
        grouped = frame.groupby("country", sort=False).sum().reset_index()
        grouped["effective_rate"] = ratio(grouped["total_duty"].to_numpy(), grouped["value"].to_numpy())
        return grouped.sort_values(["total_duty", "country"], ascending=[False, True], kind="stable").reset_index(
            drop=True
        )

    # -- text columns for the writers --------------------------------------------------------

    def join_measures(self, piece, separator: str) -> pd.Series:
        """Per line, ``piece(measure, rate_texts, duty_texts)`` for each applied measure, joined by ``separator``.

        Built one measure at a time over the lines it applies to, with array
        operations: no Python loop per line.
        """
        text = np.full(len(self), "", dtype=object)
        for j, measure in enumerate(self.measures):
            rows = np.flatnonzero(self.rates[:, j] >= 0)
            pieces = piece(measure, format_rates(self.rates[rows, j]).to_numpy(), format_cents(self.duties[rows, j]).to_numpy())
            before = text[rows]
            text[rows] = np.where(before == "", pieces, before + separator + pieces)
        return pd.Series(text, dtype=object)

    def measures_text(self) -> pd.Series:
        """Per line ``id:rate:duty`` for each applied measure, joined by ``;`` (empty when none)."""
        return self.join_measures(lambda measure, rates, duties: f"{measure.id}:" + rates + ":" + duties, ";")

    def computed_columns(self) -> pd.DataFrame:
        """The computed per-line columns, as text, in the order the CSV writer appends them."""
        return pd.DataFrame(
            {
                "mfn_duty": format_cents(self.mfn_duty),
                "additional_duty": format_cents(self.additional_duty),
                "total_duty": format_cents(self.total_duty),
                "effective_rate": format_rates(self.effective_rate),
                "measures": self.measures_text(),
            }
        )

    def hts_dotted(self) -> pd.Series:
        """Each line's HTS code in its dotted form (``8703.23.01.90``), each distinct code formatted once."""
        codes, uniques = pd.factorize(self.basket.hts.astype(object))
        dotted = np.array([hts.dotted(c) for c in uniques] or [""], dtype=object)
        return pd.Series(dotted[codes], dtype=object)
