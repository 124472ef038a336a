"""The result of an estimate: per-line amounts, totals and breakdowns.

Everything here is integer cents and integer millionths.  Totals are sums of
the rounded line amounts, so they reconcile with the lines to the cent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np
import pandas as pd

from .. import hts_codes
from ..goods.basket import Basket
from ..law.model import Measure, Schedule
from ..money import format_cents, format_rates, ratio, total
from ..notices import Notice, in_order
from ..notices import merge as merge_notices
from .compile import condition_fields


@dataclass(frozen=True)
class Totals:
    lines: int
    value: int
    mfn_duty: int
    additional_duty: int
    total_duty: int
    #: The duty of measures marked refundable (the IEEPA duties), included in ``total_duty``.
    refundable_duty: int = 0
    #: Antidumping and countervailing cash deposits, included in ``total_duty`` (None: the basket declares none).
    ad_cvd_duty: int | None = None

    @property
    def effective_rate(self) -> int:
        """Total duty over value, in millionths; -1 when the value is 0."""
        return int(ratio(np.array([self.total_duty], dtype=object), np.array([self.value], dtype=object))[0])


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
    notices: list[Notice] = field(default_factory=list)
    #: Lines × measures: the value each measure is charged on, in cents (the whole value unless its basis says
    #: otherwise); None when every measure a line pays is charged on its whole value.
    bases: np.ndarray | None = None
    #: The antidumping and countervailing cash deposits of each line (cents), when the basket declares them.
    ad_cvd_duty: np.ndarray | None = None

    @property
    def refundable_duty(self) -> np.ndarray:
        """Per line, the duty of the measures marked refundable (cents)."""
        columns = [j for j, measure in enumerate(self.measures) if measure.refundable]
        if not columns:
            return np.zeros(len(self), dtype=np.int64)
        return self.duties[:, columns].sum(axis=1, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.basket)

    @property
    def warnings(self) -> list[str]:
        return [notice.text for notice in self.notices]

    @property
    def value(self) -> np.ndarray:
        return self.basket.value_cents

    def summary(self) -> Summary:
        return Summary.of(self)

    def totals(self) -> Totals:
        return self.summary().totals()

    def by_measure(self) -> pd.DataFrame:
        return self.summary().by_measure()

    def by_country(self) -> pd.DataFrame:
        return self.summary().by_country()

    # -- text columns for the writers --------------------------------------------------------

    def join_measures(self, piece, separator: str, with_bases: bool = False) -> pd.Series:
        """Per line, ``piece(measure, rate_texts, duty_texts)`` for each applied measure, joined by ``separator``.

        With ``with_bases``, ``piece`` also gets the value each measure was
        charged on, as text, or "" where that is the line's whole value.
        Built one measure at a time over the lines it applies to, with array
        operations: no Python loop per line.
        """
        text = np.full(len(self), "", dtype=object)
        for j, measure in enumerate(self.measures):
            rows = np.flatnonzero(self.rates[:, j] >= 0)
            texts = [format_rates(self.rates[rows, j]).to_numpy(), format_cents(self.duties[rows, j]).to_numpy()]
            if with_bases:
                bases = self.bases[rows, j] if self.bases is not None else self.value[rows]
                texts.append(np.where(bases != self.value[rows], format_cents(bases).to_numpy(), ""))
            pieces = piece(measure, *texts)
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
                "refundable_duty": format_cents(self.refundable_duty),
                **({} if self.ad_cvd_duty is None else {"ad_cvd_duty": format_cents(self.ad_cvd_duty)}),
            }
        )

    def hts_dotted(self) -> pd.Series:
        """Each line's HTS code in its dotted form (``8703.23.01.90``), each distinct code formatted once."""
        codes, uniques = pd.factorize(self.basket.hts.astype(object))
        dotted = np.array([hts_codes.dotted(c) for c in uniques] or [""], dtype=object)
        return pd.Series(dotted[codes], dtype=object)


