"""Exact money and rates, on whole columns.

Amounts are integer **cents** and rates are integer **millionths**
(``0.25`` is ``250_000``; ``2.5%`` is ``25_000``), held in NumPy ``int64``
arrays.  Nothing passes through a binary float, and rounding is half-up, done
in integer arithmetic.

Limits: one line's value is at most :data:`MAX_VALUE_CENTS` (USD 1 trillion);
a rate has at most six decimals as a fraction (four as a percent) and is at
most :data:`MAX_RATE` (10,000%).  With those, every intermediate product fits
in 64 bits.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from .arrow_text import is_arrow_text

#: Rates are stored as integer multiples of 1/RATE_SCALE.
RATE_SCALE = 1_000_000
#: The largest customs value of a single line, in cents (USD 1 trillion).
MAX_VALUE_CENTS = 10**14
#: The largest rate, in millionths (10,000%).
MAX_RATE = 100 * RATE_SCALE

_DECIMAL = r"(?P<int>\d*)(?:\.(?P<frac>\d*))?"


def rate_from_decimal(value: Decimal) -> int:
    """A fraction such as ``Decimal("0.245")`` as integer millionths.

    Raises ValueError when it is negative, too large, or more precise than a
    millionth.
    """
    scaled = value * RATE_SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError("more than 4 decimals of a percent")
    if value < 0:
        raise ValueError("a negative rate")
    if scaled > MAX_RATE:
        raise ValueError("a rate above 10000%")
    return int(scaled)


def parse_rate(text: object) -> int:
    """One rate from a schedule or option: ``"24%"``, ``"0.24"``, ``0.24`` or ``Decimal``.

    A bare number is a fraction (``0.24`` is 24%); a number with ``%`` is a
    percentage.  Raises ValueError with a short reason.
    """
    if isinstance(text, bool):
        raise ValueError("true/false, not a rate")
    if isinstance(text, float):  # only reachable from callers that bypass our YAML loader
        text = repr(text)
    raw = str(text).strip()
    percent = raw.endswith("%")
    number = raw[:-1].strip() if percent else raw
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a rate (expected a percentage such as 24% or a fraction such as 0.24)") from None
    if not value.is_finite():
        raise ValueError(f"{raw!r} is not a rate (expected a percentage such as 24% or a fraction such as 0.24)")
    if not percent and value >= 1:
        # A bare 2.5 is a fraction, 250%: almost always a percentage written without its sign.  Refused, never guessed.
        raise ValueError(
            f"{raw!r} is ambiguous: a bare number is a fraction, so this would be {format_percent(int(value * RATE_SCALE))} "
            f"(write {raw}% for a percentage, or {format(value.scaleb(-2).normalize(), 'f')} as a fraction)"
        )
    return rate_from_decimal(value / 100 if percent else value)


def format_rate(micro: int) -> str:
    """Integer millionths as the shortest decimal fraction: ``250000`` → ``"0.25"``."""
    text = format(Decimal(int(micro)).scaleb(-6).normalize(), "f")
    return text


def format_percent(micro: int) -> str:
    """Integer millionths as a percentage for people: ``250000`` → ``"25%"``."""
    return format(Decimal(int(micro)).scaleb(-4).normalize(), "f") + "%"


def _split_decimal(strings: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Split decimal strings into integer part, fraction digits and a validity mask."""
    parts = strings.str.extract(f"^{_DECIMAL}$")
    whole = parts["int"].fillna("")
    frac = parts["frac"].fillna("")
    valid = parts["int"].notna() & ((whole.str.len() > 0) | (frac.str.len() > 0))
    # 15 integer digits keep us far from int64 overflow; larger values are rejected by the caller's limit.
    valid = valid & (whole.str.len() <= 15)
    return whole.where(valid, "0").replace("", "0"), frac.where(valid, ""), valid


