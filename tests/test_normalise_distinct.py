"""A column of mostly distinct cells (amounts) is checked cell by cell: the same basket and problems as by distinct values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffcalc.errors import InputError
from tariffcalc.goods import normalise as normalising
from test_arrow_read import _plain_data


def _basket(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    values = [f"{v / 100:.2f}" for v in rng.integers(1, 10**9, n)]
    bad = {7: "", 300: None, 99: "-12.50", 500: "1.234,50", 1_000: "1٢00", 5_000: "x" * 10_001, 17_000: "abc", 17_001: "abc"}
    for row, cell in bad.items():
        values[row] = cell
    return pd.DataFrame(
        {
            "hts_code": rng.choice(["8471.30.01", "7607.19.10", "61091000"], n),
            "country": rng.choice(["CN", "DE", "Japan"], n),
            "value": values,
            "mfn_rate": rng.choice(["", "0.025", "2.5%"], n),
        },
        dtype=object,
    )


@pytest.mark.parametrize("arrow_text", [False, True])
def test_mostly_distinct_columns_give_what_distinct_values_give(monkeypatch, arrow_text):
    frame = _basket(20_000)
    if arrow_text:
        frame = frame.astype("str")
    lines = np.arange(2, len(frame) + 2)
    assert normalising._mostly_distinct(frame["value"]) and not normalising._mostly_distinct(frame["country"])
    cell_by_cell = normalising.normalise(frame, lines, "b.csv", skip_invalid=True)
    with pytest.raises(InputError) as failed:
        normalising.normalise(frame, lines, "b.csv")
    monkeypatch.setattr(normalising, "_mostly_distinct", lambda values: False)
    by_distinct = normalising.normalise(frame, lines, "b.csv", skip_invalid=True)
    assert _plain_data(cell_by_cell) == _plain_data(by_distinct)
    assert cell_by_cell.skipped.lines == 8
    assert [(p.where, p.message) for p in failed.value.problems] == [(p.where, p.message) for p in by_distinct.skipped.problems]


@pytest.mark.parametrize("arrow_text", [False, True])
def test_codes_and_countries_are_categoricals_of_their_normalised_texts(arrow_text):
    # Written three ways, one code; a name and a code, one country; an invalid line left out, its texts unused.
    frame = pd.DataFrame(
        {
            "hts_code": ["8703.23.01", "870323.01", "8703 23 01", "7607.19.10", "12"],
            "country": ["Japan", "JP", "jp", "DE", "DE"],
            "value": ["10", "20", "30", "40", "50"],
        },
        dtype=object,
    )
    if arrow_text:
        frame = frame.astype("str")
    basket = normalising.normalise(frame, np.arange(2, 7), "b.csv", skip_invalid=True)
    assert basket.hts.tolist() == ["87032301", "87032301", "87032301", "76071910"]
    assert basket.country.tolist() == ["JP", "JP", "JP", "DE"]
    for column in (basket.hts, basket.country):
        assert isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.is_unique
    assert pd.factorize(basket.hts)[0].tolist() == [0, 0, 0, 1]  # the engine numbers lines by these
