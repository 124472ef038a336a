"""From basket lines to keys and back: the duties of every line, in integer cents, on whole columns.

The lines are reduced to their distinct keys (dates folded onto the
schedule's turning days), the keys evaluated once, and the results joined
back onto the lines, where what depends on amounts is computed: "X% total"
top-ups against each line's MFN duty, value bases (a declared content, or the
value less a declared part), the portion-yields of split lines, the duties,
and antidumping and countervailing cash deposits.  There is no Python loop
per line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import hts_codes
from ..errors import InputError, Problem
from ..goods.basket import Basket
from ..law.model import CONFIDENCE_ORDER, ContentBasis, Measure, RemainderBasis
from ..money import apply_rate, parse_rates, ratio
from ..notices import SHOWN_LINES, Notice
from .compile import CompiledCondition, CompiledSchedule, as_day
from .evaluate import KeyResult, KeysOnDays, Status, evaluate_keys
from .fields import column_text, read_field
from .result import Estimate


@dataclass
class LineFields:
    """The declared basket fields of every line, read once per chunk."""

    values: dict[str, np.ndarray]

    @classmethod
    def of(cls, basket: Basket, compiled: CompiledSchedule) -> LineFields:
        values, problems = {}, []
        for name, spec in compiled.fields.items():
            values[name], found = read_field(basket, name, spec)
            problems += found
        if problems:
            raise InputError(problems)
        return cls(values)


def line_keys(
    basket: Basket, default_date: dt.date, use_entry_dates: bool = True, compiled: CompiledSchedule | None = None,
    fields: LineFields | None = None,
) -> pd.DataFrame:
    """The engine's key columns for each basket line."""
    if use_entry_dates:
        date = basket.entry_date.fillna(pd.Timestamp(default_date)).to_numpy(dtype="datetime64[D]")
    else:
        date = np.full(len(basket), np.datetime64(default_date.isoformat(), "D"))
    # The basket's own arrays: codes and countries are Categoricals as normalised (numbered once per distinct text,
    # so neither the frame nor the numbering of keys reads a Python string per line).
    columns: dict[str, object] = {"hts": basket.hts.array, "country": basket.country.array, "date": date}
    if compiled is not None:
        fields = fields or LineFields.of(basket, compiled)
        for column, (field, before) in compiled.key_columns.items():
            values = fields.values[field]
            if before is None:
                columns[column] = values
            else:
                known = ~np.isnat(values)
                columns[column] = np.where(known, (values < as_day(before)).astype(np.int8), -1).astype(np.int8)
    return pd.DataFrame(columns)


def single_key(
    compiled: CompiledSchedule, code: str, country: str, day: dt.date, declared: dict[str, object] | None = None
) -> pd.DataFrame:
    """The key of one line (for ``rates`` and ``hts lookup``): ``declared`` gives field values (bool, enum text,
    or a date); fields not given are not said."""
    declared = declared or {}
    columns: dict[str, object] = {"hts": [code], "country": [country], "date": np.array([as_day(day)])}
    for column, (field, before) in compiled.key_columns.items():
        spec, value = compiled.fields[field], declared.get(field)
        if value is None:
            code_value = -1
        elif before is not None:
            code_value = int(value < before)
        elif spec.type == "enum":
            code_value = [v.lower() for v in spec.values or []].index(str(value).lower())
        else:
            code_value = int(bool(value))
        columns[column] = np.array([code_value], dtype=np.int16 if spec.type == "enum" else np.int8)
    return pd.DataFrame(columns)


