"""The engine against the reference evaluator (tests/reference.py), on generated schedules and on the shipped one.

The reference prices one line on one day from the README's rules alone; the
engine prices whole columns.  For every line, the measures applied, their rates
and duties, and the line's totals must be the same.  A failure prints (via
hypothesis' ``note``) the schedule as YAML and the lines, so it can be replayed.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st

import strategies as gen
from reference import countries_in, prefixes_in, reference_line, reference_totals
from tariffcalc.goods.read import basket_from_records
from tariffcalc.engine.calculate import estimate
from tariffcalc.errors import InputError
from tariffcalc.law.load import load_schedule
from tariffcalc.law.validate import schedule_from_document
from tariffcalc.yaml_source import YamlDocument

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "schedules" / "us.yaml"
GENERATED_EXAMPLES = 100
SHIPPED_EXAMPLES = 25
SLOW = dict(deadline=None, database=None, print_blob=True, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
if os.environ.get("REFERENCE_RANDOM"):  # explore: new examples each run (CI stays repeatable)
    SLOW["derandomize"] = False
if os.environ.get("REFERENCE_NO_SHRINK"):  # mutation runs: report the first failure found, unshrunk (shrinking can take 5 min)
    SLOW["phases"] = [Phase.explicit, Phase.reuse, Phase.generate]


# -- lines as a basket would have them ---------------------------------------------------------------------------


def cents_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def rate_text(micro: int) -> str:
    return format(Decimal(micro) / 1_000_000, "f") if micro else "0"


def cell(value, variant: int) -> str:
    """A typed field value as a CSV cell would have it (a few spellings)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return (["true", "TRUE", "yes", "1"] if value else ["false", "False", "no", "0"])[variant % 4]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return cents_text(value)
    return value.upper() if variant % 2 else value


def record(line: dict) -> dict:
    out = {
        "hts_code": line["hts"],
        "country": line["country"],
        "value": cents_text(line["value_cents"]),
        "mfn_rate": rate_text(line["mfn_micro"]),
        "entry_date": line["date"].isoformat(),
    }
    for name, value in line["fields"].items():
        out[name] = cell(value, line["value_cents"])
    return out


def engine_lines(schedule, lines: list[dict]):
    """The engine's answer per line: ({id: (rate, duty)}, mfn_duty, additional_duty, total_duty)."""
    basket = basket_from_records([record(line) for line in lines])
    if any(line["mfn_specific_cents"] for line in lines):
        basket.mfn_specific_cents = np.array([line["mfn_specific_cents"] for line in lines], dtype=np.int64)
    result = estimate(basket, schedule, dt.date(2025, 6, 1))  # every line has its own entry_date
    out = []
    for i in range(len(lines)):
        applied = {
            m.id: (int(result.rates[i, j]), int(result.duties[i, j]))
            for j, m in enumerate(result.measures)
            if result.rates[i, j] >= 0
        }
        out.append((applied, int(result.mfn_duty[i]), int(result.additional_duty[i]), int(result.total_duty[i])))
    total = result.totals().total_duty
    assert total == sum(int(t) for t in result.total_duty)
    return out, total


def compare(schedule, lines: list[dict]) -> None:
    got, total = engine_lines(schedule, lines)
    want_total = 0
    for i, line in enumerate(lines):
        want = reference_line(schedule, line, line["date"])
        sums = reference_totals(schedule, line, line["date"])
        want_total += sums["total_duty"]
        applied, mfn, additional, total_duty = got[i]
        where = f"line {i + 1}: {line}"
        assert applied == want, f"{where}\n engine    {applied}\n reference {want}"
        assert (mfn, additional, total_duty) == (sums["mfn_duty"], sums["additional_duty"], sums["total_duty"]), where
    assert total == want_total


def dump(schedule_dict: dict) -> str:
    return yaml.safe_dump(schedule_dict, sort_keys=False, width=140)


# -- (a) generated schedules -------------------------------------------------------------------------------------

VALIDITY = {"valid": 0, "invalid": 0, "messages": []}


