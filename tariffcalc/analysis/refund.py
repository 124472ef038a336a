"""IEEPA refunds: what each past entry paid under the measures a court ended, where its refund goes, and interest.

A *history* is a basket of past entry lines with ``entry_number``,
``entry_date``, optional ``liquidation_date``, ``deposit_date`` (default: the
entry date), ``entry_type`` and ``ieepa_paid``.  Each line is priced as it was
on its entry date by the same engine as ``estimate``; the measures marked
``refundable`` in the schedule (the IEEPA duties) give the refundable amount,
all others (Section 232, 301, 122, MFN) are shown apart.  Per entry: the
refund (the importer's ``ieepa_paid`` where given, else the computed IEEPA
duty), the interest, and the bucket that says how it can be claimed:

- ``none``: no IEEPA duty;
- ``excluded``: an entry type that CAPE does not take (``data/refunds/cape.yaml``), with the reason;
- ``cape``: unliquidated, or liquidated at most 80 days before the as-of date;
- ``protest``: liquidated 81 to 180 days before (a protest under 19 U.S.C. 1514);
- ``court``: liquidated more than 180 days before (a Court of International Trade action).

Everything is computed on whole columns; entries may span chunks (their
lines are summed when the chunks are combined).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.fields import column_text
from ..engine.result import Estimate
from ..errors import InputError, Problem
from ..goods import entry_numbers
from ..goods.basket import Basket
from ..money import parse_amounts
from ..paths import data_dir
from ..yaml_source import read_yaml
from .interest import Basis, Factors, InterestRates

BUCKETS = ("cape", "protest", "court", "excluded", "none")
#: An importer-declared amount and the computed one may differ by this much before it is listed (cents).
TOLERANCE_CENTS = 1


@dataclass(frozen=True)
class CapeRules:
    """How CBP's CAPE sorts entries: the day limits, the entry types it takes no part of, the file limits."""

    cape_days: int
    protest_days: int
    excluded_types: dict[str, str]
    max_entries_per_file: int
    header: str


@lru_cache(maxsize=2)
def load_cape_rules(path: Path | None = None) -> CapeRules:
    doc = read_yaml(path or data_dir() / "refunds" / "cape.yaml")
    data = doc.data
    days = {b["id"]: b.get("max_days_since_liquidation") for b in data["buckets"]}
    excluded = {str(t["code"]): f"type {t['code']} {t['name']}: {t['reason']}" for t in data["excluded_entry_types"]}
    declaration = data["declaration_file"]
    return CapeRules(
        cape_days=int(days["cape"]),
        protest_days=int(days["protest"]),
        excluded_types=excluded,
        max_entries_per_file=int(declaration["max_entries_per_file"]),
        header=str(declaration["header"]),
    )


@dataclass
class HistoryColumns:
    """The history's own columns of each line, read and checked."""

    entry_number: pd.Series  # normalised, no dashes
    entry_date: np.ndarray  # datetime64[D]
    liquidation_date: np.ndarray  # datetime64[D], NaT: unliquidated
    deposit_date: np.ndarray  # datetime64[D]
    deposit_defaulted: np.ndarray  # bool
    entry_type: pd.Series  # two digits
    ieepa_paid: np.ndarray  # cents, -1 where not given


def _dates(basket: Basket, name: str, problems: list[Problem]) -> np.ndarray:
    text = column_text(basket, name)
    if text is None:
        return np.full(len(basket), np.datetime64("NaT"), dtype="datetime64[D]")
    cells = text.astype(object).fillna("").astype(str).str.strip()
    parsed = pd.to_datetime(cells.where(cells != ""), format="%Y-%m-%d", errors="coerce").to_numpy(dtype="datetime64[D]")
    for row in np.flatnonzero(np.isnat(parsed) & (cells != "").to_numpy()):
        problems.append(Problem(basket.where(int(row)), f"{name}: {cells.iloc[row]!r} is not a date (expected YYYY-MM-DD)"))
    return parsed


