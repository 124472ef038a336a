"""CSV baskets read by Arrow (:mod:`tariffcalc.goods.arrow_csv`) give what pandas' reader gives, or are left to it.

Each basket is read in chunks twice: as tariffcalc reads it, and with the
Arrow path switched off (today's pandas reader).  The chunks must hold the
same cells, lines and normalised columns, and the same problems word for
word; and the files meant for Arrow must really be read by it, the others not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffcalc.errors import InputError
from tariffcalc.goods import arrow_csv, chunks

HEADER = "hts_code,country,value,mfn_rate,description,quantity,usmca,auto_part,entry_date\n"
LINES = [
    "7607.19.10,CA,827.84,0.032,Aluminum articles,3,false,,\n",
    '6109.10.00,DE,1316.91,Free,"T-shirts, cotton",21,,,\n',
    '61091000,IL,3793.79,0,"Say ""hello""",5,,,2025-02-07\n',
    '8703.23.01,JP,30000,2.5%,"",1,,true,2025-04-17\n',
    "7307.91.50,CA,783.75,0,Steel derivatives,75,yes,,\n",
    "8471.30.01,CN,1200.50,,Laptops — ünïcödé,2,,,2025-03-01\n",
    "9403.60.80,VN,450.00,0.05,Wooden furniture,,,,\n",
]

#: Files Arrow reads: the same as pandas by the rules of arrow_csv.
PLAIN = {
    "plain": HEADER + "".join(LINES),
    "no final line end": HEADER + "".join(LINES).rstrip("\n"),
    "byte order mark": "\ufeff" + HEADER + "".join(LINES),
    "semicolons": (HEADER + "".join(LINES)).replace(",", ";").replace('"T-shirts; cotton"', '"T-shirts, cotton"'),
    "tabs": (HEADER + "".join(LINES)).replace(",", "\t"),
    "bad cells": HEADER
    + "ABC,XX,-5,2.5,x,1,maybe,,2025-02-30\n"
    + "8471.30.01,CN,1٢00,0.05,x,1,,,2025-13-01\n"
    + "8471.30.01,CN,1.234,50,x,1,,,\n"
    + "8471.30.01,,,,x,1,,,\n"
    + "".join(LINES),
    "long cells": HEADER + f"8471.30.01,CN,10,0,{'x' * 10_001},1,,,\n" + f'8471.30.01,CN,10,0,"{"é" * 6_000}",1,,,\n' + "".join(LINES),
    "lines of empty cells": HEADER + LINES[0] + ",,,,,,,,\n" + "".join(LINES[1:]) + ",,,,,,,,\n" + " ,,,,,,,,\n",
    "a line longer than Arrow's block": HEADER + f"8471.30.01,CN,10,0,{'x' * (3 << 20)},1,,,\n" + "".join(LINES),
    "a column tariffcalc does not know": "".join(line.rstrip("\n") + ",extra\n" for line in [HEADER, *LINES]),
}

#: Files left to pandas: what Arrow might read otherwise than pandas, or not at all.
NOT_PLAIN = {
    "blank lines": HEADER + LINES[0] + "\n" + LINES[1] + ",,,,,,,,\n" + "".join(LINES[2:]) + "\n\n",
    "CRLF": (HEADER + "".join(LINES)).replace("\n", "\r\n"),
    "extra cells": HEADER + LINES[0] + LINES[1].rstrip("\n") + ",surplus,more\n" + "".join(LINES[2:]),
    "extra empty cells on the first line": HEADER + LINES[0].rstrip("\n") + ",,\n" + "".join(LINES[1:]),
    "short rows": HEADER + "8471.30.01,CN,10\n" + "".join(LINES),
    "a cell over two lines": HEADER + '8471.30.01,CN,10,0,"two\nlines",1,,,\n' + "".join(LINES),
    "a quote never closed": HEADER + "".join(LINES) + '8471.30.01,CN,10,0,"open,1,,,\n' + LINES[0],
    "a quote inside a cell": HEADER + '8471.30.01,CN,10,0,12" wide,1,,,\n' + "".join(LINES),
    "text after a closing quote": HEADER + '8471.30.01,CN,10,0,"a" b,1,,,\n' + "".join(LINES),
    "a quoted header": '"hts_code",country,value\n8471.30.01,CN,10\n',
    "an unnamed column": "hts_code,country,value,\n8471.30.01,CN,10,x\n",
    "one column": "hts_code\n8471.30.01\n",
    "header only": HEADER,
    "a NUL byte": HEADER + "8471.30.01,CN,10,0,a\x00b,1,,,\n",
}


