"""Each feature of the 2025-26 schedule format, computed through the CLI on a small schedule, against hand numbers.

The schedule below uses every feature the README's "The law of 2025–26" section
documents; each test prices a line or two with `tariffcalc estimate` and checks
the duty worked out by hand in its comment, and the warnings word for word.
"""

from __future__ import annotations

import pytest
from conftest import ROOT

SCHEDULE = """\
schedule:
  id: features
  name: Features
  covers: {from: 2025-01-01, through: 2026-12-31}
  verified_through: 2026-06-30

basket_fields:
  usmca:            {type: bool}
  steel_value:      {type: amount, at_most: value}
  us_content_value: {type: amount, at_most: value}
  loaded_on:        {type: date}
  pharma:           {type: enum, values: [patented, generic]}

country_groups:
  EU: {name: European Union, members: [DE, FR]}

product_groups:
  derivatives:
    name: Steel derivatives
    authority: {document: P, citation: "1 FR 1", date: 2025-01-01}
    file: LISTS/derivatives.txt

measures:
  - id: steel
    name: Steel content
    authority: {document: P, citation: "1 FR 1", date: 2025-01-01}
    from: 2025-01-01
    countries: all
    rate: 50%
    products: {include: [derivatives]}
    basis: {content: steel_value}

  - id: recip
    name: Reciprocal
    authority: {document: E, citation: "2 FR 2", date: 2025-01-01}
    from: 2025-04-05
    countries: all
    rate: 10%
    rates: {EU: 15% total}
    basis: {less: us_content_value, min_share: 20%}
    yields_to: [{measure: steel, portion: basis}]
    conditions:
      - {field: loaded_on, before: 2025-04-05, entered_before: 2025-05-01, effect: exempt}
      - {field: usmca, is: true, countries: [CA], effect: exempt}
    exceptions:
      - {countries: [GB], products: ["8802"], effect: zero}
      - {countries: [JP], products: ["0901"]}
    ended: {from: 2026-02-24, authority: {document: "A court", citation: "3 FR 3", date: 2026-02-20}}
    refundable: true

  - id: pharma
    name: Patented drugs
    authority: {document: Q, citation: "4 FR 4", date: 2026-04-02}
    from: 2026-07-31
    countries: all
    rate: 100% total
    products: {include: ["3004"]}
    conditions: [{field: pharma, in: [patented], effect: require}]
    confidence: medium
"""


@pytest.fixture
def features(write, tmp_path):
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "derivatives.txt").write_text("# source: a test\n# count: 1\n7326.90.86\n")
    return write("features.yaml", SCHEDULE.replace("LISTS", "lists"))


def priced(tariffcalc, write, features, rows: str, date: str, *extra):
    basket = write("b.csv", rows)
    run = tariffcalc("estimate", basket, "--schedule", features, "--date", date, "--format", "json", *extra)
    assert run.exit_code == 0, run
    return run


def measures(line) -> dict:
    return {m["id"]: (m["rate"], m["duty"], m.get("basis")) for m in line["measures"]}


def test_a_content_basis_and_a_split_line(tariffcalc, write, features):
    # USD 10,000 of steel articles with USD 4,000 of steel: steel 50% of 4,000 = 2,000; the reciprocal 10% on the
    # other 6,000 = 600 (it yields only on the steel content).
    run = priced(tariffcalc, write, features, "hts_code,country,value,steel_value\n7326.90.86,CN,10000,4000\n", "2025-06-01")
    (line,) = run.json()["lines"]
    assert measures(line) == {"steel": ("0.5", "2000.00", "4000.00"), "recip": ("0.1", "600.00", "6000.00")}
    assert line["total_duty"] == "2600.00"


def test_declared_and_undeclared_contents_in_one_basket(tariffcalc, write, tmp_path, features):
    # Line 2 as above (2,000 + 600 on 4,000 and 6,000). Line 3 gives no steel_value: steel 50% of its whole 8,000 =
    # 4,000, nothing left for the reciprocal. Line 4 is no steel article: the reciprocal 10% of 5,000 = 500.
    rows = "hts_code,country,value,mfn_rate,steel_value\n7326.90.86,CN,10000,0,4000\n7326.90.86,CN,8000,0,\n8479.89.95,CN,5000,0,\n"
    run = priced(tariffcalc, write, features, rows, "2025-06-01")
    assert [measures(line) for line in run.json()["lines"]] == [
        {"steel": ("0.5", "2000.00", "4000.00"), "recip": ("0.1", "600.00", "6000.00")},
        {"steel": ("0.5", "4000.00", None)},
        {"recip": ("0.1", "500.00", None)},
    ]
    assert run.json()["totals"]["additional_duty"] == "7100.00"
    assert run.stderr == (
        f"Warning: {tmp_path / 'b.csv'}: 1 line(s) pay 'steel' on the declared steel_value, but give none: "
        "charged on the whole value (line 3; add a column steel_value)\n"
    )


