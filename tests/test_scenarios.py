"""Scenarios (overlays on a schedule), and the compare, timeline and rates commands."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from conftest import EXAMPLES

from tariffcalc.output import compare as compare_output
from tariffcalc.goods.read import read_basket
from tariffcalc.cli.compare import build_states
from tariffcalc.analysis.compare import ChunkedComparison
from tariffcalc.engine.calculate import estimate
from tariffcalc.law.load import load_schedule
from tariffcalc.goods.chunks import basket_chunks
from tariffcalc.analysis.timeline import timeline

EXAMPLE = EXAMPLES / "japan-shipment.csv"
TOY, CAR = "9503.00.00", "8703.23.01"


@pytest.fixture
def line(tariffcalc, write):
    """`line(hts, country, date, *options, mfn="0")` → {measure id: rate} for one line through `estimate`."""

    def run(hts: str, country: str, day: str, *options: str, mfn: str = "0") -> dict[str, str]:
        basket = write("one.csv", f"hts_code,country,value,mfn_rate\n{hts},{country},1000,{mfn}\n")
        result = tariffcalc("estimate", basket, "--date", day, "--format", "json", *options)
        assert result.exit_code == 0, result
        return {m["id"]: m["rate"] for m in result.json()["lines"][0]["measures"]}

    return run


def scenario_file(write, name: str, body: str):
    return write(f"{name}.yaml", f"scenario:\n  id: {name}\n  name: {name}\n  description: test\n{body}")


# -- the shipped scenarios -------------------------------------------------------------------------


def test_pause_ends_brings_annex_i_rates_back_on_july_9(line):
    assert line(TOY, "JP", "2025-07-08", "--scenario", "pause-ends") == {"reciprocal-baseline": "0.1"}
    assert line(TOY, "JP", "2025-07-09", "--scenario", "pause-ends") == {"reciprocal-annex-i": "0.24"}
    assert line(TOY, "JP", "2025-07-09") == {"reciprocal-baseline": "0.1"}


def test_no_pause_keeps_annex_i_rates_from_april_9(line):
    assert line(TOY, "JP", "2025-04-17", "--scenario", "no-pause") == {"reciprocal-annex-i": "0.24"}
    assert line(TOY, "VN", "2025-06-01", "--scenario", "no-pause") == {"reciprocal-annex-i": "0.46"}


def test_japan_agreement_is_15_percent_inclusive_of_mfn(line):
    assert line(TOY, "JP", "2025-04-09", "--scenario", "japan-agreement") == {"reciprocal-japan-agreement": "0.15"}
    assert line(TOY, "JP", "2025-04-17", "--scenario", "japan-agreement", mfn="6.8%") == {
        "reciprocal-japan-agreement": "0.082"
    }
    assert line(TOY, "JP", "2025-04-17", "--scenario", "japan-agreement", mfn="20%") == {
        "reciprocal-japan-agreement": "0"
    }
    assert line(CAR, "JP", "2025-04-17", "--scenario", "japan-agreement", mfn="2.5%") == {"s232-autos": "0.125"}
    assert line(CAR, "DE", "2025-04-17", "--scenario", "japan-agreement", mfn="2.5%") == {"s232-autos": "0.25"}
    assert line(TOY, "KR", "2025-04-09", "--scenario", "japan-agreement") == {"reciprocal-annex-i": "0.25"}


def test_no_auto_duty_removes_the_measures_and_the_rules_that_name_them(line):
    assert line(CAR, "JP", "2025-04-17", "--scenario", "no-auto-duty") == {"reciprocal-baseline": "0.1"}
    assert line(CAR, "MX", "2025-04-17", "--scenario", "no-auto-duty") == {"ieepa-mexico": "0.25"}


# -- overlay semantics ------------------------------------------------------------------------------


def test_scenarios_apply_in_the_order_given(line, write):
    first = scenario_file(write, "thirty", "modify:\n  reciprocal-annex-i:\n    rates: {JP: 30%}\n")
    second = scenario_file(write, "forty", "modify:\n  reciprocal-annex-i:\n    rates: {JP: 40%}\n")
    assert line(TOY, "JP", "2025-04-09", "--scenario", first, "--scenario", second) == {"reciprocal-annex-i": "0.4"}
    assert line(TOY, "JP", "2025-04-09", "--scenario", second, "--scenario", first) == {"reciprocal-annex-i": "0.3"}
    # --set comes last, whatever the order on the command line.
    assert line(TOY, "JP", "2025-04-09", "--set", "reciprocal-annex-i.rates.JP=50%", "--scenario", first) == {
        "reciprocal-annex-i": "0.5"
    }


def test_modify_merges_rates_and_replaces_other_keys(line, write):
    overlay = scenario_file(
        write, "mix", "modify:\n  reciprocal-annex-i:\n    rates: {JP: null}\n    through: 2025-04-30\n"
    )
    assert line(TOY, "JP", "2025-04-09", "--scenario", overlay) == {"reciprocal-baseline": "0.1"}
    assert line(TOY, "VN", "2025-04-09", "--scenario", overlay) == {"reciprocal-annex-i": "0.46"}
    assert line(TOY, "VN", "2025-05-01", "--scenario", overlay, "--scenario", "no-pause") == {"reciprocal-baseline": "0.1"}


def test_set_changes_a_date(line):
    assert line(TOY, "JP", "2025-07-09", "--set", "reciprocal-annex-i.pauses=[]") == {"reciprocal-annex-i": "0.24"}


def assert_error(result, *lines: str) -> None:
    assert result.exit_code == 2, result
    assert result.stdout == ""
    assert result.stderr == "".join(f"Error: {line}\n" for line in lines)


def test_scenario_naming_unknown_measures_and_countries(tariffcalc, write):
    overlay = scenario_file(
        write,
        "bad",
        "remove: [s232-autoz]\n"
        "modify:\n"
        "  reciprocal-annex-j:\n    rates: {JP: 30%}\n"
        "  reciprocal-annex-i:\n    rates: {XX: 30%}\n    rate_typo: 5%\n",
    )
    assert_error(
        tariffcalc("estimate", EXAMPLE, "--date", "2025-04-17", "--scenario", overlay),
        f"{overlay}:5 remove[0]: no measure with id 's232-autoz' in the schedule",
        f"{overlay}:7 modify.reciprocal-annex-j: no measure with id 'reciprocal-annex-j' in the schedule",
        f"{overlay}:10 modify.reciprocal-annex-i.rates.XX: 'XX' is neither an ISO 3166 alpha-2 country code nor a "
        "country group of the schedule",
        f"{overlay}:11 modify.reciprocal-annex-i.rate_typo: 'rate_typo' cannot be modified (keys that can: name, "
        "authority, amended_by, from, through, countries, rate, rates, products, changes, pauses, exemptions, "
        "requires, yields_to, note)",
    )


def test_scenario_header_is_validated(tariffcalc, write):
    overlay = write("nohead.yaml", "modify: {}\n")
    assert_error(
        tariffcalc("estimate", EXAMPLE, "--scenario", overlay), f"{overlay}:1 scenario: required key is missing"
    )


def test_unknown_scenario_name(tariffcalc):
    assert_error(
        tariffcalc("estimate", EXAMPLE, "--scenario", "pause-endz"),
        "--scenario: no scenario named 'pause-endz' (shipped scenarios: japan-agreement, no-auto-duty, no-pause, "
        "pause-ends; or give a path)",
    )


def test_bad_set(tariffcalc):
    assert_error(
        tariffcalc("estimate", EXAMPLE, "--set", "reciprocal-annex-i"),
        "--set: 'reciprocal-annex-i' is not MEASURE.KEY=VALUE or MEASURE.rates.COUNTRY=RATE "
        "(e.g. reciprocal-annex-i.rates.JP=15%)",
    )


def test_a_scenario_that_breaks_the_schedule_is_reported_against_the_result(tariffcalc, write):
    overlay = scenario_file(write, "late", "modify:\n  s232-autos:\n    through: 2025-01-01\n")
    result = tariffcalc("estimate", EXAMPLE, "--scenario", overlay)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines()[0].endswith("with scenario late measures[51].through: through 2025-01-01 is before from 2025-04-03")


# -- compare --------------------------------------------------------------------------------------


def test_compare_pause_ends_moves_japanese_non_auto_lines_from_10_to_24_percent(tariffcalc):
    result = tariffcalc(
        "compare", EXAMPLE, "--scenario", "baseline", "--scenario", "pause-ends", "--date", "2025-07-10", "--format", "json"
    )
    assert result.exit_code == 0, result
    doc = result.json()
    assert [s["label"] for s in doc["states"]] == ["baseline", "pause-ends"]
    rates = {
        (ln["line"], ln["hts_code"], ln["country"]): [s["effective_rate"] for s in ln["states"]] for ln in doc["lines"]
    }
    assert rates[(4, "9503.00.00", "JP")] == ["0.1", "0.24"]
    assert rates[(6, "6911.10.10", "JP")] == ["0.35", "0.49"]  # 25% MFN + 10% → + 24%
    assert rates[(1, "8703.23.01", "JP")] == ["0.275", "0.275"]  # autos unchanged
    assert rates[(2, "8708.30.50.30", "JP")] == ["0.275", "0.275"]  # auto parts unchanged
    assert rates[(9, "8504.40.95.10", "VN")] == ["0.1", "0.46"]
    # Totals reconcile to the cent with the lines, in every state and in the change.
    for k, state in enumerate(doc["totals"]["states"]):
        assert sum(Decimal(ln["states"][k]["total_duty"]) for ln in doc["lines"]) == Decimal(state["total_duty"])
    change = doc["totals"]["changes"][0]
    assert Decimal(change["duty"]) == sum(Decimal(ln["changes"][0]["duty"]) for ln in doc["lines"]) == Decimal("2857.07")
    assert change == {"state": "pause-ends", "versus": "baseline", "duty": "2857.07", "rate_points": "1.9889"}
    assert doc["lines"][3]["changes"] == [{"state": "pause-ends", "versus": "baseline", "duty": "301.07", "rate_points": "14"}]


def test_compare_dates_side_by_side_as_csv(tariffcalc):
    result = tariffcalc("compare", EXAMPLE, "--date", "2025-04-09", "--date", "2025-04-17")
    assert result.exit_code == 0, result
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[-8:] == [
        "total_duty[2025-04-09]", "effective_rate[2025-04-09]", "measures[2025-04-09]",
        "total_duty[2025-04-17]", "effective_rate[2025-04-17]", "measures[2025-04-17]",
        "change_duty[2025-04-17]", "change_points[2025-04-17]",
    ]  # fmt: skip
    assert (rows[3]["change_duty[2025-04-17]"], rows[3]["change_points[2025-04-17]"]) == ("-301.07", "-14")


def test_compare_in_chunks_equals_the_whole_basket():
    states = build_states("us-2025", ["baseline", "pause-ends"], [dt.date(2025, 7, 10)], None)

    def written(chunks, writer) -> str:
        out = io.StringIO()
        writer(ChunkedComparison(chunks, states), out)
        return out.getvalue()

    for writer in (compare_output.write_json, compare_output.write_jsonl, compare_output.write_csv):
        whole = written([read_basket(EXAMPLE)], writer)
        assert written(basket_chunks(EXAMPLE, chunk_size=5), writer) == whole
        assert written(basket_chunks(EXAMPLE, chunk_size=1), writer) == whole
    doc = json.loads(written(basket_chunks(EXAMPLE, chunk_size=5), compare_output.write_json))
    assert [line["line"] for line in doc["lines"]] == list(range(1, 13))


def test_compare_needs_two_states(tariffcalc):
    assert_error(
        tariffcalc("compare", EXAMPLE, "--scenario", "pause-ends"),
        "compare: needs at least two states: repeat --scenario (e.g. --scenario baseline --scenario pause-ends) or --date",
    )
    assert_error(
        tariffcalc("compare", EXAMPLE, "--scenario", "baseline", "--scenario", "no-pause", "--scenario", "pause-ends",
                   "--date", "2025-04-09", "--date", "2025-04-10"),
        "--scenario/--date: 3 scenarios and 2 dates: give one of each per column, or a single one of either for every column",
    )


def test_compare_table(tariffcalc):
    result = tariffcalc("compare", EXAMPLE, "--scenario", "baseline", "--scenario", "no-auto-duty", "--date", "2025-05-05",
                        "--format", "table")
    assert result.exit_code == 0, result
    assert "Totals" in result.stdout and "no-auto-duty" in result.stdout and "\x1b[" not in result.stdout


# -- timeline -------------------------------------------------------------------------------------


def brute_force_change_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day whose duties differ from the day before, found by computing every single day."""
    basket, schedule = read_basket(EXAMPLE), load_schedule("us-2025")
    days, previous = [], None
    day = start
    while day <= end:
        result = estimate(basket, schedule, day, use_entry_dates=False)
        state = {m.id: result.rates[:, j].tolist() for j, m in enumerate(result.measures)}
        if state != previous:
            days.append(day)
        previous, day = state, day + dt.timedelta(days=1)
    return days


