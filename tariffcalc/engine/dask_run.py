"""``--engine dask``: the chunks of a basket as the partitions of a Dask DataFrame, computed in parallel.

Needs ``pip install 'tariffcalc[dask]'``.  The basket may be a CSV file, a
Parquet file, or a folder of Parquet files (read in the order of their
sorted paths; the values of hive-style folder names such as ``country=JP/``
are not columns).

The partitions are planned up front, so that every line keeps its number
for messages:

- CSV: one pass over the bytes (NumPy, no parsing) finds the record ends
  (newlines outside double quotes) and cuts the file every ``chunk_size``
  records; each partition parses its own byte range.  The encoding must
  keep ``\\n`` a single byte (UTF-8, cp1252, Latin-1...: not UTF-16).
- Parquet: one partition per row group (tariffcalc's own Parquet output has
  a row group per chunk).

``dask.dataframe.from_map`` reads each partition as text and
``map_partitions`` applies :func:`compute_partition`, which normalises it and
calls :func:`tariffcalc.engine.run.compute_chunk`, the very function of the
single-process run.  The results are brought back in partition order, a
batch at a time (bounded memory; the next batch is computed while one is
written), and written and added up exactly as the single-process run
does: the output is the same, byte for byte.  Dask's own configured
scheduler is used (threads by default, for dataframes).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..goods.basket import Skipped
from ..goods.chunks import basket_format, csv_chunk_frame, csv_layout, local_path
from ..goods.normalise import normalise
from ..goods.parquet import open_parquet, text_frame
from ..goods.read import check_first_record, csv_problem, first_undecodable, not_text
from ..law.model import Schedule
from .compile import CompiledSchedule
from .result import Estimate, Summary
from .run import ChunkedEstimate, compute_chunk

NEEDS_DASK = "--engine dask needs dask: pip install 'tariffcalc[dask]'"
_BLOCK = 8 << 20


def require_dask() -> None:
    """InputError with the line that says how to install Dask, when it is missing."""
    try:
        import dask  # noqa: F401
        import dask.dataframe  # noqa: F401
    except ImportError:
        raise InputError(Problem("", NEEDS_DASK)) from None


@dataclass(frozen=True)
class Part:
    """Where one partition's lines are: a byte range of a CSV file, or a row group of a Parquet file."""

    kind: str  # "csv" or "parquet"
    path: Path
    name: str
    #: Lines of the file before this partition (CSV: records after the header).
    first_row: int
    start: int = 0
    end: int = 0
    row_group: int = -1
    #: Share of the whole basket in bytes, for the progress bar.
    weight: int = 0


# -- planning ------------------------------------------------------------------------------------


def _record_ends(path: Path, start: int) -> Iterator[int]:
    """Byte offsets just after each newline outside double quotes, from ``start`` on."""
    quotes_before = 0
    offset = start
    with open(path, "rb") as handle:
        handle.seek(start)
        while block := handle.read(_BLOCK):
            data = np.frombuffer(block, dtype=np.uint8)
            newlines = np.flatnonzero(data == 10)
            quotes = np.flatnonzero(data == 34)
            inside = (quotes_before + np.searchsorted(quotes, newlines)) % 2 == 1
            yield from (offset + newlines[~inside] + 1).tolist()
            quotes_before += len(quotes)
            offset += len(block)


