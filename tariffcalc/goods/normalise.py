"""Checking and normalising the columns of a basket read as text: one checker per family of columns.

Every invalid cell is a :class:`Problem` naming the file, the line and the
column.  Checking works on each column's distinct values (a basket of a
million lines has a few thousand distinct HTS codes and a few dozen
countries), and the results are spread back onto the lines.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from .. import countries, hts_codes
from ..arrow_text import all_ascii, is_arrow_text
from ..errors import InputError, Problem
from ..money import RATE_SCALE, format_percent, parse_amounts, parse_rates
from .basket import Basket, Skipped, location

REQUIRED = ("hts_code", "country", "value")
OPTIONAL = ("description", "quantity", "mfn_rate", "entry_date", "usmca", "auto_part", "unit", "mode", "entry_id")

_TRUE = {"true", "yes", "y", "1", "t"}
#: The modes of transport a ``mode`` cell may name (the engine's fees read them: :data:`tariffcalc.engine.fees.MODES`).
MODES = ("ocean", "vessel", "sea", "air", "truck", "road", "rail", "mail", "pipeline", "other")
#: The longest cell read, in characters: longer ones are refused (nothing in a basket needs more).
MAX_CELL = 10_000
#: Values echoed in messages are cut to this many characters.
SHOWN = 40
#: The columns whose cells are numbers, codes or dates: their digits must be ASCII 0-9.
_DIGIT_COLUMNS = ("hts_code", "value", "mfn_rate", "entry_date", "quantity")
_FALSE = {"false", "no", "n", "0", "f", ""}


def normalise(
    frame: pd.DataFrame,
    source_lines: np.ndarray,
    name: str,
    unit: str = "line",
    skip_invalid: bool = False,
    decimal_comma: bool = False,
) -> Basket:
    """Check and normalise the columns of a basket read as text.

    Every invalid cell is a Problem.  By default any problem fails the whole
    basket (InputError listing them all); with ``skip_invalid`` the invalid
    lines are left out and accounted for in ``Basket.skipped``.
    """
    headers = _match_headers(frame, name)
    frame, too_long = _cut_long_cells(frame, source_lines, name, unit)
    findings = _Findings(frame, headers, source_lines, name, unit)
    for row, problem in too_long:
        findings.invalid[row] = True
        findings.found.append((row, -1, problem))
    _check_digits(findings)
    codes = _check_codes(findings)
    country = _check_countries(findings)
    cents, valid_value, rounded = _check_values(findings, decimal_comma)
    mfn_micro = _check_mfn_rates(findings, decimal_comma)
    entry_date = _check_dates(findings)
    flags = _check_flags(findings)
    _check_modes(findings)

    problems = findings.problems()
    if problems and not skip_invalid:
        raise InputError(problems)
    columns, invalid = findings.columns, findings.invalid
    keep = ~invalid
    value_cents = columns["value"].spread(cents)
    skipped = None
    if skip_invalid:
        value_known = columns["value"].spread(valid_value)
        skipped = Skipped(
            problems=problems,
            lines=int(invalid.sum()),
            value_cents=int(value_cents[invalid & value_known].sum()),
            unknown_value_lines=int((invalid & ~value_known).sum()),
        )
    dates = columns["entry_date"].spread(entry_date.to_numpy(dtype="datetime64[ns]"))
    return Basket(
        name=name,
        columns=frame.loc[keep].reset_index(drop=True),
        source_lines=source_lines[keep],
        hts=columns["hts_code"].coded(codes, keep),
        country=columns["country"].coded(country, keep),
        value_cents=value_cents[keep],
        mfn_micro=columns["mfn_rate"].spread(mfn_micro)[keep],
        entry_date=pd.Series(dates[keep]).dt.normalize(),
        usmca=(columns["usmca"].spread(flags["usmca"]) == 1)[keep],
        auto_part=columns["auto_part"].spread(flags["auto_part"])[keep],
        rounded_values=columns["value"].spread(rounded)[keep],
        headers=headers,
        skipped=skipped,
        unit=unit,
    )


def _match_headers(frame: pd.DataFrame, name: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    problems: list[Problem] = []
    for header in frame.columns:
        key = str(header).strip().lower()
        if key in REQUIRED + OPTIONAL:
            if key in headers:
                problems.append(
                    Problem(name, f"column {key!r} appears twice (as {headers[key]!r} and {header!r}); keep one")
                )
            headers[key] = header
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        found = ", ".join(repr(str(c)) for c in frame.columns) or "none"
        problems.append(
            Problem(name, f"missing required column(s) {', '.join(missing)} (found columns: {found})")
        )
    if problems:
        raise InputError(problems)
    return headers


class _Distinct:
    """A text column as its distinct values and, per line, the index of its value.

    Normalising works on the distinct values, and the results are spread back
    onto the lines with one NumPy take.
    """

    def __init__(self, values: pd.Series | None, length: int):
        #: True when the column is known to be all ASCII (found cheaply for Arrow text), else None: not known.
        self.ascii: bool | None = None
        if values is None:
            self.codes = np.zeros(length, dtype=np.intp)
            self.values = pd.Series([""], dtype=object)
        else:
            arrow = None
            if is_arrow_text(values):
                import pyarrow as pa
                import pyarrow.compute as pc

                arrow = pa.array(values.array)
                arrow = arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
                self.ascii = all_ascii(arrow)
            if _mostly_distinct(values):  # amounts: hashing them would cost more than checking every cell
                self.codes = np.arange(len(values))
                if self.ascii is not None:  # Arrow text stays Arrow text, which the amount parser reads as it is
                    self.values = values.fillna("").reset_index(drop=True)
                else:
                    self.values = pd.Series(values.to_numpy(dtype=object, na_value=""), dtype=object)
                return
            if arrow is not None and len(arrow) and not arrow.null_count:  # Arrow text, as read: encoded by Arrow
                encoded = pc.dictionary_encode(arrow)
                self.codes = encoded.indices.to_numpy().astype(np.intp)
                self.values = pd.Series(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
                return
            # Factorized as read, missing cells then counted as the empty text.
            codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=True)
            uniques = list(np.asarray(uniques, dtype=object))
            missing = codes < 0
            if missing.any():
                if "" not in uniques:
                    uniques.append("")
                codes[missing] = uniques.index("")
            self.codes = codes
            self.values = pd.Series(uniques, dtype=object) if len(uniques) else pd.Series([""], dtype=object)

    def spread(self, per_value: np.ndarray | pd.Series) -> np.ndarray:
        return np.asarray(per_value)[self.codes]

    def coded(self, per_value: pd.Series, keep: np.ndarray) -> pd.Series:
        """Per kept line, the normalised text of its value, as a pandas Categorical of the distinct texts.

        The engine numbers lines by their codes and countries: as categories, they are numbered once per distinct
        value here, not hashed line by line again.  Two values written apart may normalise alike (``8703.23`` and
        ``870323``): the distinct normalised texts are the categories.
        """
        numbers, texts = pd.factorize(per_value.to_numpy(dtype=object), use_na_sentinel=False)
        return pd.Series(pd.Categorical.from_codes(numbers[self.codes[keep]], categories=pd.Index(texts, dtype=object)))


#: The cells of a column sampled to tell whether it is worth reducing to its distinct values.
_SAMPLE = 4096


def _mostly_distinct(values: pd.Series) -> bool:
    """Whether a long column's first cells are nearly all different (as amounts are), judged on a sample."""
    if len(values) <= 4 * _SAMPLE:
        return False
    head = values.iloc[:_SAMPLE]
    return head.nunique(dropna=False) > 0.9 * _SAMPLE