def _read(path, encoding="utf-8-sig", chunk_size=3, arrow=True, monkeypatch=None):
    """Every chunk as plain data to compare (or the problems of the InputError), and whether Arrow read it."""
    used = []
    real = arrow_csv.plain_csv

    def deciding(*args):
        plain = real(*args) if arrow else None
        used.append(plain is not None)
        return plain

    monkeypatch.setattr(chunks, "plain_csv", deciding)
    try:
        result = [_plain_data(basket) for basket in chunks.basket_chunks(path, encoding=encoding, chunk_size=chunk_size)]
    except InputError as exc:
        result = [("InputError", [(p.where, p.message) for p in exc.problems])]
    finally:
        monkeypatch.setattr(chunks, "plain_csv", real)
    return result, any(used)


def _plain_data(basket):
    skipped = basket.skipped
    return {
        "columns": list(map(str, basket.columns.columns)),
        "cells": basket.columns.astype(object).to_numpy().tolist(),
        "source_lines": np.asarray(basket.source_lines).tolist(),
        "hts": basket.hts.tolist(),
        "country": basket.country.tolist(),
        "value_cents": np.asarray(basket.value_cents).tolist(),
        "mfn_micro": np.asarray(basket.mfn_micro).tolist(),
        "entry_date": [str(d) for d in basket.entry_date],
        "usmca": np.asarray(basket.usmca).tolist(),
        "auto_part": np.asarray(basket.auto_part).tolist(),
        "rounded": np.asarray(basket.rounded_values).tolist(),
        "headers": basket.headers,
        "skipped": None if skipped is None else ([(p.where, p.message) for p in skipped.problems], skipped.lines, skipped.value_cents, skipped.unknown_value_lines),
    }


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 200_000])
@pytest.mark.parametrize("case", sorted(PLAIN))
def test_arrow_reads_plain_files_as_pandas_does(tmp_path, monkeypatch, case, chunk_size):
    path = tmp_path / "basket.csv"
    path.write_bytes(PLAIN[case].encode("utf-8"))
    by_arrow, used = _read(path, chunk_size=chunk_size, monkeypatch=monkeypatch)
    by_pandas, _ = _read(path, chunk_size=chunk_size, arrow=False, monkeypatch=monkeypatch)
    assert used
    assert by_arrow == by_pandas
    lines = [line for line in PLAIN[case].splitlines()[1:] if line.strip(",;\t")]  # rows of empty cells dropped
    assert sum(len(chunk["source_lines"]) + (chunk["skipped"] or (0, 0))[1] for chunk in by_arrow) == len(lines)


@pytest.mark.parametrize("case", sorted(NOT_PLAIN))
def test_files_arrow_might_read_otherwise_are_left_to_pandas(tmp_path, monkeypatch, case):
    path = tmp_path / "basket.csv"
    path.write_bytes(NOT_PLAIN[case].encode("utf-8"))
    delimiter = ","
    assert arrow_csv.plain_csv(path, "utf-8-sig", delimiter, 3) is None
    by_default, _ = _read(path, monkeypatch=monkeypatch)
    by_pandas, _ = _read(path, arrow=False, monkeypatch=monkeypatch)
    assert by_default == by_pandas