@settings(max_examples=GENERATED_EXAMPLES, **SLOW)
@given(data=st.data())
def test_engine_matches_the_reference_on_generated_schedules(data):
    document = data.draw(gen.schedule_dicts(), label="schedule")
    try:
        schedule = schedule_from_document(YamlDocument(name="gen", data=document))
    except InputError as exc:
        VALIDITY["invalid"] += 1
        VALIDITY["messages"].append(str(exc).splitlines()[0][:160])
        assume(False)
    VALIDITY["valid"] += 1
    note("schedule:\n" + dump(document))
    turning = gen.turning_days(document)
    lines = data.draw(gen.baskets(document), label="lines")
    compare(schedule, lines)
    # And a dense grid: every code of the pool from every country, on a few of the schedule's turning days (the
    # sparse basket above seldom has a line where two rules meet on one day).
    grid = []
    meeting = gen.stacking_days(document)
    days = st.sampled_from(meeting) | st.sampled_from(turning) if meeting else st.sampled_from(turning)
    for day in data.draw(st.lists(days, min_size=1, max_size=3, unique=True), label="grid days"):
        value = data.draw(gen.values, label="grid value")
        fields = data.draw(gen.fields(value), label="grid fields")
        mfn = data.draw(gen.mfn_rates, label="grid mfn")
        grid += [{"hts": code, "country": country, "value_cents": value, "mfn_micro": mfn, "mfn_specific_cents": 0,
                  "fields": fields, "date": day} for code in gen.LINE_CODES for country in gen.LINE_COUNTRIES]
    compare(schedule, grid)


def test_generated_schedules_are_mostly_valid():
    """Runs after the property above (file order): few generated schedules are refused by validation."""
    tried = VALIDITY["valid"] + VALIDITY["invalid"]
    if tried == 0:
        pytest.skip("the generated-schedule property did not run")
    assert VALIDITY["invalid"] <= 0.2 * tried, (VALIDITY["invalid"], tried, VALIDITY["messages"][:5])


# -- (b) the shipped schedule ------------------------------------------------------------------------------------

EVERYDAY = ["9503000000", "8703230190", "7208510030", "0901110025", "9403608081", "8479899499", "3004909291", "6109100012"]
SHIPPED_COUNTRIES = ["CN", "HK", "JP", "DE", "FR", "GB", "CA", "MX", "BR", "IN", "VN", "CH", "KR", "TW", "US", "RU", "AU"]


def _pad(code: str) -> str:
    digits = code.replace(".", "")
    return digits if len(digits) >= 8 else digits.ljust(8, "0")


def _turning_days(schedule) -> list[dt.date]:
    one = dt.timedelta(days=1)
    found = set()
    for m in schedule.measures:
        found |= {m.from_}
        if m.through:
            found.add(m.through + one)
        if m.ended:
            found.add(m.ended.from_)
        for item in [*m.changes, *m.pauses, *m.conditions, *m.exceptions, *m.yields_to]:
            if getattr(item, "from_", None):
                found.add(item.from_)
            if getattr(item, "through", None):
                found.add(item.through + one)
            for key in ("before", "entered_before"):
                if getattr(item, key, None):
                    found.add(getattr(item, key))
    days = {d for day in found for d in (day, day - one)}
    return sorted(d for d in days if gen.FIRST <= d <= gen.LAST)


@pytest.fixture(scope="module")
def shipped():
    return load_schedule(SHIPPED)


def shipped_fields(schedule):
    @st.composite
    def draw_fields(draw, value: int) -> dict:
        out = {}
        for name, spec in schedule.basket_fields.items():
            if spec.type == "bool":
                out[name] = draw(st.sampled_from([None, None, True, False]))
            elif spec.type == "enum":
                out[name] = draw(st.sampled_from([None, *spec.values]))
            elif spec.type == "amount":
                out[name] = draw(st.sampled_from([None, None, 0, value, *gen.share_edges(value)]) | st.integers(0, value))
            else:
                out[name] = draw(st.none() | gen.days | st.sampled_from(_turning_days(schedule)))
        return out

    return draw_fields


def _aimed_at(schedule, measure):
    """Codes, countries and days that a measure is about: its include list, its countries, its days in force."""
    include = sorted({_pad(c) for c in prefixes_in(schedule, measure.products.include or [])}) or EVERYDAY
    if isinstance(measure.countries, list):
        named = sorted(countries_in(schedule, measure.countries))
    elif measure.countries is None:
        named = sorted(countries_in(schedule, list(measure.rates)))
    else:
        named = SHIPPED_COUNTRIES
    first = max(measure.from_, gen.FIRST)
    last = min(measure.last_day or gen.LAST, gen.LAST)
    return include, named, first, last


