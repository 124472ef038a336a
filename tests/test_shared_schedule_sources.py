"""Every HTS code and chapter 99 heading of the shipped `us` schedule exists in the legal texts on disk.

Needs ``../shared/data`` (the 2025 HTS and the HTS chapter 99 text of 2026
revision 6); skipped, saying why, without it.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from conftest import SHARED_DATA

from tariffcalc import hts_codes as hts
from tariffcalc.law.load import load_schedule

HTS_CSV = SHARED_DATA / "hts_2025_basic_edition.csv"
CHAPTER_99 = SHARED_DATA / "hts_2026_rev6_chapter99.txt"
#: The date of the chapter 99 text on disk (HTS 2026 revision 6): later acts cannot be in it.
REVISION_6 = dt.date(2026, 4, 23)
#: The 2025 metals headings, which the 2026 text no longer prints (replaced by 9903.82 on 2026-04-06).
NO_LONGER_PRINTED = ("9903.78.", "9903.80.", "9903.81.", "9903.85.")

pytestmark = pytest.mark.skipif(
    not (HTS_CSV.exists() and CHAPTER_99.exists()),
    reason=f"the 2025 HTS and the chapter 99 text are not in {SHARED_DATA} (they ship beside the clone only in CI)",
)


@pytest.fixture(scope="module")
def schedule():
    return load_schedule("us")


@pytest.fixture(scope="module")
def official_codes() -> list[str]:
    frame = pd.read_csv(HTS_CSV, dtype=str, encoding="utf-8-sig", usecols=["HTS Number"]).dropna()
    return sorted(set(frame["HTS Number"].map(hts.digits_of)))


@pytest.fixture(scope="module")
def chapter_99() -> str:
    return CHAPTER_99.read_text(encoding="utf-8")


def _prefixes(schedule) -> set[str]:
    prefixes = {hts.digits_of(code) for group in schedule.product_groups.values() for code in group.codes()}
    for measure in schedule.measures:
        items = list(measure.products.include or []) + list(measure.products.exclude)
        for scoped in (*measure.conditions, *measure.exceptions):
            items += list(scoped.products or [])
        prefixes.update(hts.digits_of(i) for i in items if i not in schedule.product_groups)
    return prefixes


def test_every_hts_code_of_the_schedule_is_in_the_2025_hts_or_the_2026_chapter_99(schedule, official_codes, chapter_99):
    import bisect

    def in_hts(prefix: str) -> bool:
        i = bisect.bisect_left(official_codes, prefix)
        return i < len(official_codes) and official_codes[i].startswith(prefix)

    printed = set(hts.digits_of(c) for c in re.findall(r"\b\d{4}\.\d{2}(?:\.\d{2,4}){1,2}\b", chapter_99))
    missing = sorted(p for p in _prefixes(schedule) if not in_hts(p) and p not in printed)
    assert missing == []


def _cited(schedule):
    """(heading, the day the act took effect, its confidence, where) for every chapter 99 heading cited."""
    for measure in schedule.measures:
        acts = [(measure.authority, measure.from_, measure.confidence)]
        acts += [(c.authority, c.from_, c.confidence or measure.confidence) for c in measure.changes]
        acts += [(p.authority, p.from_, p.confidence or measure.confidence) for p in measure.pauses]
        acts += [(c.authority, c.from_ or measure.from_, c.confidence or measure.confidence) for c in measure.conditions if c.authority]
        acts += [(e.authority, e.from_ or measure.from_, e.confidence or measure.confidence) for e in measure.exceptions if e.authority]
        for authority, start, confidence in acts:
            for heading in re.findall(r"9903\.\d{2}\.\d{2}", authority.hts_heading or ""):
                yield heading, start, confidence, measure.id


def test_every_chapter_99_heading_cited_is_in_the_text_or_is_later_and_not_marked_high(schedule, chapter_99):
    unexplained = []
    for heading, start, confidence, where in _cited(schedule):
        if heading in chapter_99 or heading.startswith(NO_LONGER_PRINTED):
            continue
        # Not in the April 2026 text: it must come from a later act, and then not be marked as read in the text.
        if start <= REVISION_6 or confidence == "high":
            unexplained.append(f"{where}: {heading} (from {start}, confidence {confidence})")
    assert unexplained == []
