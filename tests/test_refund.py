"""`tariffcalc refund`: IEEPA refunds of a history of past entries, against the hand oracle (issue 13).

The oracle is the hand computation of `refund data/examples/refund-history.csv --as-of 2026-12-01`:
per-entry refunds, buckets, day counts, interest (non-corporate and corporate), totals by bucket and
the CAPE file.  The other tests build small histories.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from conftest import EXAMPLES

from tariffcalc.analysis.interest import Factors, load_interest_rates
from tariffcalc.goods import entry_numbers

HISTORY = EXAMPLES / "refund-history.csv"
AS_OF = "2026-12-01"

# entry: (ieepa_refund, interest non-corporate, interest corporate, bucket, days since liquidation)
ORACLE = {
    "7XK-0412036-2": ("6084.06", "715.75", "606.19", "court", 300),
    "7XK-0412118-8": ("4727.00", "535.88", "453.92", "court", 270),
    "7XK-0598203-4": ("3650.00", "385.83", "326.89", "protest", 180),
    "7XK-0603377-9": ("0.00", "0.00", "0.00", "none", 193),
    "7XK-0644109-7": ("9742.25", "819.13", "694.32", "protest", 120),
    "7XK-0687452-9": ("9231.29", "734.04", "622.21", "protest", 81),
    "7XK-0701940-5": ("6809.08", "450.38", "381.71", "cape", 60),
    "B5T-2100457-1": ("1555.56", "107.35", "90.99", "excluded", None),
    "7XK-0733015-8": ("3500.00", "186.70", "158.13", "cape", None),
    "B5T-2100981-0": ("0.00", "0.00", "0.00", "none", None),
}
# bucket: (entries, refund, interest non-corporate, interest corporate)
ORACLE_BUCKETS = {
    "cape": (2, "10309.08", "637.08", "539.84"),
    "protest": (3, "22623.54", "1939.00", "1643.42"),
    "court": (2, "10811.06", "1251.63", "1060.11"),
    "excluded": (1, "1555.56", "107.35", "90.99"),
    "none": (2, "0.00", "0.00", "0.00"),
}
HEADER = "entry_number,entry_date,liquidation_date,deposit_date,entry_type,hts_code,country,value,mfn_rate,ieepa_paid"


def number(body: str) -> str:
    """A valid entry number (dashed) from its first ten characters."""
    return entry_numbers.dashed(body + str(entry_numbers.check_digit(body)))


def toy(entry: str, entry_date: str, liquidation: str = "", entry_type: str = "01", value: str = "1000.00") -> str:
    """A line of Chinese toys: from 2025-11-10, 10% ieepa-china + 10% reciprocal-baseline (200.00 on 1,000)."""
    return f"{entry},{entry_date},{liquidation},,{entry_type},9503.00.00,CN,{value},0,"


def history(write, *lines: str, name: str = "history.csv"):
    return write(name, "\n".join([HEADER, *lines]) + "\n")


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def by_entry(doc) -> dict:
    return {e["entry_number"]: e for e in doc["entries"]}


# -- the shipped example against the oracle -----------------------------------------------------


def test_the_example_gives_the_oracle_per_entry(tariffcalc):
    run = tariffcalc("refund", HISTORY, "--as-of", AS_OF, "--format", "json")
    assert run.exit_code == 0, run
    doc = run.json()
    assert (doc["as_of"], doc["interest_basis"], doc["schedule"]) == (AS_OF, "non-corporate", "us")
    entries = by_entry(doc)
    assert list(entries) == list(ORACLE)
    for entry, (refund, interest, _, bucket, days) in ORACLE.items():
        got = entries[entry]
        assert (got["ieepa_refund"], got["interest"], got["bucket"], got["days_since_liquidation"]) == (
            refund,
            interest,
            bucket,
            days,
        ), entry
        assert Decimal(got["refund_with_interest"]) == Decimal(refund) + Decimal(interest)
    assert entries["B5T-2100457-1"]["reason"] == "type 08 USMCA (formerly NAFTA) duty deferral entry: CAPE rejects type 08 entries"
    assert entries["7XK-0733015-8"]["liquidation_date"] is None
    # Interest runs from the deposit date where given (a periodic monthly statement), else the entry date.
    assert entries["7XK-0701940-5"]["deposit_date"] == "2025-12-19"
    assert entries["7XK-0412036-2"]["deposit_date"] == "2025-04-17"


def test_the_example_gives_the_oracle_totals_by_bucket(tariffcalc):
    doc = tariffcalc("refund", HISTORY, "--as-of", AS_OF, "--format", "json").json()
    totals = doc["totals"]
    assert [b["bucket"] for b in totals["by_bucket"]] == list(ORACLE_BUCKETS)
    for got in totals["by_bucket"]:
        entries, refund, interest, _ = ORACLE_BUCKETS[got["bucket"]]
        assert (got["entries"], got["ieepa_refund"], got["interest"]) == (entries, refund, interest), got["bucket"]
        assert Decimal(got["refund_with_interest"]) == Decimal(refund) + Decimal(interest)
    assert (totals["entries"], totals["ieepa_refund"], totals["interest"], totals["refund_with_interest"]) == (
        10,
        "45299.24",
        "3935.06",
        "49234.30",
    )


def test_corporate_interest_gives_the_oracle(tariffcalc):
    run = tariffcalc("refund", HISTORY, "--as-of", AS_OF, "--interest", "corporate", "--format", "json")
    doc = run.json()
    assert doc["interest_basis"] == "corporate"
    assert {e: x["interest"] for e, x in by_entry(doc).items()} == {e: o[2] for e, o in ORACLE.items()}
    assert {b["bucket"]: b["interest"] for b in doc["totals"]["by_bucket"]} == {b: o[3] for b, o in ORACLE_BUCKETS.items()}
    assert doc["totals"]["interest"] == "3334.36"
    assert "non-corporate overpayment rate" not in run.stderr


def test_the_example_lines_in_json(tariffcalc):
    doc = tariffcalc("refund", HISTORY, "--as-of", AS_OF, "--format", "json").json()
    entries = by_entry(doc)
    china = entries["7XK-0412118-8"]["lines"]
    assert china == [
        {
            "line": 3,
            "hts_code": "9503.00.00",
            "country": "CN",
            "value": "3260.00",
            "ieepa": [
                {"id": "ieepa-china", "heading": "9903.01.24", "rate": "0.2", "duty": "652.00"},
                {"id": "reciprocal-china", "heading": "9903.01.63", "rate": "1.25", "duty": "4075.00"},
            ],
            "ieepa_duty": "4727.00",
            "ieepa_paid": "4727.00",
            "non_refundable_duty": "0.00",
        }
    ]
    # Half-up per line and measure: 1,234.055 -> 1,234.06; 1,481.2875 -> 1,481.29; 777.777 -> 777.78.
    assert entries["7XK-0412036-2"]["lines"][1]["ieepa_duty"] == "1234.06"
    assert entries["7XK-0687452-9"]["lines"][1]["ieepa_duty"] == "1481.29"
    assert [m["duty"] for m in entries["B5T-2100457-1"]["lines"][0]["ieepa"]] == ["777.78", "777.78"]
    # USMCA goods pay no IEEPA duty; the Section 232 steel duty is not refunded.
    assert entries["7XK-0603377-9"]["lines"][0]["ieepa"] == []
    steel = entries["7XK-0701940-5"]["lines"][1]
    assert [m["id"] for m in steel["ieepa"]] == ["ieepa-china"]
    assert Decimal(steel["non_refundable_duty"]) >= Decimal("15625.00")
    assert doc["errors"] == []


def test_the_example_csv(tariffcalc):
    run = tariffcalc("refund", HISTORY, "--as-of", AS_OF)  # a pipe: CSV by default
    assert run.exit_code == 0, run
    table = rows(run.stdout)
    assert list(table[0]) == [
        "entry_number", "entry_date", "liquidation_date", "deposit_date", "entry_type", "lines", "value",
        "ieepa_refund", "interest", "refund_with_interest", "non_refundable_duty", "bucket", "reason",
    ]  # fmt: skip
    assert {r["entry_number"]: (r["ieepa_refund"], r["interest"], r["bucket"]) for r in table} == {
        e: (o[0], o[1], o[3]) for e, o in ORACLE.items()
    }
    first = table[0]
    assert (first["lines"], first["value"], first["non_refundable_duty"], first["liquidation_date"]) == (
        "2",
        "60840.55",
        "1212.50",
        "2026-02-04",
    )
    assert table[8]["liquidation_date"] == ""


def test_the_example_cape_file(tariffcalc, tmp_path):
    path = tmp_path / "cape.csv"
    run = tariffcalc("refund", HISTORY, "--as-of", AS_OF, "--cape-file", path)
    assert run.exit_code == 0, run
    assert path.read_text() == "Entry Number\n7XK07019405\n7XK07330158\n"
    assert f"Note: CAPE declaration: 2 entries written to {path}" in run.stderr.splitlines()
    assert [p.name for p in tmp_path.iterdir()] == ["cape.csv"]  # no temporary file left


def test_the_notes_and_warnings_on_stderr(tariffcalc, tmp_path):
    run = tariffcalc("refund", HISTORY, "--as-of", AS_OF, "--format", "json")
    lines = run.stderr.splitlines()
    assert "Note: interest at the non-corporate overpayment rate (26 U.S.C. 6621(a)(1)); --interest corporate for a corporation" in lines
    assert "Note: deposit_date is empty on 11 line(s): the entry date is taken as the day the duty was deposited" in lines
    assert "Warning: no interest rate is known for 2026Q4: the rate of 2026Q3 is used" in lines
    difference = (
        f"{HISTORY}:7: ieepa_paid 9742.25 differs from the computed IEEPA duty 9730.00 by 12.25 "
        "(ieepa-canada 9903.01.10 35%); the refund uses the amount paid"
    )
    assert f"Warning: {difference}" in lines
    doc = run.json()
    assert doc["differences"] == [
        {
            "line": 6,
            "where": f"{HISTORY}:7",
            "entry_number": "7XK-0644109-7",
            "ieepa_paid": "9742.25",
            "ieepa_duty": "9730.00",
            "difference": "12.25",
        }
    ]
    assert difference in doc["warnings"]
    assert "Warning: no interest rate is known for 2026Q4: the rate of 2026Q3 is used" in lines
    # Before 2026Q4, no rate is borrowed.
    earlier = tariffcalc("refund", HISTORY, "--as-of", "2026-09-30")
    assert "no interest rate is known" not in earlier.stderr


def test_a_lower_ieepa_paid_is_listed_with_a_sign(tariffcalc, write):
    path = history(write, f"{number('AAA0000001')},2025-12-01,,,01,9503.00.00,CN,1000.00,0,150.00")
    run = tariffcalc("refund", path, "--as-of", AS_OF, "--format", "json")
    assert (
        f"Warning: {path}:2: ieepa_paid 150.00 differs from the computed IEEPA duty 200.00 by -50.00 "
        "(ieepa-china 9903.01.24 10%, reciprocal-baseline 9903.01.25 10%); the refund uses the amount paid"
    ) in run.stderr.splitlines()
    assert run.json()["entries"][0]["ieepa_refund"] == "150.00"
    # Within a cent it is not a difference.
    close = history(write, f"{number('AAA0000001')},2025-12-01,,,01,9503.00.00,CN,1000.00,0,200.01", name="close.csv")
    assert tariffcalc("refund", close, "--as-of", AS_OF, "--format", "json").json()["differences"] == []


def test_jsonl_and_table(tariffcalc, tmp_path):
    run = tariffcalc("refund", HISTORY, "--as-of", AS_OF, "--format", "jsonl")
    import json

    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["entry_number"] for r in records] == list(ORACLE)
    assert "lines" not in records[0]
    assert records[6]["interest"] == "450.38" and records[6]["days_since_liquidation"] == 60
    out = tmp_path / "refunds.txt"
    table = tariffcalc("refund", HISTORY, "--as-of", AS_OF, "--output", out)
    assert table.exit_code == 0 and table.stdout == ""
    text = out.read_text()
    assert "7XK-0701940-5" in text and "45,299.24" in text and "49,234.30" in text


# -- buckets, entry types and the end of the IEEPA duties ----------------------------------------


@pytest.mark.parametrize(
    "days, bucket",
    [(80, "cape"), (81, "protest"), (180, "protest"), (181, "court"), (0, "cape")],
)
def test_the_bucket_boundaries(tariffcalc, write, days, bucket):
    liquidation = (dt.date(2026, 12, 1) - dt.timedelta(days=days)).isoformat()
    path = history(write, toy(number("AAA0000001"), "2025-12-01", liquidation))
    (entry,) = tariffcalc("refund", path, "--as-of", AS_OF, "--format", "json").json()["entries"]
    assert (entry["bucket"], entry["days_since_liquidation"], entry["ieepa_refund"]) == (bucket, days, "200.00")
    assert entry["reason"].startswith(f"liquidated {days} days before")


@pytest.mark.parametrize("entry_type, name", [("08", "USMCA (formerly NAFTA) duty deferral entry"), ("09", "reconciliation entry"), ("47", "drawback entry")])
def test_an_excluded_entry_type(tariffcalc, write, tmp_path, entry_type, name):
    path = history(write, toy(number("AAA0000001"), "2025-12-01", entry_type=entry_type), toy(number("AAA0000002"), "2025-12-01"))
    cape = tmp_path / "cape.csv"
    run = tariffcalc("refund", path, "--as-of", AS_OF, "--format", "json", "--cape-file", cape)
    first, second = run.json()["entries"]
    assert (first["bucket"], first["ieepa_refund"]) == ("excluded", "200.00")
    assert first["reason"].startswith(f"type {entry_type} {name}: CAPE rejects")
    assert second["bucket"] == "cape"
    assert cape.read_text() == f"Entry Number\n{number('AAA0000002').replace('-', '')}\n"


def test_no_ieepa_duty_from_2026_02_24(tariffcalc, write, tmp_path):
    path = history(write, toy(number("AAA0000001"), "2026-02-23"), toy(number("AAA0000002"), "2026-02-24"))
    first, second = tariffcalc("refund", path, "--as-of", AS_OF, "--format", "json").json()["entries"]
    assert (first["bucket"], first["ieepa_refund"]) == ("cape", "200.00")
    assert (second["bucket"], second["ieepa_refund"], second["interest"]) == ("none", "0.00", "0.00")
    assert second["reason"] == "no IEEPA duty on the entry"
    # An entry with nothing to refund is not in the CAPE file; with no cape entry at all, none is written.
    only_after = history(write, toy(number("AAA0000002"), "2026-02-24"), name="after.csv")
    cape = tmp_path / "cape.csv"
    run = tariffcalc("refund", only_after, "--as-of", AS_OF, "--cape-file", cape)
    assert run.exit_code == 0 and not cape.exists()
    assert f"Warning: no entry is in the cape bucket: {cape} was not written" in run.stderr.splitlines()


# -- chunks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_chunks_give_the_same_output_as_the_whole(tariffcalc, fmt):
    whole = tariffcalc("refund", HISTORY, "--as-of", AS_OF, "--format", fmt)
    assert whole.exit_code == 0, whole
    for size in ("1", "3"):
        chunked = tariffcalc("refund", HISTORY, "--as-of", AS_OF, "--format", fmt, "--chunk-size", size)
        assert chunked.exit_code == 0, chunked
        assert chunked.stdout == whole.stdout, size
        assert chunked.stderr == whole.stderr, size


def test_the_cape_file_is_split_at_9999_entries(tariffcalc, write, tmp_path):
    bodies = [f"AAA{k:07d}" for k in range(1, 10_002)]
    numbers = [body + str(entry_numbers.check_digit(body)) for body in bodies]
    frame = pd.DataFrame(
        {
            "entry_number": numbers,
            "entry_date": "2025-12-01",
            "hts_code": "9503.00.00",
            "country": "CN",
            "value": "10.00",
            "mfn_rate": "0",
        }
    )
    path = tmp_path / "many.csv"
    frame.to_csv(path, index=False)
    cape = tmp_path / "cape.csv"
    run = tariffcalc("refund", path, "--as-of", AS_OF, "--cape-file", cape, "--chunk-size", "20000", "--format", "jsonl")
    assert run.exit_code == 0, run
    first = (tmp_path / "cape.csv").read_text().splitlines()
    second = (tmp_path / "cape-2.csv").read_text().splitlines()
    assert first == ["Entry Number", *numbers[:9999]]
    assert second == ["Entry Number", *numbers[9999:]]
    assert not (tmp_path / "cape-3.csv").exists()
    assert (
        f"Note: CAPE declaration: 10,001 entries in 2 files of at most 9,999 entries: {cape}, {tmp_path / 'cape-2.csv'}"
        in run.stderr.splitlines()
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cape-2.csv", "cape.csv", "many.csv"]


# -- errors ----------------------------------------------------------------------------------------

ERRORS = [
    (
        toy("7XK-041203-2", "2025-04-17"),
        "entry_number: '7XK-041203-2' is not an entry number (expected XXX-NNNNNNN-C: a 3-character filer code, "
        "7 digits and a check digit)",
    ),
    (
        toy("7XK-0412036-3", "2025-04-17"),
        "entry_number: '7XK-0412036-3' has check digit 3, but its first ten characters give 2 (a mistyped entry number?)",
    ),
    (toy("7XK-0412036-2", ""), "entry_date: '' is empty (a history gives each line's entry date)"),
    (toy("7XK-0412118-8", "2025-06-12", "2025-06-11"), "liquidation_date: 2025-06-11 is before the entry date 2025-06-12"),
    (
        "7XK-0598203-4,2025-07-15,,2025-07-14,01,9503.00.00,CN,100,0,",
        "deposit_date: 2025-07-14 is before the entry date 2025-07-15",
    ),
]


@pytest.mark.parametrize("line, message", ERRORS, ids=["shape", "check-digit", "no-entry-date", "liquidation", "deposit"])
def test_an_error_in_the_history(tariffcalc, write, line, message):
    path = history(write, line)
    run = tariffcalc("refund", path, "--as-of", AS_OF)
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr.splitlines() == [f"Error: {path}:2: {message}"]


@pytest.mark.parametrize("chunk_size", ["1", "200000"])
def test_an_entry_with_lines_of_different_entry_dates(tariffcalc, write, chunk_size):
    path = history(write, toy("7XK-0412118-8", "2025-04-25"), toy("7XK-0412118-8", "2025-04-26"))
    run = tariffcalc("refund", path, "--as-of", AS_OF, "--chunk-size", chunk_size)
    assert run.exit_code == 2 and run.stdout == ""
    assert run.stderr.splitlines() == [
        f"Error: {path}:3: entry 7XK-0412118-8: this line's entry date 2025-04-26 differs from the entry's first line (2025-04-25)"
    ]


def test_every_problem_is_listed_once_and_nothing_is_written(tariffcalc, write, tmp_path):
    path = history(write, *(line for line, _ in ERRORS))
    cape, out = tmp_path / "cape.csv", tmp_path / "out.csv"
    run = tariffcalc("refund", path, "--as-of", AS_OF, "--chunk-size", "2", "--cape-file", cape, "--output", out)
    assert run.exit_code == 2 and run.stdout == ""
    assert sorted(run.stderr.splitlines()) == sorted(
        f"Error: {path}:{k}: {message}" for k, (_, message) in enumerate(ERRORS, start=2)
    )
    assert not cape.exists() and not out.exists()


# -- units: entry numbers and interest ----------------------------------------------------------------


def test_entry_number_check_digits():
    assert entry_numbers.check_digit("ABC1234567") == 6
    assert entry_numbers.check_digit("9999999999") == 0
    assert entry_numbers.check_digit("7XK0701940") == 5
    numbers = entry_numbers.normalise(pd.Series(["abc-1234567-6", "ABC12345676", "ABC-1234567-5", "AB-1234567-6", " 999 9999999 0 "]))
    assert numbers.tolist() == ["ABC12345676", "ABC12345676", "ABC12345675", "AB12345676", "99999999990"]
    shaped = entry_numbers.well_formed(numbers)
    assert shaped.tolist() == [True, True, True, False, True]
    assert entry_numbers.valid_check_digits(numbers[shaped]).tolist() == [True, True, False, True]
    assert entry_numbers.dashed("7XK07019405") == "7XK-0701940-5"


def test_the_interest_of_one_entry_by_hand():
    # 7XK-0701940-5: 6,809.08 deposited 2025-12-19, to 2026-12-01, non-corporate:
    # 13 days at 7% (2025), 90 at 7%, 91 at 6%, 92 at 7%, 61 at 7% (2026Q4 borrows 2026Q3's), each over 365.
    principal = Decimal("6809.08")
    by_hand = principal
    for days, rate in ((13, "0.07"), (90, "0.07"), (91, "0.06"), (92, "0.07"), (61, "0.07")):
        by_hand *= (1 + Decimal(rate) / 365) ** days
    expected = int(((by_hand - principal) * 100).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    assert expected == 45038
    factors = Factors(load_interest_rates(), dt.date(2026, 12, 1), "non-corporate")
    got = factors.interest_cents(np.array([680908]), np.array(["2025-12-19"], dtype="datetime64[D]"))
    assert got.tolist() == [45038]
    assert factors.borrowed == {"2026Q4"}
    # The as-of day itself does not count: one day of 7% on 1,000,000.00 is 191.78.
    one_day = Factors(load_interest_rates(), dt.date(2025, 7, 2), "non-corporate")
    assert one_day.interest_cents(np.array([100_000_000]), np.array(["2025-07-01"], dtype="datetime64[D]")).tolist() == [19178]


def test_a_cape_file_in_no_folder_is_an_error_before_anything_is_written(tariffcalc, tmp_path):
    cape = tmp_path / "no-such-folder" / "cape.csv"
    run = tariffcalc("refund", HISTORY, "--as-of", AS_OF, "--cape-file", cape)
    assert run.exit_code == 2 and run.stdout == ""
    assert run.stderr.splitlines() == [f"Error: {cape}: cannot write the CAPE file here (no such folder)"]


def test_an_entry_liquidated_after_the_as_of_day_was_unliquidated_on_it(tariffcalc, write):
    # Asked as of 2026-03-01, an entry that liquidates on 2026-05-01 had not liquidated yet: CAPE, not a negative
    # count of days since liquidation.
    path = history(write, toy(number("AAA0000001"), "2025-12-01", "2026-05-01"))
    (entry,) = tariffcalc("refund", path, "--as-of", "2026-03-01", "--format", "json").json()["entries"]
    assert (entry["bucket"], entry["days_since_liquidation"]) == ("cape", None)
    assert entry["reason"] == "unliquidated on the as-of day: file a CAPE declaration"
    assert entry["liquidation_date"] == "2026-05-01"


def test_a_cape_file_left_from_an_earlier_larger_run_is_named_not_deleted(tariffcalc, write, tmp_path):
    path = history(write, toy(number("AAA0000001"), "2025-12-01"))
    cape = tmp_path / "cape.csv"
    (tmp_path / "cape-2.csv").write_text("Entry Number\nAAA00000029\n")
    run = tariffcalc("refund", path, "--as-of", AS_OF, "--cape-file", cape, "--format", "json")
    assert run.exit_code == 0, run
    assert f"Warning: {tmp_path / 'cape-2.csv'} is not part of this declaration (1 file written): left from an earlier run, do not upload\n" in run.stderr
    assert (tmp_path / "cape-2.csv").read_text() == "Entry Number\nAAA00000029\n"
    assert cape.read_text().splitlines() == ["Entry Number", number("AAA0000001").replace("-", "")]


def test_entry_numbers_are_dashed_on_the_whole_column_as_one_by_one():
    numbers = ["7XK04120362", "AAA00000006", "12345678901", "ZZZ99999990"]
    assert list(entry_numbers.dashed_column(pd.Index(numbers))) == [entry_numbers.dashed(n) for n in numbers]
    assert entry_numbers.dashed("7XK04120362") == "7XK-0412036-2"
