"""Baskets of imports: reading CSV, JSON or YAML, and normalising every column.

A :class:`Basket` keeps the input's own columns (as text, untouched, for
carrying through to CSV output) next to the normalised columns the engine
needs.  Every line is either normalised or reported as a :class:`Problem`
naming the file, the line and the column: none is dropped or zeroed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd
import yaml

from .. import countries
from .. import hts_codes
from ..errors import InputError, Problem
from ..money import parse_amounts, parse_rates
from ..yaml_source import ExactLoader

InputFormat = Literal["csv", "json", "jsonl", "yaml"]

REQUIRED = ("hts_code", "country", "value")
OPTIONAL = ("description", "quantity", "mfn_rate", "entry_date", "usmca", "auto_part", "unit", "mode", "entry_id")

_EXTENSIONS: dict[str, InputFormat] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".yaml": "yaml",
    ".yml": "yaml",
}
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f", ""}


@dataclass(frozen=True)
class Skipped:
    """The lines left out of a basket read with ``skip_invalid``: every problem, and how much they weigh."""

    problems: list[Problem]
    lines: int
    #: The value of the skipped lines whose value could be read, in cents.
    value_cents: int
    #: Skipped lines whose value itself could not be read.
    unknown_value_lines: int


@dataclass
class Basket:
    """A basket read and normalised.

    ``columns`` holds the input as text, in input order, with the input's own
    headers.  The other arrays are aligned with it, one entry per line.
    """

    name: str
    columns: pd.DataFrame
    #: Where each line is in the file, for messages: the file line (CSV) or item number (JSON/YAML).
    source_lines: np.ndarray
    hts: pd.Series
    country: pd.Series
    value_cents: np.ndarray
    mfn_micro: np.ndarray
    #: The line's own entry date, or NaT where the basket gives none.
    entry_date: pd.Series
    usmca: np.ndarray
    #: 1 where the basket says the goods are parts of passenger vehicles or light trucks, 0 where it says not, -1 where it is silent.
    auto_part: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    #: Lines whose value had more than two decimals and was rounded to the cent.
    rounded_values: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: Canonical column name → the header as written in the input.
    headers: dict[str, str] = field(default_factory=dict)
    #: Lines left out because they are invalid (only when read with ``skip_invalid``).
    skipped: Skipped | None = None
    #: The specific part of each line's MFN duty in cents (from the HTS: amount per unit × quantity), or None.
    mfn_specific_cents: np.ndarray | None = None
    #: What ``source_lines`` count: ``"line"`` (file lines: CSV, JSON Lines) or ``"item"`` (JSON, YAML, Parquet).
    unit: str = "line"

    def __len__(self) -> int:
        return len(self.columns)

    def where(self, row: int) -> str:
        """Where line ``row`` (from 0) is, for a message: ``basket.csv:14`` or ``basket.json: item 3``."""
        return location(self.name, self.unit, self.source_lines[row])

    def text(self, column: str) -> pd.Series | None:
        """A canonical column (e.g. ``"description"``) as the input wrote it, or None."""
        header = self.headers.get(column)
        return None if header is None else self.columns[header]


# -- reading ----------------------------------------------------------------------------


def detect_format(name: str, input_format: InputFormat | None) -> InputFormat:
    """The explicit format, else the file extension's, else CSV (as for stdin)."""
    if input_format:
        return input_format
    return _EXTENSIONS.get(Path(name).suffix.lower(), "csv")


def _sniff_delimiter(text: str) -> str:
    sample = text[:65536]
    first_line = sample.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: first_line.count(d) for d in ",;\t"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def csv_delimiter(sample: str, name: str) -> str:
    """The delimiter of a CSV basket from its first part, after checking its header row."""
    if not sample.strip():
        raise InputError(Problem(name, "the file is empty (expected a header row with hts_code, country, value)"))
    delimiter = _sniff_delimiter(sample)
    header = next(csv.reader(io.StringIO(sample.split("\n", 1)[0]), delimiter=delimiter), [])
    if not any(h.strip() for h in header):
        raise InputError(Problem(f"{name}:1", "the header row is empty (expected column names such as hts_code,country,value)"))
    repeated = sorted({h for h in header if h.strip() and header.count(h) > 1})
    if repeated:
        raise InputError(
            [Problem(f"{name}:1", f"column {h!r} appears {header.count(h)} times in the header; keep one") for h in repeated]
        )
    check_first_record(sample.split("\n", 1)[1] if "\n" in sample else "", delimiter, len(header), name, 2)
    return delimiter


