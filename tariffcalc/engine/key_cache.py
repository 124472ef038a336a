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

#: The most bytes the cache keeps (its results and its keys, estimated); past it, only the keys that were
#: found again since they were evaluated are kept, or none when those alone take half of it.
MAX_BYTES = 64 * 2**20

#: Bytes of a key in the look-up table beyond its own (the bytes object and the dict's entry).
KEY_OVERHEAD = 110

#: The width in bytes of a text field of a key (HTS digits, country code, UTF-8); keys with longer text are not kept.
TEXT_WIDTH = 16


def key_bytes(keys: pd.DataFrame) -> list[bytes] | None:
    """Each key row as one bytes value (fields of fixed width), built on whole columns; None if a field does not fit."""
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
            encoded = np.char.encode(text, "utf-8")
            if encoded.dtype.itemsize > TEXT_WIDTH:
                return None
            arrays.append(encoded.astype(f"S{TEXT_WIDTH}"))
        else:
            values = column.to_numpy()
            if len(values) and (values.min() < -128 or values.max() > 127):
                return None
            arrays.append(values.astype(np.int8))
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
        self.found: list[np.ndarray] = []  # per block: the key was found again after it was evaluated
        self.bytes = 0

    def append(self, result: KeyResult) -> None:
        slim = KeyResult(
            None, result.rates.astype(np.int32), result.total, result.status,
            result.yielded_to.astype(np.int8 if self.m < 128 else np.int16), result.partial, result.confidence,
            result.portions, result.restack, result.own_rates.astype(np.int32),
        )  # fmt: skip
        self.starts.append(self.n)
        self.blocks.append(slim)
        self.positions.append(np.where(result.restack, np.cumsum(result.restack) - 1, -1))
        self.found.append(np.zeros(len(result.rates), dtype=bool))
        self.n += len(result.rates)
        self.bytes += sum(a.nbytes for a in (slim.rates, slim.total, slim.status, slim.yielded_to, slim.partial,
                                             slim.confidence, slim.restack, slim.own_rates, self.positions[-1]))
        self.bytes += sum(mask.nbytes for _, _, mask in slim.portions) + len(result.rates)  # found

    def mark(self, rows: np.ndarray) -> None:
        """Note that these rows were found again."""
        block_of = np.searchsorted(np.array(self.starts), rows, side="right") - 1
        for b in np.unique(block_of).tolist():
            self.found[b][rows[block_of == b] - self.starts[b]] = True

    def found_rows(self) -> np.ndarray:
        return np.flatnonzero(np.concatenate(self.found)) if self.found else np.zeros(0, dtype=np.int64)

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
    """What a compiled schedule's keys evaluated to, kept across the chunks (and dates) of a run, in at most
    :data:`MAX_BYTES`."""

    def __init__(self, compiled):
        self.compiled = compiled
        self.rows: dict[bytes, int] = {}
        self.store = _Store(len(compiled.measures))
        self.key_bytes = 0

    @property
    def bytes(self) -> int:
        """The cache's estimated size: its results, its keys and their look-up table."""
        return self.store.bytes + self.key_bytes

    def evaluate(self, keys: pd.DataFrame) -> KeyResult:
        """The result of every key of ``keys`` (distinct keys), evaluating only those not kept."""
        if not len(keys):
            return evaluate_keys(self.compiled, keys)
        ids = key_bytes(keys)
        if ids is None:
            return evaluate_keys(self.compiled, keys)
        rows = self._look_up(ids)
        new = np.flatnonzero(rows < 0)
        if len(new):
            per_key = self.store.bytes / max(self.store.n, 1) if self.store.n else 10 * len(self.compiled.measures)
            cost = int(len(new) * (per_key + len(ids[0]) + KEY_OVERHEAD))
            if cost > MAX_BYTES:  # more new keys than are kept: evaluate them without keeping any
                return evaluate_keys(self.compiled, keys)
            if self.bytes + cost > MAX_BYTES:
                self._evict(cost)
                rows = self._look_up(ids)
                new = np.flatnonzero(rows < 0)
            fresh = evaluate_keys(self.compiled, keys.iloc[new].reset_index(drop=True))
            first = self.store.n
            self.store.append(fresh)
            for offset, i in enumerate(new.tolist()):
                self.rows[ids[i]] = first + offset
            self.key_bytes += len(new) * (len(ids[0]) + KEY_OVERHEAD)
            rows[new] = np.arange(first, first + len(new))
        return self.store.gather(keys, rows)

    def _look_up(self, ids: list[bytes]) -> np.ndarray:
        """Each key's row in the store, or -1; the rows found are marked."""
        get = self.rows.get
        rows = np.fromiter((get(b, -1) for b in ids), dtype=np.int64, count=len(ids))
        found = rows[rows >= 0]
        if len(found):
            self.store.mark(found)
        return rows

    def _evict(self, room: int) -> None:
        """Keep only the keys found again since they were evaluated, or none if that leaves no ``room`` bytes."""
        keep = self.store.found_rows()
        key_size = self.key_bytes / max(len(self.rows), 1)
        kept_bytes = len(keep) * (self.bytes / max(self.store.n, 1))
        store = _Store(len(self.compiled.measures))
        rows: dict[bytes, int] = {}
        if len(keep) and kept_bytes + room <= MAX_BYTES and kept_bytes <= MAX_BYTES / 2:
            store.append(self.store.gather(None, keep))
            new_row = np.full(self.store.n, -1, dtype=np.int64)
            new_row[keep] = np.arange(len(keep))
            rows = {b: r for b, row in self.rows.items() if (r := int(new_row[row])) >= 0}
        self.rows, self.store = rows, store
        self.key_bytes = int(len(rows) * key_size)
