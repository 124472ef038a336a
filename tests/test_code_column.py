"""HTS codes matched as integers by sorted-array search (hts_codes.CodeColumn) against plain string tests."""

from __future__ import annotations

import numpy as np

from tariffcalc.hts_codes import CodeColumn


def _codes(rng: np.random.Generator, n: int) -> list[str]:
    """Codes of 4, 6, 8 and 10 digits, many with leading zeros and many sharing a heading."""
    headings = [f"{h:04d}" for h in rng.choice(np.arange(1, 9999), 40, replace=False)] + ["0101", "0702", "8704"]
    codes = []
    for _ in range(n):
        length = int(rng.choice([4, 6, 8, 10]))
        tail = "".join(str(d) for d in rng.integers(0, 3, length - 4))  # few digits: subheadings repeat
        codes.append(str(rng.choice(headings)) + tail)
    return codes


def _prefix_sets(rng: np.random.Generator, codes: list[str]) -> list[frozenset[str]]:
    sets = [frozenset(), frozenset({"8704"}), frozenset({"0702.00"[:4], "870421"}), frozenset({"0101", "01"})]
    for _ in range(20):
        picked = rng.choice(codes, 15)
        sets.append(frozenset(c[: int(rng.choice([2, 4, 6, 8, 10]))] for c in picked if len(c) >= 2))
    return sets


def test_prefix_and_partial_masks_are_the_plain_string_tests():
    rng = np.random.default_rng(11)
    codes = _codes(rng, 3_000)
    column = CodeColumn(np.array(codes, dtype=object))
    for prefixes in _prefix_sets(rng, codes):
        covered = [any(code.startswith(p) for p in prefixes) for code in codes]
        # Less specific than some prefix that extends it: 8704 against a scope of 8704.21.
        partial = [any(len(p) > len(code) and p.startswith(code) for p in prefixes) for code in codes]
        assert column.prefix_mask(prefixes).tolist() == covered, sorted(prefixes)
        assert column.partial_mask(prefixes).tolist() == partial, sorted(prefixes)
        assert column.partial_mask(prefixes) is column.partial_mask(prefixes)  # each set matched once


def test_a_code_is_partial_only_against_longer_prefixes_that_start_with_it():
    column = CodeColumn(np.array(["8704", "870421", "87042101", "0702", "0703"], dtype=object))
    assert column.partial_mask(frozenset({"87042101", "0702000"})).tolist() == [True, True, False, True, False]
    assert column.partial_mask(frozenset({"87"})).tolist() == [False] * 5


def test_normalised_codes_lose_dots_and_every_whitespace_python_knows():
    # ASCII codes are cleaned by Arrow's regex, a column with other whitespace (no-break space) by Python's.
    import pandas as pd

    from tariffcalc.hts_codes import digits_of, normalise_codes

    ascii_codes = ["8703.23.01", " 0101 ", "8703\t23", "87 03.23.01.90", "8703\x1c23", "abc", "", "870323019"]
    for codes in (ascii_codes, [*ascii_codes, "8703\u00a023", "9503\u200900"]):
        digits, reason = normalise_codes(pd.Series(codes, dtype=object))
        usable = [digits_of(c.strip()) if d else "" for c, d in zip(codes, digits)]
        assert digits.tolist() == usable
        assert [d for d, r in zip(digits, reason) if not r] == [
            digits_of(c.strip()) for c in codes if digits_of(c.strip()).isdigit() and len(digits_of(c.strip())) in (4, 6, 8, 10)
        ]
