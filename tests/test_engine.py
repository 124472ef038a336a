"""The engine on a small schedule that uses every feature of the format."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import FIXTURES

from tariffcalc.goods.read import basket_from_records
from tariffcalc.engine.calculate import distinct_keys, estimate, line_keys
from tariffcalc.engine.compile import CompiledSchedule
from tariffcalc.engine.evaluate import Status, evaluate_keys
from tariffcalc.law.load import load_schedule

MINI = load_schedule(FIXTURES / "mini.yaml")
DAY = dt.date(2025, 6, 1)


def applied(hts: str, country: str, day: str, value: str = "1000", **extra) -> dict[str, str]:
    """The measures applied to one line, as {id: rate string}."""
    result = estimate(
        basket_from_records([{"hts_code": hts, "country": country, "value": value, **extra}]),
        MINI,
        dt.date.fromisoformat(day),
    )
    return {
        m.id: str(result.rates[0, j] / 1_000_000) for j, m in enumerate(result.measures) if result.rates[0, j] >= 0
    }


def test_a_measure_starts_on_its_from_day():
    assert applied("9503.00.00", "JP", "2025-01-31") == {}
    assert applied("9503.00.00", "JP", "2025-02-01") == {"base": "0.1"}


def test_country_rate_replaces_the_baseline_it_yields_to():
    assert applied("9503.00.00", "JP", "2025-03-01") == {"country": "0.24"}


def test_group_rate_and_a_country_named_itself_beats_its_group():
    assert applied("9503.00.00", "DE", "2025-03-01") == {"country": "0.2"}
    assert applied("9503.00.00", "FR", "2025-03-01") == {"country": "0.3"}


def test_pause_without_rate_suspends_the_measure_so_the_baseline_applies():
    assert applied("9503.00.00", "JP", "2025-03-31") == {"country": "0.24"}
    assert applied("9503.00.00", "JP", "2025-04-01") == {"base": "0.1"}
    assert applied("9503.00.00", "JP", "2025-04-30") == {"base": "0.1"}
    assert applied("9503.00.00", "JP", "2025-05-01") == {"country": "0.24"}


def test_pause_with_rate_replaces_the_rate_for_its_countries_only():
    assert applied("9503.00.00", "JP", "2025-06-01") == {"country": "0.05"}
    assert applied("9503.00.00", "DE", "2025-06-01") == {"country": "0.2"}
    assert applied("9503.00.00", "JP", "2025-07-01") == {"country": "0.24"}


def test_measure_ends_after_its_through_day():
    assert applied("9503.00.00", "JP", "2025-10-31") == {"country": "0.24"}
    assert applied("9503.00.00", "JP", "2025-11-01") == {"base": "0.1", "deal": "0.15"}


def test_product_exclusions_by_group_and_prefix():
    assert applied("3004.90.92", "JP", "2025-03-01") == {}
    assert applied("8542.31.00", "JP", "2025-03-01") == {}
    assert applied("8542.32.00", "JP", "2025-03-01") == {"country": "0.24"}


def test_change_keeps_country_rate_and_changes_default():
    assert applied("7208.10.15", "DE", "2025-04-30") == {"metals": "0.25"}
    assert applied("7208.10.15", "DE", "2025-05-01") == {"metals": "0.5"}
    assert applied("7601.10.60", "GB", "2025-05-01") == {"metals": "0.25"}


def test_included_product_prefix_must_match():
    assert applied("7601.20.60", "DE", "2025-05-01") == {"country": "0.2"}


def test_dated_yield_rules_switch_which_measure_wins():
    assert applied("7208.10.15", "CA", "2025-05-31") == {"neighbour": "0.25"}
    assert applied("7208.10.15", "CA", "2025-06-01") == {"metals": "0.5"}


def test_exemption_flag_applies_from_its_date():
    assert applied("9503.00.00", "CA", "2025-02-09", usmca="true") == {"neighbour": "0.25"}
    assert applied("9503.00.00", "CA", "2025-02-10", usmca="true") == {}
    assert applied("9503.00.00", "CA", "2025-02-10", usmca="false") == {"neighbour": "0.25"}


def test_inclusive_of_mfn_rate_tops_up_to_the_ceiling():
    assert applied("9503.00.00", "JP", "2025-11-01", mfn_rate="2.5%")["deal"] == "0.125"
    assert applied("9503.00.00", "JP", "2025-11-01", mfn_rate="20%")["deal"] == "0.0"


def test_a_stacking_measure_adds_to_the_others():
    assert applied("9503.00.00", "CN", "2025-03-01") == {"base": "0.1", "stacker": "0.2"}


def test_line_amounts_round_half_up_per_measure_and_totals_add_up():
    basket = basket_from_records(
        [
            {"hts_code": "9503.00.00", "country": "CN", "value": "0.05", "mfn_rate": "0.1"},
            {"hts_code": "9503.00.00", "country": "CN", "value": "0.25"},
        ]
    )
    result = estimate(basket, MINI, dt.date(2025, 3, 1))
    # 0.05 × 10% = 0.005 → 0.01 (half up); 0.05 × 20% = 0.01; MFN 0.05 × 10% = 0.005 → 0.01.
    assert result.duties[0].tolist() == [1, 1]
    assert result.mfn_duty.tolist() == [1, 0]
    # 0.25 × 10% = 0.025 → 0.03; 0.25 × 20% = 0.05.
    assert result.duties[1].tolist() == [3, 5]
    totals = result.totals()
    assert totals.total_duty == int(result.total_duty.sum()) == 1 + 1 + 1 + 3 + 5


def test_entry_date_column_overrides_the_default_date():
    basket = basket_from_records(
        [
            {"hts_code": "9503.00.00", "country": "JP", "value": "100", "entry_date": "2025-03-01"},
            {"hts_code": "9503.00.00", "country": "JP", "value": "100"},
        ]
    )
    result = estimate(basket, MINI, dt.date(2025, 4, 15))
    assert result.total_duty.tolist() == [2400, 1000]


def test_statuses_explain_why_a_measure_did_not_apply():
    basket = basket_from_records(
        [
            {"hts_code": "7208.10.15", "country": "JP", "value": "1"},
            {"hts_code": "3004.90.92", "country": "JP", "value": "1"},
            {"hts_code": "9503.00.00", "country": "JP", "value": "1"},
        ]
    )
    compiled = CompiledSchedule.of(MINI)
    keys = line_keys(basket, dt.date(2025, 4, 15), compiled=compiled)
    result = evaluate_keys(compiled, keys)
    col = {m.id: j for j, m in enumerate(MINI.measures)}
    assert result.status[0, col["base"]] == Status.YIELDED
    assert result.yielded_to[0, col["base"]] == col["metals"]
    assert result.status[1, col["base"]] == Status.PRODUCT_EXCLUDED
    assert result.status[2, col["country"]] == Status.SUSPENDED
    assert result.status[2, col["neighbour"]] == Status.COUNTRY_NOT_COVERED
    assert result.status[2, col["deal"]] == Status.NOT_IN_FORCE
    assert result.status[2, col["metals"]] == Status.PRODUCT_NOT_COVERED


def test_a_less_specific_code_than_the_scope_is_warned_about_not_guessed():
    basket = basket_from_records([{"hts_code": "7601", "country": "DE", "value": "100", "mfn_rate": "0"}])
    result = estimate(basket, MINI, dt.date(2025, 5, 1))
    assert "metals" not in [m.id for m in result.measures]
    assert result.warnings == [
        "<records>: 1 line(s) have an HTS code less specific than the scope of 'metals', which covers only "
        "some of its subheadings; it was not applied to them (item 1; give 8 or 10 digits)"
    ]


def test_dates_outside_the_schedule_are_warned_about():
    basket = basket_from_records([{"hts_code": "9503.00.00", "country": "JP", "value": "100", "mfn_rate": "0"}])
    result = estimate(basket, MINI, dt.date(2026, 1, 1))
    assert result.warnings == [
        "date 2026-01-01 is outside what schedule 'mini' covers (2025-01-01 to 2025-12-31): measures that "
        "began or changed after 2025-12-31 are not in it, so the result may be incomplete"
    ]


def test_each_distinct_key_is_evaluated_once():
    rows = [{"hts_code": "9503.00.00", "country": "JP", "value": str(v)} for v in range(1, 1001)]
    basket = basket_from_records(rows)
    keys = line_keys(basket, dt.date(2025, 3, 1), compiled=CompiledSchedule.of(MINI))
    assert len(keys.drop_duplicates()) == 1
    result = estimate(basket, MINI, dt.date(2025, 3, 1))
    assert result.total_duty.tolist() == [round(v * 24) for v in range(1, 1001)]


def test_fewer_keys_give_the_same_result_as_evaluating_every_line_on_its_own_date():
    # estimate() folds dates between the schedule's turning days; evaluating each line's own key must give the same rates and statuses.
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=d) for d in range(0, 365, 3)]
    rows = [
        {"hts_code": code, "country": country, "value": "1000", "entry_date": str(day), "mfn_rate": mfn}
        for day in days
        for code, country, mfn in [("9503.00.00", "JP", ""), ("7208.10.15", "DE", "2%"), ("3004.90.92", "CN", "0.05")]
    ]
    basket = basket_from_records(rows)
    compiled = CompiledSchedule.of(MINI)
    result = estimate(basket, compiled, DAY)
    every_line = evaluate_keys(compiled, line_keys(basket, DAY, compiled=compiled))
    # "X% total" rates are topped up against each line's own MFN duty, after the keys.
    expected = np.where(
        every_line.total & (every_line.rates >= 0),
        np.maximum(every_line.rates - basket.mfn_micro[:, None], 0),
        every_line.rates,
    )
    rates = np.zeros((len(rows), len(MINI.measures)), dtype=np.int64) - 1
    for k, measure in enumerate(result.measures):
        rates[:, MINI.measures.index(measure)] = result.rates[:, k]
    assert (rates == expected).all()
    assert len(distinct_keys(compiled, line_keys(basket, DAY, compiled=compiled))[1]) < len(rows)


@pytest.mark.parametrize("value", ["0", "0.00"])
def test_zero_value_line_has_no_effective_rate(value):
    basket = basket_from_records([{"hts_code": "9503.00.00", "country": "JP", "value": value}])
    result = estimate(basket, MINI, dt.date(2025, 3, 1))
    assert result.total_duty.tolist() == [0]
    assert result.effective_rate.tolist() == [-1]
    assert np.array_equal(result.rates[0] >= 0, [True])


def test_no_coarse_code_warning_where_the_measure_would_yield_anyway():
    # 7601 is coarser than the metals scope (7601.10); on 2025-05-01 metals yields to 'neighbour' for Canada.
    canada = basket_from_records([{"hts_code": "7601", "country": "CA", "value": "100", "mfn_rate": "0"}])
    assert estimate(canada, MINI, dt.date(2025, 5, 1)).warnings == []
    germany = basket_from_records([{"hts_code": "7601", "country": "DE", "value": "100", "mfn_rate": "0"}])
    assert len(estimate(germany, MINI, dt.date(2025, 5, 1)).warnings) == 1


def test_a_loaded_schedule_is_compiled_once_and_one_that_can_change_every_time():
    from tariffcalc.law.validate import schedule_from_document
    from tariffcalc.yaml_source import read_yaml

    assert CompiledSchedule.of(MINI) is CompiledSchedule.of(MINI)  # frozen: it cannot have changed
    editable = schedule_from_document(read_yaml(FIXTURES / "mini.yaml"))
    first = CompiledSchedule.of(editable)
    assert CompiledSchedule.of(editable) is not first
    editable.measures.pop()  # a schedule that is not frozen may change between two calls: each sees it as it is
    assert len(CompiledSchedule.of(editable).measures) == len(first.measures) - 1
