"""`tariffcalc estimate` as a user runs it: formats, pipes, files, and errors word for word."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from conftest import EXAMPLES, FIXTURES

from tariffcalc import __version__
from tariffcalc.goods.read import read_basket
from tariffcalc.engine.calculate import estimate
from tariffcalc.law.load import load_schedule

EXAMPLE = EXAMPLES / "japan-shipment.csv"
DAY = "2025-04-17"


def test_version(tariffcalc):
    result = tariffcalc("--version")
    assert (result.exit_code, result.stdout) == (0, f"tariffcalc {__version__}\n")


def test_json_contract(tariffcalc):
    result = tariffcalc("estimate", EXAMPLE, "--date", DAY, "--format", "json")
    assert result.exit_code == 0, result
    doc = result.json()
    assert list(doc) == ["schedule", "date", "lines", "totals", "by_measure", "by_country", "warnings", "errors"]
    assert doc["date"] == DAY
    assert doc["schedule"]["id"] == "us"
    for measure in doc["schedule"]["measures"]:
        assert set(measure["authority"]) >= {"document", "citation", "date"}
    first = doc["lines"][0]
    assert first == {
        "line": 1,
        "hts_code": "8703.23.01",
        "description": "Passenger car 1.5-3.0 l petrol",
        "country": "JP",
        "date": DAY,
        "value": "30000.00",
        "mfn_rate": "0.025",
        "mfn_duty": "750.00",
        "measures": [{"id": "s232-autos", "rate": "0.25", "duty": "7500.00"}],
        "additional_duty": "7500.00",
        "total_duty": "8250.00",
        "effective_rate": "0.275",
        "refundable_duty": "0.00",
    }
    assert [line["line"] for line in doc["lines"]] == list(range(1, 13))
    assert doc["totals"] == {
        "lines": 12,
        "value": "143650.50",
        "mfn_duty": "2605.00",
        "additional_duty": "30705.05",
        "total_duty": "33310.05",
        "effective_rate": "0.231883",
        "refundable_duty": "6455.05",
        "skipped_lines": 0,
        "skipped_value": "0.00",
        "skipped_value_unknown_lines": 0,
    }
    assert doc["errors"] == []


def test_json_totals_reconcile_with_lines_and_breakdowns(tariffcalc):
    doc = tariffcalc("estimate", EXAMPLE, "--date", "2025-04-09", "--format", "json").json()
    lines = doc["lines"]
    for key in ("value", "mfn_duty", "additional_duty", "total_duty"):
        assert sum(Decimal(line[key]) for line in lines) == Decimal(doc["totals"][key])
    for line in lines:
        assert sum(Decimal(m["duty"]) for m in line["measures"]) == Decimal(line["additional_duty"])
        assert Decimal(line["mfn_duty"]) + Decimal(line["additional_duty"]) == Decimal(line["total_duty"])
    assert sum(Decimal(m["duty"]) for m in doc["by_measure"]) == Decimal(doc["totals"]["additional_duty"])
    assert sum(Decimal(c["total_duty"]) for c in doc["by_country"]) == Decimal(doc["totals"]["total_duty"])
    assert {c["country"] for c in doc["by_country"]} == {"JP", "CN", "VN", "CA", "DE"}


def test_json_matches_the_library(tariffcalc):
    doc = tariffcalc("estimate", EXAMPLE, "--date", DAY, "--format", "json").json()
    result = estimate(read_basket(EXAMPLE), load_schedule("us-2025"), dt.date.fromisoformat(DAY))
    assert [Decimal(line["total_duty"]) * 100 for line in doc["lines"]] == [Decimal(int(x)) for x in result.total_duty]


def test_jsonl_gives_the_json_lines_one_per_line(tariffcalc):
    lines = tariffcalc("estimate", EXAMPLE, "--date", DAY, "--format", "jsonl").stdout.splitlines()
    doc = tariffcalc("estimate", EXAMPLE, "--date", DAY, "--format", "json").json()
    assert [json.loads(line) for line in lines] == doc["lines"]


def test_csv_keeps_input_columns_first_then_computed_ones(tariffcalc):
    result = tariffcalc("estimate", EXAMPLE, "--date", DAY)  # not a terminal: CSV by default
    assert result.exit_code == 0, result
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "hts_code", "country", "value", "mfn_rate", "description", "quantity", "usmca", "auto_part", "po_number",
        "mfn_duty", "additional_duty", "total_duty", "effective_rate", "measures", "refundable_duty",
    ]  # fmt: skip
    assert rows[0]["po_number"] == "PO-1001"
    assert rows[7]["measures"] == "ieepa-china:0.2:600.00;reciprocal-china:1.25:3750.00"
    assert rows[2]["measures"] == ""


def test_csv_through_a_pipe_and_back_again(tariffcalc):
    text = EXAMPLE.read_text()
    first = tariffcalc("estimate", "-", "--date", DAY, input=text)
    assert first.exit_code == 0, first
    assert first.stdout == tariffcalc("estimate", EXAMPLE, "--date", DAY).stdout
    # A previous run's output fed back in: its computed columns are replaced, not duplicated.
    again = tariffcalc("estimate", "-", "--date", DAY, input=first.stdout)
    assert again.stdout == first.stdout
    later = tariffcalc("estimate", "-", "--date", "2025-04-09", input=first.stdout)
    rows = list(csv.DictReader(io.StringIO(later.stdout)))
    assert rows[3]["total_duty"] == "516.12"


def test_json_and_yaml_baskets(tariffcalc, write):
    records = [{"hts_code": "8703.23.01", "country": "Japan", "value": 30000, "mfn_rate": 0.025}]
    json_basket = write("basket.json", json.dumps(records))
    yaml_basket = write("basket.yaml", "- hts_code: '8703.23.01'\n  country: Japan\n  value: 30000\n  mfn_rate: 0.025\n")
    for basket in (json_basket, yaml_basket):
        line = tariffcalc("estimate", basket, "--date", DAY, "--format", "json").json()["lines"][0]
        assert line["total_duty"] == "8250.00"
    piped = tariffcalc("estimate", "-", "--input-format", "json", "--date", DAY, "--format", "json", input=json.dumps(records))
    assert piped.json()["lines"][0]["total_duty"] == "8250.00"


def test_headers_are_matched_case_insensitively(tariffcalc, write):
    basket = write("b.csv", "HTS_Code, Country ,VALUE\n8703.23.01,JP,100\n")
    line = tariffcalc("estimate", basket, "--date", DAY, "--format", "json").json()["lines"][0]
    assert line["total_duty"] == "25.00"


def test_output_file_gets_the_data_and_stdout_nothing(tariffcalc, tmp_path):
    target = tmp_path / "out.json"
    result = tariffcalc("estimate", EXAMPLE, "--date", DAY, "--output", target)
    assert (result.exit_code, result.stdout) == (0, "")
    assert json.loads(target.read_text())["totals"]["total_duty"] == "33310.05"


def test_output_dash_is_stdout(tariffcalc, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = tariffcalc("estimate", EXAMPLE, "--date", DAY, "--output", "-", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["totals"]["total_duty"] == "33310.05"
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_failed_run_leaves_an_existing_output_untouched(tariffcalc, tmp_path, write):
    target = tmp_path / "out.csv"
    target.write_text("precious\n")
    bad = write("bad.csv", "hts_code,country,value\n8703.23.01,JP,abc\n")
    result = tariffcalc("estimate", bad, "--output", target)
    assert result.exit_code == 2
    assert target.read_text() == "precious\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv")] == []


def test_table_has_the_four_parts_and_no_colour_codes_when_not_a_terminal(tariffcalc):
    result = tariffcalc("estimate", EXAMPLE, "--date", DAY, "--format", "table")
    assert result.exit_code == 0, result
    for title in ("Lines", "Totals", "By measure", "By country of origin"):
        assert title in result.stdout
    assert "33,310.05" in result.stdout
    assert "\x1b[" not in result.stdout


def test_diagnostics_go_to_stderr_and_data_to_stdout(tariffcalc):
    result = tariffcalc("estimate", EXAMPLE, "--date", "2027-01-15", "--format", "json")
    assert result.exit_code == 0
    warnings = json.loads(result.stdout)["warnings"]
    assert any("outside what schedule 'us' covers" in w for w in warnings)
    assert [f"Warning: {w}" for w in warnings] == result.stderr.splitlines()


# -- errors: one line per problem, exit 2, nothing on stdout, no traceback ------------------------


def assert_error(result, *lines: str) -> None:
    assert result.exit_code == 2, result
    assert result.stdout == ""
    assert result.stderr == "".join(f"Error: {line}\n" for line in lines)


def test_missing_required_column(tariffcalc, write):
    basket = write("b.csv", "hts_code,country\n8703.23.01,JP\n")
    assert_error(
        tariffcalc("estimate", basket), f"{basket}: missing required column(s) value (found columns: 'hts_code', 'country')"
    )


def test_every_bad_cell_is_reported_with_its_line_and_column(tariffcalc, write):
    basket = write(
        "b.csv",
        "hts_code,country,value,mfn_rate,entry_date\n"
        "8703.23.01,JP,30000,2.5%,2025-04-17\n"
        "870323,Japn,-5,,2025-02-30\n"
        "203.10.05,JP,1.2.3,2.5 percent,17/04/2025\n"
        ",,,,\n"
        "abcd,,100,,\n",
    )
    assert_error(
        tariffcalc("estimate", basket),
        f"{basket}:3: country: 'Japn' is not a country tariffcalc knows (expected an ISO code such as JP or JPN, "
        "or an English name; did you mean Japan or Jordan?)",
        f"{basket}:3: value: '-5' is negative (expected a customs value of 0 or more)",
        f"{basket}:3: entry_date: '2025-02-30' is not a date that exists",
        f"{basket}:4: hts_code: '203.10.05' has an odd number of digits: it looks like a code that lost its leading "
        "zero (did you mean 0203.10.05? keep HTS codes as text in your spreadsheet)",
        f"{basket}:4: value: '1.2.3' is not an amount in USD (expected a number such as 30000 or 30000.00; at most "
        "USD 1 trillion a line)",
        f"{basket}:4: mfn_rate: '2.5 percent' is not a rate (expected a fraction such as 0.025 or a percentage such "
        "as 2.5%)",
        f"{basket}:4: entry_date: '17/04/2025' is not a date (expected YYYY-MM-DD, e.g. 2025-04-17)",
        f"{basket}:6: hts_code: 'abcd' is not an HTS code (expected 4, 6, 8 or 10 digits, dots allowed, e.g. 8703.23.01)",
        f"{basket}:6: country: '' is empty (expected a country of origin: ISO code such as JP or JPN, or a name such "
        "as Japan)",
    )


def test_json_basket_errors_name_the_item(tariffcalc, write):
    basket = write("b.json", '[{"hts_code": "8703.23.01", "country": "JP", "value": "x"}]')
    assert_error(
        tariffcalc("estimate", basket),
        f"{basket}: item 1: value: 'x' is not an amount in USD (expected a number such as 30000 or 30000.00; "
        "at most USD 1 trillion a line)",
    )


def test_invalid_json_names_the_line(tariffcalc, write):
    basket = write("b.json", '[\n{"hts_code": "8703.23.01",\n')
    assert_error(tariffcalc("estimate", basket), f"{basket}:3: not valid JSON: Expecting property name enclosed in double quotes (column 1)")


def test_missing_file(tariffcalc, tmp_path):
    assert_error(tariffcalc("estimate", tmp_path / "nope.csv"), f"{tmp_path / 'nope.csv'}: no such file")


def test_not_utf8(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value\n8703.23.01,C\xf4te,1\n".encode("latin-1"))
    assert_error(tariffcalc("estimate", basket), f"{basket}:2: is not UTF-8 text (byte 35 cannot be decoded; if it was saved by Excel on Windows, try --encoding cp1252)")


def test_unknown_schedule_name(tariffcalc):
    assert_error(
        tariffcalc("estimate", EXAMPLE, "--schedule", "us-2031"),
        "--schedule: no schedule named 'us-2031' (shipped schedules: us, us-2025; or give a path)",
    )


def test_bad_date_option_is_a_usage_error(tariffcalc):
    result = tariffcalc("estimate", EXAMPLE, "--date", "2025-02-30")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith("Error: Invalid value for '--date' / '-d': Value error, '2025-02-30' does not match the formats '%Y-%m-%d'.\n")


# -- schedule errors: file, YAML line and key ------------------------------------------------------

BROKEN = (FIXTURES / "mini.yaml").read_text()


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("    rate: 10%\n", "    rate: 10%\n    rates_typo: {}\n", "broken.yaml:14 measures[0].rates_typo: unknown key (check the spelling against the README's schedule format)"),
        ("    rate: 10%\n", "    rate: ten percent\n", "broken.yaml:13 measures[0].rate: 'ten percent' is not a rate (expected a percentage such as 24% or a fraction such as 0.24)"),
        ("    yields_to: [country, metals]\n", "    yields_to: [country, metal]\n", "broken.yaml:16 measures[0].yields_to[1]: no measure with id 'metal' in this schedule"),
        ("        through: 2025-04-30\n", "        through: 2025-03-30\n", "broken.yaml:31 measures[1].pauses[0].through: through 2025-03-30 is before from 2025-04-01"),
        ("      JP: 24%\n", "      XX: 24%\n", "broken.yaml:24 measures[1].rates.XX: 'XX' is neither an ISO 3166 alpha-2 country code nor a country group of this schedule"),
        ("    from: 2025-02-01\n    countries: {all_except: [CA]}", "    countries: {all_except: [CA]}", "broken.yaml:8 measures[0].from: required key is missing"),
        ("      include: [\"72\", \"7601.10\"]", "      include: [\"72\", \"7601.1\"]", "broken.yaml:47 measures[2].products.include[1]: '7601.1' is not an HTS prefix (expected 2, 4, 6, 8 or 10 digits, dots allowed, e.g. 8703.23.01), and not a product group of this schedule"),
        ("    authority: {document: Test order 2, citation", "    authority: {document: Test order 2, Annex I, citation", "broken.yaml:20 measures[1].authority.Annex I: unknown key (check the spelling against the README's schedule format)"),
        ("      - from: 2025-06-01\n", "      - from: 2025-04-15\n", "broken.yaml:33 measures[1].pauses[1].from: this pause overlaps another pause of the measure (from 2025-04-01)"),
        ("  - id: base\n", "  - id: Base Rate\n", "broken.yaml:8 measures[0].id: String should match pattern '^[a-z0-9][a-z0-9-]*$'"),
    ],
)
def test_schedule_errors_name_file_line_and_key(tariffcalc, tmp_path, old, new, message):
    assert old in BROKEN
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN.replace(old, new, 1))
    result = tariffcalc("estimate", EXAMPLE, "--schedule", path)
    assert_error(result, f"{tmp_path}/{message}")


def test_circular_stacking_rules_are_an_error(tariffcalc, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN.replace("    rate: \"0.2\"\n", "    rate: \"0.2\"\n    yields_to: [deal]\n").replace(
        "    rate: 15% inclusive of MFN\n", "    rate: 15% inclusive of MFN\n    yields_to: [stacker]\n"))
    result = tariffcalc("estimate", EXAMPLE, "--schedule", path)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}:")
    assert "measures yield to each other in a circle on 0001-01-01: " in result.stderr


def test_invalid_yaml_syntax(tariffcalc, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("schedule: [\n")
    assert_error(tariffcalc("estimate", EXAMPLE, "--schedule", path), f"{path}:2: not valid YAML: expected the node content, but found '<stream end>'")


def test_norway_is_a_country_not_false(tmp_path):
    text = BROKEN.replace("      JP: 24%\n", "      JP: 24%\n      NO: 15%\n")
    path = tmp_path / "norway.yaml"
    path.write_text(text)
    assert "NO" in load_schedule(path).measure("country").rates
