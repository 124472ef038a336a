"""timeline's light per-date path (engine/dated_chunk.py) against the full ``estimate`` on every date.

For generated schedules and baskets (tests/strategies.py: portion-yields that restack lines, "X% total"
top-ups, content and remainder bases) and for a benchmark basket on the shipped schedule, each date's Summary
must equal ``Summary.of(estimate(...))`` (totals, per-measure and per-country sums), and the measures found
changed between consecutive dates must be those whose rate differs on some line of the two full estimates.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import strategies as gen
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st

from tariffcalc.engine.calculate import estimate
from tariffcalc.engine.compile import CompiledSchedule
from tariffcalc.engine.dated_chunk import DatedChunk
from tariffcalc.engine.result import Estimate, Summary
from tariffcalc.errors import InputError
from tariffcalc.goods.read import basket_from_records, read_basket
from tariffcalc.law.load import load_schedule
from tariffcalc.law.validate import schedule_from_document
from tariffcalc.yaml_source import YamlDocument

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = dict(deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
if os.environ.get("REFERENCE_NO_SHRINK"):  # mutation runs: report the first failure found, unshrunk
    SETTINGS["phases"] = [Phase.explicit, Phase.reuse, Phase.generate]


def rates_by_line(result: Estimate) -> dict[str, np.ndarray]:
    """Every measure's rate on every line (-1 where not applied), by measure id."""
    return {m.id: result.rates[:, j] for j, m in enumerate(result.measures)}


def changed_between(before: Estimate, after: Estimate) -> set[str]:
    """The measures whose rate differs on some line, worked out from two whole estimates (the old way)."""
    a, b = rates_by_line(before), rates_by_line(after)
    none = np.full(len(before), -1, dtype=np.int64)
    return {m for m in a.keys() | b.keys() if (a.get(m, none) != b.get(m, none)).any()}


def summary_fields(summary: Summary) -> tuple:
    return (summary.totals(), summary.measures, summary.countries, summary.date)


def check_every_day(basket, schedule, days: list[dt.date]) -> tuple[int, int]:
    """Compare the light path with the full estimate on each day; returns (restacked lines, topped-up lines) seen."""
    compiled = CompiledSchedule.of(schedule)
    dated = DatedChunk(basket, compiled)
    previous = previous_full = None
    restacked = topped = 0
    for day in days:
        full = estimate(basket, compiled, day, use_entry_dates=False)
        summary, rates = dated.on(day)
        assert summary_fields(summary) == summary_fields(Summary.of(full)), day
        restacked += len(rates.restacked_rows)
        lines = dated.key_index
        topped += int((rates.total[:, lines] & (rates.rates[:, lines] >= 0)).any(axis=0).sum())
        if previous is not None:
            assert dated.changed(previous, rates) == changed_between(previous_full, full), day
        previous, previous_full = rates, full
    return restacked, topped


def record(line: dict) -> dict:
    out = {
        "hts_code": line["hts"],
        "country": line["country"],
        "value": f"{line['value_cents'] // 100}.{line['value_cents'] % 100:02d}",
        "mfn_rate": f"{line['mfn_micro'] / 1_000_000:.6f}",
    }
    for name, value in line["fields"].items():
        if value is None:
            out[name] = ""
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, dt.date):
            out[name] = value.isoformat()
        elif isinstance(value, int):
            out[name] = f"{value // 100}.{value % 100:02d}"
        else:
            out[name] = value
    return out


SEEN = {"restacked": 0, "topped": 0}


@settings(max_examples=80, **SETTINGS)
@given(data=st.data())
def test_light_path_equals_the_full_estimate_on_generated_schedules(data):
    document = data.draw(gen.schedule_dicts(), label="schedule")
    try:
        schedule = schedule_from_document(YamlDocument(name="gen", data=document))
    except InputError:
        assume(False)
    lines = data.draw(gen.baskets(document), label="lines")
    # A dense grid too: every code from every country, so that rules meet on some line.
    value = data.draw(gen.values, label="grid value")
    fields = data.draw(gen.fields(value), label="grid fields")
    lines += [{**lines[0], "hts": code, "country": country, "value_cents": value, "fields": fields}
              for code in gen.LINE_CODES for country in gen.LINE_COUNTRIES]  # fmt: skip
    basket = basket_from_records([record(line) for line in lines])
    days = sorted(set(gen.turning_days(document)) | set(gen.stacking_days(document)))
    note(f"days {days}")
    restacked, topped = check_every_day(basket, schedule, days)
    SEEN["restacked"] += restacked
    SEEN["topped"] += topped


def test_generated_cases_reach_restacked_and_topped_up_lines():
    """Runs after the property above (file order): it did meet the lines that need the exact paths."""
    if not SEEN["restacked"] and not SEEN["topped"]:
        pytest.skip("the generated property did not run")
    assert SEEN["restacked"] > 0 and SEEN["topped"] > 0, SEEN


@pytest.fixture(scope="module")
def benchmark_basket(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.pop(0)
    path = tmp_path_factory.mktemp("basket") / "b.csv"
    generate(4000, path, seed=3)
    return read_basket(path)


def test_light_path_equals_the_full_estimate_on_the_shipped_schedule(benchmark_basket):
    schedule = load_schedule(ROOT / "data" / "schedules" / "us.yaml")
    compiled = CompiledSchedule.of(schedule)
    turning = compiled.turning_days
    window = turning[(turning > np.datetime64("2025-01-15")) & (turning <= np.datetime64("2026-03-31"))]
    days = [dt.date(2025, 1, 15), *(d.astype(object) for d in window)]
    restacked, topped = check_every_day(benchmark_basket, schedule, days)
    assert restacked > 0 and topped > 0
