"""The basket columns a schedule declares (``basket_fields``), read on whole columns.

A schedule's conditions and value bases read basket columns that it declares
once, with a type.  Each declared column is read here from the basket's text,
vectorised, into an array the engine can key on or compute with:

- ``bool``: int8, 1 (true), 0 (false), -1 (empty: the basket does not say);
- ``enum``: int16, the index of the value in ``values``, -1 where empty;
- ``amount``: int64 cents, -1 where empty;
- ``date``: datetime64[D], NaT where empty.

A cell that is not of its type is a :class:`Problem` naming the line and the
column; nothing is guessed.  A basket column that no schedule declares is
carried through untouched.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import Problem
from ..money import parse_amounts
from ..law.model import BasketField

TRUE = frozenset({"true", "yes", "y", "1", "t"})
FALSE = frozenset({"false", "no", "n", "0", "f"})


def column_text(basket, name: str) -> pd.Series | None:
    """The basket's column ``name`` (headers matched case-insensitively, spaces trimmed), as text, or None."""
    text = basket.text(name)
    if text is not None:
        return text
    for header in basket.columns.columns:
        if str(header).strip().lower() == name:
            return basket.columns[header]
    return None


def read_field(basket, name: str, spec: BasketField) -> tuple[np.ndarray, list[Problem]]:
    """One declared field of every line, and the problems of the cells that are not of its type.

    Such a column holds few distinct cells (``true``, ``false``, empty...): each distinct cell is read once and
    the results spread onto the lines.
    """
    n = len(basket)
    text = column_text(basket, name)
    if text is None:
        return _empty(spec.type, n), []
    line_cell, distinct = pd.factorize(text, use_na_sentinel=False)
    cells = pd.Series(distinct, dtype=object).fillna("").astype(str).str.strip()
    empty = (cells == "").to_numpy(dtype=bool)
    reader = {"bool": _bools, "enum": _enums, "amount": _amounts, "date": _dates}[spec.type]
    values, bad, expected = reader(cells, empty, spec)
    values, bad = values[line_cell], bad[line_cell]
    if spec.type == "amount" and spec.at_most == "value":
        over = (values >= 0) & ~bad & (values > basket.value_cents)
        if over.any():
            bad, expected = bad | over, "an amount in USD of at most the line's value"
    problems = [
        Problem(basket.where(int(row)), f"{name}: {cells.iloc[line_cell[row]]!r} is not {expected}")
        for row in np.flatnonzero(bad)
    ]
    return values, problems


def _empty(kind: str, n: int) -> np.ndarray:
    if kind == "date":
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if kind == "amount":
        return np.full(n, -1, dtype=np.int64)
    return np.full(n, -1, dtype=np.int16 if kind == "enum" else np.int8)


def _bools(cells: pd.Series, empty: np.ndarray, spec: BasketField) -> tuple[np.ndarray, np.ndarray, str]:
    lower = cells.str.lower()
    true = lower.isin(TRUE).to_numpy(dtype=bool)
    false = lower.isin(FALSE).to_numpy(dtype=bool)
    values = np.where(true, 1, np.where(false, 0, -1)).astype(np.int8)
    return values, ~(true | false | empty), "true or false"


def _enums(cells: pd.Series, empty: np.ndarray, spec: BasketField) -> tuple[np.ndarray, np.ndarray, str]:
    allowed = [v.lower() for v in spec.values or []]
    codes = cells.str.lower().map({value: i for i, value in enumerate(allowed)}).fillna(-1).to_numpy(dtype=np.int16)
    return codes, (codes < 0) & ~empty, "one of " + ", ".join(spec.values or [])


def _amounts(cells: pd.Series, empty: np.ndarray, spec: BasketField) -> tuple[np.ndarray, np.ndarray, str]:
    cents, valid, _ = parse_amounts(cells)
    return np.where(empty, -1, cents), ~valid & ~empty, "an amount in USD (e.g. 1250.00)"


def _dates(cells: pd.Series, empty: np.ndarray, spec: BasketField) -> tuple[np.ndarray, np.ndarray, str]:
    parsed = pd.to_datetime(cells.where(~empty, None), format="%Y-%m-%d", errors="coerce")
    values = parsed.to_numpy(dtype="datetime64[D]")
    return values, np.isnat(values) & ~empty, "a date YYYY-MM-DD"
