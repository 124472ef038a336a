"""The shipped schedule, through the CLI: the seed's rates, every measure's date boundaries, the stacking rules.

Each case is the day before and the day of a change, for one line of a
basket, checked against the measures (and rates) that `tariffcalc estimate`
reports in its JSON output.
"""

from __future__ import annotations

import pytest

TOY = "9503.00.00"  # toys: outside Section 232 and Annex II
CAR = "8703.23.01"  # passenger car
PART = "8708.30.50.30"  # brake rotors: on the auto-parts list, vehicle-specific
LAPTOP = "8471.30.01"  # Annex II electronics; a general-purpose code on the auto-parts list
STEEL = "7208.10.15"  # flat-rolled steel
ALUMINUM = "7606.12.30"  # aluminum plate
PHARMA = "3004.90.92"  # medicament: Annex II
CRUDE = "2709.00.20"  # crude oil: Canadian energy, Annex II
POTASH = "3104.20.00"  # potassium chloride


@pytest.fixture
def measures(tariffcalc, write):
    """`measures(hts, country, date, **columns)` → {measure id: rate} for that one line, via the CLI."""

    def run(hts: str, country: str, date: str, **columns: str) -> dict[str, str]:
        header = ["hts_code", "country", "value", *columns]
        row = [hts, country, "1000", *columns.values()]
        basket = write("basket.csv", ",".join(header) + "\n" + ",".join(row) + "\n")
        result = tariffcalc("estimate", basket, "--date", date, "--format", "json")
        assert result.exit_code == 0, result
        (line,) = result.json()["lines"]
        return {m["id"]: m["rate"] for m in line["measures"]}

    return run


def test_seed_japanese_car_pays_section_232_and_no_reciprocal_rate(tariffcalc, write):
    basket = write("car.csv", "hts_code,country,value,mfn_rate\n8703.23.01,JP,30000,2.5%\n")
    result = tariffcalc("estimate", basket, "--date", "2025-04-17", "--format", "json")
    assert result.exit_code == 0, result
    (line,) = result.json()["lines"]
    assert line["measures"] == [{"id": "s232-autos", "rate": "0.25", "duty": "7500.00"}]
    assert (line["mfn_duty"], line["additional_duty"], line["total_duty"]) == ("750.00", "7500.00", "8250.00")
    assert line["effective_rate"] == "0.275"


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2025-04-04", {}),
        ("2025-04-05", {"reciprocal-baseline": "0.1"}),
        ("2025-04-08", {"reciprocal-baseline": "0.1"}),
        ("2025-04-09", {"reciprocal-annex-i": "0.24"}),  # Japan's Annex I rate, named in the seed
        ("2025-04-10", {"reciprocal-baseline": "0.1"}),  # the 90-day pause
        ("2025-04-17", {"reciprocal-baseline": "0.1"}),  # the seed's date
        ("2025-07-08", {"reciprocal-baseline": "0.1"}),  # the original end of the pause
        ("2025-07-09", {"reciprocal-baseline": "0.1"}),  # extended by EO 14316
        ("2025-07-31", {"reciprocal-baseline": "0.1"}),
    ],
)
def test_seed_japanese_goods_outside_232_and_annex_ii(measures, day, expected):
    assert measures(TOY, "JP", day) == expected


def test_the_baseline_holds_from_the_end_of_the_pause_until_the_country_rates_of_eo_14326(tariffcalc, write):
    # EO 14316 extended the pause to 2025-08-01; the Annex I headings were terminated as of 2025-08-07 and CBP
    # moved goods from 9903.01.25 straight to the 9903.02 country rates (CSMS #65829726): 10% in between.
    basket = write("toy.csv", f"hts_code,country,value,mfn_rate\n{TOY},JP,1000,0\n")
    for day, expected in [("2025-08-01", ("reciprocal-baseline", "0.1")), ("2025-08-06", ("reciprocal-baseline", "0.1")),
                          ("2025-08-07", ("reciprocal-country", "0.15"))]:
        result = tariffcalc("estimate", basket, "--date", day, "--format", "json")
        (measure,) = result.json()["lines"][0]["measures"]
        assert (measure["id"], measure["rate"]) == expected, day
        assert result.stderr == ""


