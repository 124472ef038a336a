"""The calculator: which measures apply to which goods, and what they cost.

The work is done on whole columns.  A basket is reduced to its distinct
*keys* — (HTS code, country, date, USMCA flag, MFN rate) — and each measure is
evaluated once over all keys with vectorised masks (dates, countries, HTS
prefixes, exemptions, pauses), in the order that the stacking rules
(``yields_to``) require.  The keys' rates are then joined back onto the lines,
and the duties computed in integer cents.  There is no Python loop per line.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from ..goods.basket import Basket
from ..money import apply_rate, ratio
from ..notices import SHOWN_LINES, Notice
from .compile import CompiledSchedule
from .evaluate import KeyResult, Status, evaluate_keys
from .result import Estimate


def line_keys(basket: Basket, default_date: dt.date, use_entry_dates: bool = True) -> pd.DataFrame:
    """The engine's key columns for each basket line."""
    if use_entry_dates:
        date = basket.entry_date.fillna(pd.Timestamp(default_date)).to_numpy(dtype="datetime64[D]")
    else:
        date = np.full(len(basket), np.datetime64(default_date.isoformat(), "D"))
    return pd.DataFrame(
        {
            "hts": basket.hts.to_numpy(dtype=object),
            "country": basket.country.to_numpy(dtype=object),
            "date": date,
            "usmca": basket.usmca,
            "auto_part": basket.auto_part,
            "mfn": basket.mfn_micro,
        }
    )


def distinct_keys(compiled: CompiledSchedule, lines: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """The distinct keys the engine must evaluate, and the key of each line.

    Dates become the first day of their stretch between the schedule's turning
    days, and the MFN rate is dropped unless some rate depends on it: both
    leave every result unchanged and make far fewer keys.  Each column is
    factorized on its own and the codes combined into one integer per line.
    """
    columns = lines.assign(date=compiled.representative_days(lines["date"].to_numpy()))
    if not compiled.uses_mfn:
        columns["mfn"] = 0
    factorized = [pd.factorize(columns[name], use_na_sentinel=False) for name in columns.columns]
    if math.prod(max(len(uniques), 1) for _, uniques in factorized) < 2**62:
        combined = np.zeros(len(columns), dtype=np.int64)
        for codes, uniques in factorized:
            combined = combined * max(len(uniques), 1) + codes
        key_index, _ = pd.factorize(combined)
    else:  # too many combinations to number in 64 bits: let pandas hash the rows
        key_index = columns.groupby(list(columns.columns), sort=False, dropna=False).ngroup().to_numpy()
    _, where_first = np.unique(key_index, return_index=True)
    return key_index, columns.iloc[where_first].reset_index(drop=True)


def estimate(
    basket: Basket, schedule: Schedule | CompiledSchedule, date: dt.date, use_entry_dates: bool = True
) -> Estimate:
    """Compute what every line of the basket pays on ``date`` (or its own ``entry_date``, unless told not to)."""
    compiled = schedule if isinstance(schedule, CompiledSchedule) else CompiledSchedule.of(schedule)
    lines = line_keys(basket, date, use_entry_dates)
    key_index, keys = distinct_keys(compiled, lines)
    result = evaluate_keys(compiled, keys)

    used = np.flatnonzero((result.rates >= 0).any(axis=0))
    line_rates = result.rates[key_index][:, used] if len(used) else np.zeros((len(lines), 0), dtype=np.int64)
    value = basket.value_cents
    # Most lines pay one or two measures: compute only the cells that apply.
    rows, columns = np.nonzero(line_rates >= 0)
    duties = np.zeros(line_rates.shape, dtype=np.int64)
    duties[rows, columns] = apply_rate(value[rows], line_rates[rows, columns])
    mfn_duty = apply_rate(value, basket.mfn_micro)
    if basket.mfn_specific_cents is not None:
        mfn_duty = mfn_duty + basket.mfn_specific_cents
    additional = duties.sum(axis=1, dtype=np.int64)
    total = mfn_duty + additional

    notices = _notices(compiled, basket, lines, result, key_index)
    return Estimate(
        schedule=compiled.schedule,
        date=date,
        basket=basket,
        dates=lines["date"].to_numpy(dtype="datetime64[D]"),
        measures=[compiled.schedule.measures[j] for j in used],
        rates=line_rates,
        duties=duties,
        mfn_duty=mfn_duty,
        additional_duty=additional,
        total_duty=total,
        effective_rate=ratio(total, value),
        notices=notices,
    )


def _notices(
    compiled: CompiledSchedule, basket: Basket, lines: pd.DataFrame, result: KeyResult, key_index: np.ndarray
) -> list[Notice]:
    notices = []
    covers = compiled.schedule.schedule.covers
    dates = pd.unique(lines["date"])
    outside = {d for d in (pd.Timestamp(x).date() for x in dates) if not covers.from_ <= d <= covers.through}
    if outside:
        notices.append(
            Notice(
                ("dates",),
                f"date {{dates}} is outside what schedule {compiled.schedule.id!r} covers "
                f"({covers.from_} to {covers.through}): measures that began or changed after "
                f"{covers.through} are not in it, so the result may be incomplete",
                dates=outside,
            )
        )
    if basket.rounded_values.any():
        notices.append(
            _lines_notice(
                ("rounded",),
                f"{basket.name}: {{count}} value(s) had more than two decimals and were rounded to the cent (line {{lines}})",
                basket,
                basket.rounded_values,
            )
        )
    for j in np.flatnonzero((result.status == Status.NOT_DECLARED).any(axis=0)):
        silent = (result.status[key_index, j] == Status.NOT_DECLARED) & (basket.auto_part == -1)
        if silent.any():
            measure = compiled.schedule.measures[j]
            notices.append(
                _lines_notice(
                    ("undeclared", measure.id),
                    f"{basket.name}: {{count}} line(s) have HTS codes that {measure.id!r} covers only when the goods "
                    f"are parts of passenger vehicles or light trucks; it was not applied to them because the basket "
                    f"does not say so (line {{lines}}; add a column auto_part with true or false)",
                    basket,
                    silent,
                )
            )
    for j in np.flatnonzero(result.partial.any(axis=0)):
        measure = compiled.schedule.measures[j]
        notices.append(
            _lines_notice(
                ("partial", measure.id),
                f"{basket.name}: {{count}} line(s) have an HTS code less specific than the scope of "
                f"{measure.id!r}, which covers only some of its subheadings; it was not applied to them "
                f"(line {{lines}}; give 8 or 10 digits)",
                basket,
                result.partial[key_index, j],
            )
        )
    return notices


def _lines_notice(key: tuple, template: str, basket: Basket, mask: np.ndarray) -> Notice:
    rows = basket.source_lines[mask]
    return Notice(key, template, count=len(rows), lines=[int(r) for r in rows[: SHOWN_LINES + 1]])
