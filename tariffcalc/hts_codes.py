"""HTS codes: normalising the forms people write, and matching prefixes.

An HTS code is kept as a string of digits (never a number: ``0101`` must keep
its zero).  People write ``8703.23.01``, ``8703230190`` or ``8703.23.01.90``;
all become ``"87032301"`` / ``"8703230190"``.
"""

from __future__ import annotations

from functools import lru_cache

import re

import numpy as np
import pandas as pd

from .arrow_text import all_ascii

#: The lengths of real HTS levels: heading, subheading, tariff line, statistical suffix.
CODE_LENGTHS = (4, 6, 8, 10)
#: A schedule's product scope may name any level from chapter (2 digits) down.
PREFIX_LENGTHS = (2, 4, 6, 8, 10)

_SEPARATORS = re.compile(r"[\s.]")
#: What ``_SEPARATORS`` matches among ASCII characters (Python's whitespace there, and the dot), for Arrow's regex.
_ASCII_SEPARATORS = r"[\t\n\x0b\x0c\r\x1c-\x1f .]"

#: The headings of chapters 01 to 09 (HS 2022): a code that lost its leading zero is one of these.
_LOW_HEADINGS = frozenset(
    f"0{chapter}{heading:02d}"
    for chapter, last in ((1, 6), (2, 10), (3, 9), (4, 10), (5, 11), (6, 4), (7, 14), (8, 14), (9, 10))
    for heading in range(1, last + 1)
    if (chapter, heading) not in ((5, 3), (5, 9))
)


def digits_of(code: str) -> str:
    """``"8703.23.01"`` → ``"87032301"`` (dots and spaces removed, nothing checked)."""
    return _SEPARATORS.sub("", code)


def dotted(digits: str) -> str:
    """``"8703230190"`` → ``"8703.23.01.90"``; ``"8703"`` stays ``"8703"``."""
    groups = [digits[:4]] + [digits[i : i + 2] for i in range(4, len(digits), 2)]
    return ".".join(g for g in groups if g)


def check_prefix(code: str) -> str:
    """Validate an HTS prefix written in a schedule; return its digits.

    Raises ValueError with the reason.
    """
    digits = digits_of(str(code))
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in PREFIX_LENGTHS:
        raise ValueError(
            f"{code!r} is not an HTS prefix (expected 2, 4, 6, 8 or 10 digits, dots allowed, e.g. 8703.23.01)"
        )
    return digits


