"""Parquet baskets in and Parquet results out: the same lines and totals as the CSV path, every value exact."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from decimal import Decimal

import pytest

from conftest import EXAMPLES

pa = pytest.importorskip("pyarrow", reason="the Parquet tests need pyarrow (pip install 'tariffcalc[parquet]')")
pq = pytest.importorskip("pyarrow.parquet", reason="the Parquet tests need pyarrow (pip install 'tariffcalc[parquet]')")

EXAMPLE = EXAMPLES / "japan-shipment.csv"
DAY = ["--date", "2025-04-17"]
NEEDS_PYARROW = "Error: parquet needs pyarrow: pip install 'tariffcalc[parquet]'\n"


def example_rows() -> list[dict]:
    return list(csv.DictReader(io.StringIO(EXAMPLE.read_text())))


def write_text_parquet(path, rows, row_group_size=None):
    columns = list(rows[0])
    table = pa.table({c: pa.array([r[c] for r in rows], pa.string()) for c in columns})
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "table"])
@pytest.mark.parametrize("chunk", ["1000000", "5"])
def test_a_parquet_basket_gives_what_the_same_csv_gives(tariffcalc, tmp_path, fmt, chunk):
    basket = write_text_parquet(tmp_path / "japan-shipment.parquet", example_rows())
    from_csv = tariffcalc("estimate", EXAMPLE, *DAY, "--format", fmt)
    from_parquet = tariffcalc("estimate", basket, *DAY, "--format", fmt, "--chunk-size", chunk)
    assert from_csv.exit_code == from_parquet.exit_code == 0, from_parquet
    if fmt == "json":
        assert from_parquet.json()["lines"] == from_csv.json()["lines"]
        assert from_parquet.json()["totals"] == from_csv.json()["totals"]
    elif fmt == "table":
        assert from_parquet.stdout.replace(str(basket), "B") == from_csv.stdout.replace(str(EXAMPLE), "B")
    else:
        assert from_parquet.stdout == from_csv.stdout


def test_numeric_columns_are_read_exactly(tariffcalc, tmp_path, write):
    """Integers, decimals and floats become the decimal text they hold; floats by their shortest repr."""
    rows = [
        ("8703.23.01", "JP", 30000, Decimal("30000.00"), 30000.0, 0.025, True, dt.date(2025, 4, 17)),
        ("9503.00.00", "JP", 2150, Decimal("2150.505"), 1.005, 0.0, False, dt.date(2025, 4, 9)),
        ("8471.30.01", "CN", 7, Decimal("0.125"), 0.1 + 0.2, None, None, None),
        ("8471.30.01", "DE", 12, Decimal("99999999.99"), 1e-05, 0.068, None, None),
    ]
    names = ["hts_code", "country", "value_int", "value_decimal", "value_float", "mfn_rate", "usmca", "entry_date"]
    columns = list(zip(*rows))
    types = [pa.string(), pa.string(), pa.int64(), pa.decimal128(12, 3), pa.float64(), pa.float64(), pa.bool_(), pa.date32()]
    table = pa.table({n: pa.array(c, t) for n, c, t in zip(names, columns, types)})
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)

    from tariffcalc.goods.parquet import text_frame

    frame = text_frame(pq.read_table(path), "typed.parquet")
    assert frame.to_dict("list") == {
        "hts_code": ["8703.23.01", "9503.00.00", "8471.30.01", "8471.30.01"],
        "country": ["JP", "JP", "CN", "DE"],
        "value_int": ["30000", "2150", "7", "12"],
        "value_decimal": ["30000.000", "2150.505", "0.125", "99999999.990"],
        "value_float": ["30000.0", "1.005", "0.30000000000000004", "0.00001"],
        "mfn_rate": ["0.025", "0.0", "", "0.068"],
        "usmca": ["true", "false", "", ""],
        "entry_date": ["2025-04-17", "2025-04-09", "", ""],
    }
    # Each way of writing the value gives the cents the text says, rounded half up once.
    for column, cents in [
        ("value_int", ["30000.00", "2150.00", "7.00", "12.00"]),
        ("value_decimal", ["30000.00", "2150.51", "0.13", "99999999.99"]),
        ("value_float", ["30000.00", "1.01", "0.30", "0.00"]),  # 1.005 is 1.00499999... in binary
    ]:
        chosen = pa.table({"hts_code": table["hts_code"], "country": table["country"], "value": table[column]})
        single = tmp_path / f"{column}.parquet"
        pq.write_table(chosen, single)
        result = tariffcalc("estimate", single, *DAY, "--format", "json")
        assert result.exit_code == 0, result
        assert [line["value"] for line in result.json()["lines"]] == cents


def test_an_integer_hts_code_column_is_refused(tariffcalc, tmp_path):
    path = tmp_path / "numbers.parquet"
    pq.write_table(pa.table({"hts_code": pa.array([101210000], pa.int64()), "country": ["MX"], "value": ["10"]}), path)
    result = tariffcalc("estimate", path, *DAY)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {path}: column 'hts_code' is int64 (expected strings: as numbers, HTS codes lose the leading zero "
        "of chapters 01 to 09, e.g. 0101.21.00)\n"
    )


def test_bad_cells_are_reported_by_item_number(tariffcalc, tmp_path):
    rows = example_rows()
    rows[6]["value"] = None
    rows[9]["country"] = "Qqqq"
    path = write_text_parquet(tmp_path / "bad.parquet", rows, row_group_size=4)
    result = tariffcalc("estimate", path, *DAY, "--chunk-size", "4", "--format", "csv")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {path}: item 7: value: '' is empty (expected the customs value in USD, e.g. 30000 or 30000.00)\n"
        f"Error: {path}: item 10: country: 'Qqqq' is not a country tariffcalc knows (expected an ISO code such as "
        "JP or JPN, or an English name)\n"
    )


def test_parquet_is_recognised_by_its_magic_bytes_and_on_stdin(tariffcalc, tmp_path):
    basket = write_text_parquet(tmp_path / "basket.dat", example_rows())
    expected = tariffcalc("estimate", EXAMPLE, *DAY, "--format", "csv").stdout
    assert tariffcalc("estimate", basket, *DAY, "--format", "csv").stdout == expected
    piped = tariffcalc("estimate", "-", *DAY, "--format", "csv", input=basket.read_bytes())
    assert (piped.exit_code, piped.stdout) == (0, expected)


def test_a_file_that_is_not_parquet(tariffcalc):
    result = tariffcalc("estimate", EXAMPLE, *DAY, "--input-format", "parquet")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {EXAMPLE}: not a valid Parquet file (")
    assert result.stderr.count("\n") == 1


def test_an_empty_parquet_basket(tariffcalc, tmp_path):
    path = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"hts_code": pa.array([], pa.string()), "country": pa.array([], pa.string()), "value": pa.array([], pa.string())}), path)
    result = tariffcalc("estimate", path, *DAY, "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout == "hts_code,country,value,mfn_duty,additional_duty,total_duty,effective_rate,measures,refundable_duty\n"
    assert result.stderr == f"Warning: {path} has no lines\n"


def test_check_reads_parquet(tariffcalc, tmp_path):
    basket = write_text_parquet(tmp_path / "b.parquet", example_rows(), row_group_size=5)
    result = tariffcalc("check", basket)
    assert (result.exit_code, result.stderr) == (0, tariffcalc("check", EXAMPLE).stderr)


# -- output ------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", ["1000000", "5"])
def test_parquet_output_has_the_csv_output_cells_as_strings(tariffcalc, tmp_path, chunk):
    target = tmp_path / "out.parquet"
    result = tariffcalc("estimate", EXAMPLE, *DAY, "--output", target, "--chunk-size", chunk)
    assert (result.exit_code, result.stdout) == (0, "")
    table = pq.read_table(target)
    assert set(table.schema.types) == {pa.string()}
    from_csv = list(csv.DictReader(io.StringIO(tariffcalc("estimate", EXAMPLE, *DAY, "--format", "csv").stdout)))
    assert table.column_names == list(from_csv[0])
    assert table.to_pylist() == from_csv
    assert pq.ParquetFile(target).metadata.num_row_groups == (1 if chunk == "1000000" else 3)


def test_parquet_output_read_back_as_a_basket_gives_the_same_result(tariffcalc, tmp_path):
    target = tmp_path / "out.parquet"
    assert tariffcalc("estimate", EXAMPLE, *DAY, "-o", target).exit_code == 0
    again = tariffcalc("estimate", target, *DAY, "--format", "csv")
    assert again.stdout == tariffcalc("estimate", EXAMPLE, *DAY, "--format", "csv").stdout


def test_parquet_output_needs_a_file(tariffcalc):
    result = tariffcalc("estimate", EXAMPLE, *DAY, "--format", "parquet")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: --format parquet: needs --output FILE (Parquet is binary: it is not written to a terminal or a pipe)\n"
    )


def test_other_commands_do_not_write_parquet(tariffcalc, tmp_path):
    result = tariffcalc("rates", "--country", "JP", "--hts", "8703.23.01", "--date", "2025-04-17", "--format", "parquet", "-o", tmp_path / "r.parquet")
    assert result.exit_code == 2
    assert result.stderr == "Error: --format: parquet is written only by `tariffcalc estimate` (use csv or json here)\n"
    assert not (tmp_path / "r.parquet").exists()


def test_a_failed_run_leaves_no_parquet_file(tariffcalc, tmp_path, write):
    bad = write("bad.csv", "hts_code,country,value\n8703.23.01,JP,x\n")
    target = tmp_path / "out.parquet"
    assert tariffcalc("estimate", bad, *DAY, "-o", target).exit_code == 2
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


# -- without pyarrow ----------------------------------------------------------------------------


@pytest.fixture
def no_pyarrow(monkeypatch):
    """As if pyarrow were not installed: importing it fails."""
    for module in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.delitem(sys.modules, module)
    for module in ("pyarrow", "pyarrow.parquet", "pyarrow.compute"):
        monkeypatch.setitem(sys.modules, module, None)


def test_reading_parquet_without_pyarrow(tariffcalc, tmp_path, no_pyarrow):
    path = tmp_path / "b.parquet"
    path.write_bytes(b"PAR1 as if it were one PAR1")
    result = tariffcalc("estimate", path, *DAY)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", NEEDS_PYARROW)


def test_writing_parquet_without_pyarrow(tariffcalc, tmp_path, no_pyarrow):
    target = tmp_path / "out.parquet"
    result = tariffcalc("estimate", EXAMPLE, *DAY, "-o", target)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", NEEDS_PYARROW)
    assert not target.exists()


@pytest.mark.parametrize(
    "command", [("compare", "--date", "2025-04-01", "--date", "2025-04-17"), ("timeline", "--from", "2025-03-01", "--to", "2025-05-01")]
)
def test_compare_and_timeline_read_parquet_too(tariffcalc, tmp_path, command):
    basket = write_text_parquet(tmp_path / "b.parquet", example_rows(), row_group_size=5)
    name, *options = command
    from_csv = tariffcalc(name, EXAMPLE, *options, "--format", "csv")
    from_parquet = tariffcalc(name, basket, *options, "--format", "csv")
    assert from_csv.exit_code == from_parquet.exit_code == 0, from_parquet
    assert from_parquet.stdout == from_csv.stdout


def test_a_repeated_column_is_refused(tariffcalc, tmp_path):
    path = tmp_path / "twice.parquet"
    table = pa.Table.from_arrays([pa.array(["8703.23.01"]), pa.array(["JP"]), pa.array(["1"]), pa.array(["2"])], names=["hts_code", "country", "value", "value"])
    pq.write_table(table, path)
    result = tariffcalc("estimate", path, *DAY)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {path}: column 'value' appears 2 times; keep one\n"


def test_nested_columns_are_carried_as_json(tariffcalc, tmp_path):
    path = tmp_path / "nested.parquet"
    table = pa.table({"hts_code": ["8703.23.01"], "country": ["JP"], "value": ["30000"], "tags": pa.array([{"po": "A-1", "n": 2}])})
    pq.write_table(table, path)
    result = tariffcalc("estimate", path, *DAY, "--format", "csv")
    assert result.exit_code == 0, result
    assert list(csv.DictReader(io.StringIO(result.stdout)))[0]["tags"] == '{"po": "A-1", "n": 2}'


def test_csv_output_without_pyarrow_is_the_same_bytes(tariffcalc):
    # pyarrow is a core dependency, but an install without it still gets its CSV, written by pandas. In a process
    # of its own: pandas decides at import whether pyarrow is there.
    import subprocess

    expected = tariffcalc("estimate", EXAMPLE, *DAY, "--format", "csv")
    blocked = (
        "import sys; sys.modules.update(dict.fromkeys(['pyarrow', 'pyarrow.compute', 'pyarrow.parquet'])); "
        "sys.argv[1:] = sys.argv[2:]; from tariffcalc.__main__ import run; run()"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocked, "tariffcalc", "estimate", str(EXAMPLE), *DAY, "--format", "csv"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, expected.stderr)
    assert result.stdout == expected.stdout and expected.exit_code == 0
