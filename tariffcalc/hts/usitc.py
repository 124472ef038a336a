"""The official HTSUS, as the US International Trade Commission exports it to CSV.

The export has the columns :data:`COLUMNS` (UTF-8 with a byte-order mark).
Rows without an HTS number are headings of text only ("Horses:"); a row's
place in the tree is its ``Indent``.  Rates are written on the 8-digit tariff
line (sometimes on a 10-digit line) and hold for its statistical suffixes.

:func:`read_usitc_csv` turns it into a tidy frame, one row per file row:
``code`` (digits, empty for text rows), ``indent``, ``description``,
``unit`` (``"doz., kg"``), ``general``, ``special``, ``column2`` (each rate
inherited by statistical suffixes from their 8-digit parent), ``parent`` (the
row number of the row it is nested under, -1 at the top), ``line`` (the
row's line in the file), ``written`` and ``written2`` (True where the file
writes a general / column 2 rate on the row itself, not inherited).  Problems are reported like a basket's: file:line,
what was found and what was expected.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

from ..errors import InputError, Problem

COLUMNS = (
    "HTS Number",
    "Indent",
    "Description",
    "Unit of Quantity",
    "General Rate of Duty",
    "Special Rate of Duty",
    "Column 2 Rate of Duty",
    "Quota Quantity",
    "Additional Duties",
)
#: The tidy frame's columns, in order.
FIELDS = ("code", "indent", "description", "unit", "general", "special", "column2", "parent", "line", "written", "written2")
RATE_FIELDS = ("general", "special", "column2")

_HTS_NUMBER = re.compile(r"\d{4}(?:\.\d{2}){0,3}")


def _unit_text(raw: str) -> str:
    """``'["doz.","kg"]'`` → ``"doz., kg"`` (the export writes units as a JSON list)."""
    raw = raw.strip()
    if not raw:
        return ""
    if raw.startswith("["):
        try:
            units = json.loads(raw)
        except json.JSONDecodeError:
            return raw
        return ", ".join(str(u).strip() for u in units if str(u).strip())
    return raw


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def read_usitc_csv(path: str | Path):
    """Read the USITC HTS export; return the tidy frame (see the module docstring).

    Raises InputError listing every problem (file:line, column, found, expected).
    """
    import pandas as pd

    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(Problem(name, "no such file (expected the HTS CSV exported from hts.usitc.gov)")) from None
    except IsADirectoryError:
        raise InputError(Problem(name, "is a directory, not an HTS CSV file")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(Problem(f"{name}:{line}", f"is not UTF-8 text (byte {exc.start} cannot be decoded)")) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise InputError(Problem(name, "the file is empty (expected the USITC HTS CSV, with a header row)"))
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS[:7] if c not in header]
    if missing:
        raise InputError(
            Problem(
                f"{name}:1",
                f"missing column(s) {', '.join(missing)} (found: {', '.join(header) or 'none'}; "
                "expected the CSV exported from hts.usitc.gov)",
            )
        )
    at = {c: header.index(c) for c in COLUMNS[:7]}
    rows: list[list] = []
    problems: list[Problem] = []
    stack: list[tuple[int, int]] = []  # (indent, row number) of the rows the next one may nest under
    line = 1
    for record in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) < len(header):
            record = record + [""] * (len(header) - len(record))
        number = record[at["HTS Number"]].strip()
        indent_text = record[at["Indent"]].strip()
        if number and not _HTS_NUMBER.fullmatch(number):
            problems.append(
                Problem(f"{name}:{start}", f"HTS Number: {number!r} is not an HTS number (expected 4, 6, 8 or 10 digits in groups, e.g. 0101.21.00)")
            )
            continue
        if not indent_text.isdigit():
            problems.append(Problem(f"{name}:{start}", f"Indent: {indent_text!r} is not a whole number (expected 0, 1, 2...)"))
            continue
        indent = int(indent_text)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else -1
        stack.append((indent, len(rows)))
        rows.append(
            [
                number.replace(".", ""),
                indent,
                re.sub(r"\s+", " ", record[at["Description"]]).strip(),
                _unit_text(record[at["Unit of Quantity"]]),
                *(re.sub(r"\s+", " ", record[at[c]]).strip() for c in COLUMNS[4:7]),
                parent,
                start,
            ]
        )
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError(Problem(name, "has a header but no rows (expected the HTS, one row per heading and line)"))
    frame = pd.DataFrame(rows, columns=list(FIELDS[:-2]))
    frame["written"] = frame["general"] != ""
    frame["written2"] = frame["column2"] != ""
    return inherit_rates(frame)


def inherit_rates(frame):
    """Statistical suffixes (10 digits) without rates take their 8-digit parent's, as the HTS reads."""
    code = frame["code"]
    ten = (code.str.len() == 10).to_numpy()
    eight = frame.loc[code.str.len() == 8].drop_duplicates("code").set_index("code")
    for field in RATE_FIELDS:
        empty = ten & (frame[field] == "").to_numpy()
        if empty.any():
            inherited = code[empty].str.slice(0, 8).map(eight[field]).fillna("")
            frame.loc[empty, field] = inherited.to_numpy()
    return frame


def edition_from_name(path: str | Path) -> str:
    """A guess at the edition from the file name: ``hts_2025_basic_edition.csv`` → ``HTS 2025 basic edition``."""
    stem = Path(path).stem.lower()
    year = re.search(r"(19|20)\d{2}", stem)
    revision = re.search(r"rev(?:ision)?[ _-]?(\d+)", stem)
    if not year:
        return f"HTS from {Path(path).name}"
    if revision:
        return f"HTS {year.group(0)} revision {revision.group(1)}"
    if "basic" in stem:
        return f"HTS {year.group(0)} basic edition"
    return f"HTS {year.group(0)}"