def test_an_undeclared_content_is_charged_on_the_whole_value_with_a_warning(tariffcalc, write, tmp_path, features):
    run = priced(tariffcalc, write, features, "hts_code,country,value,mfn_rate\n7326.90.86,CN,10000,0\n", "2025-06-01")
    (line,) = run.json()["lines"]
    assert measures(line) == {"steel": ("0.5", "5000.00", None)}  # nothing left for the reciprocal duty
    assert run.stderr == (
        f"Warning: {tmp_path / 'b.csv'}: 1 line(s) pay 'steel' on the declared steel_value, but give none: "
        "charged on the whole value (line 2; add a column steel_value)\n"
    )


def test_a_total_rate_tops_up_the_whole_mfn_duty(tariffcalc, write, features):
    # EU at 15% total: with an MFN of 2.5%, 12.5% more; with an MFN of 20%, nothing (but the measure applies).
    rows = "hts_code,country,value,mfn_rate\n8479.89.95,DE,1000,2.5%\n6109.10.00,FR,1000,20%\n"
    first, second = priced(tariffcalc, write, features, rows, "2025-06-01").json()["lines"]
    assert measures(first) == {"recip": ("0.125", "125.00", None)}
    assert measures(second) == {"recip": ("0", "0.00", None)}


def test_a_total_rate_counts_the_specific_part_of_the_mfn_duty(tariffcalc, write, tmp_path, features):
    # Honey at 1.9 cents/kg: 250 kg = USD 4.75 of MFN duty on USD 500, an AVE of 0.95%: 15% total adds 14.05% = 70.25.
    hts = ROOT / "tests" / "fixtures" / "hts_mini.csv"
    rows = "hts_code,country,value,quantity\n0409.00.00,DE,500,250\n"
    (line,) = priced(tariffcalc, write, features, rows, "2025-06-01", "--hts", hts).json()["lines"]
    assert (line["mfn_duty"], measures(line)) == ("4.75", {"recip": ("0.1405", "70.25", None)})


def test_goods_in_transit_and_usmca_goods_are_exempt(tariffcalc, write, features):
    rows = (
        "hts_code,country,value,loaded_on,usmca\n"
        "9503.00.00,CN,1000,2025-04-01,\n"  # loaded before 04-05, entered before 05-01: exempt
        "9503.00.00,CN,1000,2025-04-06,\n"  # loaded after: pays
        "9503.00.00,CA,1000,,true\n"  # USMCA goods of Canada: exempt
        "9503.00.00,MX,1000,,true\n"  # the condition is for Canada only: pays
    )
    lines = priced(tariffcalc, write, features, rows, "2025-04-20").json()["lines"]
    assert [line["total_duty"] for line in lines] == ["0.00", "100.00", "0.00", "100.00"]
    late = priced(tariffcalc, write, features, rows, "2025-05-01").json()["lines"]  # entered too late to be in transit
    assert late[0]["total_duty"] == "100.00"


def test_us_content_of_twenty_percent_or_more_is_not_charged(tariffcalc, write, features):
    rows = "hts_code,country,value,us_content_value\n9503.00.00,CN,1000,200\n9503.00.00,CN,1000,199.99\n"
    first, second = priced(tariffcalc, write, features, rows, "2025-06-01").json()["lines"]
    assert measures(first) == {"recip": ("0.1", "80.00", "800.00")}
    assert measures(second) == {"recip": ("0.1", "100.00", None)}


def test_exceptions_for_some_countries_zero_or_exempt(tariffcalc, write, features):
    rows = "hts_code,country,value\n8802.40.00,GB,1000\n0901.11.00,JP,1000\n0901.11.00,BR,1000\n"
    gb, jp, br = priced(tariffcalc, write, features, rows, "2025-06-01").json()["lines"]
    assert measures(gb) == {"recip": ("0", "0.00", None)}
    assert measures(jp) == {}
    assert measures(br) == {"recip": ("0.1", "100.00", None)}


def test_an_ended_measure_stops_and_what_it_collected_is_refundable(tariffcalc, write, features):
    rows = "hts_code,country,value\n9503.00.00,CN,1000\n"
    before = priced(tariffcalc, write, features, rows, "2026-02-23").json()
    after = priced(tariffcalc, write, features, rows, "2026-02-24").json()
    assert (before["lines"][0]["refundable_duty"], before["totals"]["refundable_duty"]) == ("100.00", "100.00")
    assert (after["lines"][0]["measures"], after["lines"][0]["refundable_duty"]) == ([], "0.00")
    why = tariffcalc("rates", "--schedule", features, "-c", "CN", "--hts", "9503.00.00", "-d", "2026-03-01", "-f", "csv")
    assert why.stdout.splitlines()[1] == (
        'recip,false,,not applied: ended for entries from 2026-02-24 (A court); what was collected is refundable,'
        '"E, 2 FR 2 (2025-01-01)",high'
    )


