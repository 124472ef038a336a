"""Baskets of imports, read and normalised: :class:`Basket`, and the lines left out of one (:class:`Skipped`).

A :class:`Basket` keeps the input's own columns (as text, untouched, for
carrying through to CSV output) next to the normalised columns the engine
needs.  Every line is either normalised or reported as a :class:`Problem`
naming the file, the line and the column: none is dropped or zeroed.
Reading is :mod:`tariffcalc.goods.read`; checking and normalising the
columns, :mod:`tariffcalc.goods.normalise`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..errors import Problem


#: The columns that applying the official HTS (:func:`tariffcalc.hts.mfn.apply_hts`) adds to a basket, in order.
HTS_COLUMNS = ("hts_description", "mfn_source", "mfn_rate_text", "mfn_note")


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
    #: Each line's HTS code as digits; from :func:`~tariffcalc.goods.normalise.normalise`, a Categorical of the
    #: distinct codes (any Series of text works).
    hts: pd.Series
    #: Each line's country of origin as an alpha-2 code; a Categorical too, as normalised.
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

    def keeping(self, names: Collection[str]) -> Basket:
        """The basket with only the text columns ``names`` (canonical names or headers, matched as the engine's
        :func:`~tariffcalc.engine.fields.column_text` matches them): what the engine reads, lighter to send to another
        process.  The parsed columns (codes, countries, values...) all stay."""
        kept = {self.headers[n] for n in names if n in self.headers}
        kept.update(h for h in self.columns.columns if str(h).strip().lower() in names)
        columns = self.columns[[h for h in self.columns.columns if h in kept]]
        return replace(self, columns=columns, headers={n: h for n, h in self.headers.items() if h in kept})

    def text(self, column: str) -> pd.Series | None:
        """A canonical column (e.g. ``"description"``) as the input wrote it, or None."""
        header = self.headers.get(column)
        return None if header is None else self.columns[header]


def location(name: str, unit: str, number: int) -> str:
    """``name:14`` for a file line, ``name: item 3`` for an item of a JSON, YAML or Parquet basket."""
    return f"{name}:{number}" if unit == "line" else f"{name}: item {number}"