@pytest.mark.parametrize(
    "encoding, data",
    [
        ("utf-8", ("\ufeff" + HEADER + "".join(LINES)).encode("utf-8")),  # the mark is text of the first header
        ("cp1252", (HEADER + "".join(LINES[:5])).encode("cp1252")),
        ("utf-8-sig", (HEADER + "".join(LINES)).encode("utf-8") + b"\xff\xfe,CN,10,0,x,1,,,\n"),
    ],
)
def test_other_encodings_and_undecodable_bytes_are_left_to_pandas(tmp_path, monkeypatch, encoding, data):
    path = tmp_path / "basket.csv"
    path.write_bytes(data)
    assert arrow_csv.plain_csv(path, encoding, ",", 3) is None
    assert _read(path, encoding, monkeypatch=monkeypatch)[0] == _read(path, encoding, arrow=False, monkeypatch=monkeypatch)[0]


def test_a_large_generated_basket_is_read_by_arrow_in_the_same_chunks(tmp_path, monkeypatch):
    """Many lines over several scan blocks: chunk ends, line numbers and cells as pandas reads them."""
    rng = np.random.default_rng(7)
    lines = np.array(LINES, dtype=object)[rng.integers(0, len(LINES), 120_000)]
    path = tmp_path / "basket.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    plain = arrow_csv.plain_csv(path, "utf-8-sig", ",", 50_000)
    assert plain is not None and plain.rows == 120_000 and len(plain.chunk_ends) == 3
    assert plain.chunk_ends[-1] == path.stat().st_size
    by_arrow, _ = _read(path, chunk_size=50_000, monkeypatch=monkeypatch)
    by_pandas, _ = _read(path, chunk_size=50_000, arrow=False, monkeypatch=monkeypatch)
    assert [c["source_lines"][:2] for c in by_arrow] == [[2, 3], [50_002, 50_003], [100_002, 100_003]]
    assert by_arrow == by_pandas


def _well_formed_by_regex(line: bytes, delimiter: bytes, width: int) -> bool:
    """The rule the scan checks, as one regular expression a line (how the scan checked it before)."""
    import re

    sep = re.escape(delimiter)
    cell = b'(?:"(?:[^"\\n]|"")*"|[^"\\n' + sep + b"]*)"
    return re.fullmatch(cell + (sep + cell) * (width - 1) + b"\n", line) is not None


@pytest.mark.parametrize("seed", range(4))
def test_the_scan_finds_the_lines_a_regular_expression_finds_well_formed(seed):
    """Generated lines of cells, quotes and delimiters, judged alone and in blocks, as the regular expression judges them."""
    rng = np.random.default_rng(seed)
    cells = [b"", b"a", b"bc", b" ", b'""', b'"x"', b'"a,b"', b'"say ""hi"""', b'""""', b'","']
    faults = [b'"', b",", b'""', b'a"b', b'"a"b', b'"a,']
    width = 3
    lines = []
    for _ in range(3000):
        line = b",".join(cells[i] for i in rng.integers(0, len(cells), width))
        for _ in range(rng.integers(0, 3)):  # a fault or two, somewhere
            at = int(rng.integers(0, len(line) + 1))
            line = line[:at] + faults[int(rng.integers(0, len(faults)))] + line[at:]
        lines.append(line + b"\n")
    verdicts = [_well_formed_by_regex(line, b",", width) for line in lines]
    assert 100 < sum(verdicts) < len(lines) - 100  # both kinds, plenty of each

    def scan(block_lines):
        data = b"".join(block_lines)
        ends = np.cumsum([len(line) for line in block_lines]) - 1
        return arrow_csv._lines_plain(np.frombuffer(data, dtype=np.uint8), ends, ord(","), width)

    assert [scan([line]) for line in lines] == verdicts
    good = [line for line, ok in zip(lines, verdicts) if ok]
    assert scan(good)
    for line in [line for line, ok in zip(lines, verdicts) if not ok][:200]:
        assert not scan(good[:50] + [line] + good[50:100])