def shipped_lines(schedule):
    """Lines aimed at one measure of the schedule (its codes, countries and days), or at random."""
    groups = {name: sorted({_pad(c) for c in g.codes()}) for name, g in schedule.product_groups.items() if g.codes()}
    any_code = st.sampled_from(sorted(groups)).flatmap(lambda name: st.sampled_from(groups[name])) | st.sampled_from(EVERYDAY)
    turning = _turning_days(schedule)
    aims = [_aimed_at(schedule, m) for m in schedule.measures if (m.last_day or gen.LAST) >= gen.FIRST]

    @st.composite
    def one(draw):
        value = draw(gen.values)
        if draw(st.integers(0, 3)):
            include, named, first, last = draw(st.sampled_from(aims))
            code = draw(st.sampled_from(include) | any_code)
            country = draw(st.sampled_from(named) | st.sampled_from(SHIPPED_COUNTRIES))
            near = [d for d in turning if first - dt.timedelta(days=1) <= d <= last + dt.timedelta(days=1)]
            day = draw(st.integers(0, (last - first).days).map(lambda n: first + dt.timedelta(days=n))
                       | st.sampled_from(near or [first]))
        else:
            code = draw(any_code)
            country = draw(st.sampled_from(SHIPPED_COUNTRIES))
            day = draw(st.sampled_from(turning) | gen.days)
        return {
            "hts": code,
            "country": country,
            "value_cents": value,
            "mfn_micro": draw(gen.mfn_rates),
            "mfn_specific_cents": draw(st.sampled_from([0, 0, 0, 7, 12_345])),
            "fields": draw(shipped_fields(schedule)(value)),
            "date": day,
        }

    return st.lists(one(), min_size=5, max_size=60)


def test_engine_matches_the_reference_on_the_shipped_schedule(shipped):
    strategy = shipped_lines(shipped)

    @settings(max_examples=SHIPPED_EXAMPLES, **SLOW)
    @given(lines=strategy)
    def check(lines):
        compare(shipped, lines)

    check()


def _random_fields(rng, schedule, value: int, turning: list[dt.date]) -> dict:
    out = {}
    for name, spec in schedule.basket_fields.items():
        if spec.type == "bool":
            out[name] = rng.choice([None, None, True, False])
        elif spec.type == "enum":
            out[name] = rng.choice([None, *spec.values])
        elif spec.type == "amount":
            out[name] = rng.choice([None, None, 0, value, rng.randint(0, value), rng.choice(gen.share_edges(value) or [0])])
        else:
            out[name] = rng.choice([None, rng.choice(turning), gen.day_at(rng.randint(0, gen.SPAN))])
    return out


def test_engine_matches_the_reference_on_every_measure_of_the_shipped_schedule(shipped):
    """A seeded sweep: for each measure, lines of its codes and countries on each of its turning days (and the day
    before), all in one basket, so every measure is tried however the property above happened to draw."""
    import random

    rng = random.Random(20260223)
    turning = _turning_days(shipped)
    lines = []
    for measure in shipped.measures:
        include, named, first, last = _aimed_at(shipped, measure)
        days = [d for d in turning if first - dt.timedelta(days=1) <= d <= last + dt.timedelta(days=1)] or [first]
        for day in days[:12] + rng.sample(days, min(4, len(days))):
            for _ in range(2):
                value = rng.choice([0, rng.randint(1, 500), rng.randint(0, 10**7)])
                lines.append({
                    "hts": rng.choice(include),
                    "country": rng.choice(named if rng.random() < 0.8 else SHIPPED_COUNTRIES),
                    "value_cents": value,
                    "mfn_micro": rng.choice([0, 0, 25_000, 65_000, 150_000, 200_000, 1]),
                    "mfn_specific_cents": rng.choice([0, 0, 0, 7, 12_345]),
                    "fields": _random_fields(rng, shipped, value, turning),
                    "date": day,
                })
    applied = {m for line in lines for m in reference_line(shipped, line, line["date"])}
    assert len(applied) >= 0.9 * len(shipped.measures), sorted({m.id for m in shipped.measures} - applied)
    compare(shipped, lines)


# -- (c) the former defects, by hand -----------------------------------------------------------------------------

AUTH = gen.AUTH


def tiny(*measures: dict):
    document = {
        "schedule": {"id": "tiny", "name": "Tiny", "covers": {"from": gen.FIRST, "through": gen.LAST}},
        "measures": list(measures),
    }
    return schedule_from_document(YamlDocument(name="tiny", data=document))


def one_line(hts: str, country: str, day: str, value_cents: int = 100_000) -> dict:
    return {"hts": hts, "country": country, "value_cents": value_cents, "mfn_micro": 0, "mfn_specific_cents": 0,
            "fields": {}, "date": dt.date.fromisoformat(day)}


def applied(schedule, line: dict) -> dict:
    got, _ = engine_lines(schedule, [line])
    assert got[0][0] == reference_line(schedule, line, line["date"])
    return got[0][0]


