"""The shipped schedule against the official 2025 HTS (needs ../shared/data; skipped without it)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SHARED_DATA

from tariffcalc import hts_codes
from tariffcalc.law.load import load_schedule

HTS_CSV = SHARED_DATA / "hts_2025_basic_edition.csv"

pytestmark = pytest.mark.skipif(
    not HTS_CSV.exists(), reason=f"the official 2025 HTS is not at {HTS_CSV} (it ships beside the clone only in CI)"
)


@pytest.fixture(scope="module")
def official_codes() -> set[str]:
    frame = pd.read_csv(HTS_CSV, dtype=str, encoding="utf-8-sig", usecols=["HTS Number"]).dropna()
    return set(frame["HTS Number"].map(hts_codes.digits_of))


def test_the_example_baskets_use_real_codes(official_codes):
    from conftest import EXAMPLES

    for path in EXAMPLES.glob("*.csv"):
        codes = set(pd.read_csv(path, dtype=str)["hts_code"].map(hts_codes.digits_of))
        unknown = [c for c in codes if not any(o.startswith(c) for o in official_codes)]
        assert unknown == [], path.name