def test_timeline_lists_exactly_the_days_the_basket_changes(tariffcalc):
    result = tariffcalc("timeline", EXAMPLE, "--from", "2025-03-01", "--to", "2025-08-31", "--format", "json")
    assert result.exit_code == 0, result
    listed = [p["date"] for p in result.json()["points"]]
    assert listed == [d.isoformat() for d in brute_force_change_days(dt.date(2025, 3, 1), dt.date(2025, 8, 31))]
    assert listed == [
        "2025-03-01", "2025-03-04", "2025-03-07", "2025-03-12", "2025-04-03", "2025-04-05", "2025-04-09",
        "2025-04-10", "2025-05-03", "2025-05-14", "2025-06-04", "2025-08-01", "2025-08-07",
    ]  # fmt: skip


def test_timeline_points_carry_totals_and_what_changed(tariffcalc):
    doc = tariffcalc("timeline", EXAMPLE, "--from", "2025-04-01", "--to", "2025-04-30", "--format", "json").json()
    assert list(doc) == ["basket", "schedule", "from", "to", "points"]
    first, autos = doc["points"][0], doc["points"][1]
    assert (first["date"], first["change_duty"], first["changed_measures"]) == ("2025-04-01", None, [])
    assert (autos["date"], autos["changed_measures"], autos["change_duty"]) == ("2025-04-03", ["s232-autos"], "20500.00")
    for point in doc["points"]:
        assert sum(Decimal(m["duty"]) for m in point["by_measure"]) <= Decimal(point["total_duty"])


