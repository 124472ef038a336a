"""The shipped 2026 example basket on 2026-12-01 against the worked cases of the facts (FACTS-2026 section 3).

Each line's total rate was worked out by hand from the legal acts, measure by
measure; the engine must give the same through the CLI.
"""

from __future__ import annotations

import csv
import io

from conftest import EXAMPLES

#: Line (in file order) → (total duty, effective rate, measures) on 2026-12-01.
EXPECTED = [
    ("4500.00", "0.15", "s232-autos:0.125:3750.00"),  # Japanese car: 15% all-in (9903.94.41)
    ("6300.00", "0.15", "s232-autos:0.125:5250.00"),  # German car: 15% all-in (9903.94.51)
    ("250.00", "0.125", "fl301:0.125:250.00"),  # Chinese toys: forced-labour 12.5% (List 4B suspended)
    ("11250.00", "0.75", "s301-china-fyr-25:0.25:3750.00;s232-metals-50:0.5:7500.00"),  # Chinese steel: 50% + 25%
    ("1125.00", "0.225", "fl301:0.125:625.00"),  # Vietnamese handbags: MFN 10% + 12.5%
    ("1500.00", "0.5", "s338-canada-additions:0.5:1500.00"),  # Canadian furniture, USMCA: Section 338 only
    ("1800.00", "0.6", "fl301:0.1:300.00;s338-canada-additions:0.5:1500.00"),  # not USMCA: + forced-labour 10%
    ("1060.00", "0.265", "fl301:0.1:400.00"),  # Indian T-shirts: MFN 16.5% + 10%
    ("0.00", "0", ""),  # Brazilian green coffee: exempt from both Section 301 actions
    ("1367.20", "0.1709", ""),  # Mexican tomatoes, USMCA: the antidumping deposit only
]


def test_the_2026_example_follows_the_worked_cases(tariffcalc):
    run = tariffcalc("estimate", EXAMPLES / "goods-2026.csv", "--date", "2026-12-01", "--format", "csv")
    assert run.exit_code == 0, run
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert [(r["total_duty"], r["effective_rate"], r["measures"]) for r in rows] == EXPECTED
    assert rows[-1]["ad_cvd_duty"] == "1367.20"
    assert "outside what schedule" not in run.stderr