def read_history(basket: Basket) -> HistoryColumns:
    """The history columns of every line; raise InputError listing every problem, one line each."""
    problems: list[Problem] = []
    n = len(basket)
    raw_number = column_text(basket, "entry_number")
    if raw_number is None:
        raise InputError(Problem(basket.name, "no entry_number column (a history names each line's entry: XXX-NNNNNNN-C)"))
    numbers = entry_numbers.normalise(raw_number)
    shaped = entry_numbers.well_formed(numbers)
    for row in np.flatnonzero(~shaped):
        problems.append(
            Problem(
                basket.where(int(row)),
                f"entry_number: {raw_number.iloc[row]!r} is not an entry number "
                f"(expected XXX-NNNNNNN-C: a 3-character filer code, 7 digits and a check digit)",
            )
        )
    checked = np.ones(n, dtype=bool)
    checked[shaped] = entry_numbers.valid_check_digits(numbers[shaped])
    for row in np.flatnonzero(~checked):
        number = numbers.iloc[row]
        problems.append(
            Problem(
                basket.where(int(row)),
                f"entry_number: {raw_number.iloc[row]!r} has check digit {number[10]}, but its first ten "
                f"characters give {entry_numbers.check_digit(number[:10])} (a mistyped entry number?)",
            )
        )
    entry_date = basket.entry_date.to_numpy(dtype="datetime64[D]")
    for row in np.flatnonzero(np.isnat(entry_date)):
        problems.append(Problem(basket.where(int(row)), "entry_date: '' is empty (a history gives each line's entry date)"))
    liquidation = _dates(basket, "liquidation_date", problems)
    deposit = _dates(basket, "deposit_date", problems)
    defaulted = np.isnat(deposit)
    deposit = np.where(defaulted, entry_date, deposit)
    for row in np.flatnonzero(~np.isnat(liquidation) & ~np.isnat(entry_date) & (liquidation < entry_date)):
        problems.append(
            Problem(basket.where(int(row)), f"liquidation_date: {liquidation[row]} is before the entry date {entry_date[row]}")
        )
    for row in np.flatnonzero(~np.isnat(entry_date) & (deposit < entry_date)):
        problems.append(Problem(basket.where(int(row)), f"deposit_date: {deposit[row]} is before the entry date {entry_date[row]}"))
    types_text = column_text(basket, "entry_type")
    types = (
        pd.Series(["01"] * n, dtype=object)
        if types_text is None
        else types_text.astype(object).fillna("").astype(str).str.strip().str.zfill(2).replace("00", "01")
    )
    for row in np.flatnonzero(~types.str.fullmatch(r"\d{2}").to_numpy(dtype=bool)):
        problems.append(Problem(basket.where(int(row)), f"entry_type: {types.iloc[row]!r} is not an entry type (two digits, e.g. 01)"))
    paid = np.full(n, -1, dtype=np.int64)
    paid_text = column_text(basket, "ieepa_paid")
    if paid_text is not None:
        cells = paid_text.astype(object).fillna("").astype(str).str.strip()
        cents, valid, _ = parse_amounts(cells)
        given = (cells != "").to_numpy()
        paid = np.where(given & valid, cents, -1)
        for row in np.flatnonzero(given & ~valid):
            problems.append(Problem(basket.where(int(row)), f"ieepa_paid: {cells.iloc[row]!r} is not an amount in USD"))
    problems += entries_disagree(basket, numbers, entry_date, liquidation)
    if problems:
        raise InputError(problems)
    return HistoryColumns(numbers, entry_date, liquidation, deposit, defaulted, types, paid)