def check_first_record(text: str, delimiter: str, width: int, name: str, line: int) -> None:
    """Refuse a first record with more cells than the header, unless the extra cells are empty.

    pandas (with ``index_col=False``, so that it never takes the first column
    as an index) drops such cells without a word; later records with too many
    cells are parser errors (:func:`csv_problem`).
    """
    record = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    if len(record) > width and any(cell.strip() for cell in record[width:]):
        raise InputError(Problem(f"{name}:{line}", f"not valid CSV: {len(record)} cells where the header has {width}"))


def csv_problem(name: str, error: Exception, first_line: int = 1) -> Problem:
    """pandas' CSV parser error as one line, at the file line it names where it names one.

    ``first_line`` is the file line of the first line pandas read (1 for a whole file).
    """
    message = " ".join(str(error).split())
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, line, found = fields.groups()
        return Problem(
            f"{name}:{int(line) + first_line - 1}", f"not valid CSV: {found} cells where the header has {expected}"
        )
    return Problem(name, f"not valid CSV: {message}")


def _read_csv(text: str, name: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    delimiter = csv_delimiter(text, name)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=object,
            keep_default_na=False,
            skip_blank_lines=False,
            index_col=False,
        )
    except pd.errors.ParserError as exc:
        raise InputError(csv_problem(name, exc)) from None
    frame = frame.fillna("")
    # Header is line 1; with blank lines kept, row i is on line i + 2.  Blank lines are not basket lines.
    source_lines = np.arange(2, len(frame) + 2)
    if len(frame.columns):
        blank = (frame == "").all(axis=1).to_numpy()
        if blank.any():
            frame = frame.loc[~blank].reset_index(drop=True)
            source_lines = source_lines[~blank]
    return frame, source_lines, "line"


def _scalar_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, Decimal, int, str)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return json.dumps(value, default=str)