def test_a_required_field_and_confidence_below_high_are_warned_about(tariffcalc, write, tmp_path, features):
    rows = "hts_code,country,value,mfn_rate,pharma\n3004.90.92,CH,1000,0,patented\n3004.90.92,CH,1000,0,\n3004.90.92,CH,1000,0,generic\n"
    run = priced(tariffcalc, write, features, rows, "2026-08-01")
    paid, silent, generic = run.json()["lines"]
    assert (paid["total_duty"], silent["total_duty"], generic["total_duty"]) == ("1000.00", "0.00", "0.00")
    name = tmp_path / "b.csv"
    assert run.stderr == (
        "Warning: date 2026-08-01 is after 2026-06-30, the day the sources of schedule 'features' were last checked: "
        "rates from then on have not been checked against new legal acts\n"
        f"Warning: {name}: 1 line(s) have HTS codes that 'pharma' covers only where pharma is patented; it was not "
        "applied to them because the basket does not say (line 3; add a column pharma with patented or generic)\n"
        f"Warning: {name}: 1 line(s) pay 'pharma', whose rate is known with medium confidence only (line 2): check it "
        "against the legal text before relying on it (`tariffcalc rates` names the sources)\n"
    )


def test_antidumping_and_countervailing_deposits_add_to_the_duty_shown_apart(tariffcalc, write, features):
    rows = "hts_code,country,value,mfn_rate,ad_rate,cvd_rate,ad_case\n0702.00.20,MX,1000,0,17.09%,,A-201-820\n"
    run = priced(tariffcalc, write, features, rows, "2026-08-01")
    (line,) = run.json()["lines"]
    assert (line["ad_cvd_duty"], line["total_duty"], run.json()["totals"]["ad_cvd_duty"]) == ("170.90", "170.90", "170.90")
    csv_run = tariffcalc("estimate", write("b.csv", rows), "--schedule", features, "--date", "2026-08-01", "--format", "csv")
    assert csv_run.stdout.splitlines()[1].endswith(",A-201-820,0.00,0.00,170.90,0.1709,,0.00,170.90")


def test_a_code_list_file_that_names_a_bad_code_is_refused_with_its_line(tariffcalc, write, tmp_path, features):
    (tmp_path / "lists" / "derivatives.txt").write_text("# source: a test\n7326.90.86\n7326.9\n")
    run = tariffcalc("estimate", write("b.csv", "hts_code,country,value\n9503.00.00,CN,1\n"), "--schedule", features)
    assert run.exit_code == 2
    assert run.stderr == (
        f"Error: {tmp_path / 'lists' / 'derivatives.txt'}:3: '7326.9' is not an HTS prefix "
        "(expected 2, 4, 6, 8 or 10 digits, dots allowed, e.g. 8703.23.01)\n"
    )


CHAIN = """\
schedule:
  id: chain
  name: A chain of yields
  covers: {from: 2025-01-01, through: 2026-12-31}
basket_fields:
  steel_value: {type: amount, at_most: value}
measures:
  - id: steel
    name: Steel content
    authority: {document: P, citation: "1 FR 1", date: 2025-01-01}
    from: 2025-01-01
    countries: all
    rate: 50%
    products: {include: ["7326"]}
    basis: {content: steel_value}
  - id: recip
    name: Reciprocal
    authority: {document: E, citation: "2 FR 2", date: 2025-01-01}
    from: 2025-01-01
    countries: all
    rate: 10%
    yields_to: [{measure: steel, portion: basis}]
  - id: fallback
    name: Charged where the reciprocal is not
    authority: {document: F, citation: "3 FR 3", date: 2025-01-01}
    from: 2025-01-01
    countries: all
    rate: 5%
    yields_to: [recip]
"""


def test_a_measure_left_with_nothing_to_charge_is_not_one_others_yield_to(tariffcalc, write):
    # Found by the reference properties. Line 1: all of its USD 1,000 is steel, so the reciprocal, yielding on the
    # steel's basis, has nothing left and is not applied; the fallback, which yields to the reciprocal, is then
    # charged: steel 50% of 1,000 = 500, fallback 5% of 1,000 = 50. Line 2: USD 400 of steel; the reciprocal
    # charges 10% of the other 600 = 60, and the fallback yields to it.
    schedule = write("chain.yaml", CHAIN)
    basket = write("b.csv", "hts_code,country,value,steel_value\n7326.90.86,CN,1000,1000\n7326.90.86,CN,1000,400\n")
    run = tariffcalc("estimate", basket, "--schedule", schedule, "--date", "2025-06-01", "--format", "json")
    assert run.exit_code == 0, run
    first, second = run.json()["lines"]
    assert measures(first) == {"steel": ("0.5", "500.00", None), "fallback": ("0.05", "50.00", None)}
    assert measures(second) == {"steel": ("0.5", "200.00", "400.00"), "recip": ("0.1", "60.00", "600.00")}
