"""notices.in_order: the order one chunk holding the whole basket gives, whatever order the notices were met in."""

from __future__ import annotations

import random

from tariffcalc.notices import Notice, in_order


def notice(*key, first=None):
    return Notice(tuple(key), "x", count=1, lines=[first] if first else [])


def test_kinds_then_measures_then_conditions_then_first_lines():
    expected = [
        notice("dates"),
        notice("empty-mfn", first=9),
        notice("undeclared", "b", "quota"),  # measure b comes before c in the schedule
        notice("undeclared", "b", "auto_part"),  # quota is b's first condition, auto_part its second
        notice("undeclared", "c", "usmca"),
        notice("confidence", "b", 0),
        notice("confidence", "b", 1),
        notice("content", "a"),
        notice("hts-column2", ("CU",), first=3),  # the official HTS's, by first line
        notice("hts-mfn", "no rate", first=7),
        notice("fees-mode"),
        notice("something-new", first=1),  # kinds not known come last
    ]
    fields = {"b": ["quota", "auto_part"], "c": ["usmca"]}
    shuffle = random.Random(15)
    for _ in range(200):  # the orders the notices are met in
        met = shuffle.sample(expected, len(expected))
        assert [n.key for n in in_order(met, ["a", "b", "c"], fields)] == [n.key for n in expected]
    assert [n.key for n in in_order(reversed(expected), ["a", "b", "c"], fields)] == [n.key for n in expected]
