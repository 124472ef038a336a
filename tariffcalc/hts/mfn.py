"""The ordinary duty of each basket line from the official HTS: column 1 general (MFN), or column 2.

:func:`apply_hts` takes a normalised :class:`~tariffcalc.goods.basket.Basket` and an
:class:`~tariffcalc.hts.tariff.HtsTariff` and returns the basket with:

* every HTS code checked against the tariff (an unknown code is an input
  error, with the nearest valid codes as a hint);
* for lines whose ``mfn_rate`` is empty (or absent), the rate taken from the
  HTS: the general rate, or the column 2 rate for goods of the countries that
  pay it (``data/hts/column2.yaml``) on the line's date;
* the ad valorem part in ``mfn_micro`` and the specific part (amount per unit ×
  ``quantity``, exact, rounded half-up to the cent) in ``mfn_specific_cents``;
* columns ``hts_description``, ``mfn_source``, ``mfn_rate_text`` and
  ``mfn_note`` added for the output.  ``mfn_note`` says why a line's MFN duty is
  incomplete: a specific rate without ``quantity``, a unit that does not match,
  or a rate tariffcalc does not compute (``The duty provided in the applicable
  subheading``...).  Such lines are also warned about; none is silently zero.

Work is done per distinct HTS code and per distinct (code, column) key; lines
get their values by array indexing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..goods.basket import HTS_COLUMNS, Basket, Skipped
from ..notices import SHOWN_LINES, Notice
from ..paths import data_dir
from .rates import BASKET_UNITS, OTHER_KINDS, describe_unit
from .tariff import HtsTariff

#: The columns apply_hts adds to the basket, in order.
ADDED_COLUMNS = HTS_COLUMNS
#: Quantities are read to this many decimals (millionths of a unit).
QUANTITY_PLACES = 6


@dataclass(frozen=True)
class Column2Country:
    country: str
    name: str
    start: dt.date | None
    citation: str


@lru_cache(maxsize=1)
def column2_countries() -> tuple[Column2Country, ...]:
    """The countries that pay column 2 rates, from ``data/hts/column2.yaml``."""
    import yaml

    document = yaml.safe_load((data_dir() / "hts" / "column2.yaml").read_text(encoding="utf-8"))
    result = []
    for item in document["column2"]:
        authority = item["authority"]
        result.append(
            Column2Country(item["country"], item["name"], item.get("from"), f"{authority['document']}, {authority['citation']}")
        )
    return tuple(result)


def column2_mask(country: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """True where a line's goods pay column 2 rates on its date."""
    mask = np.zeros(len(country), dtype=bool)
    for entry in column2_countries():
        since = np.datetime64(entry.start.isoformat(), "D") if entry.start else np.datetime64("1900-01-01", "D")
        mask |= (country == entry.country) & (dates >= since)
    return mask


