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
    """Rows of evaluated keys, kept as the blocks they were evaluated in (no copy when more come)."""

    def __init__(self, measures: int):
        self.m, self.n = measures, 0
        self.starts: list[int] = []
        self.blocks: list[KeyResult] = []
        self.positions: list[np.ndarray] = []  # per block: each key's row in the block's own_rates, or -1

    def append(self, result: KeyResult) -> None:
        slim = KeyResult(
            None, result.rates.astype(np.int32), result.total, result.status,
            result.yielded_to.astype(np.int8 if self.m < 128 else np.int16), result.partial, result.confidence,
            result.portions, result.restack, result.own_rates.astype(np.int32),
        )  # fmt: skip
        self.starts.append(self.n)
        self.blocks.append(slim)
        self.positions.append(np.where(result.restack, np.cumsum(result.restack) - 1, -1))
        self.n += len(result.rates)

    def gather(self, keys: pd.DataFrame, rows: np.ndarray) -> KeyResult:
        n, m = len(rows), self.m
        rates = np.empty((n, m), dtype=np.int64)
        total, status = np.empty((n, m), dtype=bool), np.empty((n, m), dtype=np.int8)
        yielded_to, partial = np.empty((n, m), dtype=np.int16), np.empty((n, m), dtype=bool)
        confidence, restack = np.empty((n, m), dtype=np.int8), np.empty(n, dtype=bool)
        own_position = np.full(n, -1, dtype=np.int64)
        portions: dict[tuple[int, int], np.ndarray] = {}
        owns = []
        block_of = np.searchsorted(np.array(self.starts), rows, side="right") - 1
        for b in np.unique(block_of).tolist():
            at = np.flatnonzero(block_of == b)
            block, local = self.blocks[b], rows[at] - self.starts[b]
            rates[at], total[at], status[at] = block.rates[local], block.total[local], block.status[local]
            yielded_to[at], partial[at] = block.yielded_to[local], block.partial[local]
            confidence[at], restack[at] = block.confidence[local], block.restack[local]
            for j, other, mask in block.portions:
                portions.setdefault((j, other), np.zeros(n, dtype=bool))[at] = mask[local]
            here = self.positions[b][local]
            if (here >= 0).any():
                owns.append((at[here >= 0], block.own_rates[here[here >= 0]]))
        own_rates = np.full((n, m), -1, dtype=np.int64)
        for at, values in owns:
            own_rates[at] = values
        return KeyResult(
            keys, rates, total, status, yielded_to, partial, confidence,
            [(j, other, mask) for (j, other), mask in portions.items() if mask.any()],
            restack, own_rates[restack],
        )  # fmt: skip


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
