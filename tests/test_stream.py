"""Chunked reading gives exactly what reading the whole basket gives, for every output format."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES, dated_example_lines

EXAMPLE = EXAMPLES / "japan-shipment.csv"
DAY = ["--date", "2025-04-17"]


def with_entry_dates_and_rounding(write):
    """The example basket with dates spread over the year and a value to round, as CSV and as JSON Lines."""
    header, lines = dated_example_lines()
    csv_path = write("basket.csv", "\n".join([header, *lines]) + "\n\n")
    import csv
    import io

    records = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    jsonl_path = write("basket.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    return csv_path, jsonl_path


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "table"])
@pytest.mark.parametrize("chunk", ["1", "5", "7"])
def test_chunks_give_the_same_output(tariffcalc, write, fmt, chunk):
    for path in with_entry_dates_and_rounding(write):
        whole = tariffcalc("estimate", path, *DAY, "--format", fmt, "--chunk-size", "1000000")
        chunked = tariffcalc("estimate", path, *DAY, "--format", fmt, "--chunk-size", chunk)
        assert whole.exit_code == chunked.exit_code == 0, chunked
        assert (chunked.stdout, chunked.stderr) == (whole.stdout, whole.stderr)


def test_csv_and_json_lines_baskets_give_the_same_lines(tariffcalc, write):
    csv_path, jsonl_path = with_entry_dates_and_rounding(write)
    from_csv = tariffcalc("estimate", csv_path, *DAY, "--format", "jsonl", "--chunk-size", "5")
    from_jsonl = tariffcalc("estimate", jsonl_path, *DAY, "--format", "jsonl", "--chunk-size", "7")
    assert from_csv.stdout == from_jsonl.stdout


def test_warnings_add_up_across_chunks(tariffcalc, write):
    csv_path, _ = with_entry_dates_and_rounding(write)
    result = tariffcalc("estimate", csv_path, *DAY, "--format", "json", "--chunk-size", "4")
    assert f"{csv_path}: 2 value(s) had more than two decimals and were rounded to the cent (line 5, 17)" in result.json()["warnings"]


def test_a_bad_line_in_a_late_chunk_fails_the_run_before_anything_is_written(tariffcalc, write):
    text = EXAMPLE.read_text() + "9503.00.00,JP,oops,0,,,,,\n"
    path = write("late.csv", text)
    result = tariffcalc("estimate", path, *DAY, "--format", "csv", "--chunk-size", "3")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {path}:14: value: 'oops' is not an amount in USD (expected a number such as 30000 or 30000.00; "
        "at most USD 1 trillion a line)\n"
    )


def test_skip_invalid_across_chunks(tariffcalc, write):
    rows = EXAMPLE.read_text().splitlines()
    text = "\n".join([rows[0], rows[1], "9503.00.00,XX,10,0,,,,,", *rows[2:], "9503.00.00,JP,-1,0,,,,,"]) + "\n"
    path = write("mixed.csv", text)
    result = tariffcalc("estimate", path, *DAY, "--format", "json", "--skip-invalid", "--chunk-size", "4")
    assert result.exit_code == 3
    doc = result.json()
    assert [line["line"] for line in doc["lines"]] == list(range(1, 13))
    assert (doc["totals"]["skipped_lines"], doc["totals"]["skipped_value"]) == (2, "10.00")
    assert [e.split(": ")[0] for e in doc["errors"]] == [f"{path}:3", f"{path}:15"]
    assert doc["totals"]["total_duty"] == "33310.05"


def test_stdin_is_chunked_too(tariffcalc):
    whole = tariffcalc("estimate", EXAMPLE, *DAY, "--format", "jsonl")
    piped = tariffcalc("estimate", "-", *DAY, "--format", "jsonl", "--chunk-size", "2", input=EXAMPLE.read_text())
    assert piped.stdout == whole.stdout


def test_check_reads_in_chunks_and_lists_every_problem(tariffcalc, write):
    path = write("b.csv", "hts_code,country,value\n" + "9503.00.00,JP,1\n" * 5 + "9503.00.00,JP,x\n" + "9503.00.00,ZZ,1\n")
    result = tariffcalc("check", path)
    assert result.exit_code == 2
    assert result.stderr.count("Error: ") == 2


def test_the_library_in_chunks_equals_the_library_whole(write):
    import datetime as dt

    from tariffcalc.goods.read import read_basket
    from tariffcalc.engine.calculate import estimate
    from tariffcalc.law.load import load_schedule
    from tariffcalc.engine.run import ChunkedEstimate
    from tariffcalc.goods.chunks import basket_chunks

    csv_path, _ = with_entry_dates_and_rounding(write)
    schedule, day = load_schedule("us-2025"), dt.date(2025, 4, 17)
    whole = estimate(read_basket(csv_path), schedule, day)
    run = ChunkedEstimate(basket_chunks(csv_path, chunk_size=4), schedule, day, skip_invalid=False)
    totals = [int(t) for result, _ in run for t in result.total_duty]
    assert totals == whole.total_duty.tolist()
    assert run.summary.totals() == whole.totals()
    assert run.summary.by_country().equals(whole.by_country())
    assert run.summary.by_measure().equals(whole.by_measure())
    assert run.summary.warnings == whole.warnings


def test_warnings_come_in_the_same_order_however_the_basket_is_chunked(tariffcalc, write):
    """Each chunk used to add its new warnings at the end, so their order depended on --chunk-size."""
    basket = write(
        "late.csv",
        "hts_code,country,value,mfn_rate\n"
        "7307.93.90,HN,555.82,0\n"  # a steel derivative: medium confidence, charged on a steel_value not given
        "8507.60.00.20,MY,116.39,0\n"  # an auto part, or not: the basket does not say
        "7307.93.90,HN,100.005,0\n",  # a value to round
    )
    runs = {
        chunk: tariffcalc("estimate", basket, "--date", "2025-05-20", "--format", "json", "--chunk-size", chunk)
        for chunk in ("1", "2", "100")
    }
    assert {run.exit_code for run in runs.values()} == {0}
    steel = "'s232-steel-derivatives'"
    assert json.loads(runs["1"].stdout)["warnings"] == [  # as the engine finds them in one chunk
        f"{basket}: 1 value(s) had more than two decimals and were rounded to the cent (line 4)",
        f"{basket}: 1 line(s) have HTS codes that 's232-auto-parts' covers only when the goods are parts of passenger "
        "vehicles or light trucks; it was not applied to them because the basket does not say so (line 3; add a "
        "column auto_part with true or false)",
        f"{basket}: 2 line(s) pay {steel}, whose rate is known with medium confidence only (line 2, 4): check it "
        "against the legal text before relying on it (`tariffcalc rates` names the sources)",
        f"{basket}: 2 line(s) pay {steel} on the declared steel_value, but give none: charged on the whole value "
        "(line 2, 4; add a column steel_value)",
    ]
    assert runs["1"].stdout == runs["2"].stdout == runs["100"].stdout
    assert runs["1"].stderr == runs["2"].stderr == runs["100"].stderr
