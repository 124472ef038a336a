"""`tariffcalc hts import | lookup | report` on a small HTS written for the tests (tests/fixtures/hts_mini.csv)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

HTS_MINI = FIXTURES / "hts_mini.csv"

REPORT = [
    "General Rate of Duty: 12 rate cells parsed by kind:",
    "  free                4",
    "  ad_valorem          3",
    "  specific            2",
    "  compound            1",
    "  part_basis          1 (a rate on part of the goods (content, drained weight, proof liters...) or in several units; not computed)",
    "  reference           1 (the rate of another provision; not computed)",
    "  unparsed            0",
]


@pytest.fixture
def imported(tariffcalc, tmp_path):
    run = tariffcalc("hts", "import", HTS_MINI, "--edition", "Test HTS")
    assert run.exit_code == 0, run
    return run


def test_import_stores_a_compact_copy_and_reports_the_rates_by_kind(imported, tmp_path):
    lines = imported.stderr.splitlines()
    assert lines[0].startswith("Imported the Test HTS: 32 rows from hts_mini.csv (sha256 ")
    assert lines[1:] == REPORT
    assert imported.stdout == ""


def test_lookup_gives_the_description_path_unit_rates_and_measures(imported, tariffcalc):
    run = tariffcalc("hts", "lookup", "4202.21.60.90", "--country", "FR", "--date", "2025-04-17", "--format", "json")
    assert run.exit_code == 0, run
    document = run.json()
    measures = document.pop("measures")
    assert document == {
        "hts_code": "4202.21.60.90",
        "edition": "Test HTS",
        "description": [
            "Trunks, suitcases and similar containers",
            "Handbags",
            "With outer surface of leather",
            "Other",
            "Other",
        ],
        "unit": "No.",
        "general": "9%",
        "general_kind": "ad_valorem",
        "special": "Free (AU,CL)",
        "column2": "35%",
        "date": "2025-04-17",
        "country": "FR",
    }
    applied = [(m["id"], m["rate"]) for m in measures if m["applied"]]
    assert applied == [("reciprocal-baseline", "0.1")]


def test_lookup_of_a_statistical_suffix_inherits_the_8_digit_rate(imported, tariffcalc):
    run = tariffcalc("hts", "lookup", "0302.11.00.90", "--format", "json")
    document = run.json()
    assert (document["general"], document["column2"], document["unit"]) == ("Free", "2.2¢/kg", "kg")
    assert document["description"] == ["Fish, fresh or chilled, whole", "Salmonidae", "Trout", "Wild"]


def test_lookup_of_an_unknown_code_names_the_nearest(imported, tariffcalc):
    run = tariffcalc("hts", "lookup", "8703.23.02")
    assert run.exit_code == 2
    assert run.stderr == "Error: hts lookup: '8703.23.02' is not in the Test HTS; nearest: 8703.23.01, 9503.00.00, 9801.00.10\n"


def test_lookup_by_words_searches_the_description_paths(imported, tariffcalc):
    run = tariffcalc("hts", "lookup", "leather", "handbags", "--format", "csv")
    assert run.exit_code == 0, run
    assert run.stdout.splitlines() == [
        "hts_code,description,general",
        '4202.21.30.00,"Trunks, suitcases and similar containers > Handbags > With outer surface of leather > Valued not over $20 each",8%',
        '4202.21.60,"Trunks, suitcases and similar containers > Handbags > With outer surface of leather > Other",9%',
        '4202.21.60.10,"Trunks, suitcases and similar containers > Handbags > With outer surface of leather > Other > Of reptile leather",9%',
        '4202.21.60.90,"Trunks, suitcases and similar containers > Handbags > With outer surface of leather > Other > Other",9%',
    ]


def test_lookup_without_an_hts_says_how_to_get_one(tariffcalc):
    run = tariffcalc("hts", "lookup", "8703.23.01")
    assert run.exit_code == 2
    assert run.stderr == (
        "Error: --hts: no HTS to use: import one with `tariffcalc hts import PATH` (the CSV from hts.usitc.gov), "
        "or give --hts PATH or set $TARIFFCALC_HTS\n"
    )


def test_lookup_reads_a_raw_usitc_csv_given_with_hts(tariffcalc):
    run = tariffcalc("hts", "lookup", "9503.00.00.90", "--hts", HTS_MINI, "--format", "json")
    assert run.exit_code == 0, run
    assert (run.json()["general"], run.json()["edition"]) == ("Free", "HTS from hts_mini.csv")


def test_lookup_reads_the_hts_named_by_the_environment(tariffcalc, monkeypatch):
    monkeypatch.setenv("TARIFFCALC_HTS", str(HTS_MINI))
    assert tariffcalc("hts", "lookup", "8703.23.01", "--format", "json").json()["general"] == "2.5%"


def test_report_prints_the_parse_report_on_stdout(tariffcalc):
    run = tariffcalc("hts", "report", HTS_MINI)
    assert run.exit_code == 0, run
    assert run.stdout.splitlines() == ["HTS from hts_mini.csv", *REPORT]
    document = json.loads(tariffcalc("hts", "report", HTS_MINI, "--format", "json").stdout)
    assert sum(document["kinds"].values()) == document["cells"] == 12


def test_a_file_that_is_not_the_usitc_export_is_refused(tariffcalc, write):
    path = write("hts.csv", "code,rate\n0101,Free\n")
    run = tariffcalc("hts", "import", path)
    assert run.exit_code == 2
    assert run.stderr == (
        f"Error: {path}:1: missing column(s) HTS Number, Indent, Description, Unit of Quantity, General Rate of Duty, "
        "Special Rate of Duty, Column 2 Rate of Duty (found: code, rate; expected the CSV exported from hts.usitc.gov)\n"
    )


def test_bad_rows_are_reported_with_their_line(tariffcalc, write):
    text = HTS_MINI.read_text(encoding="utf-8-sig").replace('"0409.00.00.00","0"', '"409.00.00","zero"')
    path = write("hts.csv", text)
    run = tariffcalc("hts", "import", path)
    assert run.exit_code == 2
    assert run.stderr == (
        f"Error: {path}:7: HTS Number: '409.00.00' is not an HTS number (expected 4, 6, 8 or 10 digits in groups, e.g. 0101.21.00)\n"
    )


def test_a_missing_file_is_an_input_error(tariffcalc, tmp_path):
    run = tariffcalc("hts", "import", tmp_path / "nope.csv")
    assert (run.exit_code, run.stderr) == (2, f"Error: {tmp_path / 'nope.csv'}: no such file (expected the HTS CSV exported from hts.usitc.gov)\n")


def test_the_store_loads_without_the_usitc_file_and_pandas_is_not_imported_for_help(imported, monkeypatch):
    # Checked without a clock: a load reads the store, never the USITC CSV again.
    from tariffcalc.hts import usitc
    from tariffcalc.hts.store import default_store, load_store

    monkeypatch.setattr(usitc, "read_usitc_csv", lambda *a, **k: pytest.fail("the store load read the USITC CSV"))
    schedule = load_store(default_store())
    assert schedule.rate("87032301").text == "2.5%"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import tariffcalc.cli"], cwd=ROOT, capture_output=True, text=True
    )
    assert "pandas" not in result.stderr


def test_the_store_goes_to_the_platform_user_data_folder_by_default(monkeypatch):
    import platformdirs

    from tariffcalc.hts.store import default_store

    monkeypatch.delenv("TARIFFCALC_DATA_DIR")
    assert default_store() == Path(platformdirs.user_data_dir("tariffcalc", appauthor=False)) / "hts"


def test_hts_accepts_a_store_written_elsewhere(tariffcalc, write, tmp_path):
    store = tmp_path / "my-hts"
    run = tariffcalc("hts", "import", HTS_MINI, "--store", store, "--edition", "Elsewhere HTS")
    assert run.exit_code == 0, run
    assert sorted(p.name for p in store.iterdir()) == [".tariffcalc-hts-store", "hts.csv.gz", "meta.json"]
    basket = write("b.csv", "hts_code,country,value\n4202.21.60,FR,1000\n")
    run = tariffcalc("estimate", basket, "--hts", store, "--date", "2025-04-17", "--format", "json")
    assert run.json()["lines"][0]["mfn_duty"] == "90.00"
    assert run.stderr == f"Note: MFN duties from the Elsewhere HTS (--hts: {store}; --hts none to leave it out)\n"


def test_a_folder_that_is_not_a_store_is_refused(tariffcalc, tmp_path):
    run = tariffcalc("hts", "lookup", "0101", "--hts", tmp_path)
    assert (run.exit_code, run.stderr) == (
        2,
        f"Error: {tmp_path}: is not an HTS store (expected a folder written by `tariffcalc hts import`, or a USITC HTS CSV)\n",
    )
