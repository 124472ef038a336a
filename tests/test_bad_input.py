"""Bad input gets a clear answer and nothing is lost: one test per row of the README's table.

`test_every_readme_row_has_a_test` keeps the README table and these cases in step.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DAY = ["--date", "2025-04-17"]
HEADER = "hts_code,country,value\n"
VALUE_HINT = "(expected a number such as 30000 or 30000.00; at most USD 1 trillion a line)"


def no_mfn(path) -> str:
    """The warning of a basket without mfn_rate when no official HTS is used."""
    return (f"Warning: {path} has no mfn_rate column and no official HTS is used: every MFN duty is 0 (add an mfn_rate "
            "column, or import the HTS with `tariffcalc hts import`)\n")


def ok_total(run, expected: str) -> None:
    assert run.exit_code == 0, run
    assert run.json()["totals"]["total_duty"] == expected


def error(run, *messages: str) -> None:
    assert run.exit_code == 2, run
    assert run.stdout == ""
    assert run.stderr == "".join(f"Error: {m}\n" for m in messages)


def estimate_json(tariffcalc, write, text: str | bytes, *options: str, name: str = "b.csv"):
    path = write(name, text)
    return path, tariffcalc("estimate", path, *DAY, "--format", "json", *options)


def case_dollar_sign_and_thousands_separators(tariffcalc, write):
    _, run = estimate_json(tariffcalc, write, HEADER + '8703.23.01,JP,"$30,000.00"\n')
    ok_total(run, "7500.00")


def case_decimal_comma(tariffcalc, write):
    text = "hts_code;country;value;mfn_rate\n8703.23.01;JP;30 000,00;2,5%\n"
    path, run = estimate_json(tariffcalc, write, text)
    error(run, f"{path}:2: value: '30 000,00' looks like an amount with a decimal comma (use --decimal-comma if the "
               "file writes decimals that way)",
          f"{path}:2: mfn_rate: '2,5%' is not a rate (expected a fraction such as 0.025 or a percentage such as 2.5%)")
    _, run = estimate_json(tariffcalc, write, text, "--decimal-comma")
    ok_total(run, "8250.00")


def case_spaces_around_cells(tariffcalc, write):
    _, run = estimate_json(tariffcalc, write, HEADER + " 8703.23.01 , Japan ,  30000 \n")
    ok_total(run, "7500.00")


def case_byte_order_mark(tariffcalc, write):
    _, run = estimate_json(tariffcalc, write, ("\ufeff" + HEADER + "8703.23.01,JP,30000\n").encode("utf-8"))
    ok_total(run, "7500.00")


def case_semicolons_or_tabs(tariffcalc, write):
    for sep in (";", "\t"):
        _, run = estimate_json(tariffcalc, write, HEADER.replace(",", sep) + sep.join(["8703.23.01", "JP", "30000"]) + "\n")
        ok_total(run, "7500.00")


def case_blank_lines(tariffcalc, write):
    _, run = estimate_json(tariffcalc, write, HEADER + "\n8703.23.01,JP,30000\n,,\n\n9503.00.00,JP,100\n")
    ok_total(run, "7510.00")
    assert [line["line"] for line in run.json()["lines"]] == [1, 2]


def case_no_lines(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER)
    ok_total(run, "0.00")
    assert run.stderr == f"Warning: {path} has no lines\n"


def case_empty_header_row(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, "\n\n8703.23.01,JP,30000\n")
    error(run, f"{path}:1: the header row is empty (expected column names such as hts_code,country,value)")
    run = tariffcalc("estimate", "-", *DAY, "--format", "json", input="\n\n0\n")
    error(run, "<stdin>:1: the header row is empty (expected column names such as hts_code,country,value)")


def case_more_cells_than_the_header(tariffcalc, write):
    # pandas would take the first column as an index (shifting every cell) or drop the extra cell: neither happens.
    for first, later, line in [("9503.00.00,JP,100,x", "9503.00.00,JP,100", 2), ("9503.00.00,JP,100", "9503.00.00,JP,100,x", 3)]:
        path = write("b.csv", f"{HEADER}{first}\n{later}\n")
        for engine in ("pandas", "dask"):
            run = tariffcalc("estimate", path, *DAY, "--format", "json", "--engine", engine)
            error(run, f"{path}:{line}: not valid CSV: 4 cells where the header has 3")
    # A partition of the dask engine that starts with the bad line names the line in the file.
    path = write("b.csv", HEADER + "9503.00.00,JP,100\n" * 4 + "9503.00.00,JP,100,x\n")
    run = tariffcalc("estimate", path, *DAY, "--format", "json", "--engine", "dask", "--chunk-size", "2")
    error(run, f"{path}:6: not valid CSV: 4 cells where the header has 3")
    _, run = estimate_json(tariffcalc, write, HEADER + "9503.00.00,JP,100,\n9503.00.00,JP,200,\n")
    ok_total(run, "30.00")


def case_negative_value(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + "8703.23.01,JP,-30000\n")
    error(run, f"{path}:2: value: '-30000' is negative (expected a customs value of 0 or more)")


def case_non_numeric_nan_or_infinite_value(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + "8703.23.01,JP,abc\n8703.23.01,JP,NaN\n8703.23.01,JP,inf\n")
    error(run, *(f"{path}:{n}: value: {v!r} is not an amount in USD {VALUE_HINT}" for n, v in [(2, "abc"), (3, "NaN"), (4, "inf")]))


def case_more_than_two_decimals(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + "9503.00.00,JP,100.005\n")
    ok_total(run, "10.00")  # 100.01 × 10% = 10.001 → 10.00
    assert run.json()["lines"][0]["value"] == "100.01"
    assert run.stderr == no_mfn(path) + f"Warning: {path}: 1 value(s) had more than two decimals and were rounded to the cent (line 2)\n"


def case_empty_required_field(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + "8703.23.01,JP,\n")
    error(run, f"{path}:2: value: '' is empty (expected the customs value in USD, e.g. 30000 or 30000.00)")


def case_hts_code_of_the_wrong_length(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + "87,JP,1\n8703.23.01.901,JP,1\n")
    reason = "is not an HTS code (expected 4, 6, 8 or 10 digits, dots allowed, e.g. 8703.23.01)"
    error(run, f"{path}:2: hts_code: '87' {reason}", f"{path}:3: hts_code: '8703.23.01.901' {reason}")


def case_hts_code_that_lost_its_leading_zero(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + "101.21,JP,1\n")
    error(run, f"{path}:2: hts_code: '101.21' has an odd number of digits: it looks like a code that lost its leading "
               "zero (did you mean 0101.21? keep HTS codes as text in your spreadsheet)")


def case_unknown_country(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + "9503.00.00,Vietnem,1\n")
    error(run, f"{path}:2: country: 'Vietnem' is not a country tariffcalc knows (expected an ISO code such as JP or "
               "JPN, or an English name; did you mean Vietnam?)")


def case_missing_required_column(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, "hts_code,origin,value\n9503.00.00,JP,1\n")
    error(run, f"{path}: missing required column(s) country (found columns: 'hts_code', 'origin', 'value')")


def case_repeated_column(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, "hts_code,country,value,Value\n9503.00.00,JP,1,2\n")
    error(run, f"{path}: column 'value' appears twice (as 'value' and 'Value'); keep one")
    path, run = estimate_json(tariffcalc, write, "hts_code,country,value,value\n9503.00.00,JP,1,2\n")
    error(run, f"{path}:1: column 'value' appears 2 times in the header; keep one")


def case_date_that_does_not_exist(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, "hts_code,country,value,entry_date\n9503.00.00,JP,1,2025-02-29\n")
    error(run, f"{path}:2: entry_date: '2025-02-29' is not a date that exists")


def case_date_in_another_form(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, "hts_code,country,value,entry_date\n9503.00.00,JP,1,04/17/2025\n")
    error(run, f"{path}:2: entry_date: '04/17/2025' is not a date (expected YYYY-MM-DD, e.g. 2025-04-17)")


def case_flag_that_is_not_true_or_false(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, "hts_code,country,value,usmca\n9503.00.00,CA,1,maybe\n")
    error(run, f"{path}:2: usmca: 'maybe' is not true or false")


def case_file_not_in_utf8(tariffcalc, write):
    data = (HEADER + "9503.00.00,C\xf4te d'Ivoire,100\n").encode("cp1252")
    path, run = estimate_json(tariffcalc, write, data)
    error(run, f"{path}:2: is not UTF-8 text (byte 35 cannot be decoded; if it was saved by Excel on Windows, try "
               "--encoding cp1252)")
    _, run = estimate_json(tariffcalc, write, data, "--encoding", "cp1252")
    ok_total(run, "10.00")


# -- issue 14, part B: nothing silently wrong in reading a basket --------------------------------------------------

RATE_HEADER = "hts_code,country,value,mfn_rate\n"


def case_bare_mfn_rate_of_one_or_more(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, RATE_HEADER + "9503.00.00,JP,100,2.5\n9503.00.00,JP,100,0.025\n")
    error(run, f"{path}:2: mfn_rate: '2.5' is ambiguous: a bare number is a fraction, so this would be 250% (write 2.5% "
               "for a percentage, or 0.025 as a fraction)")
    _, run = estimate_json(tariffcalc, write, RATE_HEADER + "9503.00.00,JP,100,2.5%\n9503.00.00,JP,100,0.025\n")
    ok_total(run, "25.00")  # 2.50 + 2.50 MFN, 10.00 + 10.00 reciprocal
    path = FIXTURES / "mini.yaml"
    run = tariffcalc("estimate", EXAMPLES / "seed-japan.csv", "--set", "base.rate=2.5", "--schedule", path, *DAY)
    assert run.exit_code == 2 and run.stdout == ""
    assert run.stderr.endswith("rate: '2.5' is ambiguous: a bare number is a fraction, so this would be 250% (write 2.5% "
                               "for a percentage, or 0.025 as a fraction)\n"), run


def case_imported_hts_and_empty_mfn_rate_cells(tariffcalc, write):
    assert tariffcalc("hts", "import", FIXTURES / "hts_mini.csv", "--edition", "Test HTS").exit_code == 0
    _, run = estimate_json(tariffcalc, write, RATE_HEADER + "4202.21.60,FR,1000,5%\n4202.21.60,FR,1000,\n")
    assert run.exit_code == 0, run
    assert [line["mfn_duty"] for line in run.json()["lines"]] == ["50.00", "90.00"]


def case_no_mfn_rate_and_no_hts(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + "9503.00.00,JP,100\n")
    ok_total(run, "10.00")
    assert run.stderr == no_mfn(path)
    assert run.json()["warnings"] == [no_mfn(path)[len("Warning: "):-1]]
    path, run = estimate_json(tariffcalc, write, RATE_HEADER + "9503.00.00,JP,100,\n9503.00.00,JP,100,Free\n")
    assert run.stderr == (f"Warning: {path}: 1 line(s) have an empty mfn_rate and no official HTS is used: their MFN "
                          "duty is 0 (line 2; write Free where that is meant, or import the HTS with `tariffcalc hts import`)\n")


def case_yaml_cells_that_yaml_would_type(tariffcalc, write):
    text = "- hts_code: 02031005\n  country: NO\n  value: 10:30\n- hts_code: 0203.10.05\n  country: NO\n  value: 1e3\n"
    path, run = estimate_json(tariffcalc, write, text, name="b.yaml")
    error(run, f"{path}: item 1: value: '10:30' is not an amount in USD {VALUE_HINT}",
          f"{path}: item 2: value: '1e3' is not an amount in USD {VALUE_HINT}")
    _, run = estimate_json(tariffcalc, write, "- hts_code: 02031005\n  country: NO\n  value: 100\n", name="b.yaml")
    assert run.exit_code == 0, run
    assert (run.json()["lines"][0]["hts_code"], run.json()["lines"][0]["country"]) == ("0203.10.05", "NO")


def case_key_given_twice_in_json_or_yaml(tariffcalc, write):
    twice = "appears twice in the same {}, which would keep only the last (keep one)"
    path, run = estimate_json(tariffcalc, write, '[{"hts_code": "9503.00.00", "country": "JP",\n "value": "1",\n "value": "2"}]', name="b.json")
    error(run, f"{path}:3: key 'value' " + twice.format("object"))
    path, run = estimate_json(tariffcalc, write, '{"hts_code": "9503.00.00", "country": "JP", "value": "1", "value": "2"}\n', name="b.jsonl")
    error(run, f"{path}:1: key 'value' " + twice.format("object"))
    path, run = estimate_json(tariffcalc, write, "- hts_code: '9503.00.00'\n  country: JP\n  value: 1\n  value: 2\n", name="b.yaml")
    error(run, f"{path}:4: key 'value' " + twice.format("mapping"))


def case_digits_other_than_0_to_9(tariffcalc, write):
    text = "hts_code,country,value,entry_date\n\u0669\u0665\u0660\u0663.00.00,JP,1,\n9503.00.00,JP,\uff11\uff10\uff10,\n9503.00.00,JP,1,\u0662\u0660\u0662\u0665-04-17\n"
    path, run = estimate_json(tariffcalc, write, text)
    reason = "has digits other than 0-9 (write it with the digits 0-9)"
    error(run, f"{path}:2: hts_code: '\u0669\u0665\u0660\u0663.00.00' {reason}", f"{path}:3: value: '\uff11\uff10\uff10' {reason}",
          f"{path}:4: entry_date: '\u0662\u0660\u0662\u0665-04-17' {reason}")


def case_goods_of_us_origin(tariffcalc, write):
    _, run = estimate_json(tariffcalc, write, RATE_HEADER + "9801.00.10,US,1000,Free\n8703.23.01,USA,30000,2.5%\n")
    ok_total(run, "750.00")  # MFN only: no reciprocal or Section 232 duty on goods of US origin
    assert [line["measures"] for line in run.json()["lines"]] == [[], []]


def case_totals_beyond_64_bits(tariffcalc, write):
    # 100,000 lines at the USD 1 trillion limit: USD 10^17, more than int64 cents hold.
    path, run = estimate_json(tariffcalc, write, RATE_HEADER + "9503.00.00,JP,1000000000000,0\n" * 100_000)
    assert run.exit_code == 0, run
    doc = run.json()
    assert (doc["totals"]["value"], doc["totals"]["total_duty"]) == ("100000000000000000.00", "10000000000000000.00")
    assert doc["by_country"][0]["value"] == "100000000000000000.00"


def case_skip_invalid_with_unreadable_lines(tariffcalc, write):
    for name, text, problem in [
        ("b.csv", HEADER + "9503.00.00,JP,100\n9503.00.00,JP,100,x\n9503.00.00,JP,200\n", "not valid CSV: 4 cells where the header has 3"),
        ("b.jsonl", '{"hts_code": "9503.00.00", "country": "JP", "value": "100"}\n\n{"hts_code": \n'
                    '{"hts_code": "9503.00.00", "country": "JP", "value": "200"}\n', "not valid JSON: Expecting value"),
        ("b.csv", "hts_code,country,value,mode\n9503.00.00,JP,100,air\n9503.00.00,JP,100,boat\n9503.00.00,JP,200,air\n",
         "mode: 'boat' is not a mode of transport tariffcalc knows (expected ocean, vessel, air, truck, rail, mail, pipeline or other)"),
    ]:
        path = write(name, text)
        run = tariffcalc("estimate", path, *DAY, "--format", "json", "--skip-invalid", "--fees", "--chunk-size", "1")
        assert run.exit_code == 3, run
        doc = run.json()
        assert (doc["totals"]["lines"], doc["totals"]["value"], doc["errors"]) == (2, "300.00", [f"{path}:3: {problem}"])
        run = tariffcalc("estimate", path, *DAY, "--format", "json", "--fees")
        error(run, f"{path}:3: {problem}")
    # A quote never closed swallows the rest of the file: no line can be read past it, so the run fails, and fails
    # before writing anything, also with --skip-invalid (a JSON document is never left half written).
    path = write("b.csv", RATE_HEADER + '9503.00.00,JP,100,0\n9503.00.00,"a\nb",100,0\n\n9503.00.00,JP,"100,0\n9503.00.00,JP,200,0\n')
    for fmt in ("json", "csv", "jsonl"):
        run = tariffcalc("estimate", path, *DAY, "--format", fmt, "--skip-invalid", "--chunk-size", "1")
        error(run, f"{path}:6: not valid CSV: a quote opened on this line is never closed (the rest of the file would be one cell)")


def case_fifo_or_process_substitution(tmp_path):
    import os

    fifo = tmp_path / "basket.csv"
    os.mkfifo(fifo)
    command = [sys.executable, "-m", "tariffcalc", "estimate", str(fifo), *DAY, "--format", "csv", "--hts", "none"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with open(fifo, "w") as writer:
        writer.write(RATE_HEADER + "9503.00.00,JP,100,0\n")
    stdout, stderr = process.communicate(timeout=120)
    assert (process.returncode, stderr) == (0, "")
    assert stdout.splitlines()[1] == "9503.00.00,JP,100,0,0.00,10.00,10.00,0.1,reciprocal-baseline:0.1:10.00,10.00"


def case_cr_only_line_endings(tariffcalc, write):
    _, run = estimate_json(tariffcalc, write, RATE_HEADER.replace("\n", "\r") + "8703.23.01,JP,30000,2.5%\r9503.00.00,JP,100,0\r")
    ok_total(run, "8260.00")
    path, run = estimate_json(tariffcalc, write, "hts_code,country,value\r9503.00.00,JP,1,x\r")
    error(run, f"{path}:2: not valid CSV: 4 cells where the header has 3")


def case_utf16_file(tariffcalc, write):
    data = (RATE_HEADER + "9503.00.00,JP,100,0\n").encode("utf-16")
    path, run = estimate_json(tariffcalc, write, data)
    error(run, f"{path}:1: is UTF-16 text, not UTF-8 (use --encoding utf-16)")
    path, run = estimate_json(tariffcalc, write, data, "--encoding", "cp1252")
    error(run, f"{path}:1: is UTF-16 text, not CP1252 (use --encoding utf-16)")
    _, run = estimate_json(tariffcalc, write, data, "--encoding", "utf-16")
    ok_total(run, "10.00")


def case_impossible_unquoted_yaml_date(tariffcalc, write, tmp_path):
    path, run = estimate_json(tariffcalc, write, "- hts_code: '9503.00.00'\n  country: JP\n  value: 1\n  entry_date: 2025-02-30\n", name="b.yaml")
    error(run, f"{path}: item 1: entry_date: '2025-02-30' is not a date that exists")
    schedule = schedule_with(tmp_path, "    through: 2025-10-31\n", "    through: 2025-02-30\n")
    schedule_error(tariffcalc, schedule, "22: not valid YAML: '2025-02-30' is not a date that exists")
    run = tariffcalc("estimate", EXAMPLES / "seed-japan.csv", "--set", "reciprocal-baseline.from=2025-02-30", *DAY)
    error(run, "--set:1: not valid YAML: '2025-02-30' is not a date that exists")


def case_carriage_return_inside_a_cell(tariffcalc, write):
    import csv
    import io

    path = write("b.csv", 'hts_code,country,value,mfn_rate,note\n9503.00.00,JP,100,0,"a\rb"\n')
    run = tariffcalc("estimate", path, *DAY, "--format", "csv")
    assert run.exit_code == 0, run
    assert list(csv.reader(io.StringIO(run.stdout, newline="")))[1][4] == "a\rb"


def case_very_long_cell(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER.replace("\n", ",description\n") + "9503.00.00,JP,1," + "x" * 20_000 + "\n")
    error(run, f"{path}:2: description: '{'x' * 40}'… (20,000 characters) is too long (at most 10,000 characters a cell)")
    path, run = estimate_json(tariffcalc, write, HEADER + "9503.00.00,JP," + "9" * 300 + "\n")
    error(run, f"{path}:2: value: '{'9' * 40}'… (300 characters) is not an amount in USD {VALUE_HINT}")


def case_check_with_the_options_of_estimate(tariffcalc, write):
    path = write("b.csv", "hts_code,country,value,mfn_rate,mode\n9503.00.00,JP,100,0,boat\n")
    message = "mode: 'boat' is not a mode of transport tariffcalc knows (expected ocean, vessel, air, truck, rail, mail, pipeline or other)"
    error(tariffcalc("check", path, "--fees", *DAY), f"{path}:2: {message}")
    error(tariffcalc("estimate", path, "--fees", *DAY), f"{path}:2: {message}")
    path = write("b.csv", "hts_code,country,value,mfn_rate,mode\n9503.00.00,JP,100,0,air\n")
    run = tariffcalc("check", path, "--fees", *DAY, "--schedule", "us")
    assert (run.exit_code, run.stdout, run.stderr) == (0, "", "OK: 1 line(s), USD 100.00\n")


def case_code_with_nine_digits(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + "870323019,JP,1\n20310050,JP,1\n203100501,JP,1\n")
    error(run, f"{path}:2: hts_code: '870323019' is not an HTS code (expected 4, 6, 8 or 10 digits, dots allowed, e.g. 8703.23.01)",
          f"{path}:4: hts_code: '203100501' has an odd number of digits: it looks like a code that lost its leading zero "
          "(did you mean 0203.10.05.01? keep HTS codes as text in your spreadsheet)")


def case_ambiguous_country_name(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + "9503.00.00,Congo,1\n9503.00.00,Korea,1\n")
    error(run, f"{path}:2: country: 'Congo' is ambiguous: it may be Republic of the Congo (CG) or Democratic Republic of "
               "the Congo (CD) (give the ISO code)",
          f"{path}:3: country: 'Korea' is ambiguous: it may be South Korea (KR) or North Korea (KP) (give the ISO code)")


def case_eu_as_a_country(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + "9503.00.00,EU,1\n9503.00.00,XU,1\n")
    error(run, f"{path}:2: country: 'EU' is the European Union, not a country of origin (give the member state where the "
               "goods were made, e.g. DE, FR or IT)",
          f"{path}:3: country: 'XU' is not a country tariffcalc knows (expected an ISO code such as JP or JPN, or an English name)")


def case_warnings_of_json_and_yaml_baskets(tariffcalc, write):
    text = '[{"hts_code": "9503.00.00", "country": "JP", "value": "100.005", "mfn_rate": "0"}]'
    path, run = estimate_json(tariffcalc, write, text, name="b.json")
    assert run.stderr == f"Warning: {path}: 1 value(s) had more than two decimals and were rounded to the cent (item 1)\n"


def schedule_with(tmp_path, old: str, new: str):
    text = (FIXTURES / "mini.yaml").read_text()
    assert old in text
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def schedule_error(tariffcalc, path, message: str) -> None:
    error(tariffcalc("estimate", EXAMPLES / "seed-japan.csv", "--schedule", path), f"{path}:{message}")


def case_schedule_unknown_key(tariffcalc, tmp_path):
    path = schedule_with(tmp_path, "    rate: 10%\n", "    rat: 10%\n")
    schedule_error(tariffcalc, path, "13 measures[0].rat: unknown key (check the spelling against the README's schedule format)")


def case_schedule_rate_that_is_not_a_number(tariffcalc, tmp_path):
    path = schedule_with(tmp_path, "    rate: 10%\n", "    rate: ten\n")
    schedule_error(tariffcalc, path, "13 measures[0].rate: 'ten' is not a rate (expected a percentage such as 24% or a fraction such as 0.24)")


def case_schedule_end_before_start(tariffcalc, tmp_path):
    path = schedule_with(tmp_path, "    through: 2025-10-31\n", "    through: 2025-01-31\n")
    schedule_error(tariffcalc, path, "22 measures[1].through: through 2025-01-31 is before from 2025-03-01")


def case_schedule_key_defined_twice(tariffcalc, tmp_path):
    path = schedule_with(tmp_path, "    rate: 10%\n", "    rate: 10%\n    rate: 12%\n")
    schedule_error(tariffcalc, path, "14 measures[0].rate: this key is defined twice in the same mapping")


def case_schedule_measure_defined_twice(tariffcalc, tmp_path):
    path = schedule_with(tmp_path, "  - id: deal\n", "  - id: base\n")
    schedule_error(tariffcalc, path, "71 measures[4].id: measure id 'base' is defined twice")


def case_schedule_reference_to_a_missing_measure(tariffcalc, tmp_path):
    path = schedule_with(tmp_path, "      - measure: neighbour\n", "      - measure: neighbor\n")
    schedule_error(tariffcalc, path, "54 measures[2].yields_to[0]: no measure with id 'neighbor' in this schedule")


def case_skip_invalid(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + "8703.23.01,JP,30000\n9503.00.00,XX,500\n", "--skip-invalid")
    assert run.exit_code == 3, run
    doc = run.json()
    assert doc["totals"]["total_duty"] == "7500.00"
    assert (doc["totals"]["skipped_lines"], doc["totals"]["skipped_value"]) == (1, "500.00")
    message = f"{path}:3: country: 'XX' is not a country tariffcalc knows (expected an ISO code such as JP or JPN, or an English name)"
    assert doc["errors"] == [message]
    assert run.stderr == no_mfn(path) + (
        f"Skipped: {message}\nWarning: left out 1 invalid line(s) of 2, worth USD 500.00; the totals do not include them\n"
    )


def case_check_without_computing(tariffcalc, write):
    path = write("b.csv", HEADER + "8703.23.01,JP,30000\n9503.00.00,JP,x\n")
    error(tariffcalc("check", path), f"{path}:3: value: 'x' is not an amount in USD {VALUE_HINT}")
    run = tariffcalc("check", EXAMPLES / "japan-shipment.csv")
    assert (run.exit_code, run.stdout, run.stderr) == (0, "", "OK: 12 line(s), USD 143,650.50\n")


def case_formulas_in_text_cells(tariffcalc, write):
    path = write("b.csv", HEADER.rstrip("\n") + ",ref\n8703.23.01,JP,30000,=1+1\n")
    run = tariffcalc("estimate", path, *DAY, "--format", "csv", "--excel-safe")
    assert run.exit_code == 0
    assert run.stdout.splitlines()[1].startswith("8703.23.01,JP,30000,'=1+1,")
    assert run.stderr == ("Note: --excel-safe: 1 text cell(s) starting with =, +, - or @ were prefixed with ' so "
                          "spreadsheets show them as text\n") + no_mfn(path)


def case_output_file_of_a_failed_run(tariffcalc, write, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("previous good output\n")
    bad = write("b.csv", HEADER + "8703.23.01,JP,x\n")
    assert tariffcalc("estimate", bad, "--output", target).exit_code == 2
    assert target.read_text() == "previous good output\n"


def big_basket(tmp_path, lines: int):
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "8703.23.01,JP,30000\n" * lines)
    return path


def case_closed_pipe(tmp_path):
    basket = big_basket(tmp_path, 20000)
    command = f"{sys.executable} -m tariffcalc estimate {basket} --date 2025-04-17 --format csv | head -n 2"
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120)
    assert result.stdout.count("\n") == 2
    assert result.stderr == ""


def _ctrl_c_as_at_a_terminal() -> None:
    """In the child: SIGINT as a terminal gives it, whatever the test runner inherited (nohup, `&` and some CI
    runners start us with SIGINT ignored, and an ignored SIGINT is inherited, so tariffcalc would rightly ignore it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def case_ctrl_c(tmp_path):
    # The basket comes through a pipe that stays open, so the run is still going whenever the signal comes.
    process = subprocess.Popen(
        [sys.executable, "-m", "tariffcalc", "estimate", "-", "--date", "2025-04-17", "--format", "csv"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )  # fmt: skip
    # More than a pipe holds: the write returns once the child reads the basket, so it is in the command by then
    # (a fixed sleep was not enough on a loaded machine: the signal came while modules were still loading).
    process.stdin.write(HEADER + "8703.23.01,JP,30000\n" * 20_000)
    process.stdin.flush()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert stderr == "Interrupted.\n"


#: A child whose Ctrl-C comes as Typer's modules load, before any command runs (an import hook raises it there).
INTERRUPTED_WHILE_LOADING = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            raise KeyboardInterrupt

sys.meta_path.insert(0, CtrlC())
sys.argv = ["tariffcalc", "estimate", "basket.csv"]
from tariffcalc.__main__ import run

run()
"""


def test_ctrl_c_while_the_modules_load_is_no_traceback():
    result = subprocess.run([sys.executable, "-c", INTERRUPTED_WHILE_LOADING], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stderr) == (130, "Interrupted.\n")


def case_malformed_csv_json_yaml(tariffcalc, write):
    path, run = estimate_json(tariffcalc, write, HEADER + '8703.23.01,JP,"30000\n')
    error(run, f"{path}:2: not valid CSV: a quote opened on this line is never closed (the rest of the file would be one cell)")
    path, run = estimate_json(tariffcalc, write, '[{"hts_code": "8703.23.01",', name="b.json")
    error(run, f"{path}:1: not valid JSON: Expecting property name enclosed in double quotes (column 28)")
    path, run = estimate_json(tariffcalc, write, "- hts_code: [\n", name="b.yaml")
    error(run, f"{path}:2: not valid YAML: expected the node content, but found '<stream end>'")


def tariffcalc_process(*args, **options) -> subprocess.CompletedProcess:
    """tariffcalc in a process of its own (for real file descriptors: /dev/full, FIFOs, closed streams)."""
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **options}
    return subprocess.run([sys.executable, "-m", "tariffcalc", *map(str, args)], text=True, timeout=120, **options)


def _null_device(tmp_path):
    """A null device to write to, that a regression cannot destroy for others: /dev/null for a user (who cannot
    replace it), a copy of it in ``tmp_path`` for root (who could); None where neither can be had."""
    import os
    import stat

    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return os.devnull if os.path.exists(os.devnull) else None
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.stat(os.devnull).st_rdev)
        with open(device, "w") as stream:  # fails where tmp_path is mounted nodev
            stream.write("x")
    except OSError:
        return None
    return device


def case_output_that_is_not_a_plain_file(tariffcalc, write, tmp_path):
    import os
    import stat

    basket = write("b.csv", RATE_HEADER + "8703.23.01,JP,30000,2.5%\n")
    expected = tariffcalc("estimate", basket, *DAY, "--format", "csv").stdout
    # A device stays the device (as root, /dev/null used to become a regular file).
    device = _null_device(tmp_path)
    if device is not None:
        assert tariffcalc("estimate", basket, *DAY, "--output", device).exit_code == 0
        assert stat.S_ISCHR(os.stat(device).st_mode)
    # A symbolic link: its target gets the output, the link stays a link.
    (tmp_path / "real.csv").write_text("old\n")
    (tmp_path / "link.csv").symlink_to("real.csv")
    assert tariffcalc("estimate", basket, *DAY, "--output", tmp_path / "link.csv").exit_code == 0
    assert (tmp_path / "link.csv").is_symlink() and (tmp_path / "real.csv").read_text() == expected
    # A hard link: every name sees the new output.
    (tmp_path / "one.csv").write_text("old\n")
    os.link(tmp_path / "one.csv", tmp_path / "two.csv")
    assert tariffcalc("estimate", basket, *DAY, "--output", tmp_path / "one.csv").exit_code == 0
    assert (tmp_path / "two.csv").read_text() == expected and os.stat(tmp_path / "one.csv").st_nlink == 2
    # A replaced report keeps its mode; a new one gets the umask's.
    (tmp_path / "report.csv").write_text("old\n")
    (tmp_path / "report.csv").chmod(0o644)
    assert tariffcalc("estimate", basket, *DAY, "--output", tmp_path / "report.csv").exit_code == 0
    assert stat.S_IMODE(os.stat(tmp_path / "report.csv").st_mode) == 0o644
    old_umask = os.umask(0o022)
    try:
        assert tariffcalc("estimate", basket, *DAY, "--output", tmp_path / "new.csv").exit_code == 0
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.csv").st_mode) == 0o644
    # A FIFO is written into, not replaced.
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
        result = tariffcalc_process("estimate", basket, *DAY, "--output", fifo)
        assert (result.returncode, result.stderr, reader.communicate(timeout=60)[0]) == (0, "", expected)
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    # A folder is refused before anything is computed.
    error(tariffcalc("estimate", basket, *DAY, "--output", tmp_path), f"{tmp_path}: is a folder (give the name of a file to write)")
    # A loop of links is the file system's answer, not a bug.
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    error(tariffcalc("estimate", basket, *DAY, "--output", tmp_path / "loop1"),
          f"{tmp_path / 'loop1'}: cannot write the output here (Too many levels of symbolic links)")


def case_output_suffix_of_another_format(tariffcalc, write, tmp_path):
    basket = write("b.csv", HEADER + "8703.23.01,JP,x\n")  # invalid: the suffix is refused first, before reading
    for name in ("report.xlsx", "report.zip"):
        error(
            tariffcalc("estimate", basket, *DAY, "--output", tmp_path / name),
            f"{tmp_path / name}: tariffcalc does not write {name[6:]} files; it writes csv, json, jsonl, parquet and "
            "table text (.txt): use one of these suffixes, or say which with --format",
        )
        assert not (tmp_path / name).exists()
    good = write("good.csv", HEADER + "8703.23.01,JP,30000\n")
    assert tariffcalc("compare", good, *DAY, "--output", tmp_path / "c.xls").exit_code == 2
    assert tariffcalc("estimate", good, *DAY, "--format", "csv", "--output", tmp_path / "r.xlsx").exit_code == 0  # said so


def case_hts_store_folder_that_is_not_a_store(tariffcalc, tmp_path):
    hts = FIXTURES / "hts_mini.csv"
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "thesis.txt").write_text("years of work\n")
    run = tariffcalc("hts", "import", hts, "--store", documents)
    error(run, f"{documents}: is not an HTS store and not empty (it holds thesis.txt): tariffcalc replaces only a store it "
               "wrote; give a new or empty folder for --store")  # fmt: skip
    assert (documents / "thesis.txt").read_text() == "years of work\n"
    store = tmp_path / "store"
    for _ in range(2):  # written, then replaced: only its own files, swapped in by renames
        assert tariffcalc("hts", "import", hts, "--store", store).exit_code == 0
    assert sorted(p.name for p in store.iterdir()) == [".tariffcalc-hts-store", "hts.csv.gz", "meta.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents", "store"]  # nothing left beside it
    (store / "notes.txt").write_text("mine\n")
    error(tariffcalc("hts", "import", hts, "--store", store), f"{store}: is an HTS store with other files in it (notes.txt): "
          "an import would not keep them; move them out, or give another folder for --store")  # fmt: skip
    assert (store / "notes.txt").exists()


def case_disk_full_closed_stream_or_permission_denied(tariffcalc, write, tmp_path, monkeypatch):
    import os

    basket = write("b.csv", HEADER + "8703.23.01,JP,30000\n")
    if os.path.exists("/dev/full"):
        with open("/dev/full", "w") as full:
            result = tariffcalc_process("estimate", basket, *DAY, "--format", "csv", stdout=full)
        assert (result.returncode, result.stderr) == (2, "Error: stdout: cannot write the output (No space left on device)\n")
        result = tariffcalc_process("estimate", basket, *DAY, "--output", "/dev/full")
        assert (result.returncode, result.stderr) == (2, "Error: /dev/full: cannot write the output (No space left on device)\n")
    result = tariffcalc_process("estimate", basket, *DAY, "--format", "csv", stdout=subprocess.DEVNULL,
                                preexec_fn=lambda: os.close(1))  # fmt: skip
    assert (result.returncode, result.stderr) == (
        2, "Error: stdout: cannot write the output (stdout is closed; redirect it, or write to a file with --output)\n"
    )  # fmt: skip
    result = tariffcalc_process("estimate", "-", *DAY, stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0))
    assert (result.returncode, result.stderr) == (2, "Error: <stdin>: stdin is closed (give the file's name, or pipe it in)\n")
    # Permission denied (simulated: root may write anywhere).
    import builtins

    real_open = builtins.open

    def denied(file, *args, **kwargs):
        if str(file).endswith("b.csv"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", denied)
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(PermissionError(13, "Permission denied")))
    run = tariffcalc("estimate", write("good.csv", HEADER + "8703.23.01,JP,30000\n"), *DAY, "--output", tmp_path / "o.csv")
    error(run, f"{tmp_path / 'o.csv'}: cannot write the output here (Permission denied)")
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def case_ctrl_c_when_started_with_it_ignored(tmp_path):
    # nohup and a background `&` start a program with Ctrl-C ignored: tariffcalc obeys, and the tests still pass there.
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        case_ctrl_c(tmp_path)  # the child gets Ctrl-C as at a terminal, even from a parent that ignores it
        process = subprocess.Popen(
            [sys.executable, "-m", "tariffcalc", "estimate", "-", "--date", "2025-04-17", "--format", "csv"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        process.stdin.write(RATE_HEADER + "8703.23.01,JP,30000,2.5%\n")
        process.stdin.flush()
        time.sleep(1)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        signal.signal(signal.SIGINT, before)
    assert (process.returncode, stderr, stdout.count("\n")) == (0, "", 2)


def case_schedule_changed_after_loading(tmp_path):
    from tariffcalc.law.load import load_schedule

    shared = load_schedule()
    with pytest.raises(TypeError, match="^a loaded schedule is shared and cannot be changed; make a changed copy"):
        shared.measures.clear()
    with pytest.raises(TypeError):
        shared.measures[0].rates["CN"] = "99%"
    assert load_schedule().measures == shared.measures and len(shared.measures) > 0


class _Touches:
    """A pickle that, unpickled, creates a file: what a planted cache file could do (and worse)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        from pathlib import Path

        return (Path.touch, (Path(self.path),))


def case_planted_cache_file(tariffcalc, write, tmp_path, monkeypatch):
    import pickle

    from tariffcalc.law import load

    cache = tmp_path / "cache"
    monkeypatch.setenv("TARIFFCALC_CACHE_DIR", str(cache))
    load._load_cached.cache_clear()
    basket = write("b.csv", HEADER + "8703.23.01,JP,30000\n")
    expected = tariffcalc("estimate", basket, *DAY, "--format", "csv").stdout
    (entry,) = cache.glob("*.pickle")
    entry.write_bytes(pickle.dumps(_Touches(tmp_path / "ran")))
    load._load_cached.cache_clear()
    try:
        assert tariffcalc("estimate", basket, *DAY, "--format", "csv").stdout == expected
    finally:
        load._load_cached.cache_clear()
    assert not (tmp_path / "ran").exists()


CASES = {name[len("case_"):].replace("_", " "): function for name, function in globals().items() if name.startswith("case_")}


def readme_rows() -> list[str]:
    section = (ROOT / "README.md").read_text().split("### Bad input", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("|")]
    return [row.split("|")[1].strip() for row in table[2:]]


def test_every_readme_row_has_a_test():
    assert readme_rows() == list(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name, request):
    function = CASES[name]
    arguments = [request.getfixturevalue(p) for p in function.__code__.co_varnames[: function.__code__.co_argcount]]
    function(*arguments)


# -- fuzz: malformed files of every format end in a clean error, never a traceback -------------------


def run_quietly(tariffcalc, write, name: str, data: bytes):
    path = write(name, data)
    result = tariffcalc("estimate", path, *DAY, "--format", "json")
    assert "Traceback" not in result.stderr
    assert result.exit_code in (0, 2), result
    if result.exit_code == 2:
        assert result.stdout == ""
        assert all(line.startswith("Error: ") for line in result.stderr.splitlines())
    else:
        json.loads(result.stdout)


VALID = (EXAMPLES / "japan-shipment.csv").read_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["b.csv", "b.json", "b.jsonl", "b.yaml"]),
    data=st.one_of(
        st.binary(max_size=300),
        st.integers(min_value=0, max_value=len(VALID)).map(lambda n: VALID[:n]),
        st.text(alphabet='[]{}:,"-\n hts_codecountryvalue0123456789.,;\t\x00', max_size=300).map(str.encode),
    ),
)
def test_fuzz_malformed_files(tariffcalc, write, name, data):
    run_quietly(tariffcalc, write, name, data)


@pytest.mark.parametrize(
    "name, data",
    [
        ("deep.json", b"[" * 100000 + b"]" * 100000),
        ("deep.yaml", b"- " * 5000 + b"x\n"),
        ("huge.csv", b"hts_code,country,value,description\n8703.23.01,JP,1," + b"x" * 5_000_000 + b"\n"),
        ("bomb.yaml", b'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n'),
        ("nul.csv", b"hts_code,country,value\n8703.23.01,JP,1\x00\n"),
    ],
)
def test_fuzz_pathological_files(tariffcalc, write, name, data):
    run_quietly(tariffcalc, write, name, data)


def test_billion_laughs_schedule_is_refused_quickly(tariffcalc, tmp_path):
    levels = ['a0: &a0 ["lol"]'] + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(levels) + "\n")
    result = tariffcalc("estimate", EXAMPLES / "seed-japan.csv", "--schedule", path)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"Error: {path}:")
