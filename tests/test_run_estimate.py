"""One run of an estimate is a library call: the command's JSON is what run_estimate gives, rendered."""

from __future__ import annotations

import datetime as dt
import io
import json

from conftest import EXAMPLES, FIXTURES

from tariffcalc import load_schedule, read_basket
from tariffcalc.engine.calculate import estimate
from tariffcalc.engine.estimating import run_estimate
from tariffcalc.output.estimate import json_additions
from tariffcalc.output.sinks import JsonSink

DAY = dt.date(2025, 4, 17)


def render_json(run) -> dict:
    out = io.StringIO()
    sink = JsonSink(out, run.schedule, run.date, json_additions(run))
    for result, first_line in run:
        sink.write(result, first_line)
    sink.finish(run.summary, run.skipped)
    return json.loads(out.getvalue())


def test_the_command_renders_run_estimate(tariffcalc):
    basket = EXAMPLES / "hts-basket.csv"
    hts = str(FIXTURES / "hts_mini.csv")
    notes = []
    run = run_estimate(basket, "us-2025", DAY, hts=hts, fees=True, chunk_size=2, tell=notes.append)
    document = render_json(run)
    command = tariffcalc("estimate", str(basket), "--date", DAY.isoformat(), "--hts", hts, "--fees", "--format", "json")
    assert command.json() == document
    assert notes == [f"MFN duties from the {run.hts.edition} (--hts: {hts}; --hts none to leave it out)"]
    assert document["totals"]["landed_duty_cost"] and run.fees is not None


def test_run_estimate_adds_up_to_estimate():
    basket = EXAMPLES / "japan-shipment.csv"
    run = run_estimate(basket, load_schedule("us-2025"), DAY, hts="none", chunk_size=3)
    lines = sum(len(result) for result, _ in run)
    whole = estimate(read_basket(basket), load_schedule("us-2025"), DAY)
    assert lines == len(whole)
    assert run.summary.totals() == whole.totals()
    assert run.hts is None and run.fees is None
