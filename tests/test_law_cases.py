"""The shipped schedule against cases worked out by hand from the legal texts, through the CLI.

Each file in ``tests/cases/`` was written from the facts and the HTS chapter 99
text by a person, independently of the engine: a line (code, country, date,
value, MFN rate, declared fields) and, for the measures of one family, the rate
each must charge (measures of the family that are not listed must not apply).
The cases cover the day before and the day of every start, change and end.
Each case is priced by ``tariffcalc estimate --format json``, as a user would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

CASES = Path(__file__).parent / "cases"
#: Which measure ids each case file speaks for (by id prefix).
FAMILIES = {
    "ieepa": ("ieepa-", "reciprocal-"),
    "s301-s122": ("s301-", "fl301", "s122"),
    "s232": ("s232-", "s338-", "s201-"),
}
BASE = ("id", "hts_code", "country", "date", "value", "mfn_rate", "expect", "why", "expect_basis")


def _cases():
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = data["cases"] if isinstance(data, dict) else data
        for case in items:
            yield pytest.param(path.stem, case, id=f"{path.stem}:{case['id']}")


def _cell(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.mark.parametrize(("family", "case"), list(_cases()))
def test_a_hand_computed_case(tariffcalc, write, family, case):
    fields = {k: v for k, v in case.items() if k not in BASE}
    header = ["hts_code", "country", "value", "mfn_rate", *fields]
    row = [case["hts_code"], case["country"], case["value"], case["mfn_rate"], *fields.values()]
    basket = write("case.csv", ",".join(header) + "\n" + ",".join(_cell(v) for v in row) + "\n")
    result = tariffcalc("estimate", basket, "--schedule", "us", "--date", str(case["date"]), "--format", "json")
    assert result.exit_code == 0, result.stderr
    line = result.json()["lines"][0]
    prefixes = FAMILIES[family]
    got = {m["id"]: m["rate"] for m in line["measures"] if m["id"].startswith(prefixes)}
    want = {k: _rate(v) for k, v in (case["expect"] or {}).items()}
    assert {k: _rate(v) for k, v in got.items()} == want, case["why"]


def _rate(text) -> str:
    from decimal import Decimal

    return format(Decimal(str(text)).normalize(), "f")