def _csv_plan(path: Path, name: str, encoding: str, chunk_size: int) -> tuple[list[Part], pd.DataFrame, str]:
    plain, marks = "a".encode(encoding), 'a\n"'.encode(encoding)
    if marks[len(plain) :] != b'\n"':
        raise InputError(
            Problem(
                "--encoding",
                f"--engine dask reads CSV in encodings where a newline is one byte (UTF-8, cp1252, Latin-1...), "
                f"not {encoding!r}; use --engine pandas",
            )
        )
    delimiter = csv_layout(path, name, encoding)
    with open(path, "rb") as handle:
        start = handle.read(65536)
    if b"\r" in start and b"\n" not in start:
        # Partitions are cut at newlines: a file whose lines end in a bare CR (Excel for Mac) would be one record.
        raise InputError(
            Problem(name, "its lines end in a bare CR (Excel for Mac), which --engine dask cannot cut; use --engine pandas")
        )
    with open(path, encoding=encoding, newline="") as handle:
        columns = pd.read_csv(handle, sep=delimiter, dtype=object, nrows=0, keep_default_na=False).columns
    size = path.stat().st_size
    ends = _record_ends(path, 0)
    header_end = next(ends, size)
    parts, begin, rows, records = [], header_end, 0, 0
    for end in ends:
        records += 1
        if records == chunk_size:
            parts.append(Part("csv", path, name, rows, begin, end, weight=end - begin))
            begin, rows, records = end, rows + records, 0
    if begin < size or not parts:
        parts.append(Part("csv", path, name, rows, begin, size, weight=size - begin))
    meta = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return parts, meta, delimiter


def _parquet_files(path: Path) -> list[Path]:
    if not path.is_dir():
        return [path]
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and p.suffix.lower() in (".parquet", ".pq") and not p.name.startswith((".", "_"))
    )
    if not files:
        raise InputError(Problem(str(path), "is a folder without .parquet files (expected a basket file or a folder of Parquet files)"))
    return files


