"""Parquet results out (needs pyarrow: ``pip install 'tariffcalc[parquet]'``).

``--format parquet --output FILE`` writes the same columns as the CSV
output (the basket's own columns, then ``mfn_duty``, ``additional_duty``,
``total_duty``, ``effective_rate``, ``measures``), all as Parquet strings
holding the same exact text: money as decimal text such as ``8250.00``,
rates such as ``0.275``.  A reader gets the same cells from the CSV and
from the Parquet output.  One row group per chunk.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError, Problem
from ..goods.parquet import require_pyarrow
from .sinks import COMPUTED_COLUMNS, Sink, csv_frame


class ParquetSink(Sink):
    """The CSV output's columns and cells, as Parquet strings, one row group per chunk."""

    def __init__(self, path: Path):
        self.pa = require_pyarrow()
        self.path = path
        self.writer = None
        self.columns: list[str] | None = None

    def write(self, estimate, first_line: int) -> None:
        frame = csv_frame(estimate)
        names = [str(c) for c in frame.columns]
        if self.columns is None:
            self.columns = names
            schema = self.pa.schema([(c, self.pa.string()) for c in names])
            self.writer = self.pa.parquet.ParquetWriter(self.path, schema)
        elif names != self.columns:
            raise InputError(
                Problem(
                    str(self.path),
                    f"the basket's columns change from one chunk to the next ({', '.join(self.columns)} then "
                    f"{', '.join(names)}); a Parquet file has one set of columns",
                )
            )
        arrays = [self.pa.array(frame.iloc[:, i].astype(object).fillna("").astype(str).to_numpy(dtype=object), self.pa.string()) for i in range(len(names))]
        self.writer.write_table(self.pa.Table.from_arrays(arrays, names=names))

    def finish(self, summary, skipped) -> None:
        if self.writer is None:  # no lines at all: still a valid file, with the computed columns
            schema = self.pa.schema([(c, self.pa.string()) for c in COMPUTED_COLUMNS])
            self.writer = self.pa.parquet.ParquetWriter(self.path, schema)
        self.writer.close()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
