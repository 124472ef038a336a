"""CSV text built on whole columns with pyarrow compute: the bytes pandas' ``to_csv`` wrote, faster.

The dialect is the one tariffcalc has always written: ``,`` between cells, ``\\n``
at the end of each line, and minimal quoting: a cell is quoted, with its ``"``
doubled, when it holds a ``,``, a ``"``, a line feed or a carriage return (a
bare carriage return was left unquoted by the old writer, which broke the
line for most readers).  Empty and missing cells are empty.

Money and rates are formatted here too, from integer cents and millionths,
without a Python loop per line: ``format_cents`` and ``format_rates`` of
:mod:`tariffcalc.money` give the same text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TextIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..money import format_rate
from .utf8 import write_utf8

_HUNDREDTHS = pa.array([f".{i:02d}" for i in range(100)], type=pa.string())


#: Cents read as a decimal with two places: ``750000`` is 7500.00, which Arrow casts to the text "7500.00".
_CENTS_DECIMAL = pa.decimal64(18, 2)


def cents_text(cents: np.ndarray) -> pa.Array:
    """Cents as ``"7500.00"`` (what :func:`tariffcalc.money.format_cents` gives).

    Amounts of 0 to 18 digits are the int64 buffer read as decimals with two places, cast to text in one
    pass; others (a negative refund, say) are formatted as whole part and hundredths.
    """
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    if not len(cents) or (int(cents.min()) >= 0 and int(cents.max()) < 10**18):
        return pc.cast(pa.Array.from_buffers(_CENTS_DECIMAL, len(cents), [None, pa.py_buffer(cents)]), pa.string())
    whole = pc.cast(pa.array(cents // 100), pa.string())
    return pc.binary_join_element_wise(whole, _HUNDREDTHS.take(pa.array(cents % 100)), "")


def rates_text(micro: np.ndarray) -> pa.Array:
    """Millionths as the shortest decimal fraction, ``-1`` as empty (what ``format_rates`` gives)."""
    codes, uniques = pd.factorize(np.asarray(micro, dtype=np.int64))
    texts = pa.array([format_rate(u) if u >= 0 else "" for u in uniques] or [""], type=pa.string())
    return texts.take(pa.array(codes, type=pa.int64()))


def measures_text(estimate) -> pa.Array:
    """Per line ``id:rate:duty`` of each applied measure joined by ``;`` (``Estimate.measures_text``).

    Built over the (line, measure) cells that apply, in line order then schedule order, and joined per line
    as lists: a few operations on whole columns whatever the number of measures.  A chunk has few distinct
    (measure, rate) pairs, so each pair's ``id:rate:`` is formatted once and only the duties cell by cell.
    """
    n, width = estimate.rates.shape
    rates = estimate.rates.reshape(-1)  # row-major: each line's measures in schedule order
    cells = np.flatnonzero(rates >= 0)
    rows, columns = np.divmod(cells, max(width, 1))
    # One key a (measure, rate) pair: a rate is at most MAX_RATE (10^8 millionths), under 2^32.
    codes, pairs = pd.factorize(columns.astype(np.int64) << 32 | rates[cells])
    prefixes = pa.array(
        [f"{estimate.measures[pair >> 32].id}:{format_rate(pair & 0xFFFFFFFF)}:" for pair in pairs.tolist()] or [""],
        type=pa.string(),
    )
    pieces = pc.binary_join_element_wise(prefixes.take(pa.array(codes)), cents_text(estimate.duties.reshape(-1)[cells]), "")
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=offsets[1:])
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), pieces), ";")


def computed_columns(estimate) -> dict[str, pa.Array]:
    """``Estimate.computed_columns`` as pyarrow text columns, in the same order."""
    columns = {
        "mfn_duty": cents_text(estimate.mfn_duty),
        "additional_duty": cents_text(estimate.additional_duty),
        "total_duty": cents_text(estimate.total_duty),
        "effective_rate": rates_text(estimate.effective_rate),
        "measures": measures_text(estimate),
        "refundable_duty": cents_text(estimate.refundable_duty),
    }
    if estimate.ad_cvd_duty is not None:
        columns["ad_cvd_duty"] = cents_text(estimate.ad_cvd_duty)
    return columns


def text_column(values: pd.Series | pa.Array) -> pa.Array | None:
    """A column of text as a pyarrow string array (missing cells empty); None when it holds anything but text."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        array = values
    else:
        try:
            array = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_null(array.type):
        array = pa.nulls(len(array), pa.string())
    if pa.types.is_large_string(array.type) or pa.types.is_string_view(array.type):
        array = array.cast(pa.string())
    if not pa.types.is_string(array.type):
        return None
    return array.fill_null("")


def quoted(cells: pa.Array) -> pa.Array:
    """Each cell as CSV: wrapped in quotes, with quotes doubled, where it holds ``,``, ``"``, LF or CR."""
    if not len(cells):
        return cells
    _, offsets, data = cells.buffers()
    ends = np.frombuffer(offsets, dtype=np.int32, count=len(cells) + 1, offset=4 * cells.offset)
    text = memoryview(data)[ends[0] : ends[-1]].tobytes() if data is not None else b""
    if not any(c in text for c in (b",", b'"', b"\n", b"\r")):  # the usual column: one scan of its bytes
        return cells
    needs = pc.match_substring_regex(cells, '[,"\n\r]')
    if not pc.any(needs).as_py():
        return cells
    # Only the cells that need quotes are quoted, then put back in their places.
    some = pc.filter(cells, needs)
    return pc.replace_with_mask(cells, needs, pc.binary_join_element_wise('"', pc.replace_substring(some, '"', '""'), '"', ""))


