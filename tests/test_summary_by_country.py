"""Summary's per-country sums (np.add.reduceat over lines sorted by country) against a pandas groupby of Python ints."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tariffcalc.engine.result import _by_country


def _grouped(country, columns):
    """The old way: a groupby in order of first appearance, each sum in Python integers."""
    frame = pd.DataFrame({"country": country, **{f"c{i}": c for i, c in enumerate(columns)}})
    return {
        key: [len(group)] + [sum(int(x) for x in group[f"c{i}"]) for i in range(len(columns))]
        for key, group in frame.groupby("country", sort=False)
    }


def test_sums_by_country_match_a_groupby():
    rng = np.random.default_rng(7)
    country = rng.choice(np.array(["CN", "DE", "MX", "JP", "CA"], dtype=object), 5_000)
    columns = [rng.integers(0, 10**9, 5_000) for _ in range(4)]
    found = _by_country(country, columns)
    assert found == _grouped(country, columns)
    assert list(found) == list(pd.unique(country))  # first appearance, as the groupby gave


def test_sums_beyond_64_bits_are_exact():
    country = np.array(["CN", "DE", "CN", "CN"], dtype=object)
    big = np.array([2**62, 5, 2**62, 2**62], dtype=np.int64)
    found = _by_country(country, [big])
    assert found == {"CN": [3, 3 * 2**62], "DE": [1, 5]}


def test_missing_countries_are_in_no_group_and_an_empty_chunk_has_none():
    country = np.array(["CN", None, "CN"], dtype=object)
    assert _by_country(country, [np.array([1, 2, 3])]) == {"CN": [2, 4]}
    assert _by_country(np.array([], dtype=object), [np.array([], dtype=np.int64)]) == {}
