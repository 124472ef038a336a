"""Evaluated keys kept for a whole run: each distinct key is evaluated once, whatever the chunk, date or state.

A key's result depends only on the key (its code, country, day and declared
flags) and the compiled schedule, never on the other keys evaluated with it.
So a run keeps what it has evaluated, and a chunk evaluates only the keys
no earlier chunk had; ``timeline`` and ``compare`` reuse the keys of earlier
dates and states that share a compiled schedule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .evaluate import KeyResult, evaluate_keys

#: Past this many keys the cache starts again (a bound on its memory: about 0.6 KB per key with 70 measures).
MAX_KEYS = 500_000


#: The width of a text field of a key (HTS digits, country code); keys with longer text are not kept.
TEXT_WIDTH = 16


def key_bytes(keys: pd.DataFrame) -> list[bytes] | None:
    """Each key row as one bytes value (fields of fixed width), built on whole columns; None if a text is too long."""
    fields = []
    arrays = []
    for name in keys.columns:
        column = keys[name]
        if name == "date":
            arrays.append(column.to_numpy(dtype="datetime64[D]").astype(np.int32))
        elif column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            text = np.asarray(column.astype(object).fillna("").to_numpy(), dtype=np.str_)
            if text.dtype.itemsize > 4 * TEXT_WIDTH:  # longer than any code or country: not a key to keep
                return None
            arrays.append(np.char.encode(text, "utf-8").astype(f"S{4 * TEXT_WIDTH}"))
        else:
            arrays.append(column.to_numpy().astype(np.int16))
        fields.append((f"f{len(fields)}", arrays[-1].dtype))
    record = np.empty(len(keys), dtype=fields)
    for (name, _), array in zip(fields, arrays):
        record[name] = array
    return record.view(np.dtype((np.void, record.dtype.itemsize))).tolist()


class _Store:
    """Rows of evaluated keys in arrays that grow by doubling."""

    def __init__(self, measures: int):
        self.m, self.n = measures, 0
        self.arrays: dict[str, np.ndarray] = {}
        self.portions: dict[tuple[int, int], np.ndarray] = {}
        self.own = np.zeros((0, measures), dtype=np.int32)

    _SPECS = {  # name: (dtype, per measure, fill)
        "rates": (np.int32, True, -1),
        "total": (np.bool_, True, False),
        "status": (np.int8, True, 0),
        "yielded_to": (np.int16, True, -1),  # int8 when there are fewer than 128 measures
        "partial": (np.bool_, True, False),
        "confidence": (np.int8, True, -1),
        "restack": (np.bool_, False, False),
        #: Row into ``own`` of a restacked key's own rates (-1: not restacked); few keys are.
        "own_at": (np.int32, False, -1),
    }

    def _grow(self, needed: int) -> None:
        capacity = len(self.arrays["restack"]) if self.arrays else 0
        if needed <= capacity:
            return
        size = max(needed, 2 * capacity, 1024)
        for name, (dtype, wide, fill) in self._SPECS.items():
            if name == "yielded_to" and self.m < 128:
                dtype = np.int8
            new = np.full((size, self.m) if wide else size, fill, dtype=dtype)
            if capacity:
                new[:capacity] = self.arrays[name]
            self.arrays[name] = new
        for pair, mask in self.portions.items():
            new = np.zeros(size, dtype=bool)
            new[:capacity] = mask
            self.portions[pair] = new

    def append(self, result: KeyResult) -> None:
        start, count = self.n, len(result.rates)
        self._grow(start + count)
        a, rows = self.arrays, slice(start, start + count)
        a["rates"][rows] = result.rates
        a["total"][rows] = result.total
        a["status"][rows] = result.status
        a["yielded_to"][rows] = result.yielded_to
        a["partial"][rows] = result.partial
        a["confidence"][rows] = result.confidence
        a["restack"][rows] = result.restack
        restacked = np.flatnonzero(result.restack)
        a["own_at"][start + restacked] = len(self.own) + np.arange(len(restacked))
        self.own = np.concatenate([self.own, result.own_rates.astype(np.int32)])  # only restacked keys have these
        for j, other, mask in result.portions:
            if (j, other) not in self.portions:
                self.portions[(j, other)] = np.zeros(len(a["restack"]), dtype=bool)
            self.portions[(j, other)][rows] = mask
        self.n += count

    def gather(self, keys: pd.DataFrame, rows: np.ndarray) -> KeyResult:
        a = self.arrays
        restack = a["restack"][rows]
        return KeyResult(
            keys,
            a["rates"][rows].astype(np.int64),
            a["total"][rows],
            a["status"][rows],
            a["yielded_to"][rows].astype(np.int16),
            a["partial"][rows],
            a["confidence"][rows],
            [(j, other, mask[rows]) for (j, other), mask in self.portions.items() if mask[rows].any()],
            restack,
            self.own[a["own_at"][rows[restack]]].astype(np.int64),
        )


class KeyCache:
    """What a compiled schedule's keys evaluated to, kept across the chunks (and dates) of a run."""

    def __init__(self, compiled):
        self.compiled = compiled
        self.rows: dict[bytes, int] = {}
        self.store = _Store(len(compiled.measures))

    def evaluate(self, keys: pd.DataFrame) -> KeyResult:
        """The result of every key of ``keys`` (distinct keys), evaluating only those not seen before."""
        if not len(keys):
            return evaluate_keys(self.compiled, keys)
        ids = key_bytes(keys)
        if ids is None:
            return evaluate_keys(self.compiled, keys)
        get = self.rows.get
        rows = np.fromiter((get(b, -1) for b in ids), dtype=np.int64, count=len(ids))
        new = np.flatnonzero(rows < 0)
        if len(new):
            if len(new) > MAX_KEYS:  # more new keys than are kept: evaluate them without keeping any
                return evaluate_keys(self.compiled, keys)
            if self.store.n + len(new) > MAX_KEYS:
                self.rows, self.store = {}, _Store(len(self.compiled.measures))
                return self.evaluate(keys)
            fresh = evaluate_keys(self.compiled, keys.iloc[new].reset_index(drop=True))
            first = self.store.n
            self.store.append(fresh)
            for offset, i in enumerate(new.tolist()):
                self.rows[ids[i]] = first + offset
            rows[new] = np.arange(first, first + len(new))
        return self.store.gather(keys, rows)
