"""Entry fees: the MPF with its fiscal-year minimum and maximum, and the HMF on ocean shipments (`estimate --fees`)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffcalc.engine.fees import fee_rules, hmf, mpf

FY2025 = dt.date(2025, 4, 17)
FY2026 = dt.date(2025, 10, 1)


def _mpf(value_cents: int, day: dt.date) -> tuple[int, int]:
    fee, limit = mpf(np.array([value_cents]), np.array([np.datetime64(day.isoformat(), "D")]))
    return int(fee[0]), int(limit[0])


def _oracle(value_cents: int) -> int:
    """0.3464% of the value, half-up to the cent, with Decimal (an independent computation)."""
    return int((Decimal(value_cents) * Decimal("0.003464")).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize(
    "day, minimum, maximum",
    [(FY2025, 3271, 63462), (dt.date(2025, 9, 30), 3271, 63462), (FY2026, 3358, 65150), (dt.date(2026, 9, 30), 3358, 65150)],
)
def test_mpf_at_its_minimum_and_maximum_and_one_cent_either_side(day, minimum, maximum):
    # The smallest values whose 0.3464% rounds to exactly the minimum / maximum.
    at_min = next(v for v in range(minimum * 288 - 400, minimum * 289) if _oracle(v) == minimum)
    at_max = next(v for v in range(maximum * 288 - 400, maximum * 289) if _oracle(v) == maximum)
    assert _oracle(at_min - 1) == minimum - 1 and _oracle(at_max - 1) == maximum - 1
    assert _mpf(at_min, day) == (minimum, 0)
    assert _mpf(at_min - 1, day) == (minimum, -1)  # 0.3464% is one cent under the minimum: the minimum is charged
    below = next(v for v in range(at_min, at_min + 400) if _oracle(v) == minimum + 1)
    assert _mpf(below, day) == (minimum + 1, 0)
    assert _mpf(at_max, day) == (maximum, 0)
    assert _mpf(at_max - 1, day) == (maximum - 1, 0)
    above = next(v for v in range(at_max, at_max + 400) if _oracle(v) == maximum + 1)
    assert _mpf(above, day) == (maximum, 1)
    assert _mpf(0, day) == (minimum, -1)


def test_the_fiscal_year_changes_on_1_october():
    big = 100_000_000_00
    assert _mpf(big, dt.date(2025, 9, 30)) == (63462, 1)
    assert _mpf(big, dt.date(2025, 10, 1)) == (65150, 1)
    assert _mpf(0, dt.date(2024, 9, 30)) == (3271, -1)  # before FY2025: FY2025's amounts, with a warning in the CLI
    assert _mpf(0, dt.date(2024, 10, 1)) == (3271, -1)


def test_hmf_is_0_125_percent_with_no_cap():
    assert hmf(np.array([0, 1, 40, 1_000_000, 10**12])).tolist() == [0, 0, 0, 1250, 1_250_000_000]  # 0.05¢ rounds to 0¢, 0.0125¢ to 0
    assert hmf(np.array([400])).tolist() == [1]  # 0.5¢ rounds half-up


def test_fees_per_entry_through_the_cli(tariffcalc, write):
    basket = write(
        "b.csv",
        "hts_code,country,value,mfn_rate,mode,entry_id\n"
        "9503.00.00,JP,30000,0,ocean,A\n9503.00.00,JP,1000,0,air,A\n"
        "9503.00.00,JP,2000,0,Ocean,B\n9503.00.00,JP,500000,0,truck,C\n",
    )
    run = tariffcalc("estimate", basket, "--date", "2025-04-17", "--fees", "--format", "json")
    assert run.exit_code == 0, run
    document = run.json()
    assert document["fees"]["entries"] == [
        {"entry_id": "A", "date": "2025-04-17", "fiscal_year": 2025, "lines": 2, "value": "31000.00", "mpf": "107.38",
         "mpf_limit": None, "hmf_value": "30000.00", "hmf": "37.50", "fees": "144.88"},
        {"entry_id": "B", "date": "2025-04-17", "fiscal_year": 2025, "lines": 1, "value": "2000.00", "mpf": "32.71",
         "mpf_limit": "minimum", "hmf_value": "2000.00", "hmf": "2.50", "fees": "35.21"},
        {"entry_id": "C", "date": "2025-04-17", "fiscal_year": 2025, "lines": 1, "value": "500000.00", "mpf": "634.62",
         "mpf_limit": "maximum", "hmf_value": "0.00", "hmf": "0.00", "fees": "634.62"},
    ]
    assert (document["fees"]["mpf"], document["fees"]["hmf"], document["fees"]["total"]) == ("774.71", "40.00", "814.71")
    totals = document["totals"]
    assert (totals["total_duty"], totals["mpf"], totals["hmf"], totals["fees"], totals["landed_duty_cost"]) == (
        "53300.00", "774.71", "40.00", "814.71", "54114.71",
    )
    assert document["fees"]["authority"]["mpf"].startswith("0.3464% ad valorem per entry")


def test_an_entry_whose_lines_fall_in_different_chunks_is_one_entry(tariffcalc, write):
    # Entry A's lines are 1, 3 and 5: with --chunk-size 1 each is in its own chunk; the fees must not change.
    basket = write(
        "b.csv",
        "hts_code,country,value,mfn_rate,mode,entry_id,entry_date\n"
        "9503.00.00,JP,30000,0,ocean,A,2025-04-17\n9503.00.00,JP,2000,0,ocean,B,2025-04-17\n"
        "9503.00.00,JP,1000,0,air,A,2025-04-10\n9503.00.00,JP,500,0,air,C,2025-04-17\n"
        "9503.00.00,JP,400000,0,ocean,A,2025-04-18\n",
    )
    whole = tariffcalc("estimate", basket, "--date", "2025-04-17", "--fees", "--format", "json")
    split = tariffcalc("estimate", basket, "--date", "2025-04-17", "--fees", "--format", "json", "--chunk-size", "1")
    assert whole.exit_code == split.exit_code == 0, (whole, split)
    assert split.json()["fees"] == whole.json()["fees"]
    assert split.json()["totals"] == whole.json()["totals"]
    entries = whole.json()["fees"]["entries"]
    assert [(e["entry_id"], e["lines"], e["date"], e["value"], e["mpf"], e["hmf_value"]) for e in entries] == [
        ("A", 3, "2025-04-10", "431000.00", "634.62", "430000.00"),
        ("B", 1, "2025-04-17", "2000.00", "32.71", "2000.00"),
        ("C", 1, "2025-04-17", "500.00", "32.71", "0.00"),
    ]
    assert split.stderr == whole.stderr


def test_a_basket_without_entry_id_is_one_entry_and_without_mode_pays_no_hmf(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value,mfn_rate\n9503.00.00,JP,30000,0\n9503.00.00,JP,1000,0\n")
    run = tariffcalc("estimate", basket, "--date", "2025-10-01", "--fees", "--format", "json")
    fees = run.json()["fees"]
    assert [(e["entry_id"], e["lines"], e["fiscal_year"], e["mpf"], e["hmf"]) for e in fees["entries"]] == [
        (None, 2, 2026, "107.38", "0.00")
    ]
    assert f"Warning: {basket}: no mode column: no Harbor Maintenance Fee charged (add a column mode, ocean for goods that come by vessel)" in run.stderr.splitlines()


def test_csv_output_keeps_its_lines_and_says_the_fees_on_stderr(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value,mfn_rate,mode\n9503.00.00,JP,30000,0,ocean\n")
    run = tariffcalc("estimate", basket, "--date", "2025-04-17", "--fees", "--format", "csv")
    assert run.stdout == "hts_code,country,value,mfn_rate,mode,mfn_duty,additional_duty,total_duty,effective_rate,measures,refundable_duty\n9503.00.00,JP,30000,0,ocean,0.00,3000.00,3000.00,0.1,reciprocal-baseline:0.1:3000.00,3000.00\n"
    assert run.stderr == (
        "Note: fees for 1 entr(ies): MPF USD 103.92, HMF USD 37.50; landed duty cost (duty + fees) USD 3,141.42 "
        "(per entry: --format json or table)\n"
    )


def test_table_output_shows_the_fees_and_the_landed_duty_cost(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value,mfn_rate,mode\n9503.00.00,JP,30000,0,ocean\n")
    run = tariffcalc("estimate", basket, "--date", "2025-04-17", "--fees", "--format", "table")
    assert "Entry fees" in run.stdout
    assert "Duty USD 3,000.00 + fees USD 141.42 = landed duty cost USD 3,141.42" in run.stdout


def test_the_table_shows_the_first_200_entries_and_says_how_many_more(tariffcalc, write):
    rows = "".join(f"9503.00.00,JP,100,0,air,E{i:03d}\n" for i in range(203))
    basket = write("b.csv", "hts_code,country,value,mfn_rate,mode,entry_id\n" + rows)
    run = tariffcalc("estimate", basket, "--date", "2025-04-17", "--fees", "--format", "table")
    assert run.exit_code == 0, run
    assert "E199" in run.stdout and "E200" not in run.stdout
    # 203 entries at the MPF minimum of USD 32.71 each.
    assert "3 more entries not shown here (the sums include them); Duty USD 2,030.00 + fees USD 6,640.13" in " ".join(
        run.stdout.split()
    )


def test_an_unknown_mode_is_an_input_error(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value,mfn_rate,mode\n9503.00.00,JP,1,0,boat\n")
    run = tariffcalc("estimate", basket, "--date", "2025-04-17", "--fees")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == (
        f"Error: {basket}:2: mode: 'boat' is not a mode of transport tariffcalc knows "
        "(expected ocean, vessel, air, truck, rail, mail, pipeline or other)\n"
    )


def test_without_fees_the_json_is_unchanged(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value,mfn_rate,mode,entry_id\n9503.00.00,JP,1,0,ocean,A\n")
    document = tariffcalc("estimate", basket, "--date", "2025-04-17", "--format", "json").json()
    assert "fees" not in document and "landed_duty_cost" not in document["totals"]


entries = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),
        st.integers(min_value=0, max_value=50_000_000),
        st.sampled_from(["ocean", "air", "truck"]),
        st.sampled_from(["2025-09-30", "2025-10-01", "2025-04-17"]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(entries)
def test_fees_per_entry_are_within_the_limits_and_totals_reconcile(tmp_path_factory, rows):
    from typer.testing import CliRunner

    from tariffcalc.cli import app

    path = tmp_path_factory.mktemp("fees") / "b.csv"
    path.write_text(
        "hts_code,country,value,mfn_rate,mode,entry_id,entry_date\n"
        + "".join(f"9503.00.00,JP,{v // 100}.{v % 100:02d},0,{m},{e},{d}\n" for e, v, m, d in rows)
    )
    result = CliRunner().invoke(app, ["estimate", str(path), "--fees", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    import json

    document = json.loads(result.stdout)
    rules = fee_rules()
    cents = lambda text: int(Decimal(text) * 100)  # noqa: E731
    for entry in document["fees"]["entries"]:
        year = next(y for y in rules.years if y.fiscal_year == entry["fiscal_year"])
        assert year.minimum <= cents(entry["mpf"]) <= year.maximum
        lines = [r for r in rows if r[0] == entry["entry_id"]]
        assert entry["date"] == min(r[3] for r in lines)
        assert cents(entry["value"]) == sum(r[1] for r in lines)
        assert cents(entry["hmf_value"]) == sum(r[1] for r in lines if r[2] == "ocean")
        assert cents(entry["fees"]) == cents(entry["mpf"]) + cents(entry["hmf"])
    fees = document["fees"]
    assert cents(fees["mpf"]) == sum(cents(e["mpf"]) for e in fees["entries"])
    assert cents(fees["hmf"]) == sum(cents(e["hmf"]) for e in fees["entries"])
    totals = document["totals"]
    assert cents(totals["fees"]) == cents(fees["mpf"]) + cents(fees["hmf"])
    assert cents(totals["landed_duty_cost"]) == cents(totals["total_duty"]) + cents(totals["fees"])