def test_timeline_with_a_scenario_and_as_a_chart(tariffcalc):
    result = tariffcalc("timeline", EXAMPLE, "--from", "2025-07-01", "--to", "2025-07-31", "--scenario", "pause-ends",
                        "--format", "table")
    assert result.exit_code == 0, result
    assert "2025-07-09" in result.stdout and "█" in result.stdout
    assert "reciprocal-annex-i" in result.stdout


def test_timeline_library_on_an_empty_window_gives_the_start():
    basket = read_basket(EXAMPLE)
    result = timeline(basket, load_schedule("us-2025"), dt.date(2025, 7, 1), dt.date(2025, 7, 1))
    assert [p.date for p in result.points] == [dt.date(2025, 7, 1)]
    expected = estimate(basket, load_schedule("us-2025"), dt.date(2025, 7, 1), use_entry_dates=False)
    assert result.points[0].summary.totals() == expected.totals()
    assert (result.basket, result.lines) == (str(EXAMPLE), 12)


def test_timeline_in_chunks_equals_the_whole_basket():
    schedule = load_schedule("us-2025")
    whole = timeline(read_basket(EXAMPLE), schedule, dt.date(2025, 3, 1), dt.date(2025, 8, 31))
    # Chunks of 1 and 5 lines: a date must be kept when a line of any chunk changes on it.
    for size in (1, 5):
        chunked = timeline(basket_chunks(EXAMPLE, chunk_size=size), schedule, dt.date(2025, 3, 1), dt.date(2025, 8, 31))
        assert [(p.date, p.changed, p.summary.totals()) for p in chunked.points] == [
            (p.date, p.changed, p.summary.totals()) for p in whole.points
        ]
        assert [p.summary.measures for p in chunked.points] == [p.summary.measures for p in whole.points]