def parse_amounts(strings: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a column of US-dollar amounts into cents.

    Accepts ``1234.5``, ``1,234.50`` (commas as thousands separators only
    where they group by three) and a leading ``$``, with spaces around.
    Returns ``(cents, valid, rounded)``: ``valid`` is False where the text is
    not a non-negative amount within the limit; ``rounded`` is True where the
    text had more than two decimals and was rounded half-up to the cent.

    Plain amounts (digits, then at most two decimals) are parsed with NumPy's
    string functions, whatever else with regular expressions.  A column of
    Arrow text (as CSV baskets are read) has its bare amounts (``827.84``,
    ``12``: the usual cell) parsed by Arrow, without a Python string per cell.
    """
    if is_arrow_text(strings):
        return _parse_amounts_arrow(strings)
    return _parse_amounts_numpy(strings)


def _parse_amounts_numpy(strings: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`parse_amounts` with NumPy's string functions (any column of text)."""
    text = np.strings.strip(np.asarray(strings.astype(object).fillna("").to_numpy(dtype=object), dtype=_STRING))
    whole, _, frac = np.strings.partition(text, _DOT)
    whole_len, frac_len = np.strings.str_len(whole), np.strings.str_len(frac)
    plain = (
        np.strings.isdecimal(whole)
        & (whole_len <= 15)
        & (frac_len <= 2)
        & ((frac_len == 0) | np.strings.isdecimal(frac))
    )
    cents = np.zeros(len(text), dtype=np.int64)
    valid = plain.copy()
    rounded = np.zeros(len(text), dtype=bool)
    if plain.any():
        cents[plain] = (whole[plain] + np.strings.ljust(frac[plain], 2, _ZERO)).astype(np.int64)
    # An empty cell is no amount (0, not valid): only the other cells that are not plain need the regular expressions.
    other = np.flatnonzero(~plain & (np.strings.str_len(text) > 0))
    if len(other):
        cents[other], valid[other], rounded[other] = _parse_amounts_slowly(pd.Series(text[other].astype(object)))
    valid &= cents <= MAX_VALUE_CENTS
    return np.where(valid, cents, 0), valid, rounded


#: A bare amount: digits (at most 15), then at most two decimals, nothing around; any other cell is parsed by NumPy.
_BARE_AMOUNT = r"^[0-9]{1,15}(\.[0-9]{0,2})?$"


def _parse_amounts_arrow(strings: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`parse_amounts` of Arrow text: the bare amounts by Arrow, the others (few) by NumPy as any text.

    A bare amount's cents are its digits without the dot as an integer, times 100 or 10 for the decimals
    missing: ``827.84`` → 82784, ``12.5`` → 1250, ``12`` → 1200.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pa.array(strings.array)
    cells = (cells.combine_chunks() if isinstance(cells, pa.ChunkedArray) else cells).fill_null("")
    bare = pc.match_substring_regex(cells, _BARE_AMOUNT)
    digits = pc.cast(pc.if_else(bare, pc.replace_substring(cells, ".", ""), "0"), pa.int64()).to_numpy()
    dot = pc.find_substring(cells, ".").to_numpy()
    decimals = np.where(dot < 0, 0, pc.binary_length(cells).to_numpy() - dot - 1)
    cents = digits * np.array([100, 10, 1], dtype=np.int64)[np.minimum(decimals, 2)]
    valid = bare.to_numpy(zero_copy_only=False).copy()
    rounded = np.zeros(len(cells), dtype=bool)
    other = np.flatnonzero(~valid)
    if len(other):
        cents[other], valid[other], rounded[other] = _parse_amounts_numpy(strings.iloc[other])
    valid &= cents <= MAX_VALUE_CENTS
    return np.where(valid, cents, 0), valid, rounded


_STRING = np.dtypes.StringDType()
_DOT = np.asarray(".", dtype=_STRING)
_ZERO = np.asarray("0", dtype=_STRING)


def _parse_amounts_slowly(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`parse_amounts` for the rarer forms: ``$``, thousands separators, more than two decimals, junk."""
    text = text.str.replace(r"^\$\s*", "", regex=True)
    grouped = text.str.fullmatch(r"\d{1,3}(,\d{3})+(\.\d*)?")
    text = text.where(~grouped.fillna(False), text.str.replace(",", "", regex=False))
    whole, frac, valid = _split_decimal(text)
    valid = valid.fillna(False).to_numpy(dtype=bool)
    cents = whole.astype("int64").to_numpy() * 100
    cents = cents + frac.str.slice(0, 2).str.pad(2, side="right", fillchar="0").astype("int64").to_numpy()
    rounded = (frac.str.len() > 2).to_numpy(dtype=bool) & valid
    round_up = frac.str.slice(2, 3).isin(list("56789")).to_numpy(dtype=bool)
    cents = cents + round_up
    return cents.astype("int64"), valid, rounded


def parse_rates(strings: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column of rates (``0.025``, ``2.5%``, ``Free``, empty) into millionths.

    Empty cells and ``Free`` are 0.  Returns ``(micro, valid)``.
    """
    text = strings.astype(object).fillna("").str.strip()
    free = text.str.lower().isin(["", "free"]).to_numpy(dtype=bool)
    percent = text.str.endswith("%").to_numpy(dtype=bool)
    number = text.str.replace(r"\s*%$", "", regex=True)
    whole, frac, valid = _split_decimal(number)
    valid = valid.fillna(False).to_numpy(dtype=bool)
    places = np.where(percent, 4, 6)
    too_precise = frac.str.len().to_numpy() > places
    # Scale: a fraction's 6 decimals are millionths; a percentage's 4 decimals are too.
    frac_digits = frac.str.pad(6, side="right", fillchar="0").str.slice(0, 6)
    micro = np.where(
        percent,
        whole.astype("int64").to_numpy() * 10_000 + frac_digits.str.slice(0, 4).astype("int64").to_numpy(),
        whole.astype("int64").to_numpy() * RATE_SCALE + frac_digits.astype("int64").to_numpy(),
    )
    valid = (valid & ~too_precise & (micro <= MAX_RATE)) | free
    micro = np.where(valid & ~free, micro, 0)
    return micro.astype("int64"), valid


def apply_rate(cents: np.ndarray, micro: np.ndarray) -> np.ndarray:
    """``cents × rate``, rounded half-up to the cent, exactly.

    The value is split into millions of cents and the rest so that no product
    exceeds 64 bits: ``hi·10⁶·r/10⁶ = hi·r`` is exact, and only the low part
    needs rounding.
    """
    cents = np.asarray(cents, dtype=np.int64)
    micro = np.asarray(micro, dtype=np.int64)
    hi, lo = np.divmod(cents, RATE_SCALE)
    return hi * micro + (lo * micro + RATE_SCALE // 2) // RATE_SCALE


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` in millionths, half-up; -1 where the denominator is 0."""
    if np.asarray(numerator).dtype.kind in "Ou" or np.asarray(denominator).dtype.kind in "Ou":  # exact sums beyond int64
        return np.array(
            [(int(n) * RATE_SCALE * 2 + int(d)) // (2 * int(d)) if d > 0 else -1 for n, d in zip(numerator, denominator)],
            dtype=np.int64,
        )
    numerator = np.asarray(numerator, dtype=np.int64)
    denominator = np.asarray(denominator, dtype=np.int64)
    safe = np.where(denominator > 0, denominator, 1)
    if numerator.size and int(numerator.max()) >= (2**63 - 1) // (2 * RATE_SCALE):
        exact = [(int(n) * RATE_SCALE * 2 + int(d)) // (2 * int(d)) for n, d in zip(numerator, safe)]
        result = np.array(exact, dtype=np.int64)
    else:
        result = (numerator * RATE_SCALE * 2 + safe) // (2 * safe)
    return np.where(denominator > 0, result, -1)


def total(cents: np.ndarray) -> int:
    """The exact sum of a column of cents, as a Python int (never overflows)."""
    cents = np.asarray(cents, dtype=np.int64)
    if cents.size == 0:
        return 0
    if int(np.abs(cents).max()) * cents.size < 2**63:
        return int(cents.sum())
    return sum(int(c) for c in cents)


_HUNDREDTHS = np.array([f".{i:02d}" for i in range(100)], dtype=object)


def format_cents(cents: np.ndarray) -> pd.Series:
    """Cents as decimal strings with two places: ``750000`` → ``"7500.00"`` (non-negative amounts)."""
    if np.asarray(cents).dtype == object:  # exact sums beyond int64
        return pd.Series([cents_to_str(int(c)) for c in cents], dtype=object)
    cents = np.asarray(cents, dtype=np.int64)
    whole = (cents // 100).astype(str).astype(object)
    return pd.Series(whole + _HUNDREDTHS[cents % 100], dtype=object)


def cents_to_str(cents: int) -> str:
    """One amount in cents as ``"1234.56"``."""
    return f"{cents // 100}.{cents % 100:02d}"


def format_rates(micro: np.ndarray) -> pd.Series:
    """Millionths as the shortest decimal fraction strings; ``-1`` (undefined) as empty.

    A column holds few distinct rates, so each is formatted once.
    """
    codes, uniques = pd.factorize(np.asarray(micro, dtype=np.int64))
    texts = np.array([format_rate(u) if u >= 0 else "" for u in uniques] or [""], dtype=object)
    return pd.Series(texts[codes], dtype=object)