@dataclass
class Summary:
    """Totals, breakdowns and warnings of an estimate, which add up across the chunks of a large basket."""

    schedule: Schedule
    date: dt.date
    lines: int = 0
    value: int = 0
    mfn_duty: int = 0
    additional_duty: int = 0
    total_duty: int = 0
    refundable_duty: int = 0
    #: None until a chunk declares AD/CVD cash deposits.
    ad_cvd_duty: int | None = None
    #: measure id → [lines, value, duty]
    measures: dict[str, list[int]] = field(default_factory=dict)
    #: country → [lines, value, mfn_duty, additional_duty, total_duty]
    countries: dict[str, list[int]] = field(default_factory=dict)
    notices: dict[tuple, Notice] = field(default_factory=dict)

    @classmethod
    def of(cls, estimate: Estimate) -> Summary:
        summary = cls(estimate.schedule, estimate.date)
        summary.lines = len(estimate)
        summary.value = total(estimate.value)
        summary.mfn_duty = total(estimate.mfn_duty)
        summary.additional_duty = total(estimate.additional_duty)
        summary.total_duty = total(estimate.total_duty)
        summary.refundable_duty = total(estimate.refundable_duty)
        summary.ad_cvd_duty = None if estimate.ad_cvd_duty is None else total(estimate.ad_cvd_duty)
        if estimate.measures:
            summary.measures = _by_measure(estimate)
        summary.countries = _by_country(
            estimate.basket.country.to_numpy(dtype=object),
            [estimate.value, estimate.mfn_duty, estimate.additional_duty, estimate.total_duty],
        )
        merge_notices(summary.notices, estimate.notices)
        return summary

    def add(self, other: Summary) -> None:
        """Add another chunk's summary to this one."""
        self.lines += other.lines
        self.value += other.value
        self.mfn_duty += other.mfn_duty
        self.additional_duty += other.additional_duty
        self.total_duty += other.total_duty
        self.refundable_duty += other.refundable_duty
        if other.ad_cvd_duty is not None:
            self.ad_cvd_duty = (self.ad_cvd_duty or 0) + other.ad_cvd_duty
        for table, more in ((self.measures, other.measures), (self.countries, other.countries)):
            for key, numbers in more.items():
                table[key] = [a + b for a, b in zip(table[key], numbers)] if key in table else list(numbers)
        merge_notices(self.notices, list(other.notices.values()))

    def detached(self) -> Summary:
        """This summary without its schedule, to send to another process: :meth:`add` it to one that has one."""
        return replace(self, schedule=cast(Schedule, None))

    @property
    def warnings(self) -> list[str]:
        """The warnings' texts, in the same order however the basket was cut into chunks."""
        return [notice.text for notice in ordered_notices(self.notices.values(), self.schedule)]

    def totals(self) -> Totals:
        return Totals(
            self.lines, self.value, self.mfn_duty, self.additional_duty, self.total_duty, self.refundable_duty, self.ad_cvd_duty
        )

    def by_measure(self) -> pd.DataFrame:
        """One row per applied measure, in schedule order: lines, their value, and its duty (cents)."""
        rows = [
            {
                "id": m.id,
                "name": m.name,
                "citation": f"{m.authority.document}, {m.authority.citation}",
                "lines": self.measures[m.id][0],
                "value": self.measures[m.id][1],
                "duty": self.measures[m.id][2],
            }
            for m in self.schedule.measures
            if m.id in self.measures
        ]
        return pd.DataFrame(rows, columns=["id", "name", "citation", "lines", "value", "duty"])

    def by_country(self) -> pd.DataFrame:
        """One row per country of origin, largest total duty first (cents; effective rate in millionths)."""
        columns = ["lines", "value", "mfn_duty", "additional_duty", "total_duty"]
        frame = pd.DataFrame(
            [[country, *numbers] for country, numbers in self.countries.items()], columns=["country", *columns]
        )
        fits = all(abs(int(x)) < 2**62 for column in columns for x in frame[column])
        for column in columns:
            frame[column] = frame[column].astype(np.int64 if fits else object)
        frame["effective_rate"] = ratio(frame["total_duty"].to_numpy(), frame["value"].to_numpy())
        return frame.sort_values(["total_duty", "country"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _by_country(country: np.ndarray, columns: list[np.ndarray]) -> dict[str, list[int]]:
    """Country → [lines, then each column's exact sum], countries in the order they first appear."""
    return CountryGroups(country, []).sums(columns)


class CountryGroups:
    """The lines grouped by country once (sorted by country code), for per-country sums on every date.

    Sums are taken by ``np.add.reduceat`` in int64 over the lines sorted by country where none can pass 64 bits,
    else in Python integers (a chunk of many lines near the USD 1 trillion limit); the ``fixed`` columns (the same
    on every date of a timeline) are summed once.
    """

    def __init__(self, country: np.ndarray, fixed: list[np.ndarray]):
        codes, self.names = pd.factorize(country)  # missing countries (-1) are in no group
        order = np.argsort(codes, kind="stable")
        self.order = order[codes[order] >= 0]
        self.lines = np.bincount(codes[self.order], minlength=len(self.names))
        self.starts = np.concatenate([[0], np.cumsum(self.lines)[:-1]]) if len(self.names) else np.zeros(0, dtype=np.int64)
        self.fixed = [self._sum(column) for column in fixed]

    def _sum(self, column: np.ndarray) -> list[int]:
        column = np.asarray(column, dtype=np.int64)[self.order]
        if not len(column):
            return [0] * len(self.names)
        if int(np.abs(column).max()) * len(column) < 2**63:
            return [int(x) for x in np.add.reduceat(column, self.starts)]
        return [total(column[a : a + n]) for a, n in zip(self.starts.tolist(), self.lines.tolist())]

    def sums(self, columns: list[np.ndarray]) -> dict[str, list[int]]:
        """Country → [lines, the fixed columns' sums, then each of ``columns``' sums], in order of first appearance."""
        found = self.fixed + [self._sum(column) for column in columns]
        return {country: [int(self.lines[i])] + [s[i] for s in found] for i, country in enumerate(self.names)}


def _by_measure(estimate: Estimate) -> dict[str, list[int]]:
    """Measure id → [lines it applies to, their value, its duty]: whole columns at once, exact.

    The sums are taken in int64 (each line's value where the measure applies, else 0, added up per measure) where
    no sum can pass 64 bits, else measure by measure in Python integers.
    """
    applied = estimate.rates >= 0
    lines = applied.sum(axis=0)
    value, duties = estimate.value, estimate.duties
    n = len(value)
    if n * max(int(np.abs(value).max(initial=0)), int(np.abs(duties).max(initial=0))) < 2**63:
        values = np.where(applied, value[:, None], 0).sum(axis=0, dtype=np.int64).tolist()
        duty = duties.sum(axis=0, dtype=np.int64).tolist()
    else:
        values = [total(value[applied[:, j]]) for j in range(applied.shape[1])]
        duty = [total(duties[:, j]) for j in range(applied.shape[1])]
    return {m.id: [int(lines[j]), int(values[j]), int(duty[j])] for j, m in enumerate(estimate.measures)}


def ordered_notices(notices, schedule: Schedule) -> list[Notice]:
    """Notices in the order of :func:`tariffcalc.notices.in_order`, measures and their condition fields as in ``schedule``."""
    fields = {m.id: condition_fields(m) for m in schedule.measures}
    return in_order(notices, [m.id for m in schedule.measures], fields)
