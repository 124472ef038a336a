"""--engine dask gives exactly what the single-process run gives: the same bytes, the same JSON, the same errors."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest

from conftest import EXAMPLES, dated_example_lines

dask = pytest.importorskip("dask", reason="the Dask tests need dask (pip install 'tariffcalc[dask]')")
pytest.importorskip("dask.dataframe", reason="the Dask tests need dask[dataframe] (pip install 'tariffcalc[dask]')")

from tariffcalc.engine import dask_run  # noqa: E402

EXAMPLE = EXAMPLES / "japan-shipment.csv"
DAY = ["--date", "2025-04-17"]


@pytest.fixture(params=["synchronous", "threads"])
def scheduler(request):
    with dask.config.set(scheduler=request.param):
        yield request.param


@pytest.fixture
def partitions(monkeypatch):
    """The partition numbers computed, as Dask calls compute_partition."""
    seen = []
    original = dask_run.compute_partition

    def spy(frame, parts, compiled, date, decimal_comma, partition_info=None):
        seen.append(partition_info["number"])
        return original(frame, parts, compiled, date, decimal_comma, partition_info=partition_info)

    monkeypatch.setattr(dask_run, "compute_partition", spy)
    return seen


def awkward_basket(write):
    """The example three times, with entry dates, values to round, quoted commas and a quoted newline, and blank lines."""
    header, lines = dated_example_lines()
    lines[4] = lines[4].replace("PO-1005", '"PO, with a comma ""quoted""\nand a second line-1005"')
    lines.insert(20, "")
    return write("awkward.csv", "\n".join([header, *lines]) + "\n\n")


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "table"])
@pytest.mark.parametrize("scheduler_name, chunk", [("synchronous", "7"), ("threads", "1"), ("threads", "7"), ("threads", "1000000")])
def test_dask_gives_the_same_bytes_as_one_process(tariffcalc, write, partitions, fmt, scheduler_name, chunk):
    basket = awkward_basket(write)
    single = tariffcalc("estimate", basket, *DAY, "--format", fmt, "--chunk-size", chunk)
    with dask.config.set(scheduler=scheduler_name):
        spread = tariffcalc("estimate", basket, *DAY, "--format", fmt, "--chunk-size", chunk, "--engine", "dask")
    assert single.exit_code == spread.exit_code == 0, spread
    assert (spread.stdout, spread.stderr) == (single.stdout, single.stderr)
    records = 38  # 36 lines, a blank line inside and one at the end
    assert sorted(partitions) == list(range(-(-records // int(chunk)) if chunk != "1000000" else 1))
    if fmt == "json":
        assert spread.json() == single.json()


def test_the_quoted_newline_stays_inside_its_line(tariffcalc, write):
    basket = awkward_basket(write)
    out = tariffcalc("estimate", basket, *DAY, "--format", "csv", "--chunk-size", "5", "--engine", "dask").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 36
    assert rows[4]["po_number"] == 'PO, with a comma "quoted"\nand a second line-1005'


def parquet_rows(path=EXAMPLE):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_a_parquet_file_of_several_row_groups(tariffcalc, tmp_path, scheduler, partitions):
    pa = pytest.importorskip("pyarrow", reason="needs pyarrow")
    import pyarrow.parquet as pq

    rows = parquet_rows() * 3
    basket = tmp_path / "b.parquet"
    pq.write_table(pa.table({c: [r[c] for r in rows] for c in rows[0]}), basket, row_group_size=5)
    for fmt in ("csv", "json"):
        single = tariffcalc("estimate", basket, *DAY, "--format", fmt, "--chunk-size", "5")
        spread = tariffcalc("estimate", basket, *DAY, "--format", fmt, "--engine", "dask")
        assert (spread.exit_code, spread.stdout, spread.stderr) == (0, single.stdout, single.stderr)
    assert sorted(set(partitions)) == list(range(8))  # 36 rows in row groups of 5


def test_a_folder_of_parquet_files(tariffcalc, tmp_path, partitions):
    pa = pytest.importorskip("pyarrow", reason="needs pyarrow")
    import pyarrow.parquet as pq

    rows = parquet_rows()
    folder = tmp_path / "basket"
    for i, (start, end) in enumerate([(0, 5), (5, 9), (9, 12)]):
        (folder / f"part={i}").mkdir(parents=True)
        part = rows[start:end]
        pq.write_table(pa.table({c: [r[c] for r in part] for c in part[0]}), folder / f"part={i}" / "data.parquet")
    (folder / "_SUCCESS").write_text("")
    single = tariffcalc("estimate", EXAMPLE, *DAY, "--format", "csv")
    spread = tariffcalc("estimate", folder, *DAY, "--format", "csv", "--engine", "dask")
    assert (spread.exit_code, spread.stdout, spread.stderr) == (0, single.stdout, single.stderr)
    whole, parts = (tariffcalc("estimate", p, *DAY, "--format", "json", *e).json() for p, e in [(EXAMPLE, ()), (folder, ("--engine", "dask"))])
    assert parts["lines"] == whole["lines"]
    assert parts["totals"] == whole["totals"]
    assert sorted(partitions) == [0, 0, 1, 1, 2, 2]  # a partition per file, in each of the two runs


def test_a_bad_line_in_a_late_partition_is_reported_as_one_process_does(tariffcalc, write):
    path = write("late.csv", EXAMPLE.read_text() + "\n9503.00.00,JP,oops,0,,,,,\n9503.00.00,XX,1,0,,,,,\n")
    single = tariffcalc("estimate", path, *DAY, "--format", "csv", "--chunk-size", "3")
    spread = tariffcalc("estimate", path, *DAY, "--format", "csv", "--chunk-size", "3", "--engine", "dask")
    assert spread.exit_code == single.exit_code == 2
    assert spread.stdout == ""
    assert spread.stderr == single.stderr
    assert spread.stderr.startswith(f"Error: {path}:15: value: 'oops' is not an amount in USD")


def test_a_quote_never_closed_is_reported_as_one_process_does(tariffcalc, write):
    path = write("open.csv", EXAMPLE.read_text() + '9503.00.00,JP,"1,0,,,,,\n9503.00.00,JP,1,0,,,,,\n')
    single = tariffcalc("estimate", path, *DAY, "--format", "csv", "--chunk-size", "3")
    spread = tariffcalc("estimate", path, *DAY, "--format", "csv", "--chunk-size", "3", "--engine", "dask")
    assert (spread.exit_code, spread.stdout, spread.stderr) == (single.exit_code, "", single.stderr)
    message = "not valid CSV: a quote opened on this line is never closed (the rest of the file would be one cell)"
    assert single.stderr == f"Error: {path}:14: {message}\n"


def test_skip_invalid_is_the_same(tariffcalc, write):
    rows = EXAMPLE.read_text().splitlines()
    path = write("mixed.csv", "\n".join([rows[0], rows[1], "9503.00.00,XX,10,0,,,,,", *rows[2:], "9503.00.00,JP,-1,0,,,,,"]) + "\n")
    args = ("estimate", path, *DAY, "--format", "json", "--skip-invalid", "--chunk-size", "4")
    single, spread = tariffcalc(*args), tariffcalc(*args, "--engine", "dask")
    assert spread.exit_code == single.exit_code == 3
    assert (spread.stdout, spread.stderr) == (single.stdout, single.stderr)


def test_stdin(tariffcalc):
    single = tariffcalc("estimate", EXAMPLE, *DAY, "--format", "csv")
    spread = tariffcalc("estimate", "-", *DAY, "--format", "csv", "--engine", "dask", "--chunk-size", "4", input=EXAMPLE.read_text())
    assert (spread.exit_code, spread.stdout) == (0, single.stdout)


def test_json_baskets_are_for_the_pandas_engine(tariffcalc, write):
    path = write("b.jsonl", "".join(json.dumps(r) + "\n" for r in parquet_rows()))
    result = tariffcalc("estimate", path, *DAY, "--engine", "dask")
    assert result.exit_code == 2
    assert result.stderr == "Error: --engine dask: reads CSV and Parquet baskets, not JSONL (use --engine pandas for this one)\n"


def test_a_folder_without_parquet_files(tariffcalc, tmp_path):
    result = tariffcalc("estimate", tmp_path, *DAY, "--engine", "dask")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path}: is a folder without .parquet files (expected a basket file or a folder of Parquet files)\n"


def test_without_dask(tariffcalc, monkeypatch):
    for module in [m for m in sys.modules if m == "dask" or m.startswith("dask.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    result = tariffcalc("estimate", EXAMPLE, *DAY, "--engine", "dask")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: --engine dask needs dask: pip install 'tariffcalc[dask]'\n"


def test_the_partition_function_is_the_single_process_chunk_function(write):
    """compute_partition is normalise + engine.run.compute_chunk on a plain pandas frame: callable without Dask."""
    import datetime as dt

    import pandas as pd

    from tariffcalc.engine.compile import CompiledSchedule
    from tariffcalc.law.load import load_schedule
    from tariffcalc.engine.run import ChunkedEstimate
    from tariffcalc.goods.chunks import basket_chunks

    frame = pd.read_csv(EXAMPLE, dtype=object, keep_default_na=False)
    part = dask_run.Part("csv", EXAMPLE, str(EXAMPLE), 0)
    schedule, day = load_schedule("us-2025"), dt.date(2025, 4, 17)
    (result, summary, skipped), = dask_run.compute_partition(frame, [part], CompiledSchedule.of(schedule), day, False)["chunk"]
    run = ChunkedEstimate(basket_chunks(EXAMPLE), schedule, day, skip_invalid=False)
    (expected, _), = list(run)
    assert result.total_duty.tolist() == expected.total_duty.tolist()
    assert summary.totals() == run.summary.totals()
    assert skipped.lines == 0


def test_the_progress_bar_follows_the_partitions(tariffcalc, write, monkeypatch):
    from rich.console import Console

    from tariffcalc.output import progress

    screen = io.StringIO()
    monkeypatch.setattr(progress, "stderr_console", lambda: Console(file=screen, force_terminal=True, width=100))
    monkeypatch.setattr(progress, "MIN_BYTES", 0)
    result = tariffcalc("estimate", EXAMPLE, *DAY, "--format", "csv", "--chunk-size", "4", "--engine", "dask")
    assert (result.exit_code, result.stderr) == (0, "")
    assert f"Reading {EXAMPLE}" in screen.getvalue()
    assert "100%" in screen.getvalue()


def test_an_encoding_with_wide_newlines_is_for_the_pandas_engine(tariffcalc, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(EXAMPLE.read_text().encode("utf-16"))
    assert tariffcalc("estimate", path, *DAY, "--encoding", "utf-16", "--format", "csv").exit_code == 0
    result = tariffcalc("estimate", path, *DAY, "--encoding", "utf-16", "--engine", "dask")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --encoding: --engine dask reads CSV in encodings where a newline is one byte (UTF-8, cp1252, "
        "Latin-1...), not 'utf-16'; use --engine pandas\n"
    )


def test_cp1252_and_a_byte_order_mark(tariffcalc, tmp_path):
    text = EXAMPLE.read_text().replace("Model kits and toys", "Modèle réduit — jouets")
    for encoding, data in (("cp1252", text.encode("cp1252")), ("utf-8", b"\xef\xbb\xbf" + text.encode())):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(data)
        args = ("estimate", path, *DAY, "--encoding", encoding, "--format", "csv", "--chunk-size", "3")
        single, spread = tariffcalc(*args), tariffcalc(*args, "--engine", "dask")
        assert (spread.exit_code, spread.stdout) == (0, single.stdout)
        assert "Modèle réduit — jouets" in spread.stdout
