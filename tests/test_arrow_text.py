"""``arrow_text.all_ascii`` (from the bytes the cells use) answers as Arrow's own cell-by-cell ``string_is_ascii``
does, on both string layouts, on slices (an offset into the buffers) and on chunked arrays."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tariffcalc.arrow_text import all_ascii, is_arrow_text

CELLS = ["8703.23", "", "Zürich", "a", "\u00e9", "plain", "\u3000", None]


def _arrow_says(array) -> bool:
    return pc.all(pc.string_is_ascii(array)).as_py() is not False


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_as_arrow_answers(kind):
    rng = np.random.default_rng(0)
    answers = set()
    for trial in range(2000):
        cells = [CELLS[i] for i in rng.integers(0, len(CELLS), int(rng.integers(0, 12)))]
        array = pa.array(cells, type=kind)
        if len(cells) > 2 and trial % 2:  # a slice, whose bytes start and end inside the buffer
            start, stop = sorted(int(i) for i in rng.integers(0, len(cells), 2))
            array = array.slice(start, stop - start)
        assert all_ascii(array) == _arrow_says(array), array
        half = len(cells) // 2
        chunked = pa.chunked_array([pa.array(cells[:half], kind), pa.array(cells[half:], kind)])
        assert all_ascii(chunked) == _arrow_says(chunked), chunked
        answers.add(_arrow_says(array))
    assert answers == {True, False}


def test_a_slice_is_judged_on_its_own_cells():
    array = pa.array(["Zürich", "8703", "6109", "Genève"])
    assert not all_ascii(array) and all_ascii(array.slice(1, 2))


def test_arrow_text_told_apart():
    import pandas as pd

    assert is_arrow_text(pd.Series(["a"], dtype=pd.StringDtype("pyarrow")))
    assert not is_arrow_text(pd.Series(["a"], dtype=object)) and not is_arrow_text(pa.array(["a"]))
