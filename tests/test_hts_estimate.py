"""`estimate` with the official HTS: MFN and column 2 rates, descriptions, unknown codes, specific rates and quantities."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

HTS_MINI = FIXTURES / "hts_mini.csv"
DAY = ("--date", "2025-04-17")


def _lines(run):
    assert run.exit_code == 0, run
    return run.json()["lines"]


def test_mfn_comes_from_the_hts_when_the_basket_has_no_mfn_rate(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value\n8703.23.01.30,JP,30000\n4202.21.60,FR,1000\n9503.00.00,JP,1000\n")
    run = tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "json")
    first, second, third = _lines(run)
    assert first == {
        "line": 1,
        "hts_code": "8703.23.01.30",
        "description": "Motor cars for the transport of persons > Spark-ignition, cylinder capacity over 1,500 cc but not over 3,000 cc > New, with cylinder capacity over 1,500 cc but not over 2,000 cc",
        "country": "JP",
        "date": "2025-04-17",
        "value": "30000.00",
        "mfn_rate": "0.025",
        "mfn_duty": "750.00",
        "measures": [{"id": "s232-autos", "rate": "0.25", "duty": "7500.00"}],
        "additional_duty": "7500.00",
        "total_duty": "8250.00",
        "effective_rate": "0.275",
        "refundable_duty": "0.00",
        "hts_description": "Motor cars for the transport of persons > Spark-ignition, cylinder capacity over 1,500 cc but not over 3,000 cc > New, with cylinder capacity over 1,500 cc but not over 2,000 cc",
        "mfn_source": "HTS general",
        "mfn_rate_text": "2.5%",
        "mfn_note": None,
    }
    assert (second["mfn_rate"], second["mfn_duty"]) == ("0.09", "90.00")
    assert (third["mfn_rate"], third["mfn_duty"], third["mfn_rate_text"]) == ("0", "0.00", "Free")
    assert run.stderr == "Note: MFN duties from the HTS from hts_mini.csv (--hts: " + str(HTS_MINI) + "; --hts none to leave it out)\n"


def test_the_basket_rate_wins_and_only_empty_cells_are_filled(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value,mfn_rate,description\n4202.21.60,FR,1000,5%,Bag\n4202.21.60,FR,1000,,Bag\n")
    first, second = _lines(tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "json"))
    assert (first["mfn_duty"], first["mfn_source"], first["description"]) == ("50.00", "basket", "Bag")
    assert (second["mfn_duty"], second["mfn_source"], second["mfn_rate_text"]) == ("90.00", "HTS general", "9%")


def test_the_imported_store_is_used_for_a_basket_without_mfn_rate_only(tariffcalc, write):
    assert tariffcalc("hts", "import", HTS_MINI, "--edition", "Test HTS").exit_code == 0
    without = write("without.csv", "hts_code,country,value\n4202.21.60,FR,1000\n")
    run = tariffcalc("estimate", without, *DAY, "--format", "csv")
    assert run.stdout.splitlines()[1].split(",")[-6] == "90.00"
    assert run.stderr.startswith("Note: MFN duties from the Test HTS (the imported store: ")
    with_rate = write("with.csv", "hts_code,country,value,mfn_rate\n4202.21.60,FR,1000,0\n")
    run = tariffcalc("estimate", with_rate, *DAY, "--format", "csv")
    assert run.stdout == "hts_code,country,value,mfn_rate,mfn_duty,additional_duty,total_duty,effective_rate,measures,refundable_duty\n4202.21.60,FR,1000,0,0.00,100.00,100.00,0.1,reciprocal-baseline:0.1:100.00,100.00\n"
    assert run.stderr == ""
    run = tariffcalc("estimate", without, *DAY, "--format", "csv", "--hts", "none")
    assert run.stdout.splitlines()[1].endswith(",0.00,100.00,100.00,0.1,reciprocal-baseline:0.1:100.00,100.00")


def test_an_hts_code_that_does_not_exist_is_refused_with_the_nearest(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value\n8703.23.01,JP,1\n8703.23.02,JP,1\n")
    run = tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "csv")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr.splitlines()[-1] == (
        f"Error: {basket}:3: hts_code: '8703.23.02' is not in the HTS from hts_mini.csv; nearest: 8703.23.01, 9503.00.00, 9801.00.10"
    )


def test_lines_the_hts_refuses_are_named_as_their_reader_numbers_them(tariffcalc, write):
    # Items of a JSON basket (even from stdin) and rows of a Parquet basket, not file lines.
    records = '[{"hts_code": "8703.23.01", "country": "JP", "value": "1"}, {"hts_code": "8703.23.02", "country": "JP", "value": "1"}]'
    run = tariffcalc("estimate", "-", "--input-format", "json", "--hts", HTS_MINI, *DAY, "--format", "csv", input=records)
    assert run.stderr.splitlines()[-1] == (
        "Error: <stdin>: item 2: hts_code: '8703.23.02' is not in the HTS from hts_mini.csv; nearest: 8703.23.01, "
        "9503.00.00, 9801.00.10"
    )
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    path = write("b.parquet", b"")
    pq.write_table(pa.table({"hts_code": ["8703.23.01", "8703.23.02"], "country": ["JP", "JP"], "value": ["1", "1"]}), path)
    run = tariffcalc("estimate", path, "--hts", HTS_MINI, *DAY, "--format", "csv")
    assert run.stderr.splitlines()[-1] == (
        f"Error: {path}: item 2: hts_code: '8703.23.02' is not in the HTS from hts_mini.csv; nearest: 8703.23.01, "
        "9503.00.00, 9801.00.10"
    )


def test_column_2_countries_pay_the_column_2_rate_with_the_citation(tariffcalc, write):
    basket = write(
        "b.csv",
        "hts_code,country,value,entry_date\n4202.21.60,RU,1000,2025-04-17\n4202.21.60,RU,1000,2022-04-08\n"
        "4202.21.60,RU,1000,2022-04-09\n4202.21.60,CU,1000,2025-04-17\n",
    )
    run = tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "json")
    lines = _lines(run)
    assert [(x["mfn_rate"], x["mfn_source"]) for x in lines] == [
        ("0.35", "HTS column 2"),
        ("0.09", "HTS general"),
        ("0.35", "HTS column 2"),
        ("0.35", "HTS column 2"),
    ]
    assert run.json()["warnings"][1:] == [
        f"{basket}: 3 line(s) from CU, RU pay the column 2 rates of the HTS from hts_mini.csv as their base duty "
        "(HTSUS General Note 3(b), HTSUS 2025, General Notes; Suspending Normal Trade Relations with Russia and Belarus "
        "Act, Pub. L. 117-110, sec. 2, 136 Stat. 1159) (line 2, 4, 5)"
    ]


def test_a_specific_rate_without_quantity_is_marked_never_zero_silently(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value\n0409.00.00,AR,500\n")
    run = tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "json")
    (line,) = _lines(run)
    assert (line["mfn_duty"], line["mfn_rate_text"], line["mfn_note"]) == (
        "0.00",
        "1.9¢/kg",
        "specific rate 1.9¢/kg: quantity in kg needed",
    )
    expected = f"Warning: {basket}: 1 line(s): MFN duty incomplete: specific rate 1.9¢/kg: quantity in kg needed (line 2)"
    assert expected in run.stderr.splitlines()


@pytest.mark.parametrize(
    "code, quantity, value, mfn_duty",
    [
        ("0409.00.00", "250", "500", "4.75"),  # 250 kg × 1.9¢
        ("0409.00.00", "2.5", "500", "0.05"),  # 4.75¢, half-up to 5¢
        ("0409.00.00", "2.6315", "500", "0.05"),  # 4.99985¢
        ("0409.00.00", "2.2", "500", "0.04"),  # 4.18¢
        ("2204.21.50", "1,000", "8000", "63.00"),  # 1,000 liters × 6.3¢
        ("6402.99.90", "100", "1000", "290.00"),  # 100 pairs × 90¢ + 20% of 1000
        ("6402.99.90", "0.5", "10.01", "2.45"),  # 45¢ + 2.002, each part exact, rounded once
    ],
)
def test_specific_and_compound_rates_are_computed_exactly_with_quantity(tariffcalc, write, code, quantity, value, mfn_duty):
    basket = write("b.csv", f'hts_code,country,value,quantity\n{code},AR,{value},"{quantity}"\n')
    (line,) = _lines(tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "json"))
    assert (line["mfn_duty"], line["mfn_note"]) == (mfn_duty, None)


def test_a_unit_that_does_not_match_the_rate_is_said_and_not_computed(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value,quantity,unit\n0409.00.00,AR,500,250,liters\n0409.00.00,AR,500,250,KGS\n")
    run = tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "json")
    first, second = _lines(run)
    assert (first["mfn_duty"], first["mfn_note"]) == ("0.00", "specific rate 1.9¢/kg: quantity is in liter, not kg (not computed)")
    assert (second["mfn_duty"], second["mfn_note"]) == ("4.75", None)


def test_bad_quantity_and_unit_are_input_errors(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value,quantity,unit\n0409.00.00,AR,500,-3,kg\n0409.00.00,AR,500,3,bushels\n")
    run = tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY)
    assert run.exit_code == 2
    assert run.stderr.splitlines()[1:] == [
        f"Error: {basket}:2: quantity: '-3' is not a quantity (expected a number of units such as 120 or 12.5)",
        f"Error: {basket}:3: unit: 'bushels' is not a unit tariffcalc knows (expected kg, liter, doz, pr, each, m2, m3, t...)",
    ]


def test_rates_tariffcalc_does_not_compute_are_marked(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value\n9801.00.10,DE,100\n7011.20.10,DE,100\n4202,FR,1\n")
    lines = _lines(tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "json"))
    assert [(x["mfn_rate"], x["mfn_duty"]) for x in lines] == [("0", "0.00")] * 3
    assert [x["mfn_note"] for x in lines] == [
        "rate 'The duty provided in the applicable subheading' is the rate of another provision: not computed (give mfn_rate)",
        "rate '3% on the value of the lead content' is a rate on part of the goods (content, drained weight, proof liters...) "
        "or in several units: not computed (give mfn_rate)",
        "4202 covers lines with 2 different general rates in the HTS from hts_mini.csv; give the 8- or 10-digit code "
        "(not computed; give mfn_rate)",
    ]


def test_chunks_give_the_same_result_as_the_whole_basket(tariffcalc, write):
    rows = "".join(f"{code},{country},{value},{quantity}\n" for code, country, value, quantity in [
        ("0409.00.00", "AR", "500", "250"), ("0409.00.00", "AR", "500", ""), ("6402.99.90", "RU", "1000", "100"),
        ("8703.23.01", "JP", "30000", "1"), ("9801.00.10", "DE", "100", ""),
    ] * 3)
    basket = write("b.csv", "hts_code,country,value,quantity\n" + rows)
    whole = tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "json")
    chunked = tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "json", "--chunk-size", "2")
    assert whole.exit_code == chunked.exit_code == 0
    assert whole.stdout == chunked.stdout
    assert whole.stderr == chunked.stderr


def test_skip_invalid_leaves_out_unknown_codes_and_computes_the_rest(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value\n8703.23.01,JP,100\n8703.23.02,JP,50\n9503.00.00,JP,10\n")
    run = tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "json", "--skip-invalid")
    assert run.exit_code == 3
    document = run.json()
    assert [line["hts_code"] for line in document["lines"]] == ["8703.23.01", "9503.00.00"]
    assert (document["totals"]["skipped_lines"], document["totals"]["skipped_value"]) == (1, "50.00")
    assert document["errors"] == [
        f"{basket}:3: hts_code: '8703.23.02' is not in the HTS from hts_mini.csv; nearest: 8703.23.01, 9503.00.00, 9801.00.10"
    ]


def test_every_unknown_code_of_every_chunk_is_listed(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value\n8703.23.09,JP,1\n8703.23.01,JP,1\n9503.00.01,JP,1\n")
    run = tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--chunk-size", "1")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr.splitlines()[1:] == [
        f"Error: {basket}:2: hts_code: '8703.23.09' is not in the HTS from hts_mini.csv; nearest: 8703.23.01, 9503.00.00, 9801.00.10",
        f"Error: {basket}:4: hts_code: '9503.00.01' is not in the HTS from hts_mini.csv; nearest: 9503.00.00, 9801.00.10, 8703.23.01",
    ]


def test_the_library_prices_a_basket_with_the_hts():
    import datetime as dt

    from tariffcalc import load_schedule
    from tariffcalc.engine.calculate import estimate
    from tariffcalc.goods.read import basket_from_records
    from tariffcalc.errors import InputError
    from tariffcalc.hts.mfn import apply_hts
    from tariffcalc.hts.store import load_hts

    official = load_hts(HTS_MINI)
    basket, notices = apply_hts(
        basket_from_records([{"hts_code": "0409.00.00", "country": "AR", "value": "500", "quantity": "250"}]), official, dt.date(2025, 4, 17)
    )
    result = estimate(basket, load_schedule("us-2025"), dt.date(2025, 4, 17))
    assert (int(result.mfn_duty[0]), notices) == (475, [])
    with pytest.raises(InputError) as caught:
        apply_hts(basket_from_records([{"hts_code": "0409.00.01", "country": "AR", "value": "1"}]), official, dt.date(2025, 4, 17))
    assert str(caught.value) == "<records>: item 1: hts_code: '0409.00.01' is not in the HTS from hts_mini.csv; nearest: 0409.00.00, 0302.11.00, 2204.21.50"


def test_the_json_names_the_hts_it_used(tariffcalc, write):
    import hashlib

    basket = write("b.csv", "hts_code,country,value\n9503.00.00,JP,1\n")
    document = tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "json").json()
    assert document["hts"] == {
        "edition": "HTS from hts_mini.csv",
        "source": "hts_mini.csv",
        "sha256": hashlib.sha256(HTS_MINI.read_bytes()).hexdigest(),
    }
    assert "hts" not in tariffcalc("estimate", basket, "--hts", "none", *DAY, "--format", "json").json()


def test_a_column_2_rate_tariffcalc_cannot_hold_is_marked(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value\n4418.92.00.00,BY,1000\n4418.92.00.00,DE,1000\n")
    first, second = _lines(tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--format", "json"))
    assert (first["mfn_source"], first["mfn_duty"], first["mfn_note"]) == (
        "HTS column 2",
        "0.00",
        "rate '33 1/3%' cannot be used: a percentage with a vulgar fraction (a third of a percent) is not a whole "
        "number of millionths: give the line an mfn_rate",
    )
    assert (second["mfn_source"], second["mfn_duty"], second["mfn_note"]) == ("HTS general", "0.00", None)


def test_check_with_an_hts_lists_unknown_codes(tariffcalc, write):
    basket = write("b.csv", "hts_code,country,value,quantity\n8703.23.02,JP,1,\n9503.00.00,JP,1,a lot\n")
    run = tariffcalc("check", basket, "--hts", HTS_MINI)
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr.splitlines()[1:] == [
        f"Error: {basket}:2: hts_code: '8703.23.02' is not in the HTS from hts_mini.csv; nearest: 8703.23.01, 9503.00.00, 9801.00.10",
        f"Error: {basket}:3: quantity: 'a lot' is not a quantity (expected a number of units such as 120 or 12.5)",
    ]
    assert tariffcalc("check", basket).stderr == "OK: 2 line(s), USD 2.00\n"


def test_the_dask_engine_refuses_an_hts_it_would_not_apply(tariffcalc, write):
    pytest.importorskip("dask")
    basket = write("b.csv", "hts_code,country,value\n9503.00.00,JP,1\n")
    run = tariffcalc("estimate", basket, "--hts", HTS_MINI, *DAY, "--engine", "dask", "--format", "csv")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == "Error: --hts: --engine dask does not apply the official HTS yet; use --engine pandas, or --hts none\n"


def test_fees_are_the_same_with_the_dask_engine(tariffcalc, write):
    pytest.importorskip("dask")
    basket = write("b.csv", "hts_code,country,value,mfn_rate,mode,entry_id\n9503.00.00,JP,30000,0,ocean,A\n9503.00.00,JP,5,0,air,B\n")
    runs = [
        tariffcalc("estimate", basket, *DAY, "--fees", "--format", "json", "--engine", engine, "--chunk-size", "1")
        for engine in ("pandas", "dask")
    ]
    assert runs[0].exit_code == runs[1].exit_code == 0
    assert runs[0].json()["fees"] == runs[1].json()["fees"]
    assert runs[0].json()["totals"] == runs[1].json()["totals"]


def test_compare_and_timeline_take_the_mfn_duty_from_the_hts_like_estimate(tariffcalc):
    basket = FIXTURES.parent.parent / "data" / "examples" / "hts-basket.csv"
    hts = ("--hts", HTS_MINI)
    estimate = tariffcalc("estimate", basket, *hts, "--date", "2025-07-10", "--format", "json")
    compare = tariffcalc("compare", basket, *hts, "--date", "2025-07-10", "--scenario", "baseline", "--scenario",
                         "pause-ends", "--format", "json")  # fmt: skip
    timeline = tariffcalc("timeline", basket, *hts, "--from", "2025-07-10", "--to", "2025-07-10", "--format", "json")
    assert estimate.exit_code == compare.exit_code == timeline.exit_code == 0, (estimate, compare, timeline)
    per_line = [line["total_duty"] for line in estimate.json()["lines"]]
    assert [line["states"][0]["total_duty"] for line in compare.json()["lines"]] == per_line
    assert compare.json()["totals"]["states"][0]["total_duty"] == estimate.json()["totals"]["total_duty"]
    assert timeline.json()["points"][0]["total_duty"] == estimate.json()["totals"]["total_duty"]
    # The same warnings about the HTS, once each.
    hts_warnings = [w for w in estimate.stderr.splitlines() if "MFN" in w or "column 2" in w]
    assert hts_warnings and all(compare.stderr.splitlines().count(w) == 1 for w in hts_warnings)
    assert all(timeline.stderr.splitlines().count(w) == 1 for w in hts_warnings)