def test_two_overlapping_pauses_of_different_countries_both_suspend():
    schedule = tiny({
        "id": "annex", "name": "Country rates", "authority": AUTH, "from": dt.date(2025, 1, 1),
        "rates": {"JP": "24%", "VN": "46%"},
        "pauses": [
            {"from": dt.date(2025, 3, 1), "through": dt.date(2025, 3, 31), "countries": ["JP"], "authority": AUTH},
            {"from": dt.date(2025, 3, 10), "through": dt.date(2025, 3, 20), "countries": ["VN"], "authority": AUTH},
        ],
    })
    assert applied(schedule, one_line("95030000", "JP", "2025-03-15")) == {}  # the old engine charged 24%
    assert applied(schedule, one_line("95030000", "VN", "2025-03-15")) == {}
    assert applied(schedule, one_line("95030000", "VN", "2025-03-25")) == {"annex": (460_000, 46_000)}
    assert applied(schedule, one_line("95030000", "JP", "2025-03-31")) == {}
    assert applied(schedule, one_line("95030000", "JP", "2025-04-01")) == {"annex": (240_000, 24_000)}


def test_a_covered_country_without_a_rate_does_not_count_as_applied():
    schedule = tiny(
        {"id": "country", "name": "Country rates", "authority": AUTH, "from": dt.date(2025, 1, 1),
         "countries": "all", "rates": {"JP": "24%"}},
        {"id": "base", "name": "Baseline", "authority": AUTH, "from": dt.date(2025, 1, 1),
         "countries": "all", "rate": "10%", "yields_to": ["country"]},
    )
    assert applied(schedule, one_line("95030000", "DE", "2025-05-01")) == {"base": (100_000, 10_000)}
    assert applied(schedule, one_line("95030000", "JP", "2025-05-01")) == {"country": (240_000, 24_000)}


def test_a_yield_rule_holds_through_its_last_day_when_another_rule_starts_that_day():
    day = dt.date(2025, 4, 9)
    schedule = tiny(
        {"id": "b", "name": "B", "authority": AUTH, "from": dt.date(2025, 1, 1), "countries": ["JP"], "rate": "25%"},
        {"id": "c", "name": "C", "authority": AUTH, "from": dt.date(2025, 1, 1), "countries": ["DE"], "rate": "5%"},
        {"id": "a", "name": "A", "authority": AUTH, "from": dt.date(2025, 1, 1), "countries": "all", "rate": "10%",
         "yields_to": [{"measure": "b", "through": day}, {"measure": "c", "from": day}]},
    )
    assert applied(schedule, one_line("95030000", "JP", "2025-04-09")) == {"b": (250_000, 25_000)}
    assert applied(schedule, one_line("95030000", "JP", "2025-04-10")) == {"b": (250_000, 25_000), "a": (100_000, 10_000)}
    assert applied(schedule, one_line("95030000", "DE", "2025-04-08")) == {"c": (50_000, 5_000), "a": (100_000, 10_000)}
    assert applied(schedule, one_line("95030000", "DE", "2025-04-09")) == {"c": (50_000, 5_000)}


# -- engine and README disagree --------------------------------------------------------------------------------


def test_a_country_left_out_by_all_except_but_named_in_rates_is_covered_at_its_rate():
    schedule = tiny({
        "id": "deal", "name": "Everyone but Japan, and Japan at its own rate", "authority": AUTH,
        "from": dt.date(2025, 1, 1), "countries": {"all_except": ["JP"]}, "rate": "10%", "rates": {"JP": "15%"},
    })
    line = one_line("95030000", "JP", "2025-05-01")
    assert reference_line(schedule, line, line["date"]) == {"deal": (150_000, 15_000)}  # README rule 2
    got, _ = engine_lines(schedule, [line])
    assert got[0][0] == {"deal": (150_000, 15_000)}  # the engine used to apply nothing here


def test_min_share_is_compared_exactly_not_after_rounding():
    document = {
        "schedule": {"id": "tiny", "name": "Tiny", "covers": {"from": gen.FIRST, "through": gen.LAST}},
        "basket_fields": {"us_content_value": {"type": "amount", "at_most": "value"}},
        "measures": [{"id": "recip", "name": "Reciprocal", "authority": AUTH, "from": dt.date(2025, 1, 1),
                      "countries": "all", "rate": "10%", "basis": {"less": "us_content_value", "min_share": "20%"}}],
    }
    schedule = schedule_from_document(YamlDocument(name="tiny", data=document))
    # USD 30,000.00 of goods with USD 5,999.99 of US content: 19.99997%, less than 20%: the whole value pays.
    line = {**one_line("95030000", "JP", "2025-05-01", value_cents=3_000_000), "fields": {"us_content_value": 599_999}}
    assert reference_line(schedule, line, line["date"]) == {"recip": (100_000, 300_000)}
    got, _ = engine_lines(schedule, [line])
    assert got[0][0] == {"recip": (100_000, 300_000)}  # the engine used to charge it on 24,000.01
