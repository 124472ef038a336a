"""Evaluating every measure over the distinct keys of a basket, with vectorised masks, then stacking them.

A key is (HTS code, country, date, USMCA flag, auto-part flag, MFN rate).  Each
measure is evaluated once over all keys: its rate in force on each key's date
(pauses included), then whether it covers the key's country and product,
whether an exemption or a requirement takes it away; then, epoch by epoch,
a measure yields where one it yields to applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pandas as pd

from .. import hts_codes
from ..law.model import Rate
from .compile import CompiledMeasure, CompiledSchedule, Segment, as_day


class Status(IntEnum):
    """Why a measure does or does not apply to a key (for ``explain``)."""

    APPLIED = 0
    NOT_IN_FORCE = 1
    COUNTRY_NOT_COVERED = 2
    PRODUCT_NOT_COVERED = 3
    PRODUCT_EXCLUDED = 4
    EXEMPT = 5
    SUSPENDED = 6
    YIELDED = 7
    #: Needs a basket flag that the line does not set (e.g. ``auto_part: true``).
    NOT_DECLARED = 8


@dataclass
class KeyResult:
    """Each distinct key's rate (millionths, -1 where not applied) and status under each measure."""

    keys: pd.DataFrame
    rates: np.ndarray  # keys × measures, int64
    status: np.ndarray  # keys × measures, int8 (Status)
    yielded_to: np.ndarray  # keys × measures, int16: index of the measure that excluded it, or -1
    partial: np.ndarray  # keys × measures, bool: the HTS code is less specific than the measure's scope


def evaluate_keys(compiled: CompiledSchedule, keys: pd.DataFrame) -> KeyResult:
    """Evaluate every measure over the distinct keys.

    ``keys`` has columns ``hts`` (digits), ``country`` (alpha-2), ``date``
    (datetime64[D]), ``usmca`` (bool), ``auto_part`` (1, 0, or -1 when the
    basket is silent) and ``mfn`` (millionths).
    """
    columns = _KeyColumns.of(keys)
    n, m = len(keys), len(compiled.measures)
    rates = np.full((n, m), -1, dtype=np.int64)
    status = np.zeros((n, m), dtype=np.int8)
    yielded_to = np.full((n, m), -1, dtype=np.int16)
    partial = np.zeros((n, m), dtype=bool)
    for j, cm in enumerate(compiled.measures):
        status[:, j], rates[:, j], partial[:, j] = _evaluate_measure(compiled, cm, columns)
    _stack(compiled, columns.date, status, yielded_to, partial)
    rates = np.where(status == Status.APPLIED, rates, -1)
    return KeyResult(keys, rates, status, yielded_to, partial)


@dataclass
class _KeyColumns:
    """The key columns as arrays; HTS scopes are matched once per distinct code, then spread to the keys."""

    country: pd.Series
    date: np.ndarray
    #: Basket flag name (as exemptions and requirements name them) → where it holds.
    flags: dict[str, np.ndarray]
    mfn: np.ndarray
    codes: pd.Series
    code_of_key: np.ndarray

    @classmethod
    def of(cls, keys: pd.DataFrame) -> _KeyColumns:
        code_of_key, codes = pd.factorize(keys["hts"], use_na_sentinel=False)
        usmca = keys["usmca"].to_numpy(dtype=bool)
        auto_part = keys["auto_part"].to_numpy(dtype=np.int8)
        return cls(
            country=keys["country"].astype("string"),
            date=keys["date"].to_numpy(dtype="datetime64[D]"),
            flags={"usmca": usmca, "not_auto_part": auto_part == 0, "auto_part": auto_part == 1},
            mfn=keys["mfn"].to_numpy(dtype=np.int64),
            codes=pd.Series(codes, dtype="string"),
            code_of_key=code_of_key,
        )

    def __len__(self) -> int:
        return len(self.date)

    def by_code(self, prefixes: frozenset[str]) -> np.ndarray:
        """Where the key's HTS code falls under one of ``prefixes``."""
        return hts_codes.prefix_mask(self.codes, prefixes)[self.code_of_key]


