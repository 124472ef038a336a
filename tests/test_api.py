"""The Python API: each function's ``to_dict()`` is its command's JSON; the public names are typed, checked by mypy."""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
from decimal import Decimal

import pandas as pd
import pytest
from conftest import ROOT

import tariffcalc as tc
from tariffcalc import api

JAPAN = str(ROOT / "data" / "examples" / "japan-shipment.csv")
SEED = str(ROOT / "data" / "examples" / "seed-japan.csv")
HISTORY = str(ROOT / "data" / "examples" / "refund-history.csv")


def cli_json(tariffcalc_runner, *args: str) -> dict:
    result = tariffcalc_runner(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_dataframe_basket_gives_the_cli_json_of_the_same_basket(tariffcalc, tmp_path):
    # As in a notebook: a DataFrame built in Python, priced on a date.
    frame = pd.DataFrame(
        {
            "hts_code": ["8703.23.01", "9503.00.00", "3004.90.92", "9503.00.00"],
            "country": ["JP", "JP", "JP", "CN"],
            "value": ["30000", "1000", "5000", "2150.50"],
            "mfn_rate": ["2.5%", "0", "0", "0"],
            "description": ["Passenger car", "Toys", "Medicaments", "Toys, \"boxed\""],
        }
    )
    basket = tmp_path / "basket.csv"
    frame.to_csv(basket, index=False)
    result = tc.estimate(frame, date="2025-04-17")
    assert result.to_dict() == cli_json(tariffcalc, "estimate", str(basket), "--date", "2025-04-17")
    assert list(result.lines.columns)[:5] == ["hts_code", "country", "value", "mfn_rate", "description"]
    assert sum(Decimal(v) for v in result.lines["total_duty"]) == Decimal(result.totals["total_duty"])
    assert result.by_country["country"].tolist() == ["JP", "CN"]
    assert result.by_measure.columns.tolist() == ["id", "name", "lines", "value", "duty"]


def test_estimate_with_hts_and_fees_is_the_cli_json(tariffcalc):
    result = tc.estimate(JAPAN, date="2025-04-17", hts="none", fees=True, scenarios=["no-auto-duty"])
    expected = cli_json(
        tariffcalc, "estimate", JAPAN, "--date", "2025-04-17", "--hts", "none", "--fees", "--scenario", "no-auto-duty"
    )
    assert result.to_dict() == expected
    assert result.fees == expected["fees"]


def test_a_list_of_dicts_is_a_basket_and_its_problems_name_the_record():
    records = [{"hts_code": "9503.00.00", "country": "JP", "value": 1000}, {"hts_code": "1", "country": "JP", "value": 5}]
    with pytest.raises(tc.InputError) as error:
        tc.estimate(records, date="2025-04-17")
    assert [str(p) for p in error.value.problems] == [
        "<records>[1]: hts_code: '1' is not an HTS code (expected 4, 6, 8 or 10 digits, dots allowed, e.g. 8703.23.01)"
    ]
    frame = pd.DataFrame(records)
    with pytest.raises(tc.InputError) as error:
        tc.estimate(frame, date="2025-04-17")
    assert str(error.value.problems[0]).startswith("<DataFrame> row 1: hts_code: '1' is not an HTS code")


def test_compare_is_the_cli_json(tariffcalc):
    result = tc.compare(SEED, scenarios=["baseline", "pause-ends"], dates=["2025-07-10"])
    expected = cli_json(tariffcalc, "compare", SEED, "--scenario", "baseline", "--scenario", "pause-ends", "--date", "2025-07-10")
    assert result.to_dict() == expected
    assert result.lines["total_duty[pause-ends]"].tolist() == ["8250.00", "240.00", "0.00"]


def test_timeline_is_the_cli_json(tariffcalc):
    result = tc.timeline(SEED, start="2025-03-01", end="2025-07-31")
    assert result.to_dict() == cli_json(tariffcalc, "timeline", SEED, "--from", "2025-03-01", "--to", "2025-07-31")
    assert result.points["date"].tolist()[:2] == ["2025-03-01", "2025-04-03"]


def test_refund_is_the_cli_json(tariffcalc):
    result = tc.refund(HISTORY, as_of="2026-12-01")
    assert result.to_dict() == cli_json(tariffcalc, "refund", HISTORY, "--as-of", "2026-12-01")
    assert result.entries["bucket"].tolist()[:3] == ["court", "court", "protest"]


def test_rates_is_the_cli_json(tariffcalc):
    result = tc.rates(country="JP", hts_code="9503.00.00", date="2025-04-17")
    assert result.to_dict() == cli_json(tariffcalc, "rates", "--country", "JP", "--hts", "9503.00.00", "--date", "2025-04-17")
    assert result.measures.columns.tolist() == ["id", "applied", "rate", "reason", "authority", "confidence"]


def test_the_public_names_are_exported():
    assert set(tc.__all__) >= {"estimate", "compare", "timeline", "refund", "rates", "EstimateResult", "InputError"}
    for name in tc.__all__:
        assert getattr(tc, name) is not None
    assert tc.estimate is api.estimate


def test_the_docstring_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    for module in (api,):
        failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert tried > 5 and failures == 0


def test_importing_tariffcalc_does_not_load_pandas():
    code = "import tariffcalc, tariffcalc.api, sys; print('pandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "False", result.stderr


def test_importing_the_engine_builds_no_schedule_validator():
    # The schedule's models are built on first validation (defer_build): a run that reads the schedule from the
    # cache validates none, and importing the engine must not build one either (about 25 ms of every start).
    code = (
        "import tariffcalc.engine.compile, tariffcalc.engine.estimating; from tariffcalc.law import model; "
        "print([m.__name__ for m in vars(model).values() if isinstance(m, type) and issubclass(m, model.Model) "
        "and m.__pydantic_complete__])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "[]", result.stderr


def test_mypy_passes_on_the_public_api():
    pytest.importorskip("mypy", reason="mypy is in the test extra: python -m pip install -e '.[test]'")
    probe = ROOT / "tests" / "fixtures" / "api_typing.py"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "tariffcalc/__init__.py", "tariffcalc/api.py", str(probe)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "MYPY_FORCE_COLOR": "0"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
