"""Invariants of money and stacking, over generated amounts, rates and baskets (hypothesis)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffcalc.goods.read import basket_from_records
from tariffcalc.engine.calculate import estimate
from tariffcalc.money import (
    MAX_RATE,
    MAX_VALUE_CENTS,
    apply_rate,
    format_cents,
    format_rates,
    parse_amounts,
    parse_rates,
)
from tariffcalc.law.load import load_schedule
from tariffcalc.law.validate import schedule_from_document
from tariffcalc.yaml_source import parse_yaml

MINI_TEXT = (FIXTURES / "mini.yaml").read_text()
MINI = load_schedule(FIXTURES / "mini.yaml")

cents = st.integers(min_value=0, max_value=MAX_VALUE_CENTS)
micro_rates = st.integers(min_value=0, max_value=MAX_RATE)


@given(cents, micro_rates)
def test_apply_rate_is_exact_half_up(value, rate):
    expected = (Decimal(value) * Decimal(rate) / Decimal(1_000_000)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert apply_rate(np.array([value]), np.array([rate]))[0] == int(expected)


@given(st.decimals(min_value=0, max_value=10**11, places=2, allow_nan=False, allow_infinity=False))
def test_amounts_round_trip_through_text(amount):
    text = f"{amount:.2f}"
    parsed, valid, rounded = parse_amounts(pd.Series([text]))
    assert valid[0] and not rounded[0]
    assert format_cents(parsed)[0] == text


@given(st.decimals(min_value=0, max_value=10**6, places=5, allow_nan=False, allow_infinity=False))
def test_long_amounts_round_half_up_to_the_cent(amount):
    text = f"{amount:.5f}"
    parsed, valid, _ = parse_amounts(pd.Series([text]))
    assert valid[0]
    assert parsed[0] == int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


amount_texts = st.one_of(
    st.decimals(min_value=0, max_value=10**13, places=2).map(lambda d: f"{d:.2f}"),
    st.decimals(min_value=0, max_value=10**6, places=4).map(str),
    st.integers(min_value=0, max_value=10**16).map(str),
    st.decimals(min_value=0, max_value=10**9, places=2).map(lambda d: f"${d:,.2f}"),
    st.text(alphabet="0123456789.,$- x\u0663", max_size=12),
)


def reference_amount(text: str) -> int | None:
    """The amount in cents the way the rules say, one value at a time with Decimal (None: not an amount)."""
    text = text.strip().removeprefix("$").strip()
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d*)?", text):
        text = text.replace(",", "")
    match = re.fullmatch(r"(\d*)(?:\.(\d*))?", text)
    if not match or not (match[1] or match[2]) or len(match[1]) > 15:
        return None
    cents = int((Decimal(f"{match[1] or 0}.{match[2] or 0}") * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return cents if cents <= MAX_VALUE_CENTS else None


@given(st.lists(amount_texts, min_size=1, max_size=30))
def test_amount_parsing_fast_and_slow_paths_agree_with_decimal(texts):
    parsed, valid, _ = parse_amounts(pd.Series(texts, dtype=object))
    expected = [reference_amount(t) for t in texts]
    assert [int(c) if ok else None for c, ok in zip(parsed, valid)] == expected


@given(st.integers(min_value=0, max_value=MAX_RATE))
def test_rates_round_trip_as_fractions_and_percentages(micro):
    fraction = format_rates(np.array([micro]))[0]
    percent = format((Decimal(micro) / 10_000).normalize(), "f") + "%"
    parsed, valid = parse_rates(pd.Series([fraction, percent]))
    assert valid.all()
    assert parsed.tolist() == [micro, micro]


lines = st.fixed_dictionaries(
    {
        "hts_code": st.sampled_from(["9503.00.00", "7208.10.15", "7601.10.60", "3004.90.92", "8542.31.00", "0101.21.00"]),
        "country": st.sampled_from(["JP", "DE", "FR", "CA", "CN", "GB", "BR"]),
        "value": st.decimals(min_value=0, max_value=10**7, places=2).map(lambda d: f"{d:.2f}"),
        "mfn_rate": st.sampled_from(["", "0", "2.5%", "0.068", "20%"]),
        "entry_date": st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2025, 12, 31)).map(str),
        "usmca": st.sampled_from(["true", "false", ""]),
    }
)
baskets = st.lists(lines, min_size=1, max_size=40)
DAY = dt.date(2025, 6, 1)


def run(records, schedule=MINI):
    return estimate(basket_from_records(records), schedule, DAY)


@settings(max_examples=60, deadline=None)
@given(baskets)
def test_no_duty_is_negative_and_totals_equal_the_sum_of_lines(records):
    result = run(records)
    assert (result.duties >= 0).all() and (result.mfn_duty >= 0).all()
    assert (result.total_duty == result.mfn_duty + result.duties.sum(axis=1)).all()
    totals = result.totals()
    assert totals.total_duty == sum(int(x) for x in result.total_duty)
    assert totals.additional_duty == sum(int(x) for x in result.duties.ravel())
    assert totals.value == sum(int(x) for x in result.value)
    by_measure = result.by_measure()
    assert int(by_measure["duty"].sum()) == totals.additional_duty
    by_country = result.by_country()
    assert int(by_country["total_duty"].sum()) == totals.total_duty
    assert int(by_country["lines"].sum()) == len(records)


@settings(max_examples=40, deadline=None)
@given(baskets, st.randoms(use_true_random=False))
def test_line_order_does_not_change_any_line(records, random):
    order = list(range(len(records)))
    random.shuffle(order)
    first = run(records)
    second = run([records[i] for i in order])
    for new_position, old_position in enumerate(order):
        assert second.total_duty[new_position] == first.total_duty[old_position]
    assert second.totals() == first.totals()


@settings(max_examples=40, deadline=None)
@given(baskets, st.integers(min_value=0, max_value=40))
def test_splitting_a_basket_gives_the_same_totals(records, cut):
    cut = min(cut, len(records))
    whole = run(records).totals()
    parts = [run(part).totals() for part in (records[:cut], records[cut:]) if part]
    assert whole.total_duty == sum(p.total_duty for p in parts)
    assert whole.mfn_duty == sum(p.mfn_duty for p in parts)
    assert whole.value == sum(p.value for p in parts)


@settings(max_examples=30, deadline=None)
@given(baskets, st.sampled_from(["10%", "25%", "24%", "50%", "20%"]), st.integers(min_value=1, max_value=300))
def test_raising_a_rate_never_lowers_a_line(records, written, extra_points):
    raised = MINI_TEXT.replace(f": {written}", f": {int(written[:-1]) + extra_points}%")
    higher = schedule_from_document(parse_yaml(raised, "raised.yaml"))
    before, after = run(records), run(records, higher)
    assert (after.total_duty >= before.total_duty).all()


@settings(max_examples=30, deadline=None)
@given(baskets)
def test_every_input_line_appears_once_in_csv_output(records):
    from tariffcalc.output.sinks import csv_frame

    records = [{**r, "ref": f"row-{i}"} for i, r in enumerate(records)]
    frame = csv_frame(run(records))
    assert frame["ref"].tolist() == [r["ref"] for r in records]