def _rates_in_force(cm: CompiledMeasure, keys: _KeyColumns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(in force, rate, status)`` per key from the measure's segments: its rate on the key's date, pauses applied."""
    n = len(keys)
    status = np.full(n, Status.APPLIED, dtype=np.int8)
    rate = np.full(n, -1, dtype=np.int64)
    in_force = np.zeros(n, dtype=bool)
    for seg in cm.segments:
        in_seg = (keys.date >= seg.start) & (keys.date <= seg.end)
        if not in_seg.any():
            continue
        in_force |= in_seg
        seg_rate = _segment_rates(seg, keys.country, keys.mfn)
        if seg.suspension is not None:
            suspended = in_seg & (
                np.ones(n, dtype=bool)
                if seg.suspension_countries is None
                else keys.country.isin(seg.suspension_countries).to_numpy(dtype=bool)
            )
            if seg.suspension.rate is None:
                status = np.where(suspended, Status.SUSPENDED, status)
            else:
                seg_rate = np.where(suspended, _rate_array(seg.suspension.rate, n, keys.mfn), seg_rate)
        rate = np.where(in_seg, seg_rate, rate)
    return in_force, rate, status


def _evaluate_measure(
    compiled: CompiledSchedule, cm: CompiledMeasure, keys: _KeyColumns
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One measure over every key, before stacking: ``(status, rate, partial)``."""
    n = len(keys)
    measure = cm.measure
    in_force, rate, status = _rates_in_force(cm, keys)
    listed = keys.country.isin(cm.countries).to_numpy(dtype=bool)
    covered = ~listed if cm.all_countries else listed
    in_scope = np.ones(n, dtype=bool) if cm.include is None else keys.by_code(cm.include)
    excluded = keys.by_code(cm.exclude) if cm.exclude else np.zeros(n, dtype=bool)
    exempt = np.zeros(n, dtype=bool)
    for exemption in measure.exemptions:
        since = as_day(exemption.from_) if exemption.from_ else np.datetime64("0001-01-01", "D")
        exempt |= keys.flags[exemption.flag] & (keys.date >= since)
    undeclared = np.zeros(n, dtype=bool)
    for requirement in measure.requires:
        scope = (
            np.ones(n, dtype=bool)
            if requirement.products is None
            else keys.by_code(compiled.schedule.expand_products(requirement.products))
        )
        undeclared |= scope & ~keys.flags[requirement.flag]
    partial = np.zeros(n, dtype=bool)
    if cm.include is not None:
        partial = hts_codes.partial_mask(keys.codes, cm.include)[keys.code_of_key] & in_force & covered

    # Each assignment overrides the ones above it: the last matching reason here is the one reported.
    status = np.where(undeclared, Status.NOT_DECLARED, status)
    status = np.where(exempt, Status.EXEMPT, status)
    status = np.where(excluded, Status.PRODUCT_EXCLUDED, status)
    status = np.where(~in_scope, Status.PRODUCT_NOT_COVERED, status)
    status = np.where(~covered, Status.COUNTRY_NOT_COVERED, status)
    status = np.where(~in_force, Status.NOT_IN_FORCE, status)
    # No rate for a covered country means the measure has no rate for it at that date.
    status = np.where((status == Status.APPLIED) & (rate < 0), Status.COUNTRY_NOT_COVERED, status)
    return status, rate, partial


def _stack(
    compiled: CompiledSchedule, date: np.ndarray, status: np.ndarray, yielded_to: np.ndarray, partial: np.ndarray
) -> None:
    """Stacking, in place: within each epoch, a measure yields where one it yields to applies."""
    for epoch in compiled.epochs:
        in_epoch = (date >= epoch.start) & (date <= epoch.end)
        if not in_epoch.any():
            continue
        for j in epoch.order:
            for k in epoch.yields_to.get(j, ()):
                other_applies = in_epoch & (status[:, k] == Status.APPLIED)
                beaten = other_applies & (status[:, j] == Status.APPLIED)
                status[:, j] = np.where(beaten, Status.YIELDED, status[:, j])
                yielded_to[:, j] = np.where(beaten, k, yielded_to[:, j])
                # A code too coarse for this measure's scope does not matter where it would yield anyway.
                partial[:, j] &= ~other_applies


def _rate_array(rate: Rate, n: int, mfn: np.ndarray) -> np.ndarray:
    if rate.inclusive_of_mfn:
        return np.maximum(rate.micro - mfn, 0)
    return np.full(n, rate.micro, dtype=np.int64)


def _segment_rates(seg: Segment, country: pd.Series, mfn: np.ndarray) -> np.ndarray:
    """Each key's rate in a segment: the country's own rate, else the default, else -1."""
    n = len(country)
    result = _rate_array(seg.default, n, mfn) if seg.default is not None else np.full(n, -1, dtype=np.int64)
    for rate in set(seg.country_rates.values()):
        codes = [c for c, r in seg.country_rates.items() if r == rate]
        result = np.where(country.isin(codes).to_numpy(dtype=bool), _rate_array(rate, n, mfn), result)
    return result