def _parquet_plan(path: Path) -> tuple[list[Part], pd.DataFrame]:
    parts, meta = [], None
    for file in _parquet_files(path):
        name = str(file)
        parquet_file = open_parquet(file, name)
        if meta is None:
            meta = text_frame(parquet_file.schema_arrow.empty_table(), name)
        metadata, size, rows = parquet_file.metadata, file.stat().st_size, 0
        total_rows = max(metadata.num_rows, 1)
        for group in range(metadata.num_row_groups):
            count = metadata.row_group(group).num_rows
            parts.append(Part("parquet", file, name, rows, row_group=group, weight=size * count // total_rows))
            rows += count
        if metadata.num_row_groups == 0:
            parts.append(Part("parquet", file, name, 0, row_group=-1, weight=size))
    return parts, meta


# -- one partition -----------------------------------------------------------------------------------


def read_partition(part: Part, meta: pd.DataFrame, delimiter: str, encoding: str) -> pd.DataFrame:
    """One partition's lines as text, as the single-process reader would give them."""
    if part.kind == "parquet":
        parquet_file = open_parquet(part.path, part.name)
        if part.row_group < 0:
            return text_frame(parquet_file.schema_arrow.empty_table(), part.name)
        return text_frame(parquet_file.read_row_group(part.row_group), part.name)
    with open(part.path, "rb") as handle:
        handle.seek(part.start)
        text = handle.read(part.end - part.start).decode(encoding)
    if not text:
        return meta.copy()
    check_first_record(text, delimiter, len(meta.columns), part.name, part.first_row + 2)
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            names=list(meta.columns),
            dtype=object,
            keep_default_na=False,
            skip_blank_lines=False,
            index_col=False,
        )
    except pd.errors.ParserError as exc:
        raise InputError(csv_problem(part.name, exc, first_line=part.first_row + 2)) from None


def compute_partition(
    frame: pd.DataFrame,
    parts: list[Part],
    compiled: CompiledSchedule,
    date: dt.date,
    decimal_comma: bool,
    partition_info: dict | None = None,
) -> pd.DataFrame:
    """One partition's ``(estimate, summary, skipped)``, in a one-row frame (what ``map_partitions`` carries).

    Pure: the text of the lines, where they are, and the schedule in; the chunk's results out.
    """
    part = parts[partition_info["number"] if partition_info else 0]
    if part.kind == "csv":
        text, lines, unit = csv_chunk_frame(frame, part.first_row)
    else:
        text, lines, unit = frame.reset_index(drop=True), np.arange(part.first_row + 1, part.first_row + 1 + len(frame)), "item"
    basket = normalise(text, lines, part.name, unit, skip_invalid=True, decimal_comma=decimal_comma)
    result, summary = compute_chunk(basket, compiled, date)
    return pd.DataFrame({"chunk": pd.Series([(result, summary, basket.skipped)], dtype=object)})


# -- the run -----------------------------------------------------------------------------------------


class DaskEstimate(ChunkedEstimate):
    """A :class:`ChunkedEstimate` whose chunks are computed as Dask partitions."""

    def __init__(
        self,
        source: str,
        input_format: str | None,
        encoding: str,
        decimal_comma: bool,
        chunk_size: int,
        schedule: Schedule,
        date: dt.date,
        skip_invalid: bool,
        progress: Callable[[int, int], None] | None = None,
    ):
        require_dask()
        super().__init__(iter(()), schedule, date, skip_invalid)
        self.source, self.input_format, self.encoding = source, input_format, encoding
        self.decimal_comma, self.chunk_size, self.progress = decimal_comma, chunk_size, progress

    def computed(self) -> Iterator[tuple[Estimate, Summary, Skipped | None]]:
        import dask
        import dask.dataframe as dd

        source = Path(self.source)
        folder = self.source != "-" and source.is_dir()
        with _local(self.source, folder) as (path, name):
            fmt = "parquet" if folder else basket_format(path, name, self.input_format)
            try:
                if fmt == "parquet":
                    parts, meta = _parquet_plan(path)
                    delimiter = ""
                elif fmt == "csv":
                    parts, meta, delimiter = _csv_plan(path, name, self.encoding, self.chunk_size)
                else:
                    raise InputError(
                        Problem("--engine dask", f"reads CSV and Parquet baskets, not {fmt.upper()} (use --engine pandas for this one)")
                    )
                with dask.config.set({"dataframe.convert-string": False}):
                    texts = dd.from_map(read_partition, parts, args=[meta, delimiter, self.encoding], meta=meta, enforce_metadata=False)
                    results = texts.map_partitions(
                        compute_partition,
                        parts,
                        self.compiled,
                        self.date,
                        self.decimal_comma,
                        meta=pd.DataFrame({"chunk": pd.Series(dtype=object)}),
                        enforce_metadata=False,
                    )
                    yield from self._in_order(results.to_delayed(), parts)
            except UnicodeDecodeError:
                raise not_text(name, self.encoding, *first_undecodable(path, self.encoding)) from None
            except LookupError:
                raise InputError(Problem("--encoding", f"{self.encoding!r} is not a text encoding Python knows")) from None
            except pd.errors.ParserError as exc:
                raise InputError(csv_problem(name, exc)) from None


    def _in_order(self, pieces: list, parts: list[Part]) -> Iterator[tuple[Estimate, Summary, Skipped | None]]:
        """The partitions' results in order, a batch (one partition per core) at a time.

        The next batch is computed while this one is written, so that the
        workers do not wait for the writer; at most two batches are held.
        """
        import dask

        batch = max(2, os.cpu_count() or 1)
        total, done = sum(p.weight for p in parts), 0
        starts = list(range(0, len(pieces), batch))
        with ThreadPoolExecutor(1, thread_name_prefix="tariffcalc-dask") as pool:
            pending = pool.submit(dask.compute, *pieces[: batch])
            for i, begin in enumerate(starts):
                frames = pending.result()
                if i + 1 < len(starts):
                    pending = pool.submit(dask.compute, *pieces[starts[i + 1] : starts[i + 1] + batch])
                for part, frame in zip(parts[begin : begin + batch], frames):
                    done += part.weight
                    if self.progress is not None:
                        self.progress(done, total)
                    yield frame["chunk"].iloc[0]


class _local:
    """``local_path``, except that a folder (of Parquet files) is taken as it is."""

    def __init__(self, source: str, folder: bool):
        self.source, self.folder, self.inner = source, folder, None

    def __enter__(self) -> tuple[Path, str]:
        if self.folder:
            return Path(self.source), self.source
        self.inner = local_path(self.source)
        return self.inner.__enter__()

    def __exit__(self, *exc) -> bool | None:
        return self.inner.__exit__(*exc) if self.inner is not None else None
