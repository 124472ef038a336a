"""The official 2025 HTS imported and used (needs ../shared/data/hts_2025_basic_edition.csv; skipped without it)."""

from __future__ import annotations

import csv

import pytest
from conftest import SHARED_DATA

HTS_CSV = SHARED_DATA / "hts_2025_basic_edition.csv"

pytestmark = pytest.mark.skipif(
    not HTS_CSV.exists(),
    reason="needs ../shared/data/hts_2025_basic_edition.csv (the USITC 2025 HTS), which is not beside this checkout",
)

#: The general rates of the 2025 basic edition that tariffcalc names but does not compute, by kind.
EXPECTED_KINDS = {
    "free": 5960,
    "ad_valorem": 6212,
    "specific": 708,
    "compound": 298,
    "part_basis": 178,
    "sliding": 12,
    "reference": 207,
    "conditional": 18,
    "see_note": 5,
    "no_change": 5,
    "partial_value": 8,
    "unparsed": 0,
}


@pytest.fixture
def imported(tariffcalc):
    run = tariffcalc("hts", "import", HTS_CSV)
    assert run.exit_code == 0, run
    return run


def test_the_done_when_codes_pay_the_mfn_rates_of_the_file(imported, tariffcalc, write):
    basket = write(
        "real.csv",
        "hts_code,country,value\n8703.23.01,DE,10000\n4202.21.90,FR,10000\n6911.10.10,GB,10000\n9503.00.00,VN,10000\n",
    )
    run = tariffcalc("estimate", basket, "--date", "2025-04-17", "--format", "json")
    assert run.exit_code == 0, run
    lines = run.json()["lines"]
    assert [(x["hts_code"], x["mfn_rate_text"], x["mfn_rate"], x["mfn_duty"]) for x in lines] == [
        ("8703.23.01", "2.5%", "0.025", "250.00"),
        ("4202.21.90", "9%", "0.09", "900.00"),
        ("6911.10.10", "25%", "0.25", "2500.00"),
        ("9503.00.00", "Free", "0", "0.00"),
    ]
    assert lines[0]["description"].startswith("Motor cars and other motor vehicles principally designed for the transport of persons")
    assert run.stderr.startswith("Note: MFN duties from the HTS 2025 basic edition (the imported store: ")


def test_the_parse_report_accounts_for_every_general_rate_cell(imported):
    with open(HTS_CSV, encoding="utf-8-sig", newline="") as handle:
        cells = sum(1 for row in csv.DictReader(handle) if row["General Rate of Duty"].strip())
    lines = imported.stderr.splitlines()
    assert lines[1] == f"General Rate of Duty: {cells:,} rate cells parsed by kind:"
    counts = {line.split()[0]: int(line.split()[1].replace(",", "")) for line in lines[2:] if not line.startswith("  unparsed:")}
    assert counts == EXPECTED_KINDS
    assert sum(counts.values()) == cells == 13611
    assert not [line for line in lines if line.startswith("  unparsed:")]


def test_unknown_codes_get_the_nearest_real_ones(imported, tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value\n8703.23.02,JP,1\n")
    run = tariffcalc("estimate", basket, "--date", "2025-04-17")
    assert run.exit_code == 2
    assert run.stderr.splitlines()[-1] == (
        f"Error: {basket}:2: hts_code: '8703.23.02' is not in the HTS 2025 basic edition; nearest: 8703.23.01, 8703.24.01, 8703.22.01"
    )


def test_the_imported_store_is_compact_and_loads_without_the_usitc_file(imported, monkeypatch):
    # What makes a load cheap, checked without a clock (a loaded machine would fail a timing): a small file, and
    # no parsing of the USITC CSV again.
    from tariffcalc.hts import usitc
    from tariffcalc.hts.store import TABLE, default_store, load_store

    assert (default_store() / TABLE).stat().st_size < 1_000_000
    monkeypatch.setattr(usitc, "read_usitc_csv", lambda *a, **k: pytest.fail("the store load read the USITC CSV"))
    schedule = load_store(default_store())
    assert schedule.rate("4202219000").text == "9%"


def test_lookup_of_a_real_code(imported, tariffcalc):
    run = tariffcalc("hts", "lookup", "6911.10.10", "--format", "json", "--date", "2025-04-17", "--country", "CN")
    document = run.json()
    assert (document["general"], document["column2"]) == ("25%", "75%")
    assert document["description"][0] == "Tableware, kitchenware, other household articles and toilet articles, of porcelain or china"
    # Porcelain tableware is on Section 301 List 4A (7.5%), which stacks on the IEEPA duties.
    assert [m["id"] for m in document["measures"] if m["applied"]] == ["ieepa-china", "reciprocal-china", "s301-china-list-4a"]


def test_the_column_2_report_lists_the_unparsed_handful_with_reasons(tariffcalc):
    import json

    run = tariffcalc("hts", "report", HTS_CSV, "--column", "column2", "--format", "json")
    document = json.loads(run.stdout)
    assert sum(document["kinds"].values()) == document["cells"] == 13251
    reasons = {(u["text"], u["reason"]) for u in document["unparsed"]}
    assert len(document["unparsed"]) == 86
    assert reasons == {
        ("33 1/3%", "a percentage with a vulgar fraction (a third of a percent) is not a whole number of millionths: give the line an mfn_rate"),
        (":", "punctuation only, not a rate: give the line an mfn_rate"),
        ("37% /", "a percentage followed by a stray '/' (a typo in the file?): give the line an mfn_rate"),
    }