@pytest.mark.parametrize("day", ["2025-04-09", "2025-04-17", "2025-06-01"])
def test_seed_annex_ii_goods_pay_neither_reciprocal_rate(measures, day):
    assert measures(PHARMA, "JP", day) == {}


@pytest.mark.parametrize(
    "hts, country, day, expected",
    [
        # China: IEEPA fentanyl duty, 10% then 20%, on China and Hong Kong (not Macau); it stacks.
        (TOY, "CN", "2025-02-03", {}),
        (TOY, "CN", "2025-02-04", {"ieepa-china": "0.1"}),
        (TOY, "HK", "2025-03-03", {"ieepa-china": "0.1"}),
        (TOY, "CN", "2025-03-04", {"ieepa-china": "0.2"}),
        # China: reciprocal 10% baseline, then 84%, 125%, and back to the 10% baseline.
        (TOY, "CN", "2025-04-05", {"ieepa-china": "0.2", "reciprocal-baseline": "0.1"}),
        (TOY, "CN", "2025-04-08", {"ieepa-china": "0.2", "reciprocal-baseline": "0.1"}),
        (TOY, "CN", "2025-04-09", {"ieepa-china": "0.2", "reciprocal-china": "0.84"}),
        (TOY, "CN", "2025-04-10", {"ieepa-china": "0.2", "reciprocal-china": "1.25"}),
        (TOY, "CN", "2025-05-13", {"ieepa-china": "0.2", "reciprocal-china": "1.25"}),
        (TOY, "CN", "2025-05-14", {"ieepa-china": "0.2", "reciprocal-baseline": "0.1"}),
        (TOY, "MO", "2025-04-10", {"reciprocal-china": "1.25"}),
        (LAPTOP, "CN", "2025-04-10", {"ieepa-china": "0.2"}),  # Annex II electronics: no reciprocal duty
        # Canada and Mexico: 25% from March 4; energy and potash 10%; USMCA goods exempt from March 7.
        (TOY, "CA", "2025-03-03", {}),
        (TOY, "CA", "2025-03-04", {"ieepa-canada": "0.25"}),
        (CRUDE, "CA", "2025-03-03", {}),
        (CRUDE, "CA", "2025-03-04", {"ieepa-canada-energy": "0.1"}),
        (TOY, "MX", "2025-03-03", {}),
        (POTASH, "CA", "2025-03-03", {}),
        (POTASH, "CA", "2025-03-04", {"ieepa-potash": "0.25"}),
        (TOY, "MX", "2025-03-04", {"ieepa-mexico": "0.25"}),
        (POTASH, "MX", "2025-03-06", {"ieepa-potash": "0.25"}),
        (POTASH, "CA", "2025-03-07", {"ieepa-potash": "0.1"}),
        (TOY, "CA", "2025-04-17", {"ieepa-canada": "0.25"}),  # no reciprocal rate for Canada
        # Section 232 autos and parts.
        (CAR, "JP", "2025-04-02", {}),
        (CAR, "JP", "2025-04-03", {"s232-autos": "0.25"}),
        (CAR, "DE", "2025-04-09", {"s232-autos": "0.25"}),  # no EU reciprocal rate on top
        (CAR, "MX", "2025-04-03", {"s232-autos": "0.25"}),  # autos win over the Mexico duty
        (PART, "JP", "2025-05-02", {"reciprocal-baseline": "0.1"}),
        (PART, "JP", "2025-05-03", {"s232-auto-parts": "0.25"}),
        (PART, "MX", "2025-05-02", {"ieepa-mexico": "0.25"}),
        (PART, "MX", "2025-05-03", {"s232-auto-parts": "0.25"}),
        # The fentanyl duty and Section 301 (List 3) stack on the auto-parts duty.
        (PART, "CN", "2025-05-03", {"ieepa-china": "0.2", "s232-auto-parts": "0.25", "s301-china-list-3": "0.25"}),
        # Section 232 steel and aluminum: the 2018 regime, 25% for all from March 12, 50% from June 4 (UK 25%).
        (STEEL, "DE", "2025-03-11", {}),  # EU within its quota under the 2018 regime
        (STEEL, "TR", "2025-03-11", {"s232-steel-2018": "0.25"}),
        (STEEL, "DE", "2025-03-12", {"s232-steel": "0.25"}),
        (STEEL, "JP", "2025-04-09", {"s232-steel": "0.25"}),  # no reciprocal rate on Section 232 goods
        (STEEL, "DE", "2025-06-03", {"s232-steel": "0.25"}),
        (STEEL, "DE", "2025-06-04", {"s232-steel": "0.5"}),
        (STEEL, "GB", "2025-06-04", {"s232-steel": "0.25"}),
        (ALUMINUM, "TR", "2025-03-11", {"s232-aluminum-2018": "0.1"}),
        (ALUMINUM, "TR", "2025-03-12", {"s232-aluminum": "0.25"}),
        (ALUMINUM, "TR", "2025-06-03", {"s232-aluminum": "0.25"}),
        (ALUMINUM, "TR", "2025-06-04", {"s232-aluminum": "0.5"}),
        (ALUMINUM, "GB", "2025-06-04", {"s232-aluminum": "0.25"}),
        # The pause ran to EO 14326's country rates of 2025-08-07 (CBP practice; see the schedule's note).
        (TOY, "VN", "2025-08-06", {"reciprocal-baseline": "0.1"}),
        (TOY, "VN", "2025-08-07", {"reciprocal-country": "0.2"}),
        # EO 14289 and Proclamation 10947: Canada/Mexico duty beats steel until June 3, steel beats it from June 4.
        (STEEL, "CA", "2025-06-03", {"ieepa-canada": "0.25"}),
        (STEEL, "CA", "2025-06-04", {"s232-steel": "0.5"}),
        (ALUMINUM, "MX", "2025-06-03", {"ieepa-mexico": "0.25"}),
        (ALUMINUM, "MX", "2025-06-04", {"s232-aluminum": "0.5"}),
        # An aluminum body stamping is on both lists: aluminum until the parts duty starts, then parts only (EO 14289).
        ("8708.29.51.60", "JP", "2025-05-02", {"s232-aluminum-derivatives": "0.25"}),
        ("8708.29.51.60", "JP", "2025-05-03", {"s232-auto-parts": "0.25"}),
        # Column 2 countries are outside the reciprocal tariffs.
        (TOY, "RU", "2025-04-17", {}),
        (TOY, "KP", "2025-04-17", {}),
    ],
)
def test_date_boundaries_and_stacking(measures, hts, country, day, expected):
    assert measures(hts, country, day) == expected