# -- rates ----------------------------------------------------------------------------------------


def test_rates_explains_why(tariffcalc):
    result = tariffcalc("rates", "--country", "JP", "--hts", "8703.23.01", "--date", "2025-04-17", "--format", "csv")
    assert result.exit_code == 0, result
    assert result.stdout == (
        "id,applied,rate,reason,authority,confidence\n"
        's232-autos,true,0.25,applies,"Proclamation 10908, 90 FR 14705 (2025-03-26), HTS 9903.94.01",high\n'
        "reciprocal-baseline,false,,not applied: the goods pay s232-autos (Section 232 duty on passenger vehicles and "
        "light trucks) instead (Executive Order 14257 section 3(b); U.S. note 2(v)(vi)-(xvi)),\"Executive Order 14257, "
        '90 FR 15041 (2025-04-02), HTS 9903.01.25",high\n'
        'reciprocal-annex-i,false,,"not applied: suspended from 2025-04-10 through 2025-08-06 (Executive Order 14266, '
        'section 4)","Executive Order 14257, Annex I, 90 FR 15041 (2025-04-02), HTS 9903.01.43-9903.01.76",medium\n'
    )


def test_rates_json_names_exclusions_and_exemptions(tariffcalc):
    doc = tariffcalc("rates", "--country", "China", "--hts", "8471.30.01", "--date", "2025-05-20", "-f", "json").json()
    reasons = {m["id"]: (m["applied"], m["rate"], m["reason"]) for m in doc["measures"]}
    assert reasons["ieepa-china"] == (True, "0.2", "applies")
    assert reasons["reciprocal-china"] == (
        False, None, "not applied: product excluded (Electronics added to Annex II by the memorandum of 11 April 2025)"
    )
    assert reasons["s232-auto-parts"][2] == (
        "not applied: covers this code only for parts of passenger vehicles and light trucks (auto_part: true)"
    )
    usmca = tariffcalc("rates", "-c", "CA", "--hts", "9503.00.00", "-d", "2025-04-17", "--usmca", "-f", "json").json()
    assert [(m["id"], m["reason"]) for m in usmca["measures"]] == [
        ("ieepa-canada", "not applied: exempt (usmca is true, Executive Orders 14231 (Canada) and 14232 (Mexico))")
    ]


def test_rates_for_a_country_lists_the_measures_in_force(tariffcalc):
    doc = tariffcalc("rates", "--country", "JP", "--date", "2025-04-09", "--format", "json").json()
    assert {m["id"]: m["rate"] for m in doc["measures"]} == {
        "s232-steel": "0.25", "s232-aluminum": "0.25", "s232-steel-derivatives": "0.25",
        "s232-aluminum-derivatives": "0.25", "s232-autos": "0.25",
        "reciprocal-baseline": "0.1", "reciprocal-annex-i": "0.24",
    }  # fmt: skip


def test_rates_errors(tariffcalc):
    assert_error(tariffcalc("rates"), "rates: give --country, --hts or both")
    assert_error(
        tariffcalc("rates", "--country", "Japn"), "--country: 'Japn' is not a country tariffcalc knows; did you mean Japan or Jordan?"
    )