class _Findings:
    """A basket's columns as distinct values, the problems found in them, and which lines are invalid."""

    def __init__(self, frame: pd.DataFrame, headers: dict[str, str], source_lines: np.ndarray, name: str, unit: str):
        n = len(frame)
        self.columns = {key: _Distinct(frame[headers[key]] if key in headers else None, n) for key in REQUIRED + OPTIONAL}
        self.source_lines, self.name, self.unit = source_lines, name, unit
        self.invalid = np.zeros(n, dtype=bool)
        self.found: list[tuple[int, int, Problem]] = []  # (row, order, problem): sorted by row, then as found
        #: Per column, the distinct values already reported: one problem per cell, the first found.
        self.reported: dict[str, np.ndarray] = {}

    def values(self, key: str) -> pd.Series:
        """The distinct values of a column (one empty value when the basket has no such column)."""
        return self.columns[key].values

    def report(self, key: str, bad_values: np.ndarray, reason: str | pd.Series) -> None:
        """Report every line whose value in ``key`` is bad; ``reason`` is one text or one per distinct value."""
        bad_values = np.asarray(bad_values, dtype=bool)
        if not bad_values.any():
            return
        column = self.columns[key]
        reported = self.reported.setdefault(key, np.zeros(len(bad_values), dtype=bool))
        bad_values = bad_values & ~reported
        reported |= bad_values
        reasons = np.asarray(reason, dtype=object) if isinstance(reason, pd.Series) else None
        bad_rows = column.spread(bad_values)
        self.invalid[bad_rows] = True
        for row in np.flatnonzero(bad_rows):
            value_index = column.codes[row]
            why = reasons[value_index] if reasons is not None else reason
            where = location(self.name, self.unit, self.source_lines[row])
            self.found.append((int(row), len(self.found), Problem(where, f"{key}: {shown(column.values.iloc[value_index])} {why}")))

    def problems(self) -> list[Problem]:
        """Every problem, by line, and within a line in the order found."""
        return [problem for _, _, problem in sorted(self.found, key=lambda item: item[:2])]