def test_usmca_exemption_starts_on_march_7(measures):
    assert measures(TOY, "CA", "2025-03-06", usmca="true") == {"ieepa-canada": "0.25"}
    assert measures(TOY, "CA", "2025-03-07", usmca="true") == {}
    assert measures(TOY, "MX", "2025-03-07", usmca="false") == {"ieepa-mexico": "0.25"}
    assert measures(PART, "MX", "2025-05-03", usmca="true") == {}


def test_general_purpose_codes_pay_the_auto_parts_duty_only_when_declared(measures):
    assert measures(LAPTOP, "JP", "2025-05-03") == {}
    assert measures(LAPTOP, "JP", "2025-05-03", auto_part="true") == {"s232-auto-parts": "0.25"}
    assert measures(PART, "JP", "2025-05-03", auto_part="false") == {"reciprocal-baseline": "0.1"}


@pytest.mark.parametrize("written", ["JP", "JPN", "Japan", "japan", " Japan "])
def test_countries_by_code_or_name(measures, written):
    assert measures(TOY, written, "2025-04-09") == {"reciprocal-annex-i": "0.24"}


@pytest.mark.parametrize("written", ["8703.23.01", "87032301", "8703230190", "8703.23.01.90"])
def test_hts_code_forms(measures, written):
    assert measures(written, "JP", "2025-04-17") == {"s232-autos": "0.25"}


@pytest.mark.parametrize("country, rate", [("VN", "0.46"), ("KR", "0.25"), ("TW", "0.32"), ("IN", "0.26"),
                                           ("CH", "0.31"), ("FR", "0.2"), ("IE", "0.2"), ("LS", "0.5")])
def test_annex_i_country_rates(measures, country, rate):
    assert measures(TOY, country, "2025-04-09") == {"reciprocal-annex-i": rate}
