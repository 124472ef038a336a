"""CSV baskets read by Arrow's CSV reader, where the file is plain enough that it reads exactly as pandas would.

pandas' parser (:func:`tariffcalc.goods.chunks._csv_frames`) reads any CSV
tariffcalc accepts and words its faults; Arrow's reads faster and keeps the
cells as Arrow text, which checking and writing then use without a Python
string per cell.  So Arrow reads a file only when a scan of its bytes, before
the first chunk is read, proves that the two give the same cells on the same
lines (:func:`plain_csv`):

* UTF-8 (``--encoding utf-8-sig``, the default, or ``utf-8`` without a byte order mark), decodable throughout;
* no carriage return, no NUL byte, no line over 1 GB;
* every line, the last one too, with exactly the header's number of cells: no blank line, no ragged row;
* every ``"`` in a cell quoted whole on one line, ``"`` inside it doubled (``"T-shirts, cotton"``,
  ``"12"" wide"``): no cell spanning lines, no quote never closed, none opened mid-cell or followed by text;
* a header of two columns or more, each named and unquoted, and at least one data line.

Then data row ``i`` (from 0) is file line ``i + 2``, and nothing is reported
while reading (a row of empty cells is dropped by the caller, as for pandas).
Any other file is left to pandas.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

_BLOCK = 1 << 22  # bytes scanned at a time
_READ_BLOCK = 1 << 20  # bytes Arrow reads at a time (smaller blocks, lower peak memory), or more for a longer line
_LONGEST_BLOCK = 1 << 30  # a file with a longer line is left to pandas
_UTF8, _UTF8_SIG = codecs.lookup("utf-8").name, codecs.lookup("utf-8-sig").name


@dataclass(frozen=True)
class PlainCsv:
    """What the scan of a plain CSV file found: its header, its data rows, and where each chunk ends."""

    header: list[str]
    rows: int
    #: The byte offset just past each chunk's last line (for the progress bar).
    chunk_ends: list[int]
    #: At least the longest line, in bytes: Arrow's blocks must hold a whole line.
    longest_line: int


def plain_csv(path: Path, encoding: str, delimiter: str, chunk_size: int) -> PlainCsv | None:
    """The file's header and chunks when Arrow reads it exactly as pandas would (see the module), else None.

    One pass over the bytes in blocks, with NumPy (:func:`_lines_plain`) and Arrow (:func:`_utf8`).
    """
    try:
        encoding = codecs.lookup(encoding).name
    except LookupError:
        return None
    if encoding not in (_UTF8, _UTF8_SIG) or len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n':
        return None
    separator = ord(delimiter)
    header: list[str] | None = None
    rows, chunk_ends, longest = 0, [], 0
    position, tail = 0, b""  # the file offset of ``tail``, the bytes after the last line end seen
    with open(path, "rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            if position == 0 and header is None and not tail and block.startswith(codecs.BOM_UTF8):
                if encoding != _UTF8_SIG:
                    return None  # plain utf-8 keeps the mark as text of the first header
                block, position = block[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
            last = not block
            if b"\r" in block or b"\x00" in block:
                return None
            data = tail + block
            if last:
                if not data:
                    break
                data += b"\n"  # the last line, which has no line end
            bytes_ = np.frombuffer(data, dtype=np.uint8)
            ends = np.flatnonzero(bytes_ == 10)
            if not len(ends):
                tail = data
                continue
            complete = int(ends[-1]) + 1
            if not _utf8(data, complete):  # whole lines, so no character is cut at the end
                return None
            if header is None:
                if b'"' in data[: ends[0]]:
                    return None
                header = data[: ends[0]].decode("utf-8").split(delimiter)
                if len(header) < 2 or any(h == "" for h in header):
                    return None
                first = int(ends[0]) + 1  # the data lines start after the header's
                ends = ends[1:]
            else:
                first = 0
            if len(ends) and not _lines_plain(bytes_[first:complete], ends - first, separator, len(header)):
                return None
            longest = max(longest, int(np.diff(ends, prepend=-1).max()) if len(ends) else 0)
            numbers = np.arange(rows + 1, rows + 1 + len(ends))  # data rows, from 1
            chunk_ends += (position + ends[numbers % chunk_size == 0] + 1).tolist()
            rows += len(ends)
            position += complete
            tail = data[complete:]
            if last:
                break
    if header is None or rows == 0 or longest >= _LONGEST_BLOCK:
        return None
    if rows % chunk_size:
        chunk_ends.append(path.stat().st_size)
    return PlainCsv(header, rows, chunk_ends, longest)


def _utf8(data: bytes, length: int) -> bool:
    """Whether the first ``length`` bytes are UTF-8 as Python decodes it, checked by Arrow (faster than decoding)."""
    if length >= 2**31:  # beyond one Arrow text (a line of 2 GB, which pandas reads anyway)
        try:
            codecs.decode(memoryview(data)[:length], "utf-8")
        except UnicodeDecodeError:
            return False
        return True
    text = pa.Array.from_buffers(pa.string(), 1, [None, pa.py_buffer(np.array([0, length], dtype=np.int32)), pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _lines_plain(lines: np.ndarray, ends: np.ndarray, separator: int, width: int) -> bool:
    """Whether every line (bytes, each ending at one of ``ends``) has ``width`` cells that both parsers read alike.

    Found from where the delimiters and quotes are, with NumPy, not cell by cell.  In a well formed line the
    quotes pair up, each pair around a quoted cell's text or its doubled ``"``: a quote that opens a pair stands
    at a cell's start or just after the one closing the pair before (``""``); one that closes it, at the cell's
    end or just before the next opening one.  Then the delimiters outside the pairs are those between cells,
    ``width - 1`` a line.
    """
    delimiter_at = np.flatnonzero(lines == separator)
    quote_at = np.flatnonzero(lines == 34)
    delimiters = np.diff(np.searchsorted(delimiter_at, ends), prepend=0)
    if not len(quote_at):
        return bool((delimiters == width - 1).all())
    if (np.diff(np.searchsorted(quote_at, ends), prepend=0) % 2).any():
        return False  # a quote never closed on its line
    opening, closing = quote_at[0::2], quote_at[1::2]  # pairs within a line, as every line has an even number
    before = lines[np.maximum(opening - 1, 0)]
    after = lines[closing + 1]  # every line ends with a line feed, so a closing quote is never the last byte
    if not (
        ((before == separator) | (before == 10) | (before == 34) | (opening == 0)).all()
        and ((after == separator) | (after == 10) | (after == 34)).all()
    ):
        return False
    # The delimiters inside each pair, taken from its line's count.
    quoted = np.searchsorted(delimiter_at, closing) - np.searchsorted(delimiter_at, opening)
    np.subtract.at(delimiters, np.searchsorted(ends, opening), quoted)
    return bool((delimiters == width - 1).all())


def arrow_frames(path: Path, plain: PlainCsv, delimiter: str, chunk_size: int) -> Iterator[tuple[pd.DataFrame, int, int]]:
    """The chunks of a plain CSV file (:func:`plain_csv`), ``chunk_size`` rows each, as Arrow-backed text columns.

    Each is ``(frame, first row, byte offset where it ends)``: data row ``first row`` (from 0) is on file line
    ``first row + 2``.  A row of empty cells is the caller's to drop, as for pandas' chunks.
    """
    reader = pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(
            block_size=max(_READ_BLOCK, 2 * plain.longest_line), column_names=plain.header, skip_rows=1, use_threads=False
        ),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
            newlines_in_values=False, ignore_empty_lines=False,
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in plain.header},
            strings_can_be_null=False, quoted_strings_can_be_null=False, check_utf8=True,
        ),
    )  # fmt: skip
    pending: list[pa.RecordBatch] = []
    held, first_row, size = 0, 0, path.stat().st_size

    def chunk(table: pa.Table):
        # One Arrow array a column (the batches' copied together once, rather than by each check and by the
        # writer), as text columns of pandas' own text type.
        frame = table.combine_chunks().to_pandas()
        return frame, first_row, min(plain.chunk_ends[first_row // chunk_size], size)

    for batch in reader:
        pending.append(batch)
        held += batch.num_rows
        while held >= chunk_size:
            table = pa.Table.from_batches(pending)
            yield chunk(table.slice(0, chunk_size))
            rest = table.slice(chunk_size)
            pending, held, first_row = rest.to_batches(), rest.num_rows, first_row + chunk_size
    if held:
        yield chunk(pa.Table.from_batches(pending, schema=reader.schema))
