"""Large baskets in bounded memory: read CSV and JSON Lines in chunks, compute each, add up the summaries.

Each chunk goes through the same normalising and engine as a whole basket, so
the results are identical to the in-memory path (tested).  JSON and YAML
baskets are single documents and are read whole.  Standard input is first
copied to a temporary file, so that it can be sniffed and read in chunks too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from .basket import (
    _READERS,
    Basket,
    InputFormat,
    Skipped,
    _records_frame,
    _sniff_delimiter,
    detect_format,
    first_undecodable,
    normalise,
    not_text,
    read_text,
)
from .defaults import DEFAULT_CHUNK_SIZE
from .engine import CompiledSchedule, estimate
from .errors import InputError, Problem
from .result import Estimate, Summary
from .schedule import Schedule



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


def _csv_frames(path: Path, name: str, encoding: str, chunk_size: int):
    with open(path, encoding=encoding, newline="") as handle:
        sample = handle.read(65536)
        if not sample.strip():
            raise InputError(Problem(name, "the file is empty (expected a header row with hts_code, country, value)"))
        delimiter = _sniff_delimiter(sample)
        header = next(csv.reader(io.StringIO(sample.split("\n", 1)[0]), delimiter=delimiter), [])
        repeated = sorted({h for h in header if h.strip() and header.count(h) > 1})
        if repeated:
            raise InputError(
                [Problem(f"{name}:1", f"column {h!r} appears {header.count(h)} times in the header; keep one") for h in repeated]
            )
        handle.seek(0)
        reader = pd.read_csv(
            handle, sep=delimiter, dtype=object, keep_default_na=False, skip_blank_lines=False, chunksize=chunk_size
        )
        row = 0
        for frame in reader:
            frame = frame.fillna("")
            source_lines = np.arange(row + 2, row + 2 + len(frame))
            row += len(frame)
            if len(frame.columns):
                # A blank line has an empty first cell: only those lines need checking whole.
                blank = frame.iloc[:, 0].to_numpy(dtype=object) == ""
                if blank.any():
                    blank[blank] = (frame.loc[blank] == "").all(axis=1).to_numpy()
                if blank.any():
                    frame = frame.loc[~blank].reset_index(drop=True)
                    source_lines = source_lines[~blank]
            yield frame, source_lines, "line"


def _jsonl_frames(path: Path, name: str, encoding: str, chunk_size: int):
    records, lines, yielded = [], [], False
    with open(path, encoding=encoding) as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                records.append(json.loads(raw, parse_float=Decimal))
            except (json.JSONDecodeError, RecursionError) as exc:
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
                raise InputError(Problem(f"{name}:{number}", f"not valid JSON: {reason}")) from None
            lines.append(number)
            if len(records) == chunk_size:
                yield _records_frame(records, name, "JSON lines")[0], np.array(lines), "line"
                records, lines, yielded = [], [], True
    if records or not yielded:
        yield _records_frame(records, name, "JSON lines")[0], np.array(lines, dtype=np.int64), "line"


def basket_chunks(
    source: str | Path,
    input_format: InputFormat | None = None,
    encoding: str = "utf-8-sig",
    decimal_comma: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[Basket]:
    """The basket, normalised chunk by chunk; invalid lines are left out of each chunk and listed in its ``skipped``.

    The caller decides whether any skipped line fails the whole run.
    """
    with local_path(source) as (path, name):
        fmt = detect_format(name if name != "<stdin>" else "-", input_format)
        try:
            if fmt == "csv":
                frames = _csv_frames(path, name, encoding, chunk_size)
            elif fmt == "jsonl":
                frames = _jsonl_frames(path, name, encoding, chunk_size)
            else:
                text, _ = read_text(path, encoding)
                frames = iter([_READERS[fmt](text, name)])
            for frame, source_lines, unit in frames:
                yield normalise(frame, source_lines, name, unit, skip_invalid=True, decimal_comma=decimal_comma)
        except UnicodeDecodeError:
            raise not_text(name, encoding, *first_undecodable(path, encoding)) from None
        except LookupError:
            raise InputError(Problem("--encoding", f"{encoding!r} is not a text encoding Python knows")) from None
        except pd.errors.ParserError as exc:
            raise InputError(Problem(name, f"not valid CSV: {exc}")) from None


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


class ChunkedEstimate:
    """Iterates over per-chunk estimates; afterwards ``summary`` and ``skipped`` hold the whole basket's."""

    def __init__(self, chunks: Iterator[Basket], schedule: Schedule, date: dt.date, skip_invalid: bool):
        self.chunks, self.skip_invalid = chunks, skip_invalid
        self.compiled = CompiledSchedule.of(schedule)
        self.summary = Summary(schedule, date)
        self.date = date
        self.skipped: Skipped | None = None

    def __iter__(self) -> Iterator[tuple[Estimate, int]]:
        """``(estimate, number of its first line)`` per chunk.

        Without ``skip_invalid``, computing goes on after a bad line (so that
        every problem is found), and InputError lists them all at the end:
        the caller must not publish what it wrote before then.
        """
        first_line = 1
        for basket in self.chunks:
            self.skipped = merge_skipped(self.skipped, basket.skipped)
            result = estimate(basket, self.compiled, self.date)
            self.summary.add(result.summary())
            yield result, first_line
            first_line += len(result)
        if self.skipped and self.skipped.lines and not self.skip_invalid:
            raise InputError(self.skipped.problems)
        if not self.skip_invalid:
            self.skipped = None


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
        if self.skipped and self.skipped.lines and not self.skip_invalid:
            raise InputError(self.skipped.problems)
