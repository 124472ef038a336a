"""Text held by Arrow (as :mod:`tariffcalc.goods.arrow_csv` reads a CSV basket): telling it apart, and whether it
is all ASCII, which lets the checks and the code clean-up take Arrow's faster paths."""

from __future__ import annotations

import numpy as np
import pandas as pd


def is_arrow_text(values: object) -> bool:
    """Whether ``values`` is a pandas column of text held by Arrow (so pyarrow is there)."""
    dtype = getattr(values, "dtype", None)
    return isinstance(values, pd.Series) and isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def all_ascii(text) -> bool:
    """Whether every cell of an Arrow text array is ASCII.

    Found from the bytes the cells use, the stretch of the data buffer between the first and the last offset, at
    NumPy's speed (Arrow's ``string_is_ascii`` makes a flag per cell first, ten times as long on a chunk). Bytes
    under a missing cell are looked at too, so the answer can be a cautious "no", never a wrong "yes".
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(text, pa.ChunkedArray):
        return all(all_ascii(chunk) for chunk in text.chunks)
    offset = {pa.string(): np.dtype(np.int32), pa.large_string(): np.dtype(np.int64)}.get(text.type)
    if offset is None:  # another layout (string views): cell by cell
        return pc.all(pc.string_is_ascii(text)).as_py() is not False
    _, offsets, data = text.buffers()
    if not len(text) or data is None:
        return True
    bounds = np.frombuffer(offsets, dtype=offset, count=len(text) + 1, offset=text.offset * offset.itemsize)
    used = np.frombuffer(data, dtype=np.uint8)[bounds[0] : bounds[-1]]
    return not bool((used >= 0x80).any())
