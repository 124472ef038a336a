"""Reading baskets: CSV (any delimiter), JSON, JSON Lines and YAML, from a path, stdin or a stream, in any text encoding.

Each reader gives the basket's cells as text, with where each line is in the
file, for :func:`tariffcalc.goods.normalise.normalise`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from .basket import Basket
from .normalise import normalise, shown

InputFormat = Literal["csv", "json", "jsonl", "yaml"]

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


def detect_format(name: str, input_format: InputFormat | None) -> InputFormat:
    """The explicit format, else the file extension's, else CSV (as for stdin)."""
    if input_format:
        return input_format
    return _EXTENSIONS.get(Path(name).suffix.lower(), "csv")


_LINE_END = re.compile(r"(\r\n|\r|\n)")


def _sniff_delimiter(text: str) -> str:
    # The sniffer splits lines on \n only: lines ending in a bare CR are given to it as lines.
    sample = text[:65536].replace("\r\n", "\n").replace("\r", "\n")
    first_line = re.split(r"\r\n|\r|\n", sample, maxsplit=1)[0]
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
    # Lines may end in \n, \r\n or a bare \r (Excel for Mac): split on any of them.
    first, _, rest = (_LINE_END.split(sample, maxsplit=1) + ["", ""])[:3]
    delimiter = _sniff_delimiter(sample)
    header = next(csv.reader(io.StringIO(first, newline=""), delimiter=delimiter), [])
    if not any(h.strip() for h in header):
        raise InputError(Problem(f"{name}:1", "the header row is empty (expected column names such as hts_code,country,value)"))
    repeated = sorted({h for h in header if h.strip() and header.count(h) > 1})
    if repeated:
        raise InputError(
            [Problem(f"{name}:1", f"column {h!r} appears {header.count(h)} times in the header; keep one") for h in repeated]
        )
    check_first_record(rest, delimiter, len(header), name, 2)
    return delimiter


def check_first_record(text: str, delimiter: str, width: int, name: str, line: int) -> None:
    """Refuse a first record with more cells than the header, unless the extra cells are empty.

    pandas (with ``index_col=False``, so that it never takes the first column
    as an index) drops such cells without a word; later records with too many
    cells are parser errors (:func:`csv_problem`).
    """
    record = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    if len(record) > width and any(cell.strip() for cell in record[width:]):
        raise InputError(Problem(f"{name}:{line}", f"not valid CSV: {len(record)} cells where the header has {width}"))


UNCLOSED_QUOTE = "not valid CSV: a quote opened on this line is never closed (the rest of the file would be one cell)"


def csv_problem(name: str, error: Exception, first_line: int = 1, locate: Callable[[int], int] | None = None) -> Problem:
    """pandas' CSV parser error as one line, at the file line it names where it names one.

    ``first_line`` is the file line of the first line pandas read (1 for a whole file). A quote never closed is
    named at the line of its record: ``locate(record)`` gives it exactly (cells before it may span lines); without
    it, each record is taken to be one line.
    """
    message = " ".join(str(error).split())
    unclosed = re.search(r"EOF inside string starting at row (\d+)", message)
    if unclosed:
        record = int(unclosed[1])  # pandas counts the records it read from 0
        line = locate(record) if locate is not None else first_line + record
        return Problem(f"{name}:{line}", UNCLOSED_QUOTE)
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


def records_frame(records: object, name: str, what: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    """A list of JSON or YAML objects (or an object with ``lines``) as text cells, item numbers and ``"item"``."""
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


class _DuplicateKey(ValueError):
    """A key given twice in one JSON object (``json`` would keep the last without a word)."""

    def __init__(self, key: str, position: int):
        super().__init__(key)
        self.key, self.position = key, position


def _parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None, *rest):
    s, start = s_and_end
    pairs, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, memo, *rest)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            found = list(re.finditer(re.escape(json.dumps(key)) + r"\s*:", s[start:end]))
            raise _DuplicateKey(key, start + (found[-1].start() if len(found) > 1 else 0))
        seen.add(key)
    return dict(pairs), end


def _exact_decoder() -> json.JSONDecoder:
    """JSON with exact decimals that refuses a key given twice in an object (the pure-Python scanner, which calls us)."""
    import json.scanner

    decoder = json.JSONDecoder(parse_float=Decimal)
    decoder.parse_object = _parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    return decoder


def _unique_pairs(pairs: list) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key, -1)
            seen.add(key)
    return result


#: The fast decoder (C scanner), which finds a key given twice but not where.
_DECODER = json.JSONDecoder(parse_float=Decimal, object_pairs_hook=_unique_pairs)
#: The slow one, which says where: used only once a key given twice was found.
_WHERE_DECODER = _exact_decoder()


def _twice(key: str, what: str) -> str:
    return f"key {shown(key)} appears twice in the same {what}, which would keep only the last (keep one)"


def _read_json(text: str, name: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    try:
        records = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(f"{name}:{exc.lineno}", f"not valid JSON: {exc.msg} (column {exc.colno})")) from None
    except _DuplicateKey as exc:
        try:
            _WHERE_DECODER.decode(text)
        except _DuplicateKey as where:
            exc = where
        line = text.count("\n", 0, exc.position) + 1 if exc.position >= 0 else None
        raise InputError(Problem(f"{name}:{line}" if line else name, _twice(exc.key, "object"))) from None
    except RecursionError:
        raise InputError(Problem(name, "not valid JSON: nested too deeply")) from None
    return records_frame(records, name, "a JSON array or an object with 'lines'")


def jsonl_record(raw: str, name: str, number: int) -> object:
    """One line of a JSON Lines basket, parsed (decimals exact); InputError naming the line otherwise."""
    try:
        record = _DECODER.decode(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise InputError(Problem(f"{name}:{number}", f"not valid JSON: {reason}")) from None
    except _DuplicateKey as exc:
        raise InputError(Problem(f"{name}:{number}", _twice(exc.key, "object"))) from None
    if not isinstance(record, dict):
        raise InputError(
            Problem(f"{name}:{number}", f"expected an object with hts_code, country, value, found {type(record).__name__}")
        )
    return record


def _read_jsonl(text: str, name: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    records, lines = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        records.append(jsonl_record(raw, name, number))
        lines.append(number)
    frame, _, _ = records_frame(records, name, "JSON lines")
    return frame, np.array(lines, dtype=np.int64), "line"


def _read_yaml(text: str, name: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    from .yaml_basket import read_yaml_basket  # PyYAML only for a YAML basket

    return read_yaml_basket(text, name)


#: The reader of each whole-document format: ``(text, name) -> (cells as text, line numbers, "line" or "item")``.
READERS = {"csv": _read_csv, "json": _read_json, "jsonl": _read_jsonl, "yaml": _read_yaml}


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
    frame, source_lines, unit = READERS[fmt](text, name)
    return normalise(frame, source_lines, name, unit, skip_invalid, decimal_comma)


def basket_from_records(records: list[dict], name: str = "<records>") -> Basket:
    """A basket from Python dicts (as JSON would give), for library use and tests."""
    frame, source_lines, unit = records_frame(records, name, "a list")
    return normalise(frame, source_lines, name, unit)