def csv_lines(columns: list[pa.Array], plain: frozenset[int] = frozenset()) -> str:
    """The lines of CSV text of equal-length text columns, each ending in ``\\n``.

    Columns whose index is in ``plain`` are known to need no quotes (amounts, rates).
    """
    return bytes(csv_bytes(columns, plain)).decode("utf-8")


def csv_bytes(columns: list[pa.Array], plain: frozenset[int] = frozenset()) -> memoryview:
    """:func:`csv_lines` as the UTF-8 bytes Arrow built, not copied."""
    if not columns or not len(columns[0]):
        return memoryview(b"")
    cells = [c if i in plain else quoted(c) for i, c in enumerate(columns)]
    # The line end joined to the last cells (a short column), then one join of all the cells with commas between
    # them: cheaper than one join of cells and commas as pieces, and no intermediate column of lines.
    cells[-1] = pc.binary_join_element_wise(cells[-1], "\n", "")
    lines = pc.binary_join_element_wise(*cells, ",")
    _, offsets, data = lines.buffers()
    ends = np.frombuffer(offsets, dtype=np.int32, count=len(lines) + 1, offset=4 * lines.offset)
    return memoryview(data)[ends[0] : ends[-1]]


def header_line(names) -> str:
    return csv_lines([pa.array([str(name)], type=pa.string()) for name in names])


_FORMULA_START = "^[=+\\-@\t\r]"


def neutralise_formulas(cells: pa.Array) -> tuple[pa.Array, int]:
    """``'`` before cells a spreadsheet would run (as :func:`tariffcalc.output.sinks.neutralise_formulas` does).

    The cells that start like a formula are found on the whole column; whether such a cell is a plain number
    (``-12.50``, left alone) is decided by the same Python regular expression as before, on those few cells only.
    """
    from .sinks import _NUMBER  # the one definition of a number a spreadsheet reads as such

    starts = pc.match_substring_regex(cells, _FORMULA_START)
    rows = np.flatnonzero(starts.to_numpy(zero_copy_only=False))
    if not len(rows):
        return cells, 0
    number = re.compile(_NUMBER)
    texts = cells.take(pa.array(rows)).to_pylist()
    risky = np.array([number.match(t.strip()) is None for t in texts], dtype=bool)
    if not risky.any():
        return cells, 0
    mask = np.zeros(len(cells), dtype=bool)
    mask[rows[risky]] = True
    return pc.if_else(pa.array(mask), pc.binary_join_element_wise("'", cells, ""), cells), int(risky.sum())


def ids_need_quotes(measures) -> bool:
    """Whether some measure id holds a character that makes a ``measures`` cell need quotes."""
    return any(c in m.id for m in measures for c in ',"\r\n')


def columns_text(
    inputs: pd.DataFrame, computed: Callable[[], dict[str, pa.Array]], may_need_quotes: Callable[[str], bool],
    excel_safe: bool,
) -> tuple[str, memoryview, int] | None:
    """The input's columns then the computed ones (``computed()``: name → text) as CSV: the header line, the
    lines (UTF-8), and the number of cells ``excel_safe`` changed.

    Only the computed columns ``may_need_quotes`` names are looked at for quoting (the others are amounts and
    rates).  None when an input column holds anything but text (the caller then uses pandas).
    """  # fmt: skip
    arrays = [text_column(inputs[name]) for name in inputs.columns]
    if any(a is None for a in arrays):
        return None
    columns = computed()
    names = [*inputs.columns, *columns]
    plain = frozenset(len(arrays) + i for i, name in enumerate(columns) if not may_need_quotes(name))
    arrays += list(columns.values())
    changed = 0
    if excel_safe:
        for i, cells in enumerate(arrays):
            arrays[i], count = neutralise_formulas(cells)
            changed += count
    return header_line(names), csv_bytes(arrays, frozenset() if excel_safe else plain), changed


def write_columns(
    inputs: pd.DataFrame, computed: Callable[[], dict[str, pa.Array]], may_need_quotes: Callable[[str], bool],
    out: TextIO, header: bool, excel_safe: bool,
) -> int | None:
    """Write :func:`columns_text` (with its header line if ``header``); the cells ``excel_safe`` changed, or None
    with nothing written."""
    made = columns_text(inputs, computed, may_need_quotes, excel_safe)
    if made is None:
        return None
    if header:
        out.write(made[0])
    write_utf8(out, made[1])
    return made[2]


def estimate_text(inputs: pd.DataFrame, estimate, excel_safe: bool) -> tuple[str, memoryview, int] | None:
    """:func:`columns_text` of the input's columns then the estimate's (made only when the input's are all text)."""
    quote_measures = ids_need_quotes(estimate.measures)
    return columns_text(
        inputs, lambda: computed_columns(estimate), lambda name: name == "measures" and quote_measures, excel_safe
    )
