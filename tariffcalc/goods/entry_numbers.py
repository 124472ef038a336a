"""CBP entry numbers: ``XXX-NNNNNNN-C`` (filer code, transaction number, check digit), on whole columns.

The check digit is the Luhn digit of the ten characters before it, letters
of the filer code counted as digits (A–I and J–R as 1–9, S–Z as 2–9), as
CBP's CATAIR (Appendix E, valid entry numbers) describes; see
``data/refunds/cape.yaml`` for the sources and how sure they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_LETTER_VALUES = {chr(ord("A") + i): (i % 9) + 1 for i in range(18)} | {chr(ord("S") + i): i + 2 for i in range(8)}
_SHAPE = r"^[A-Z0-9]{3}[0-9]{8}$"


def normalise(text: pd.Series) -> pd.Series:
    """Entry numbers without dashes or spaces, upper case: ``7xk-0412036-2`` → ``7XK04120362``."""
    return text.astype(object).fillna("").astype(str).str.strip().str.upper().str.replace(r"[-\s]", "", regex=True)


def well_formed(numbers: pd.Series) -> np.ndarray:
    """True where a normalised entry number has the shape of one: 3 letters or digits, then 8 digits."""
    return numbers.str.fullmatch(_SHAPE).fillna(False).to_numpy(dtype=bool)


def check_digit(body: str) -> int:
    """The check digit of the ten characters before it."""
    total = 0
    for position, char in enumerate(body, start=1):
        value = _LETTER_VALUES[char] if char.isalpha() else int(char)
        if position % 2 == 0:
            value *= 2
            value = value // 10 + value % 10
        total += value
    return (10 - total % 10) % 10


_VALUE_OF_BYTE = np.zeros(256, dtype=np.int64)
_VALUE_OF_BYTE[ord("0") : ord("9") + 1] = np.arange(10)
for _char, _value in _LETTER_VALUES.items():
    _VALUE_OF_BYTE[ord(_char)] = _value
_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9])  # the digit sum of 2 × d


def valid_check_digits(numbers: pd.Series) -> np.ndarray:
    """True where a well-formed entry number's last digit is its check digit (whole columns, no loop)."""
    if len(numbers) == 0:
        return np.zeros(0, dtype=bool)
    raw = np.frombuffer("".join(numbers.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 11)
    values = _VALUE_OF_BYTE[raw]
    body = values[:, :10].copy()
    body[:, 1::2] = _DOUBLED[body[:, 1::2]]
    return (10 - body.sum(axis=1) % 10) % 10 == values[:, 10]


def dashed(number: str) -> str:
    """``7XK04120362`` → ``7XK-0412036-2``."""
    return f"{number[:3]}-{number[3:10]}-{number[10:]}"


def dashed_column(numbers) -> np.ndarray:
    """:func:`dashed` of each number, on the whole column (pandas' string kernels: Arrow's where pyarrow is there)."""
    text = pd.Series(np.asarray(numbers, dtype=object), dtype="string").str
    return (text.slice(0, 3) + "-" + text.slice(3, 10) + "-" + text.slice(10)).to_numpy(dtype=object)
