"""Parquet baskets in (needs pyarrow: ``pip install 'tariffcalc[parquet]'``).

Reading
    A Parquet basket is read one batch of ``chunk_size`` rows at a time and
    every column is turned into text, exactly, before the same normalising
    as a CSV basket:

    - strings as they are (HTS codes must be strings: an integer ``hts_code``
      column is refused, because numbers lose the leading zero of chapters
      01 to 09);
    - integers and decimals as their exact decimal text (``decimal128(12, 2)``
      30000.50 → ``30000.50``);
    - floats as their shortest round-trip decimal (Python's ``repr``), written
      out without an exponent: 30000.1 → ``30000.1``, never
      ``30000.099999999998544808477163314819336``; the value is then rounded
      to the cent like any other (with the usual warning beyond two decimals);
    - booleans as ``true``/``false``, dates as ``YYYY-MM-DD``, nulls as empty;
    - lists and structs as JSON (carried through, never needed by the engine).

    A column name that appears twice is refused, as in a CSV header.

    Each distinct value of a column is converted once (through Arrow's
    dictionary encoding), so there is no Python loop per line.  Lines are
    numbered from 1 in messages (``basket.parquet: item 3``).

Writing is the output's (:mod:`tariffcalc.output.parquet`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem

MAGIC = b"PAR1"
SUFFIXES = (".parquet", ".pq")
NEEDS_PYARROW = "parquet needs pyarrow: pip install 'tariffcalc[parquet]'"


def require_pyarrow():
    """The pyarrow module, or InputError with the one line that says how to install it."""
    try:
        import pyarrow
        import pyarrow.compute  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise InputError(Problem("", NEEDS_PYARROW)) from None
    return pyarrow


def looks_like_parquet(path: Path) -> bool:
    """True when the file's name or its first bytes say Parquet."""
    if path.suffix.lower() in SUFFIXES:
        return True
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == MAGIC
    except OSError:
        return False


# -- reading ----------------------------------------------------------------------------------


def _float_text(value: float) -> str:
    return format(Decimal(repr(float(value))), "f")


def _timestamp_text(value: dt.datetime) -> str:
    if value.tzinfo is None and value.time() == dt.time(0):
        return value.date().isoformat()
    return value.isoformat()


def _converter(pa, arrow_type) -> Callable[[object], str] | None:
    """How one distinct value of a column of this type becomes text (None: not a supported type)."""
    types = pa.types
    if types.is_string(arrow_type) or types.is_large_string(arrow_type) or getattr(types, "is_string_view", lambda t: False)(arrow_type):
        return str
    if types.is_boolean(arrow_type):
        return lambda v: "true" if v else "false"
    if types.is_integer(arrow_type):
        return str
    if types.is_decimal(arrow_type):
        return lambda v: format(v, "f")
    if types.is_floating(arrow_type):
        return _float_text
    if types.is_date(arrow_type):
        return lambda v: v.isoformat()
    if types.is_timestamp(arrow_type):
        return _timestamp_text
    if types.is_binary(arrow_type) or types.is_large_binary(arrow_type):
        return lambda v: v.decode("utf-8", "replace")
    if types.is_dictionary(arrow_type):
        return None  # decoded first, see _column_text
    return str


def _column_text(pa, array) -> np.ndarray:
    """An Arrow array as an object array of exact text; nulls become ''."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    convert = _converter(pa, array.type)
    if pa.types.is_null(array.type) or len(array) == 0:
        return np.full(len(array), "", dtype=object)
    try:
        encoded = pa.compute.dictionary_encode(array)
    except pa.ArrowNotImplementedError:  # lists, structs, maps: rare in a basket, and shown as JSON
        return np.array(["" if v is None else json.dumps(v, default=str) for v in array.to_pylist()], dtype=object)
    distinct = [convert(v) if v is not None else "" for v in encoded.dictionary.to_pylist()] + [""]
    indices = encoded.indices.fill_null(len(distinct) - 1).to_numpy(zero_copy_only=False)
    return np.asarray(distinct, dtype=object)[indices]


def text_frame(table, name: str) -> pd.DataFrame:
    """A pyarrow Table or RecordBatch as a DataFrame of exact text, columns in file order."""
    pa = require_pyarrow()
    names = [str(n) for n in table.schema.names]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError([Problem(name, f"column {n!r} appears {names.count(n)} times; keep one") for n in repeated])
    for field in table.schema:
        if str(field.name).strip().lower() == "hts_code" and not (
            pa.types.is_string(field.type) or pa.types.is_large_string(field.type) or pa.types.is_dictionary(field.type)
            or getattr(pa.types, "is_string_view", lambda t: False)(field.type)
        ):
            raise InputError(
                Problem(
                    name,
                    f"column {field.name!r} is {field.type} (expected strings: as numbers, HTS codes lose the leading "
                    "zero of chapters 01 to 09, e.g. 0101.21.00)",
                )
            )
    data = {str(field.name): _column_text(pa, table.column(i)) for i, field in enumerate(table.schema)}
    return pd.DataFrame(data, columns=list(data), dtype=object) if data else pd.DataFrame(index=range(table.num_rows))


def open_parquet(path: Path, name: str):
    """A ``pyarrow.parquet.ParquetFile``, or InputError when the file is not Parquet."""
    pa = require_pyarrow()
    try:
        return pa.parquet.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(Problem(name, f"not a valid Parquet file ({_first_line(exc)})")) from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def parquet_frames(
    path: Path, name: str, chunk_size: int, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[pd.DataFrame, np.ndarray, str]]:
    """``(text frame, item numbers, "item")`` per batch of ``chunk_size`` rows."""
    pa = require_pyarrow()
    parquet_file = open_parquet(path, name)
    total_rows = parquet_file.metadata.num_rows
    size = path.stat().st_size
    done = 0
    try:
        for batch in parquet_file.iter_batches(batch_size=chunk_size):
            frame = text_frame(batch, name)
            yield frame, np.arange(done + 1, done + 1 + len(frame)), "item"
            done += len(frame)
            if progress is not None:
                progress(size * done // max(total_rows, 1))
    except (pa.ArrowException, OSError) as exc:
        raise InputError(Problem(name, f"not a valid Parquet file ({_first_line(exc)})")) from None
    if done == 0:
        yield text_frame(parquet_file.schema_arrow.empty_table(), name), np.zeros(0, dtype=np.int64), "item"