def normalise_codes(codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalise a column of HTS codes.

    Returns ``(digits, reason)``: the digit strings, and for each code that
    cannot be used the reason (empty string where the code is fine).
    """
    text = codes.astype("string").fillna("").str.strip()
    digits = _without_separators(text)
    length = digits.str.len()
    is_digits = digits.str.fullmatch(r"[0-9]+").fillna(False)
    ok = is_digits & length.isin(CODE_LENGTHS)
    reason = pd.Series("", index=codes.index, dtype="string")
    reason = reason.mask(text == "", "empty (expected an HTS code such as 8703.23.01)")
    bad = (text != "") & ~ok
    if not bad.any():  # the usual column: no code to explain
        return digits.where(ok, ""), reason
    # Only where a zero in front makes a heading that exists: 870323019 is not 0870.32.30.19 (there is no heading 0870).
    lost_zero = bad & is_digits & length.isin([3, 5, 7, 9]) & ("0" + digits.str.slice(0, 3)).isin(_LOW_HEADINGS)
    reason = reason.mask(
        bad & ~lost_zero,
        "is not an HTS code (expected 4, 6, 8 or 10 digits, dots allowed, e.g. 8703.23.01)",
    )
    if lost_zero.any():
        hint = "0" + digits[lost_zero]
        reason = reason.mask(
            lost_zero,
            "has an odd number of digits: it looks like a code that lost its leading zero (did you mean "
            + hint.map(dotted, na_action="ignore").reindex(codes.index).fillna("")
            + "? keep HTS codes as text in your spreadsheet)",
        )
    return digits.where(ok, ""), reason


def _without_separators(text: pd.Series) -> pd.Series:
    """``text`` (pandas strings) with dots and whitespace removed: by Arrow where the text is Arrow's and every code
    is ASCII (pandas would run Python's regex on each cell), else by Python's ``re``, whose whitespace is Unicode's."""
    if text.dtype.storage == "pyarrow":  # as the other Arrow paths tell (goods/normalise.py, money.py)
        import pyarrow as pa
        import pyarrow.compute as pc

        arrow = pa.array(text.array)
        if all_ascii(arrow):
            digits = pc.replace_substring_regex(arrow, _ASCII_SEPARATORS, "")
            return pd.Series(pd.array(digits, dtype=text.dtype), index=text.index)
    return text.str.replace(_SEPARATORS, "", regex=True)


@lru_cache(maxsize=4096)
def _by_length(prefixes: frozenset[str]) -> tuple[tuple[int, frozenset[str]], ...]:
    """A prefix set split by length, once per set (frozensets keep their hash, so this costs one lookup)."""
    groups: dict[int, set[str]] = {}
    for prefix in prefixes:
        groups.setdefault(len(prefix), set()).add(prefix)
    return tuple((length, frozenset(group)) for length, group in sorted(groups.items()))


#: Below this many codes, looking each one up in a hash set beats building a column operation.
_FEW_CODES = 4096


def prefix_mask(digits: pd.Series | np.ndarray, prefixes: frozenset[str]) -> np.ndarray:
    """True where a code starts with any of the prefixes (each 2–10 digits).

    Callers pass distinct codes (the engine matches each distinct code once);
    a few codes are looked up in hash sets, many on whole columns.
    """
    groups = _by_length(frozenset(prefixes))
    values = np.asarray(digits, dtype=object)
    if len(values) <= _FEW_CODES:
        return np.fromiter(
            (any(len(c) >= n and c[:n] in group for n, group in groups) for c in values), dtype=bool, count=len(values)
        )
    codes = pd.Series(values, dtype="string")
    lengths = codes.str.len().to_numpy()
    mask = np.zeros(len(codes), dtype=bool)
    for length, group in groups:
        mask |= codes.str.slice(0, length).isin(group).to_numpy(dtype=bool) & (lengths >= length)
    return mask


class CodeColumn:
    """Distinct HTS codes (digits) as integers, for matching many prefixes at once by sorted-array search.

    A code of ``n`` digits is held as the integer of its digits padded with zeros to 10, with ``n``; its prefix of
    length ``L`` (``L <= n``) is then ``value // 10**(10 - L)``, compared with the prefixes of that length, sorted.
    """

    def __init__(self, digits: pd.Series | np.ndarray):
        text = np.asarray(np.asarray(digits, dtype=object), dtype=np.str_)
        self._masks: dict[frozenset[str], np.ndarray] = {}
        self._partial: dict[frozenset[str], np.ndarray] = {}
        if not len(text):
            self.value, self.length = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
            return
        self.length = np.strings.str_len(text)
        ok = np.strings.isdecimal(text) & (self.length > 0) & (self.length <= 10)
        padded = np.strings.ljust(np.where(ok, text, "0"), 10, "0")
        self.value = np.where(ok, padded.astype(np.int64), 0)
        self.length = np.where(ok, self.length, 0)

    def prefix_mask(self, prefixes: frozenset[str]) -> np.ndarray:
        """True where a code starts with any of the prefixes (each 2–10 digits); each set matched once."""
        mask = self._masks.get(prefixes)
        if mask is None:
            mask = np.zeros(len(self.value), dtype=bool)
            for length, sorted_prefixes in _sorted_by_length(prefixes):
                head = self.value // 10 ** (10 - length)
                at = np.searchsorted(sorted_prefixes, head).clip(max=len(sorted_prefixes) - 1)
                mask |= (sorted_prefixes[at] == head) & (self.length >= length)
            self._masks[prefixes] = mask
        return mask

    def partial_mask(self, prefixes: frozenset[str]) -> np.ndarray:
        """True where a code is *less* specific than some prefix that extends it; each set matched once.

        ``8704`` is partly covered by a scope of ``8704.21.01``: the engine cannot tell whether the goods are
        inside, so the caller warns.  The codes of each length are searched among the longer prefixes cut to it.
        """
        mask = self._partial.get(prefixes)
        if mask is None:
            mask = np.zeros(len(self.value), dtype=bool)
            for length in np.unique(self.length).tolist():
                cut = _sorted_cut(prefixes, length) if length else None
                if cut is not None:
                    code = self.value // 10 ** (10 - length)
                    at = np.searchsorted(cut, code).clip(max=len(cut) - 1)
                    mask |= (self.length == length) & (cut[at] == code)
            self._partial[prefixes] = mask
        return mask


@lru_cache(maxsize=4096)
def _sorted_by_length(prefixes: frozenset[str]) -> tuple[tuple[int, np.ndarray], ...]:
    """A prefix set split by length, each part as a sorted integer array (once per set)."""
    return tuple(
        (length, np.array(sorted(int(p) for p in group if p.isdecimal()) or [-1], dtype=np.int64))
        for length, group in _by_length(prefixes)
    )


@lru_cache(maxsize=4096)
def _sorted_cut(prefixes: frozenset[str], length: int) -> np.ndarray | None:
    """The prefixes longer than ``length``, cut to it, as sorted integers (the codes of that length a scope covers
    only in part), or None."""
    cut = sorted({int(p[:length]) for p in prefixes if len(p) > length and p.isdecimal()})
    return np.array(cut, dtype=np.int64) if cut else None