def entries_disagree(
    basket: Basket,
    numbers: pd.Series,
    entry_date: np.ndarray,
    liquidation: np.ndarray,
    earlier: pd.DataFrame | None = None,
) -> list[Problem]:
    """Lines whose entry date or liquidation date differs from their entry's first line.

    The first line is the entry's first in this chunk, or, with ``earlier``
    (per-entry sums of the chunks before, see :func:`combine`), its first in
    an earlier chunk: so a history read in chunks is checked as a whole.
    """
    frame = pd.DataFrame({"entry": numbers.to_numpy(), "entry_date": entry_date, "liquidation_date": liquidation})
    # Each line's entry among the earlier chunks' (-1: none), by one hash lookup a line (``isin`` on Arrow text
    # went through the earlier entries in Python, chunk after chunk).
    where = earlier.index.get_indexer(numbers) if earlier is not None else np.full(len(frame), -1)
    seen = where >= 0
    problems = []
    for column, what in (("entry_date", "entry date"), ("liquidation_date", "liquidation date")):
        first = frame.groupby("entry", sort=False)[column].transform("first").to_numpy(dtype="datetime64[D]")
        if seen.any():
            first[seen] = earlier[column].to_numpy(dtype="datetime64[D]")[where[seen]]
        value = frame[column].to_numpy(dtype="datetime64[D]")
        differs = ~((first == value) | (np.isnat(first) & np.isnat(value)))
        for row in np.flatnonzero(differs):
            problems.append(
                Problem(
                    basket.where(int(row)),
                    f"entry {entry_numbers.dashed(numbers.iloc[row])}: this line's {what} "
                    f"{_date_text(value[row])} differs from the entry's first line ({_date_text(first[row])})",
                )
            )
    return problems


def _date_text(value) -> str:
    return "none" if pd.isna(value) else str(np.datetime64(value, "D"))


@dataclass
class RefundLines:
    """Per line of one chunk: what was paid under refundable measures and what was not."""

    history: HistoryColumns
    estimate: Estimate
    #: The computed IEEPA duty of each line (cents).
    computed: np.ndarray
    #: The refund principal: ``ieepa_paid`` where given, else ``computed``.
    principal: np.ndarray
    #: The duty of every other measure and the MFN duty (cents).
    non_refundable: np.ndarray

    @classmethod
    def of(cls, basket: Basket, estimate: Estimate) -> RefundLines:
        history = read_history(basket)
        computed = estimate.refundable_duty
        principal = np.where(history.ieepa_paid >= 0, history.ieepa_paid, computed)
        return cls(history, estimate, computed, principal, estimate.total_duty - computed)

    def differences(self) -> np.ndarray:
        """Lines whose declared ``ieepa_paid`` differs from the computed IEEPA duty by more than a cent."""
        given = self.history.ieepa_paid >= 0
        return given & (np.abs(self.history.ieepa_paid - self.computed) > TOLERANCE_CENTS)

    def per_entry(self) -> pd.DataFrame:
        """This chunk's lines summed per entry (entries are combined across chunks by :func:`combine`)."""
        h = self.history
        frame = pd.DataFrame(
            {
                "entry_number": h.entry_number.to_numpy(),
                "entry_date": h.entry_date,
                "liquidation_date": h.liquidation_date,
                "deposit_date": h.deposit_date,
                "entry_type": h.entry_type.to_numpy(),
                "lines": 1,
                "value": self.estimate.value,
                "refund": self.principal,
                "computed": self.computed,
                "non_refundable": self.non_refundable,
            }
        )
        return frame.groupby("entry_number", sort=False).agg(**ENTRY_SUMS)


#: How an entry's lines add up: the dates and type of its first line (its deposit the earliest), the amounts summed.
ENTRY_SUMS = {
    "entry_date": ("entry_date", "first"),
    "liquidation_date": ("liquidation_date", "first"),
    "deposit_date": ("deposit_date", "min"),
    "entry_type": ("entry_type", "first"),
    **{name: (name, "sum") for name in ("lines", "value", "refund", "computed", "non_refundable")},
}


def combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Per-entry sums of several chunks, as one frame in the order entries first appear."""
    frame = pd.concat(parts) if parts else _empty_entries()
    return frame.groupby(level=0, sort=False).agg(**ENTRY_SUMS)


def _empty_entries() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "entry_date": np.array([], dtype="datetime64[s]"),
            "liquidation_date": np.array([], dtype="datetime64[s]"),
            "deposit_date": np.array([], dtype="datetime64[s]"),
            "entry_type": np.array([], dtype=object),
            **{name: np.array([], dtype=np.int64) for name in ("lines", "value", "refund", "computed", "non_refundable")},
        }
    )
    frame.index.name = "entry_number"
    return frame



@dataclass
class Entries:
    """Every entry with its refund, bucket, reason and interest."""

    frame: pd.DataFrame
    as_of: dt.date
    basis: Basis
    rates: InterestRates
    borrowed_quarters: set[str] = field(default_factory=set)

    def totals(self) -> pd.DataFrame:
        """Per bucket (in a fixed order): entries, refund, interest, refund with interest (cents)."""
        grouped = self.frame.groupby("bucket").agg(
            entries=("refund", "size"), refund=("refund", "sum"), interest=("interest", "sum")
        )
        grouped = grouped.reindex(BUCKETS, fill_value=0)
        grouped["refund_with_interest"] = grouped["refund"] + grouped["interest"]
        return grouped.astype(np.int64)

    def cape_numbers(self) -> list[str]:
        """The entries of the ``cape`` bucket, in the order they first appear (no dashes, as CAPE takes them)."""
        return self.frame.index[self.frame["bucket"] == "cape"].tolist()


def classify(entries: pd.DataFrame, as_of: dt.date, basis: Basis, rates: InterestRates, rules: CapeRules) -> Entries:
    """Each entry's bucket and reason, and its interest from the deposit date to ``as_of``."""
    frame = entries.copy()
    as_of_day = np.datetime64(as_of.isoformat(), "D")
    liquidated = frame["liquidation_date"].to_numpy(dtype="datetime64[D]")
    # A liquidation after the as-of day had not happened on it: the entry was still unliquidated then.
    later = ~np.isnat(liquidated) & (liquidated > as_of_day)
    liquidated = np.where(later, np.datetime64("NaT", "D"), liquidated)
    days = (as_of_day - liquidated).astype("timedelta64[D]").astype(np.int64)
    unliquidated = np.isnat(liquidated)
    excluded = frame["entry_type"].isin(list(rules.excluded_types)).to_numpy(dtype=bool)
    nothing = frame["refund"].to_numpy() <= 0
    bucket = np.select(
        [nothing, excluded, unliquidated | (days <= rules.cape_days), days <= rules.protest_days],
        ["none", "excluded", "cape", "protest"],
        "court",
    )
    days_text = pd.Series(days).astype(str).to_numpy()
    reason = np.select(
        [nothing, excluded, unliquidated, bucket == "cape", bucket == "protest"],
        [
            "no IEEPA duty on the entry",
            frame["entry_type"].map(rules.excluded_types).fillna("").to_numpy(dtype=object),
            np.where(later, "unliquidated on the as-of day: file a CAPE declaration", "unliquidated: file a CAPE declaration"),
            "liquidated " + days_text + " days before: CAPE takes entries liquidated at most "
            + str(rules.cape_days) + " days before",
            "liquidated " + days_text + " days before: past CAPE, within the 180 days to protest (19 U.S.C. 1514)",
        ],
        "liquidated " + days_text + " days before: final; a Court of International Trade action",
    )
    factors = Factors(rates, as_of, basis)
    principal = np.where(nothing, 0, frame["refund"].to_numpy(dtype=np.int64))
    frame["interest"] = factors.interest_cents(principal, frame["deposit_date"].to_numpy(dtype="datetime64[D]"))
    frame["bucket"] = bucket
    frame["reason"] = reason
    frame["days_since_liquidation"] = np.where(unliquidated, -1, days)
    return Entries(frame, as_of, basis, rates, factors.borrowed)
