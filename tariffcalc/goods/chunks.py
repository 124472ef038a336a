"""Large baskets in bounded memory: read CSV and JSON Lines in chunks, each normalised like a whole basket.

Each chunk goes through the same normalising as a whole basket, so the
results are identical to the in-memory path (tested).  JSON and YAML
baskets are single documents and are read whole; Parquet baskets are read
in batches of rows (see :mod:`tariffcalc.goods.parquet`).  Standard input is first copied to a
temporary file, so that it can be sniffed and read in chunks too.

Computing the chunks is the engine's (:mod:`tariffcalc.engine.run`).
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..defaults import DEFAULT_CHUNK_SIZE
from ..errors import InputError, Problem
from .basket import Basket, Skipped
from .normalise import REQUIRED, normalise
from .parquet import looks_like_parquet, parquet_frames

try:
    from .arrow_csv import arrow_frames, plain_csv
except ImportError:  # pyarrow is a core dependency; an install without it has pandas read every CSV basket
    arrow_frames = plain_csv = None
from .read import (
    READERS,
    InputFormat,
    csv_delimiter,
    csv_problem,
    detect_format,
    first_undecodable,
    jsonl_record,
    not_text,
    read_text,
    records_frame,
)


@contextmanager
def local_path(source: str | Path) -> Iterator[tuple[Path, str]]:
    """The basket as a file on disk, and its name for messages (stdin is spooled to a temporary file)."""
    if str(source) != "-":
        path = Path(source)
        if not path.exists():
            raise InputError(Problem(str(path), "no such file"))
        if path.is_dir():
            raise InputError(Problem(str(path), "is a directory, not a basket file"))
        if path.is_file():
            yield path, str(path)
            return
        # A FIFO, ``<(cat basket.csv)`` or a device can be read only once: spooled like stdin, then sniffed and read.
        try:
            stream = open(path, "rb")
        except OSError as exc:
            raise InputError(Problem(str(path), f"cannot be read ({exc.strerror})")) from None
        with stream, _spooled(stream) as spool:
            yield spool, str(path)
        return
    with _spooled(sys.stdin.buffer) as spool:
        yield spool, "<stdin>"


@contextmanager
def _spooled(stream) -> Iterator[Path]:
    """A stream that can be read only once, copied to a temporary file."""
    with tempfile.NamedTemporaryFile(prefix="tariffcalc-stdin-", suffix=".basket") as spool:
        shutil.copyfileobj(stream, spool)
        spool.flush()
        yield Path(spool.name)


def _bytes_read(handle) -> int:
    """How far into the file a text handle has read (read-ahead included), for the progress bar."""
    try:
        return handle.buffer.raw.tell()
    except (AttributeError, OSError, ValueError):
        return 0


def csv_layout(path: Path, name: str, encoding: str) -> str:
    """The delimiter of a CSV basket, after checking it has a header and no repeated column."""
    refuse_wide_text(path, name, encoding)
    with open(path, encoding=encoding, newline="") as handle:
        return csv_delimiter(handle.read(65536), name)


_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def refuse_wide_text(path: Path, name: str, encoding: str) -> None:
    """A UTF-16 or UTF-32 file (by its byte order mark) read with a one-byte encoding: refused, naming the encoding."""
    if encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32", "utf16", "utf32")):
        return
    with open(path, "rb") as handle:
        start = handle.read(4)
    for bom, wide in _WIDE_BOMS:
        if start.startswith(bom):
            raise InputError(Problem(f"{name}:1", f"is {wide.upper()} text, not {encoding.replace('-sig', '').upper()} (use --encoding {wide})"))


def csv_chunk_frame(frame: pd.DataFrame, first_row: int) -> tuple[pd.DataFrame, np.ndarray, str]:
    """A chunk of a CSV basket read as text (blank lines kept), whose first row is data row ``first_row`` (from 0).

    Blank lines are dropped; the others are numbered with their file line (the header is line 1).
    """
    frame = frame.fillna("")
    source_lines = np.arange(first_row + 2, first_row + 2 + len(frame))
    if len(frame.columns):
        # A blank line has an empty first cell: only those lines need checking whole.
        blank = frame.iloc[:, 0].to_numpy(dtype=object) == ""
        if blank.any():
            blank[blank] = (frame.loc[blank] == "").all(axis=1).to_numpy()
        if blank.any():
            frame = frame.loc[~blank].reset_index(drop=True)
            source_lines = source_lines[~blank]
    return frame, source_lines, "line"


_BAD_LINE = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


def _csv_frames(path: Path, name: str, encoding: str, chunk_size: int, progress=None):
    """The chunks of a CSV basket; a record with more cells than the header is one unreadable line of its chunk."""
    delimiter = csv_layout(path, name, encoding)
    plain = plain_csv(path, encoding, delimiter, chunk_size) if plain_csv is not None else None
    if plain is not None:  # read by Arrow, which gives the same cells on the same lines, faster
        for frame, first_row, end in arrow_frames(path, plain, delimiter, chunk_size):
            chunk_frame, source_lines, unit = csv_chunk_frame(frame, first_row)
            if progress is not None:
                progress(end)
            yield chunk_frame, source_lines, unit, []
        return
    with open(path, encoding=encoding, newline="") as handle:
        reader = pd.read_csv(
            handle, sep=delimiter, dtype=object, keep_default_na=False, skip_blank_lines=False, index_col=False,
            chunksize=chunk_size, on_bad_lines="warn",
        )
        row, skipped_so_far, columns = 0, 0, []
        while True:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                frame = next(reader, None)
            bad = sorted(
                (int(m[1]), int(m[2]), int(m[3]))
                for w in caught
                for m in _BAD_LINE.finditer(str(w.message))
            )
            if frame is None and not bad:
                break
            last = frame is None
            frame = pd.DataFrame(columns=columns, dtype=object) if last else frame
            columns = list(frame.columns)
            chunk_frame, source_lines, unit = csv_chunk_frame(frame, row)
            # Pandas counts the header as line 1, as we do: every skipped line moves the lines after it down one.
            source_lines = source_lines + skipped_so_far
            for line, _, _ in bad:
                source_lines = np.where(source_lines >= line, source_lines + 1, source_lines)
            skipped_so_far += len(bad)
            row += len(frame)
            if progress is not None:
                progress(_bytes_read(handle))
            unreadable = [
                (line, Problem(f"{name}:{line}", f"not valid CSV: {found} cells where the header has {expected}")) for line, expected, found in bad
            ]
            yield chunk_frame, source_lines, unit, unreadable
            if last:
                break


def _jsonl_frames(path: Path, name: str, encoding: str, chunk_size: int, progress=None):
    """The chunks of a JSON Lines basket; a line that is not a JSON object is one unreadable line of its chunk."""

    def frame_of(records, lines, unreadable):
        if not records and unreadable:  # only unreadable lines: nothing to check but them
            return pd.DataFrame(columns=list(REQUIRED), dtype=object), np.array([], dtype=np.int64), "line", unreadable
        return records_frame(records, name, "JSON lines")[0], np.array(lines, dtype=np.int64), "line", unreadable

    records, lines, unreadable, yielded = [], [], [], False
    with open(path, encoding=encoding) as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                records.append(jsonl_record(raw, name, number))
                lines.append(number)
            except InputError as exc:
                unreadable += [(number, problem) for problem in exc.problems]
            if len(records) + len(unreadable) >= chunk_size:
                if progress is not None:
                    progress(_bytes_read(handle))
                yield frame_of(records, lines, unreadable)
                records, lines, unreadable, yielded = [], [], [], True
    if records or unreadable or not yielded:
        yield frame_of(records, lines, unreadable)


@dataclass
class RawChunk:
    """A chunk of a basket as read, its cells not yet checked: :meth:`normalised` makes it a :class:`Basket`.

    Its cells are text (Arrow's, for a CSV file Arrow reads), so it is light to send to a worker process that
    checks and computes it there.
    """

    frame: pd.DataFrame
    source_lines: np.ndarray
    name: str
    unit: str
    #: The lines that could not be read at all, with their problem.
    unreadable: list[tuple[int, Problem]]
    decimal_comma: bool

    def normalised(self) -> Basket:
        """The chunk checked and normalised; invalid lines are left out and listed in its ``skipped``."""
        basket = normalise(self.frame, self.source_lines, self.name, self.unit, skip_invalid=True, decimal_comma=self.decimal_comma)
        return with_unreadable(basket, self.unreadable)


def basket_chunks(
    source: str | Path,
    input_format: InputFormat | None = None,
    encoding: str = "utf-8-sig",
    decimal_comma: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Basket]:
    """The basket, normalised chunk by chunk; invalid lines are left out of each chunk and listed in its ``skipped``.

    The caller decides whether any skipped line fails the whole run.  ``progress``, if given, is
    called with the bytes of the file read so far and its size, after each chunk is read.
    """
    chunks = raw_chunks(source, input_format, encoding, decimal_comma, chunk_size, progress)
    try:
        for chunk in chunks:
            yield chunk.normalised()
    finally:
        chunks.close()  # now, not when collected: the spooled stdin is removed


def raw_chunks(
    source: str | Path,
    input_format: InputFormat | None = None,
    encoding: str = "utf-8-sig",
    decimal_comma: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[RawChunk]:
    """The basket read chunk by chunk, each as :class:`RawChunk` (see :func:`basket_chunks`)."""
    with local_path(source) as (path, name):
        fmt = basket_format(path, name, input_format)
        if progress is not None:
            total, report = path.stat().st_size, progress
            progress = lambda done: report(done, total)  # noqa: E731
        try:
            if fmt == "parquet":
                frames = (frame + ([],) for frame in parquet_frames(path, name, chunk_size, progress))
            elif fmt == "csv":
                frames = _csv_frames(path, name, encoding, chunk_size, progress)
            elif fmt == "jsonl":
                refuse_wide_text(path, name, encoding)
                frames = _jsonl_frames(path, name, encoding, chunk_size, progress)
            else:
                refuse_wide_text(path, name, encoding)
                text, _ = read_text(path, encoding)
                frames = iter([READERS[fmt](text, name) + ([],)])
            for frame, source_lines, unit, unreadable in frames:
                yield RawChunk(frame, source_lines, name, unit, unreadable, decimal_comma)
        except UnicodeDecodeError:
            raise not_text(name, encoding, *first_undecodable(path, encoding)) from None
        except LookupError:
            raise InputError(Problem("--encoding", f"{encoding!r} is not a text encoding Python knows")) from None
        except pd.errors.ParserError as exc:
            raise InputError(csv_problem(name, exc, locate=lambda record: _line_of_record(path, name, encoding, record))) from None


def _line_of_record(path: Path, name: str, encoding: str, record: int) -> int:
    """The file line where a CSV record starts (the header is record 0), counting cells that span lines."""
    import csv

    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=csv_layout(path, name, encoding))
        for _ in range(record):
            if next(reader, None) is None:
                break
        return reader.line_num + 1


def with_unreadable(basket: Basket, unreadable: list[tuple[int, Problem]]) -> Basket:
    """The basket with the lines that could not be read at all (no cells to check) among its skipped lines, in line order."""
    if not unreadable:
        return basket
    before = basket.skipped or Skipped([], 0, 0, 0)
    numbered = [(int(line), i, p) for i, (line, p) in enumerate(unreadable)]
    numbered += [(_line_of(p.where), len(numbered) + i, p) for i, p in enumerate(before.problems)]
    basket.skipped = Skipped(
        [p for _, _, p in sorted(numbered, key=lambda item: item[:2])],
        before.lines + len(unreadable),
        before.value_cents,
        before.unknown_value_lines + len(unreadable),
    )
    return basket


def _line_of(where: str) -> int:
    found = re.search(r"(\d+)$", where)
    return int(found[1]) if found else 0


def basket_format(path: Path, name: str, input_format: str | None) -> str:
    """``--input-format``, else Parquet by suffix or magic bytes (``PAR1``), else the text format of the suffix."""
    if input_format:
        return input_format
    if looks_like_parquet(path):
        return "parquet"
    return detect_format(name if name != "<stdin>" else "-", None)


def merge_skipped(total: Skipped | None, more: Skipped | None) -> Skipped | None:
    if more is None or not more.lines:
        return total
    if total is None:
        return more
    return Skipped(
        total.problems + more.problems,
        total.lines + more.lines,
        total.value_cents + more.value_cents,
        total.unknown_value_lines + more.unknown_value_lines,
    )


def fail_on_skipped(skipped: Skipped | None, skip_invalid: bool) -> None:
    """After the last chunk: InputError listing every invalid line, unless they were to be skipped."""
    if skipped and skipped.lines and not skip_invalid:
        raise InputError(skipped.problems)


class CheckedChunks:
    """A basket's chunks, counting the lines and remembering those left out as invalid.

    Once the chunks are exhausted, InputError lists every problem unless
    ``skip_invalid``: so a command computes on, finds all problems, and the
    caller must not publish anything before the end.
    """

    def __init__(self, chunks: Iterator[Basket], skip_invalid: bool):
        self.chunks, self.skip_invalid = chunks, skip_invalid
        self.lines = 0
        self.skipped: Skipped | None = None

    def __iter__(self) -> Iterator[Basket]:
        for basket in self.chunks:
            self.skipped = merge_skipped(self.skipped, basket.skipped)
            self.lines += len(basket)
            yield basket
        fail_on_skipped(self.skipped, self.skip_invalid)