def distinct_keys(compiled: CompiledSchedule, lines: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """The distinct keys the engine must evaluate, and the key of each line.

    Dates become the first day of their stretch between the schedule's turning
    days, which leaves every result unchanged and makes far fewer keys.  Each
    column is numbered on its own and the numbers combined into one integer per line.
    """
    columns = lines.assign(date=compiled.representative_days(lines["date"].to_numpy()))
    numbered = [_numbered(columns[name]) for name in columns.columns]
    if math.prod(count for _, count in numbered) < 2**62:
        combined = np.zeros(len(columns), dtype=np.int64)
        for codes, count in numbered:
            if count > 1:  # a column of one value (most flags, where the basket does not say) adds nothing
                combined *= count
                combined += codes
        key_index, _ = pd.factorize(combined)
    else:  # too many combinations to number in 64 bits: let pandas hash the rows
        key_index = columns.groupby(list(columns.columns), sort=False, dropna=False).ngroup().to_numpy()
    # Keys are numbered in the order they first occur: a line is a key's first where its number is a new maximum.
    seen = np.maximum.accumulate(key_index)
    first = np.flatnonzero(key_index > np.concatenate(([-1], seen[:-1])))
    return key_index, columns.iloc[first].reset_index(drop=True)


def _numbered(column: pd.Series) -> tuple[np.ndarray | None, int]:
    """Each value of a key column as a number from 0 (None: all the same), and how many numbers there can be.

    The flag and choice columns (small integers, -1 where the basket does not say) are their own numbers, offset
    by their least value; the others are factorized.
    """
    if column.dtype.kind == "i" and column.dtype.itemsize <= 2:
        values = column.to_numpy()
        low, high = (int(values.min()), int(values.max())) if len(values) else (0, 0)
        return (None, 1) if low == high else (values.astype(np.int64) - low, high - low + 1)
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return codes, max(len(uniques), 1)


def mfn_equivalent(basket: Basket) -> np.ndarray:
    """Each line's ad valorem equivalent of its whole MFN duty (specific parts too), in millionths."""
    ave = basket.mfn_micro.astype(np.int64)
    if basket.mfn_specific_cents is not None:
        ave = ave + ratio(basket.mfn_specific_cents, basket.value_cents).clip(min=0)
    return ave


def line_bases(
    compiled: CompiledSchedule, basket: Basket, fields: LineFields, measures: list[int]
) -> tuple[np.ndarray | None, list[tuple[int, np.ndarray]]]:
    """Lines × measures: the value each measure is charged on (cents), or None where that is every line's whole
    value for every measure (no array is made); and, per measure, lines whose declared content was missing
    (charged on the whole value)."""
    value = basket.value_cents
    columns: dict[int, np.ndarray] = {}
    missing = []
    for c, j in enumerate(measures):
        basis = compiled.measures[j].measure.basis
        if isinstance(basis, ContentBasis):
            content = fields.values[basis.content]
            absent = content < 0
            columns[c] = np.where(absent, value, content)
            if absent.any():
                missing.append((j, absent))
        elif isinstance(basis, RemainderBasis):
            part = np.maximum(fields.values[basis.less], 0)
            enough = _at_least_share(part, value, basis.min_share.micro if basis.min_share else 0)
            columns[c] = np.where(enough & (part > 0), value - part, value)
    columns = {c: basis for c, basis in columns.items() if not np.array_equal(basis, value)}
    if not columns:
        return None, missing
    bases = np.repeat(value[:, None], len(measures), axis=1)
    for c, basis in columns.items():
        bases[:, c] = basis
    return bases, missing


def _at_least_share(part: np.ndarray, value: np.ndarray, share_micro: int) -> np.ndarray:
    """``part / value >= share`` exactly (no rounding of the share): ``part × 10⁶ >= share × value``.

    The products can pass 64 bits, so they are compared in NumPy where they fit and in Python integers for the
    rare lines where they might not.
    """
    limit = (2**63 - 1) // 1_000_000
    small = (part <= limit) & (value <= limit // max(share_micro, 1))
    enough = np.zeros(len(part), dtype=bool)
    enough[small] = part[small] * 1_000_000 >= share_micro * value[small]
    for row in np.flatnonzero(~small):  # only values beyond USD 92 billion a line
        enough[row] = int(part[row]) * 1_000_000 >= share_micro * int(value[row])
    return enough


def _restack(
    compiled: CompiledSchedule,
    result: KeyResult,
    key_index: np.ndarray,
    rows: np.ndarray,
    dates: np.ndarray,
    value: np.ndarray,
    column: dict[int, int],
    line_rates: np.ndarray,
    bases: np.ndarray,
) -> None:
    """Stack again, from each measure's own rate, the lines a portion-yield reaches (rule 7, "split line").

    Whether such a line pays a measure depends on its values: a measure that yields on another's basis is not
    applied where nothing is left of its own basis, and then nothing yields to it. So these lines are resolved
    here, in each epoch's stacking order, on whole columns of lines. ``line_rates`` (all lines × ``column``) and
    ``bases`` (the bases of ``rows`` only, rows × ``column``) are updated.
    The lines' rates, bases and own rates are taken out once, column-major, so that each measure's step works
    on contiguous columns rather than gathering and scattering its cells across the whole chunk.
    """
    positions = np.cumsum(result.restack) - 1  # key → its row in result.own_rates
    measures = sorted(column, key=column.get)  # the measure of each column
    own_all = np.asfortranarray(result.own_rates[positions[key_index[rows]]][:, measures])
    rates_all, bases_all = np.asfortranarray(line_rates[rows]), np.asfortranarray(bases)
    value_all, dates_all = value[rows], dates[rows]
    for epoch in compiled.epochs:
        in_epoch = (dates_all >= epoch.start) & (dates_all <= epoch.end)
        if not in_epoch.any():
            continue
        e = None if in_epoch.all() else np.flatnonzero(in_epoch)
        own = own_all if e is None else own_all[e]
        rates_of = rates_all if e is None else np.asfortranarray(rates_all[e])
        bases_of = bases_all if e is None else np.asfortranarray(bases_all[e])
        value_of = value_all if e is None else value_all[e]
        applies: dict[int, np.ndarray] = {}
        for j in epoch.order:
            if j not in column:
                continue
            c = column[j]
            charged = own[:, c] >= 0
            basis = bases_of[:, c].copy()
            split = np.zeros(len(basis), dtype=bool)
            for other, portion in epoch.yields_to.get(j, ()):
                if other not in applies:
                    continue
                if portion == "all":
                    charged &= ~applies[other]
                else:
                    hit = charged & applies[other]
                    basis = np.where(hit, basis - bases_of[:, column[other]], basis)
                    split |= hit
            basis = np.maximum(basis, 0)
            charged &= ~(split & (basis == 0) & (value_of > 0))  # nothing left to charge: the line yields wholly
            applies[j] = charged
            bases_of[:, c] = basis
            rates_of[:, c] = np.where(charged, own[:, c], -1)
        if e is not None:
            rates_all[e], bases_all[e] = rates_of, bases_of
    line_rates[rows], bases[:] = rates_all, bases_all


def _restacked_bases(
    compiled: CompiledSchedule, result: KeyResult, key_index: np.ndarray, rows: np.ndarray, dates: np.ndarray,
    value: np.ndarray, column: dict[int, int], line_rates: np.ndarray, bases: np.ndarray | None,
) -> np.ndarray | None:
    """:func:`_restack` of ``rows``, and the lines' bases after it (None while each measure a line pays is charged on
    its whole value): the lines × measures array is made only when a restacked line pays on less than its value.

    Without declared contents that does not happen (what yields on another measure's whole value is not charged),
    but that is a consequence of the stacking rules, checked here rather than assumed."""
    of_rows = np.repeat(value[rows, None], len(column), axis=1) if bases is None else bases[rows]
    _restack(compiled, result, key_index, rows, dates, value, column, line_rates, of_rows)
    if bases is None:
        if ((of_rows == value[rows, None]) | (line_rates[rows] < 0)).all():
            return None
        bases = np.repeat(value[:, None], len(column), axis=1)
    bases[rows] = of_rows
    return bases


@dataclass
class PreparedLines:
    """A chunk read into keys once, for computing it on many dates (``timeline``, ``compare``): lines' own
    ``entry_date`` ignored, so the distinct keys are the same on every date but for their date.

    Its keys are evaluated day after day by one :class:`~tariffcalc.engine.evaluate.KeysOnDays`, which matches
    codes, countries and flags once and keeps each measure's column while nothing of it changes; what depends only
    on the lines (their MFN notices) is worked out once.
    """

    compiled: CompiledSchedule
    fields: LineFields
    lines: pd.DataFrame
    key_index: np.ndarray
    keys: pd.DataFrame
    on_days: KeysOnDays
    mfn_notices: list[Notice]

    @classmethod
    def of(cls, basket: Basket, compiled: CompiledSchedule) -> PreparedLines:
        fields = LineFields.of(basket, compiled)
        lines = line_keys(basket, dt.date(2000, 1, 1), False, compiled, fields)
        key_index, keys = distinct_keys(compiled, lines)
        return cls(compiled, fields, lines, key_index, keys, KeysOnDays(compiled, keys), _mfn_notices(basket))

    def on(self, date: dt.date) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
        """The lines' keys, the key of each line and the distinct keys on ``date``."""
        day = np.datetime64(date.isoformat(), "D")
        representative = self.compiled.representative_days(np.array([day]))[0]
        return self.lines.assign(date=day), self.key_index, self.keys.assign(date=representative)


def estimate(
    basket: Basket, schedule: Schedule | CompiledSchedule, date: dt.date, use_entry_dates: bool = True,
    prepared: PreparedLines | None = None,
) -> Estimate:
    """Compute what every line of the basket pays on ``date`` (or its own ``entry_date``, unless told not to).

    ``prepared`` (for this basket and compiled schedule, lines' own dates ignored) saves reading the keys again.
    """
    compiled = schedule if isinstance(schedule, CompiledSchedule) else CompiledSchedule.of(schedule)
    if prepared is not None and not use_entry_dates and prepared.compiled is compiled:
        fields = prepared.fields
        lines, key_index, keys = prepared.on(date)
        result = prepared.on_days.on(keys)
    else:
        prepared = None
        fields = LineFields.of(basket, compiled)
        lines = line_keys(basket, date, use_entry_dates, compiled, fields)
        key_index, keys = distinct_keys(compiled, lines)
        result = evaluate_keys(compiled, keys)

    restacked = result.restack[key_index]
    # The key results are read measures × keys, as the engine made them (turning the keys × measures arrays of
    # rates was a copy of ~50,000 keys × every measure per chunk); the lines' rates are gathered a measure at a time.
    key_rates, key_total = result.per_measure("rates"), result.per_measure("total")
    charged = (key_rates >= 0).any(axis=1) | (result.per_measure("own_rates") >= 0).any(axis=1)
    used = [int(j) for j in np.flatnonzero(charged)]
    column = {j: c for c, j in enumerate(used)}
    line_rates = np.take(key_rates[used], key_index, axis=1).T if used else np.zeros((len(lines), 0), dtype=np.int64)
    bases, missing = line_bases(compiled, basket, fields, used)
    dates = lines["date"].to_numpy(dtype="datetime64[D]")
    if restacked.any():
        bases = _restacked_bases(compiled, result, key_index, np.flatnonzero(restacked), dates, basket.value_cents, column, line_rates, bases)
    mfn_ave = None
    for c in np.flatnonzero(key_total[used].any(axis=1)) if used else ():
        # "X% total": topped up against the line's own MFN duty, on the lines paying it at such a rate.
        mfn_ave = mfn_equivalent(basket) if mfn_ave is None else mfn_ave
        rows = np.flatnonzero(key_total[used[c]][key_index] & (line_rates[:, c] >= 0))
        line_rates[rows, c] = np.maximum(line_rates[rows, c] - mfn_ave[rows], 0)
    value = basket.value_cents
    # Most lines pay one or two measures: compute only the cells that apply.
    rows, columns = np.nonzero(line_rates >= 0)
    duties = np.zeros(line_rates.shape, dtype=np.int64)
    duties[rows, columns] = apply_rate(value[rows] if bases is None else bases[rows, columns], line_rates[rows, columns])
    mfn_duty = apply_rate(value, basket.mfn_micro)
    if basket.mfn_specific_cents is not None:
        mfn_duty = mfn_duty + basket.mfn_specific_cents
    additional = duties.sum(axis=1, dtype=np.int64)
    ad_cvd = _ad_cvd(basket)
    total = mfn_duty + additional + (ad_cvd if ad_cvd is not None else 0)

    mfn_notices = prepared.mfn_notices if prepared is not None else _mfn_notices(basket)
    notices = _notices(compiled, basket, lines, result, key_index, used, line_rates, missing, mfn_notices)
    return Estimate(
        schedule=compiled.schedule,
        date=date,
        basket=basket,
        dates=dates,
        measures=[compiled.schedule.measures[j] for j in used],
        rates=line_rates,
        duties=duties,
        mfn_duty=mfn_duty,
        additional_duty=additional,
        total_duty=total,
        effective_rate=ratio(total, value),
        notices=notices,
        bases=bases,
        ad_cvd_duty=ad_cvd,
    )


#: The basket columns of antidumping and countervailing cash deposits (importer-declared, case-specific).
AD_CVD_COLUMNS = ("ad_rate", "cvd_rate")


def text_read(compiled: CompiledSchedule) -> set[str]:
    """The text columns :func:`estimate` reads, by canonical name: the schedule's declared fields, the MFN rate (for
    its notices) and the official HTS's ``mfn_source``, and the AD/CVD rates.  A chunk sent to another process
    (:meth:`Basket.keeping`) needs no others."""
    return {*compiled.fields, "mfn_rate", "mfn_source", *AD_CVD_COLUMNS}


def _ad_cvd(basket: Basket) -> np.ndarray | None:
    """Each line's AD and CVD cash deposits (cents), or None when the basket declares neither."""
    found = [(name, column_text(basket, name)) for name in AD_CVD_COLUMNS]
    found = [(name, text) for name, text in found if text is not None]
    if not found:
        return None
    duty = np.zeros(len(basket), dtype=np.int64)
    problems = []
    for name, text in found:
        micro, valid = parse_rates(text)
        for row in np.flatnonzero(~valid):
            problems.append(
                Problem(basket.where(int(row)), f"{name}: {text.iloc[row]!r} is not a rate (expected e.g. 17.09% or 0.1709)")
            )
        duty += apply_rate(basket.value_cents, micro)
    if problems:
        raise InputError(problems)
    return duty


_CONFIDENCE_WORD = {0: "low", 1: "medium"}


def _mfn_notices(basket: Basket) -> list[Notice]:
    """Say so when MFN duties are 0 for want of a rate: no ``mfn_rate`` column, or empty cells, and no official HTS."""
    if not len(basket) or "mfn_source" in basket.columns.columns:  # the official HTS gave the missing rates
        return []
    text = basket.text("mfn_rate")
    if text is None:
        return [
            Notice(
                ("no-mfn",),
                f"{basket.name} has no mfn_rate column and no official HTS is used: every MFN duty is 0 (add an "
                "mfn_rate column, or import the HTS with `tariffcalc hts import`)",
            )
        ]
    empty = (text.astype(str).str.strip() == "").to_numpy(dtype=bool)
    if not empty.any():
        return []
    return [
        _lines_notice(
            ("empty-mfn",),
            f"{basket.name}: {{count}} line(s) have an empty mfn_rate and no official HTS is used: their MFN duty is 0 "
            f"({basket.unit} {{lines}}; write Free where that is meant, or import the HTS with `tariffcalc hts import`)",
            basket,
            empty,
        )
    ]


def _notices(
    compiled: CompiledSchedule,
    basket: Basket,
    lines: pd.DataFrame,
    result: KeyResult,
    key_index: np.ndarray,
    used: list[int],
    line_rates: np.ndarray,
    missing: list[tuple[int, np.ndarray]],
    mfn_notices: list[Notice],
) -> list[Notice]:
    # Fresh copies: the notices of a prepared chunk serve each of its dates.
    mfn_notices = [dataclasses.replace(n, lines=list(n.lines), dates=set(n.dates)) for n in mfn_notices]
    notices = _date_notices(compiled, lines) + mfn_notices
    if basket.rounded_values.any():
        notices.append(
            _lines_notice(
                ("rounded",),
                f"{basket.name}: {{count}} value(s) had more than two decimals and were rounded to the cent ({basket.unit} {{lines}})",
                basket,
                basket.rounded_values,
            )
        )
    status = result.per_measure("status")
    for j in np.flatnonzero((status == Status.NOT_DECLARED).any(axis=1)):
        cm = compiled.measures[j]
        for cc in cm.conditions:
            if cc.condition.effect != "require" or cc.condition.before is not None:
                continue
            # Worked out per key (its code, country, day stretch and flags are the line's), then spread onto lines;
            # whether the condition holds there only on the few keys that do not say.
            keys = result.keys
            unsaid = np.flatnonzero((status[j] == Status.NOT_DECLARED) & (keys[cc.column].to_numpy() == -1))
            silent_keys = np.zeros(len(keys), dtype=bool)
            silent_keys[unsaid[_condition_active(cc, keys.iloc[unsaid])]] = True
            silent = silent_keys[key_index]
            if silent.any():
                notices.append(_undeclared_notice(compiled, basket, cm.measure, cc, silent))
    for j in np.flatnonzero(result.partial.any(axis=0)):
        measure = compiled.schedule.measures[j]
        notices.append(
            _lines_notice(
                ("partial", measure.id),
                f"{basket.name}: {{count}} line(s) have an HTS code less specific than the scope of "
                f"{measure.id!r}, which covers only some of its subheadings; it was not applied to them "
                f"({basket.unit} {{lines}}; give 8 or 10 digits)",
                basket,
                result.partial[:, j][key_index],
            )
        )
    confidences = result.per_measure("confidence")
    for c, j in enumerate(used):
        confidence = confidences[j]
        if not ((confidence >= 0) & (confidence < CONFIDENCE_ORDER["high"])).any():  # usual: no low or medium key
            continue
        line_confidence = confidence[key_index]
        doubtful = (line_confidence < CONFIDENCE_ORDER["high"]) & (line_rates[:, c] >= 0)
        for level in (0, 1):
            mask = doubtful & (line_confidence == level)
            if mask.any():
                measure = compiled.schedule.measures[j]
                notices.append(
                    _lines_notice(
                        ("confidence", measure.id, level),
                        f"{basket.name}: {{count}} line(s) pay {measure.id!r}, whose rate is known with "
                        f"{_CONFIDENCE_WORD[level]} confidence only ({basket.unit} {{lines}}): check it against the legal "
                        f"text before relying on it (`tariffcalc rates` names the sources)",
                        basket,
                        mask,
                    )
                )
    for j, absent in missing:
        measure = compiled.schedule.measures[j]
        content = measure.basis.content
        paid = absent & (line_rates[:, used.index(j)] >= 0)
        if paid.any():
            notices.append(
                _lines_notice(
                    ("content", measure.id),
                    f"{basket.name}: {{count}} line(s) pay {measure.id!r} on the declared {content}, but give none: "
                    f"charged on the whole value ({basket.unit} {{lines}}; add a column {content})",
                    basket,
                    paid,
                )
            )
    return notices


def _condition_active(cc: CompiledCondition, lines: pd.DataFrame) -> np.ndarray:
    """Lines (or keys: a key's day stretch lies wholly in or out of a condition's days) on whose date, country and
    product a condition holds (each distinct code matched once)."""
    date = lines["date"].to_numpy(dtype="datetime64[D]")
    active = (date >= cc.start) & (date <= cc.end)
    if cc.countries is not None:
        active &= lines["country"].isin(cc.countries).to_numpy(dtype=bool)
    if cc.products is not None:
        codes, uniques = pd.factorize(lines["hts"], use_na_sentinel=False)
        active &= hts_codes.prefix_mask(uniques, cc.products)[codes]
    return active


def _undeclared_notice(compiled: CompiledSchedule, basket: Basket, measure: Measure, cc: CompiledCondition, silent) -> Notice:
    field = cc.condition.field
    if field == "auto_part":
        return _lines_notice(
            ("undeclared", measure.id, field),
            f"{basket.name}: {{count}} line(s) have HTS codes that {measure.id!r} covers only when the goods are parts "
            f"of passenger vehicles or light trucks; it was not applied to them because the basket does not say so "
            f"({basket.unit} {{lines}}; add a column auto_part with true or false)",
            basket,
            silent,
        )
    spec = compiled.fields[field]
    wanted = " or ".join(cc.condition.in_) if cc.condition.in_ else str(cc.condition.is_ is not False).lower()
    values = " or ".join(spec.values) if spec.type == "enum" and spec.values else "true or false"
    return _lines_notice(
        ("undeclared", measure.id, field),
        f"{basket.name}: {{count}} line(s) have HTS codes that {measure.id!r} covers only where {field} is {wanted}; "
        f"it was not applied to them because the basket does not say ({basket.unit} {{lines}}; add a column {field} "
        f"with {values})",
        basket,
        silent,
    )


def _date_notices(compiled: CompiledSchedule, lines: pd.DataFrame) -> list[Notice]:
    notices = []
    info = compiled.schedule.schedule
    covers = info.covers
    dates = {pd.Timestamp(x).date() for x in pd.unique(lines["date"])}
    after = {d for d in dates if d > covers.through}
    before = {d for d in dates if d < covers.from_}
    outside = after | before
    if after:
        notices.append(
            Notice(
                ("dates",),
                f"date {{dates}} is outside what schedule {compiled.schedule.id!r} covers "
                f"({covers.from_} to {covers.through}): measures that began or changed after "
                f"{covers.through} are not in it, so the result may be incomplete",
                dates=after,
            )
        )
    if before:
        notices.append(
            Notice(
                ("dates-before",),
                f"date {{dates}} is outside what schedule {compiled.schedule.id!r} covers "
                f"({covers.from_} to {covers.through}): measures in force before {covers.from_} "
                f"are not in it, so the result may be incomplete",
                dates=before,
            )
        )
    if info.verified_through is not None:
        unverified = {d for d in dates if d > info.verified_through and d not in outside}
        if unverified:
            notices.append(
                Notice(
                    ("unverified",),
                    f"date {{dates}} is after {info.verified_through}, the day the sources of schedule "
                    f"{compiled.schedule.id!r} were last checked: rates from then on have not been checked "
                    f"against new legal acts",
                    dates=unverified,
                )
            )
    return notices


def _lines_notice(key: tuple, template: str, basket: Basket, mask: np.ndarray) -> Notice:
    rows = basket.source_lines[mask]
    return Notice(key, template, count=len(rows), lines=[int(r) for r in rows[: SHOWN_LINES + 1]])