def parse_quantities(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quantities as integer millionths of a unit; returns ``(micro, given, valid)``.

    Each distinct text is parsed once, and the results spread onto the lines.
    """
    index, uniques = pd.factorize(text.astype(object).fillna("").astype(str))
    micro, given, valid = _parse_distinct_quantities(pd.Series(uniques, dtype=object))
    return micro[index], given[index], valid[index]


def _parse_distinct_quantities(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    clean = text.str.strip()
    grouped = clean.str.fullmatch(r"\d{1,3}(,\d{3})+(\.\d*)?")
    clean = clean.where(~grouped, clean.str.replace(",", "", regex=False))
    parts = clean.str.extract(r"^(\d{1,12})(?:\.(\d{0,6}))?$")
    given = (clean != "").to_numpy(dtype=bool)
    valid = parts[0].notna().to_numpy(dtype=bool) | ~given
    whole = parts[0].fillna("0").astype("int64").to_numpy()
    frac = parts[1].fillna("").str.pad(QUANTITY_PLACES, side="right", fillchar="0").astype("int64").to_numpy()
    micro = np.where(valid & given, whole * 10**QUANTITY_PLACES + frac, 0)
    return micro.astype("int64"), given, valid


def specific_cents(quantity_micro: np.ndarray, microcents: np.ndarray) -> np.ndarray:
    """``quantity × amount per unit`` in cents, half-up, exact (Python integers, element by element in NumPy)."""
    scale = 10**QUANTITY_PLACES * 10**6  # quantity millionths × micro-cents → cents
    product = quantity_micro.astype(object) * microcents.astype(object)
    return ((product * 2 + scale) // (2 * scale)).astype(np.int64)


def _line_problems(basket: Basket, bad_rows: np.ndarray, column: str, values: pd.Series, reason) -> list[Problem]:
    problems = []
    for row in np.flatnonzero(bad_rows):
        why = reason(row) if callable(reason) else reason
        problems.append(Problem(basket.where(row), f"{column}: {values.iat[row]!r} {why}"))
    return problems


def check_lines(basket: Basket, tariff: HtsTariff) -> tuple[np.ndarray, list[Problem]]:
    """Lines the HTS cannot price: unknown HTS codes, unreadable quantities or units; ``(bad rows, problems)``."""
    n = len(basket)
    code_index, codes = pd.factorize(basket.hts.astype(object))
    exists = np.array([tariff.exists(c) for c in codes] or [True], dtype=bool)
    unknown = ~exists[code_index] if n else np.zeros(0, dtype=bool)
    written = basket.text("hts_code")
    problems = _line_problems(
        basket,
        unknown,
        "hts_code",
        written if written is not None else basket.hts,
        lambda row: _unknown_reason(tariff, codes[code_index[row]]),
    )
    bad = unknown.copy()
    quantity_text = basket.text("quantity")
    if quantity_text is not None:
        valid = parse_quantities(quantity_text)[2]
        problems += _line_problems(
            basket, ~valid, "quantity", quantity_text, "is not a quantity (expected a number of units such as 120 or 12.5)"
        )
        bad |= ~valid
    unit_text = basket.text("unit")
    if unit_text is not None:
        raw_units = unit_text.astype(str).str.strip().str.lower().str.rstrip(".")
        bad_unit = (raw_units != "").to_numpy(dtype=bool) & raw_units.map(BASKET_UNITS).isna().to_numpy(dtype=bool)
        problems += _line_problems(
            basket, bad_unit, "unit", unit_text, "is not a unit tariffcalc knows (expected kg, liter, doz, pr, each, m2, m3, t...)"
        )
        bad |= bad_unit
    return bad, sorted(problems, key=lambda p: _line_number(p.where))


def without_lines(basket: Basket, bad: np.ndarray, problems: list[Problem]) -> Basket:
    """The basket without the ``bad`` lines, which join its ``skipped`` lines (as --skip-invalid expects)."""
    keep = ~bad
    before = basket.skipped
    skipped = Skipped(
        problems=sorted((before.problems if before else []) + problems, key=lambda p: _line_number(p.where)),
        lines=(before.lines if before else 0) + int(bad.sum()),
        value_cents=(before.value_cents if before else 0) + int(basket.value_cents[bad].sum()),
        unknown_value_lines=before.unknown_value_lines if before else 0,
    )
    return replace(
        basket,
        columns=basket.columns.loc[keep].reset_index(drop=True),
        source_lines=basket.source_lines[keep],
        hts=basket.hts[keep].reset_index(drop=True),
        country=basket.country[keep].reset_index(drop=True),
        value_cents=basket.value_cents[keep],
        mfn_micro=basket.mfn_micro[keep],
        entry_date=basket.entry_date[keep].reset_index(drop=True),
        usmca=basket.usmca[keep],
        auto_part=basket.auto_part[keep],
        rounded_values=basket.rounded_values[keep],
        skipped=skipped,
        mfn_specific_cents=None if basket.mfn_specific_cents is None else basket.mfn_specific_cents[keep],
    )


def apply_hts(basket: Basket, tariff: HtsTariff, date: dt.date) -> tuple[Basket, list[Notice]]:
    """The basket with MFN (or column 2) duties from the HTS; see the module docstring.

    Lines the HTS cannot price (see :func:`check_lines`) are an InputError, or,
    for a basket read with ``skip_invalid`` (which has ``skipped``), join its
    skipped lines.
    """
    bad, problems = check_lines(basket, tariff)
    if problems:
        if basket.skipped is None:
            raise InputError(problems)
        basket = without_lines(basket, bad, problems)
    mfn_text = basket.text("mfn_rate")
    needs = np.ones(len(basket), dtype=bool) if mfn_text is None else (mfn_text.astype(str).str.strip() == "").to_numpy(dtype=bool)
    dates = basket.entry_date.fillna(pd.Timestamp(date)).to_numpy(dtype="datetime64[D]")
    column2 = column2_mask(basket.country.to_numpy(dtype=object), dates) & needs
    rates = _LineRates.of(basket, tariff, column2)
    quantity, has_quantity, units = _quantities(basket)
    is_specific = np.isin(rates.kind, ["specific", "compound"])
    unit_mismatch = np.zeros(len(basket), dtype=bool)
    if units is not None:
        unit_mismatch = is_specific & has_quantity & (units != "") & (units != rates.unit)
    computed = needs & is_specific & has_quantity & ~unit_mismatch
    specific = np.zeros(len(basket), dtype=np.int64)
    specific[computed] = specific_cents(quantity[computed], rates.microcents[computed])
    note = _mfn_notes(rates, needs, is_specific & ~has_quantity, unit_mismatch, units)

    source = np.where(needs, np.where(column2, "HTS column 2", "HTS general"), "basket")
    rate_text = np.where(needs, rates.text, mfn_text.to_numpy(dtype=object) if mfn_text is not None else "")
    added = {"hts_description": rates.description, "mfn_source": source, "mfn_rate_text": rate_text, "mfn_note": note}
    result = replace(
        _with_columns(basket, added),
        mfn_micro=np.where(needs, rates.ad_valorem, basket.mfn_micro).astype(np.int64),
        mfn_specific_cents=specific,
    )
    return result, _notices(basket, tariff, note, column2)


@dataclass(frozen=True)
class _LineRates:
    """Each line's rate from the HTS (general, or column 2 where ``column2``), parsed once per distinct (code, column)."""

    description: np.ndarray
    ad_valorem: np.ndarray
    microcents: np.ndarray
    unit: np.ndarray
    kind: np.ndarray
    text: np.ndarray
    problem: np.ndarray

    @classmethod
    def of(cls, basket: Basket, tariff: HtsTariff, column2: np.ndarray) -> _LineRates:
        n = len(basket)
        code_index, codes = pd.factorize(basket.hts.astype(object))
        codes = list(codes)
        keys = pd.DataFrame({"code": code_index, "column2": column2})
        key_index = keys.groupby(["code", "column2"], sort=False).ngroup().to_numpy() if n else np.zeros(0, dtype=np.int64)
        distinct = keys.drop_duplicates().reset_index(drop=True)
        per_key = [_key_rate(tariff, codes[int(c)], bool(col2)) for c, col2 in zip(distinct["code"], distinct["column2"])]
        descriptions = np.array([tariff.description(c) for c in codes] or [""], dtype=object)

        def spread(attribute, dtype=object):
            values = np.array([getattr(k, attribute) for k in per_key] or [dtype()], dtype=dtype)
            return values[key_index] if n else np.zeros(0, dtype=dtype)

        return cls(
            description=descriptions[code_index] if n else np.zeros(0, dtype=object),
            ad_valorem=spread("ad_valorem", np.int64),
            microcents=spread("microcents", np.int64),
            unit=spread("unit"),
            kind=spread("kind"),
            text=spread("text"),
            problem=spread("problem"),
        )


def _quantities(basket: Basket) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(quantity in millionths, given, unit)`` per line; the units are None when the basket has no unit column."""
    n = len(basket)
    quantity_text = basket.text("quantity")
    if quantity_text is None:
        quantity, has_quantity = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    else:
        quantity, has_quantity, _ = parse_quantities(quantity_text)
    unit_text = basket.text("unit")
    units = None
    if unit_text is not None:
        raw_units = unit_text.astype(str).str.strip().str.lower().str.rstrip(".")
        units = raw_units.map(BASKET_UNITS).fillna("").to_numpy(dtype=object)
    return quantity, has_quantity, units


def _mfn_notes(
    rates: _LineRates, needs: np.ndarray, missing: np.ndarray, unit_mismatch: np.ndarray, units: np.ndarray | None
) -> np.ndarray:
    """Why each line's MFN duty is incomplete (empty where it is not): no quantity, another unit, a rate not computed."""
    text, rate_unit, kind, problem = rates.text, rates.unit, rates.kind, rates.problem
    note = np.full(len(needs), "", dtype=object)
    missing = needs & missing
    note[missing] = "specific rate " + text[missing] + ": quantity in " + _unit_names(rate_unit[missing]) + " needed"
    if unit_mismatch.any():
        rows = needs & unit_mismatch
        note[rows] = (
            "specific rate " + text[rows] + ": quantity is in " + units[rows].astype(str) + ", not "
            + _unit_names(rate_unit[rows]) + " (not computed)"
        )
    other = needs & ~np.isin(kind, ["specific", "compound"]) & ~np.isin(kind, ["free", "ad_valorem"])
    note[other] = np.where(
        problem[other] != "",
        problem[other],
        "rate " + np.array([repr(t) for t in text[other]], dtype=object) + " is " + _kind_meanings(kind[other])
        + ": not computed (give mfn_rate)",
    )
    return note


def _with_columns(basket: Basket, added: dict[str, np.ndarray]) -> Basket:
    """The basket with the columns ``added`` after its own (``hts_description`` stands in for a missing description)."""
    columns = basket.columns.copy()
    for name, values in added.items():
        columns[name] = pd.Series(values, index=columns.index, dtype=object)
    headers = dict(basket.headers)
    if "description" not in headers:
        headers["description"] = "hts_description"
    return replace(basket, columns=columns, headers=headers)


def _line_number(where: str) -> int:
    tail = where.rsplit(":", 1)[-1].replace("item", "").strip()
    return int(tail) if tail.isdigit() else 0


def _unknown_reason(tariff: HtsTariff, code: str) -> str:
    nearest = tariff.nearest(code)
    hint = f"; nearest: {', '.join(nearest)}" if nearest else ""
    return f"is not in the {tariff.edition}{hint}"


@dataclass(frozen=True)
class _KeyRate:
    text: str = ""
    kind: str = "missing"
    ad_valorem: int = 0
    microcents: int = 0
    unit: str = ""
    problem: str = ""


def _key_rate(tariff: HtsTariff, code: str, column2: bool) -> _KeyRate:
    found = tariff.rate(code, "column2" if column2 else "general")
    if found.problem:
        return _KeyRate(problem=found.problem + " (not computed; give mfn_rate)")
    parsed = tariff.parsed(found.text)
    if parsed.kind == "unparsed":
        return _KeyRate(parsed.text, parsed.kind, problem=f"rate {parsed.text!r} cannot be used: {parsed.reason}")
    if not parsed.computed:
        # A percentage of part of the goods ("3% on the value of the lead content") is not a percentage of the value.
        return _KeyRate(parsed.text, parsed.kind)
    return _KeyRate(parsed.text, parsed.kind, parsed.ad_valorem, parsed.microcents, parsed.unit)


def _unit_names(units: np.ndarray) -> np.ndarray:
    return np.array([describe_unit(u) for u in units], dtype=object)


def _kind_meanings(kinds: np.ndarray) -> np.ndarray:
    meanings = {**OTHER_KINDS, "unparsed": "a rate tariffcalc cannot read", "missing": "missing"}
    return np.array([meanings.get(k, k) for k in kinds], dtype=object)


def _notices(basket: Basket, tariff: HtsTariff, note: np.ndarray, column2: np.ndarray) -> list[Notice]:
    notices = []
    for text in pd.unique(note[note != ""]):
        rows = basket.source_lines[note == text]
        notices.append(
            Notice(
                ("hts-mfn", text),
                f"{basket.name}: {{count}} line(s): MFN duty incomplete: {text} ({basket.unit} {{lines}})",
                count=len(rows),
                lines=[int(r) for r in rows[: SHOWN_LINES + 1]],
            )
        )
    if column2.any():
        countries = sorted(set(basket.country.to_numpy(dtype=object)[column2]))
        citations = "; ".join(sorted({c.citation for c in column2_countries() if c.country in countries}))
        rows = basket.source_lines[column2]
        notices.append(
            Notice(
                ("hts-column2", tuple(countries)),
                f"{basket.name}: {{count}} line(s) from {', '.join(countries)} pay the column 2 rates of the "
                f"{tariff.edition} as their base duty ({citations}) ({basket.unit} {{lines}})",
                count=len(rows),
                lines=[int(r) for r in rows[: SHOWN_LINES + 1]],
            )
        )
    # In order of their first line, so that a basket read in chunks warns in the same order.
    return sorted(notices, key=lambda notice: notice.lines[0] if notice.lines else 0)