def _records_frame(records: object, name: str, what: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    if isinstance(records, dict) and isinstance(records.get("lines"), list):
        records = records["lines"]
    if not isinstance(records, list):
        raise InputError(Problem(name, f"expected {what} holding a list of lines (objects with hts_code, country, value)"))
    problems = [
        Problem(f"{name}: item {i}", f"expected an object with hts_code, country, value, found {type(r).__name__}")
        for i, r in enumerate(records, start=1)
        if not isinstance(r, dict)
    ]
    if problems:
        raise InputError(problems)
    columns: list[str] = []
    for record in records:
        for key in record:
            if str(key) not in columns:
                columns.append(str(key))
    data = {c: [_scalar_text(r.get(c)) for r in records] for c in columns}
    frame = pd.DataFrame(data, columns=columns, dtype=object).astype(str) if columns else pd.DataFrame(index=range(len(records)))
    return frame, np.arange(1, len(records) + 1), "item"


def _read_json(text: str, name: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    try:
        records = json.loads(text, parse_float=Decimal, parse_int=int)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(f"{name}:{exc.lineno}", f"not valid JSON: {exc.msg} (column {exc.colno})")) from None
    except RecursionError:
        raise InputError(Problem(name, "not valid JSON: nested too deeply")) from None
    return _records_frame(records, name, "a JSON array or an object with 'lines'")


def _read_jsonl(text: str, name: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    records, lines = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            records.append(json.loads(raw, parse_float=Decimal))
        except (json.JSONDecodeError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            raise InputError(Problem(f"{name}:{number}", f"not valid JSON: {reason}")) from None
        lines.append(number)
    frame, _, _ = _records_frame(records, name, "JSON lines")
    return frame, np.array(lines, dtype=np.int64), "line"


def _read_yaml(text: str, name: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    try:
        records = yaml.load(text, Loader=ExactLoader)  # noqa: S506 - ExactLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{name}:{mark.line + 1}" if mark else name
        raise InputError(Problem(where, f"not valid YAML: {exc.problem}")) from None
    except (yaml.YAMLError, RecursionError, ArithmeticError):
        raise InputError(Problem(name, "not valid YAML")) from None
    return _records_frame(records, name, "a YAML list")


_READERS = {"csv": _read_csv, "json": _read_json, "jsonl": _read_jsonl, "yaml": _read_yaml}


def read_text(source: str | Path | IO[bytes], encoding: str = "utf-8-sig") -> tuple[str, str]:
    """Read a path, ``-`` (stdin) or a binary stream as text; return ``(text, name)``."""
    if hasattr(source, "read"):
        raw, name = source.read(), "<stdin>"
    elif str(source) == "-":
        import sys

        raw, name = sys.stdin.buffer.read(), "<stdin>"
    else:
        path = Path(source)
        name = str(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError(Problem(name, "no such file")) from None
        except IsADirectoryError:
            raise InputError(Problem(name, "is a directory, not a basket file")) from None
        except OSError as exc:
            raise InputError(Problem(name, f"cannot be read ({exc.strerror})")) from None
    if isinstance(raw, str):
        return raw, name
    try:
        return raw.decode(encoding), name
    except UnicodeDecodeError as exc:
        raise not_text(name, encoding, raw[: exc.start].count(b"\n") + 1, exc.start) from None
    except LookupError:
        raise InputError(Problem("--encoding", f"{encoding!r} is not a text encoding Python knows")) from None


def not_text(name: str, encoding: str, line: int, offset: int) -> InputError:
    """The error for a file that is not in the expected encoding, with where it first fails."""
    hint = "; if it was saved by Excel on Windows, try --encoding cp1252" if encoding.startswith("utf") else ""
    return InputError(
        Problem(f"{name}:{line}", f"is not {encoding.replace('-sig', '').upper()} text (byte {offset} cannot be decoded{hint})")
    )


def first_undecodable(path: Path, encoding: str) -> tuple[int, int]:
    """``(line, byte offset)`` of the first byte of a file that ``encoding`` cannot decode, read in blocks."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    offset, lines = 0, 1
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return lines + block[: max(exc.start, 0)].count(b"\n"), offset + max(exc.start, 0)
            offset += len(block)
            lines += block.count(b"\n")
    return lines, offset


def read_basket(
    source: str | Path | IO[bytes],
    input_format: InputFormat | None = None,
    encoding: str = "utf-8-sig",
    skip_invalid: bool = False,
    decimal_comma: bool = False,
) -> Basket:
    """Read a basket file (or ``-`` for stdin) and normalise it.

    Raises InputError listing every problem: missing or duplicate columns and
    every invalid cell, each with its line (with ``skip_invalid``, invalid
    lines are left out and listed in ``Basket.skipped`` instead).
    ``decimal_comma`` reads amounts and rates written ``1 234,50`` / ``2,5%``.
    """
    text, name = read_text(source, encoding)
    fmt = detect_format(name, input_format)
    frame, source_lines, unit = _READERS[fmt](text, name)
    return normalise(frame, source_lines, name, unit, skip_invalid, decimal_comma)


# -- normalising ------------------------------------------------------------------------


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

    Normalising works on the distinct values (a basket of a million lines has
    a few thousand distinct HTS codes and a few dozen countries), and the
    results are spread back onto the lines with one NumPy take.
    """

    def __init__(self, values: pd.Series | None, length: int):
        if values is None:
            self.codes = np.zeros(length, dtype=np.intp)
            self.values = pd.Series([""], dtype=object)
        else:
            codes, uniques = pd.factorize(values.astype(object).fillna(""), sort=False)
            self.codes = codes
            self.values = pd.Series(uniques, dtype=object) if len(uniques) else pd.Series([""], dtype=object)

    def spread(self, per_value: np.ndarray | pd.Series) -> np.ndarray:
        return np.asarray(per_value)[self.codes]


def location(name: str, unit: str, number: int) -> str:
    """``name:14`` for a file line, ``name: item 3`` for an item of a JSON, YAML or Parquet basket."""
    return f"{name}:{number}" if unit == "line" else f"{name}: item {number}"


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
    found: list[tuple[int, int, Problem]] = []  # (row, order, problem): sorted by row, then as found
    n = len(frame)
    invalid = np.zeros(n, dtype=bool)
    columns = {key: _Distinct(frame[headers[key]] if key in headers else None, n) for key in REQUIRED + OPTIONAL}

    def report(key: str, bad_values: np.ndarray, reason: str | pd.Series) -> None:
        """Report every line whose value in ``key`` is bad; ``reason`` is one text or one per distinct value."""
        bad_values = np.asarray(bad_values, dtype=bool)
        if not bad_values.any():
            return
        column = columns[key]
        reasons = np.asarray(reason, dtype=object) if isinstance(reason, pd.Series) else None
        bad_rows = column.spread(bad_values)
        invalid[bad_rows] = True
        for row in np.flatnonzero(bad_rows):
            value_index = column.codes[row]
            why = reasons[value_index] if reasons is not None else reason
            problem = Problem(location(name, unit, source_lines[row]), f"{key}: {column.values.iloc[value_index]!r} {why}")
            found.append((int(row), len(found), problem))

    hts_column = columns["hts_code"]
    codes, code_reason = hts_codes.normalise_codes(hts_column.values)
    report("hts_code", (code_reason != "").to_numpy(dtype=bool), code_reason)

    country_text = columns["country"].values.str.strip()
    country = countries.resolve_column(country_text)
    unknown = (country == "").to_numpy(dtype=bool)
    report("country", unknown, _reasons(country_text, unknown, _country_reason))

    value_text = columns["value"].values
    cents, valid_value, rounded = parse_amounts(from_decimal_comma(value_text) if decimal_comma else value_text)
    # Only the values that did not parse need a reason, and most baskets have none.
    suspect = np.flatnonzero(~valid_value)
    stripped = value_text.iloc[suspect].astype(object).fillna("").str.strip()
    empty_value, negative, comma_decimal = (np.zeros(len(value_text), dtype=bool) for _ in range(3))
    empty_value[suspect] = (stripped == "").to_numpy(dtype=bool)
    negative[suspect] = stripped.str.match(r"^-\s*\$?\d").fillna(False).to_numpy(dtype=bool)
    report("value", empty_value, "is empty (expected the customs value in USD, e.g. 30000 or 30000.00)")
    report("value", negative & ~empty_value, "is negative (expected a customs value of 0 or more)")
    not_amount = ~valid_value & ~empty_value & ~negative
    if decimal_comma:
        report(
            "value",
            not_amount,
            "is not an amount in USD written with a decimal comma (expected a number such as 30000 or 30 000,00)",
        )
    else:
        comma_decimal[suspect] = (
            stripped.str.fullmatch(r"\$?\d{1,3}([ .\u00a0\u202f]\d{3})*,\d{1,2}|\$?\d+,\d{1,2}")
            .fillna(False)
            .to_numpy(dtype=bool)
        )
        report(
            "value",
            not_amount & comma_decimal,
            "looks like an amount with a decimal comma (use --decimal-comma if the file writes decimals that way)",
        )
        report(
            "value",
            not_amount & ~comma_decimal,
            "is not an amount in USD (expected a number such as 30000 or 30000.00; at most USD 1 trillion a line)",
        )

    mfn_text = columns["mfn_rate"].values
    mfn_micro, valid_mfn = parse_rates(mfn_text.str.replace(",", ".", regex=False) if decimal_comma else mfn_text)
    report("mfn_rate", ~valid_mfn, "is not a rate (expected a fraction such as 0.025 or a percentage such as 2.5%)")

    date_text = columns["entry_date"].values.str.strip()
    entry_date = pd.to_datetime(date_text.where(date_text != ""), format="%Y-%m-%d", errors="coerce")
    shaped = date_text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy(dtype=bool)
    bad_date = (date_text != "").to_numpy(dtype=bool) & entry_date.isna().to_numpy()
    report("entry_date", bad_date & shaped, "is not a date that exists")
    report("entry_date", bad_date & ~shaped, "is not a date (expected YYYY-MM-DD, e.g. 2025-04-17)")

    flags = {}
    for key in ("usmca", "auto_part"):
        text = columns[key].values.str.strip().str.lower()
        is_true, is_false = text.isin(_TRUE).to_numpy(dtype=bool), text.isin(_FALSE).to_numpy(dtype=bool)
        report(key, ~(is_true | is_false), "is not true or false")
        flags[key] = np.where(is_true, 1, np.where(text == "", -1, 0)).astype(np.int8)

    problems = [problem for _, _, problem in sorted(found, key=lambda item: item[:2])]
    if problems and not skip_invalid:
        raise InputError(problems)

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
        hts=pd.Series(hts_column.spread(codes.to_numpy(dtype=object))[keep], dtype=object),
        country=pd.Series(columns["country"].spread(country.to_numpy(dtype=object))[keep], dtype=object),
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
    hints = countries.suggest(text)
    hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
    return f"is not a country tariffcalc knows (expected an ISO code such as JP or JPN, or an English name{hint})"


def basket_from_records(records: list[dict], name: str = "<records>") -> Basket:
    """A basket from Python dicts (as JSON would give), for library use and tests."""
    frame, source_lines, unit = _records_frame(records, name, "a list")
    return normalise(frame, source_lines, name, unit)