# -- one checker per family of columns: each reports its problems and returns the normalised distinct values --------


def _check_codes(findings: _Findings) -> pd.Series:
    """``hts_code``: 4 to 10 digits, dots allowed."""
    codes, reason = hts_codes.normalise_codes(findings.values("hts_code"))
    findings.report("hts_code", (reason != "").to_numpy(dtype=bool), reason)
    return codes


def _check_countries(findings: _Findings) -> pd.Series:
    """``country``: an ISO code or an English name, as alpha-2 codes."""
    text = findings.values("country").str.strip()
    country = countries.resolve_column(text)
    unknown = (country == "").to_numpy(dtype=bool)
    findings.report("country", unknown, _reasons(text, unknown, _country_reason))
    return country


def _check_values(findings: _Findings, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``value``: the customs value in USD; returns ``(cents, valid, rounded)`` per distinct value."""
    text = findings.values("value")
    cents, valid, rounded = parse_amounts(from_decimal_comma(text) if decimal_comma else text)
    # Only the values that did not parse need a reason, and most baskets have none.
    suspect = np.flatnonzero(~valid)
    stripped = text.iloc[suspect].astype(object).fillna("").str.strip()
    empty, negative, comma_decimal = (np.zeros(len(text), dtype=bool) for _ in range(3))
    empty[suspect] = (stripped == "").to_numpy(dtype=bool)
    negative[suspect] = stripped.str.match(r"^-\s*\$?\d").fillna(False).to_numpy(dtype=bool)
    findings.report("value", empty, "is empty (expected the customs value in USD, e.g. 30000 or 30000.00)")
    findings.report("value", negative & ~empty, "is negative (expected a customs value of 0 or more)")
    not_amount = ~valid & ~empty & ~negative
    if decimal_comma:
        findings.report(
            "value",
            not_amount,
            "is not an amount in USD written with a decimal comma (expected a number such as 30000 or 30 000,00)",
        )
        return cents, valid, rounded
    comma_decimal[suspect] = (
        stripped.str.fullmatch(r"\$?\d{1,3}([ .\u00a0\u202f]\d{3})*,\d{1,2}|\$?\d+,\d{1,2}")
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    findings.report(
        "value",
        not_amount & comma_decimal,
        "looks like an amount with a decimal comma (use --decimal-comma if the file writes decimals that way)",
    )
    findings.report(
        "value",
        not_amount & ~comma_decimal,
        "is not an amount in USD (expected a number such as 30000 or 30000.00; at most USD 1 trillion a line)",
    )
    return cents, valid, rounded


def _check_mfn_rates(findings: _Findings, decimal_comma: bool) -> np.ndarray:
    """``mfn_rate``: a fraction or a percentage, in millionths (empty: 0)."""
    text = findings.values("mfn_rate")
    micro, valid = parse_rates(text.str.replace(",", ".", regex=False) if decimal_comma else text)
    findings.report("mfn_rate", ~valid, "is not a rate (expected a fraction such as 0.025 or a percentage such as 2.5%)")
    # A bare 2.5 is a fraction, 250%: a spreadsheet almost always meant 2.5%.  Refused, never guessed.
    bare = valid & (micro >= RATE_SCALE) & ~text.str.strip().str.endswith("%").to_numpy(dtype=bool)
    findings.report("mfn_rate", bare, _reasons(text.str.strip(), bare, _ambiguous_rate))
    return micro


def _check_dates(findings: _Findings) -> pd.Series:
    """``entry_date``: YYYY-MM-DD, a day that exists (empty: NaT)."""
    text = findings.values("entry_date").str.strip()
    entry_date = pd.to_datetime(text.where(text != ""), format="%Y-%m-%d", errors="coerce")
    shaped = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy(dtype=bool)
    bad = (text != "").to_numpy(dtype=bool) & entry_date.isna().to_numpy()
    findings.report("entry_date", bad & shaped, "is not a date that exists")
    findings.report("entry_date", bad & ~shaped, "is not a date (expected YYYY-MM-DD, e.g. 2025-04-17)")
    return entry_date


def _check_flags(findings: _Findings) -> dict[str, np.ndarray]:
    """``usmca`` and ``auto_part``: true or false; 1, 0, or -1 where empty."""
    flags = {}
    for key in ("usmca", "auto_part"):
        text = findings.values(key).str.strip().str.lower()
        is_true, is_false = text.isin(_TRUE).to_numpy(dtype=bool), text.isin(_FALSE).to_numpy(dtype=bool)
        findings.report(key, ~(is_true | is_false), "is not true or false")
        flags[key] = np.where(is_true, 1, np.where(text == "", -1, 0)).astype(np.int8)
    return flags


def _ambiguous_rate(text: str) -> str:
    number = Decimal(text.replace(",", "."))
    fraction = format(number.scaleb(-2).normalize(), "f").replace(".", "," if "," in text else ".")
    return (
        f"is ambiguous: a bare number is a fraction, so this would be {format_percent(int(number * RATE_SCALE))} "
        f"(write {text}% for a percentage, or {fraction} as a fraction)"
    )


def _check_modes(findings: _Findings) -> None:
    """``mode``: a mode of transport (empty: not said)."""
    text = findings.values("mode").str.strip().str.lower()
    findings.report(
        "mode",
        ~(text.isin(MODES) | (text == "")).to_numpy(dtype=bool),
        "is not a mode of transport tariffcalc knows (expected ocean, vessel, air, truck, rail, mail, pipeline or other)",
    )


def _check_digits(findings: _Findings) -> None:
    """Digits other than ASCII 0-9 (Arabic-Indic, fullwidth...) in codes, amounts, rates and dates: refused, never read."""
    for key in _DIGIT_COLUMNS:
        if findings.columns[key].ascii:
            continue
        text = findings.values(key).astype(str)
        if "".join(map(str, text.tolist())).isascii():  # the usual column: every digit in it is 0-9
            continue
        foreign = text.str.contains(r"(?![0-9])\d", regex=True).fillna(False).to_numpy(dtype=bool)
        findings.report(key, foreign, "has digits other than 0-9 (write it with the digits 0-9)")


def shown(value: object) -> str:
    """A value as echoed in a message: its repr, cut to :data:`SHOWN` characters."""
    text = str(value)
    return repr(text) if len(text) <= SHOWN else repr(text[:SHOWN]) + f"… ({len(text):,} characters)"


def _cut_long_cells(frame: pd.DataFrame, source_lines: np.ndarray, name: str, unit: str):
    """Cells longer than :data:`MAX_CELL` refused (and emptied, so no check works on them): ``(frame, [(row, problem)])``."""
    found: list[tuple[int, Problem]] = []
    long_cells = None
    for column in frame.columns:
        rows = _long_rows(frame[column])
        for row in rows:
            where = location(name, unit, source_lines[row])
            cell = str(frame[column].iat[row])
            found.append((int(row), Problem(where, f"{column}: {shown(cell)} is too long (at most {MAX_CELL:,} characters a cell)")))
        if len(rows):
            if long_cells is None:
                frame = frame.copy()
                long_cells = True
            frame.iloc[rows, frame.columns.get_loc(column)] = ""
    return frame, found


def _long_rows(cells: pd.Series) -> np.ndarray:
    """The rows whose cell is text longer than :data:`MAX_CELL` characters, without a Python loop where it can.

    A column of Arrow text is measured by Arrow; a column of Python strings only, by ``len`` in one pass (the
    usual case: none too long); any other column, cell by cell (a cell that is not text is never too long).
    """
    if not len(cells):
        return np.zeros(0, dtype=np.intp)
    if is_arrow_text(cells):
        import pyarrow as pa
        import pyarrow.compute as pc

        array = pa.array(cells.array)
        array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
        if (pc.max(pc.binary_length(array)).as_py() or 0) <= MAX_CELL:  # the usual column: no cell has that many bytes
            return np.zeros(0, dtype=np.intp)
        lengths = pc.fill_null(pc.utf8_length(array), 0).to_numpy(zero_copy_only=False)
        return np.flatnonzero(lengths > MAX_CELL)
    if pd.api.types.infer_dtype(cells, skipna=False) == "string" and max(map(len, cells.tolist())) <= MAX_CELL:
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero([isinstance(c, str) and len(c) > MAX_CELL for c in cells.tolist()])


def _reasons(values: pd.Series, bad: np.ndarray, reason_of) -> pd.Series:
    """``reason_of(value)`` for the bad values only, empty for the rest."""
    reasons = pd.Series("", index=values.index, dtype=object)
    reasons[bad] = values[bad].map(reason_of)
    return reasons


def from_decimal_comma(values: pd.Series) -> pd.Series:
    """``1 234,50`` / ``1.234,50`` → ``1234.50``; anything else is left for the amount parser to reject."""
    text = values.astype(object).fillna("").str.strip()
    shaped = text.str.fullmatch(r"\$?\s*\d{1,3}([ .\u00a0\u202f]\d{3})*(,\d*)?|\$?\s*\d+(,\d*)?").fillna(False)
    converted = text.str.replace(r"[ .\u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
    return converted.where(shaped, text + "\x00")  # a NUL makes a non-matching text invalid for certain


def _country_reason(text: str) -> str:
    if not text:
        return "is empty (expected a country of origin: ISO code such as JP or JPN, or a name such as Japan)"
    refusal = countries.refusal(text)
    if refusal:
        return refusal
    hints = countries.suggest(text)
    hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
    return f"is not a country tariffcalc knows (expected an ISO code such as JP or JPN, or an English name{hint})"
