"""Large baskets in bounded memory: read CSV and JSON Lines in chunks, each normalised like a whole basket.

Each chunk goes through the same normalising as a whole basket, so the
results are identical to the in-memory path (tested).  JSON and YAML
baskets are single documents and are read whole; Parquet baskets are read
in batches of rows (see :mod:`tariffcalc.goods.parquet`).  Standard input is first copied to a
temporary file, so that it can be sniffed and read in chunks too.

Computing the chunks is the engine's (:mod:`tariffcalc.engine.run`).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from ..defaults import DEFAULT_CHUNK_SIZE
from ..errors import InputError, Problem
from .basket import Basket, Skipped
from .normalise import normalise
from .parquet import looks_like_parquet, parquet_frames
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
        yield path, str(path)
        return
    with tempfile.NamedTemporaryFile(prefix="tariffcalc-stdin-", suffix=".basket") as spool:
        shutil.copyfileobj(sys.stdin.buffer, spool)
        spool.flush()
        yield Path(spool.name), "<stdin>"


def _bytes_read(handle) -> int:
    """How far into the file a text handle has read (read-ahead included), for the progress bar."""
    try:
        return handle.buffer.raw.tell()
    except (AttributeError, OSError, ValueError):
        return 0


def csv_layout(path: Path, name: str, encoding: str) -> str:
    """The delimiter of a CSV basket, after checking it has a header and no repeated column."""
    with open(path, encoding=encoding, newline="") as handle:
        return csv_delimiter(handle.read(65536), name)


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


def _csv_frames(path: Path, name: str, encoding: str, chunk_size: int, progress=None):
    delimiter = csv_layout(path, name, encoding)
    with open(path, encoding=encoding, newline="") as handle:
        reader = pd.read_csv(
            handle, sep=delimiter, dtype=object, keep_default_na=False, skip_blank_lines=False, index_col=False,
            chunksize=chunk_size,
        )
        row = 0
        for frame in reader:
            chunk = csv_chunk_frame(frame, row)
            row += len(frame)
            if progress is not None:
                progress(_bytes_read(handle))
            yield chunk


def _jsonl_frames(path: Path, name: str, encoding: str, chunk_size: int, progress=None):
    records, lines, yielded = [], [], False
    with open(path, encoding=encoding) as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            records.append(jsonl_record(raw, name, number))
            lines.append(number)
            if len(records) == chunk_size:
                if progress is not None:
                    progress(_bytes_read(handle))
                yield records_frame(records, name, "JSON lines")[0], np.array(lines), "line"
                records, lines, yielded = [], [], True
    if records or not yielded:
        yield records_frame(records, name, "JSON lines")[0], np.array(lines, dtype=np.int64), "line"


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
    with local_path(source) as (path, name):
        fmt = basket_format(path, name, input_format)
        if progress is not None:
            total, report = path.stat().st_size, progress
            progress = lambda done: report(done, total)  # noqa: E731
        try:
            if fmt == "parquet":
                frames = parquet_frames(path, name, chunk_size, progress)
            elif fmt == "csv":
                frames = _csv_frames(path, name, encoding, chunk_size, progress)
            elif fmt == "jsonl":
                frames = _jsonl_frames(path, name, encoding, chunk_size, progress)
            else:
                text, _ = read_text(path, encoding)
                frames = iter([READERS[fmt](text, name)])
            for frame, source_lines, unit in frames:
                yield normalise(frame, source_lines, name, unit, skip_invalid=True, decimal_comma=decimal_comma)
        except UnicodeDecodeError:
            raise not_text(name, encoding, *first_undecodable(path, encoding)) from None
        except LookupError:
            raise InputError(Problem("--encoding", f"{encoding!r} is not a text encoding Python knows")) from None
        except pd.errors.ParserError as exc:
            raise InputError(csv_problem(name, exc)) from None


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
