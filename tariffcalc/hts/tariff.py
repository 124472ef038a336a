"""The official HTSUS, loaded: codes, descriptions, units and the rates of duty, and what its rates parse to.

An :class:`HtsTariff` wraps the tidy frame of :mod:`tariffcalc.hts.usitc`.
A code given at any level (4, 6, 8 or 10 digits) exists when some line of the
HTS starts with it; its rate is its own (or its 8-digit parent's), else the
one rate all the lines under it share.  Lookups work per distinct code.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from .. import hts_codes
from .rates import COMPUTED_KINDS, OTHER_KINDS, ParsedRate, parse_rate_text

#: Rate columns of the HTS, by the name the output gives them.
RATE_COLUMNS = {"general": "General Rate of Duty", "special": "Special Rate of Duty", "column2": "Column 2 Rate of Duty"}
_RATE_NAMES = {"general": "general rate", "special": "special rate", "column2": "column 2 rate"}


@dataclass(frozen=True)
class CodeRate:
    """A code's rate in one column: the text, the code it is written on, or why there is none."""

    text: str
    #: The HTS line whose rate it is (the code itself, its 8-digit parent, or the lines under it).
    source: str
    problem: str = ""


@dataclass
class HtsTariff:
    """One edition of the official tariff (HTSUS), as USITC publishes it: not a schedule of tariffcalc's measures."""

    frame: pd.DataFrame
    #: ``edition``, ``source`` (file name), ``sha256``, ``rows`` and the parse report, as stored.
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        coded = self.frame.loc[self.frame["code"] != "", "code"]
        self._row_of: dict[str, int] = {}
        for row, code in zip(coded.index, coded):
            self._row_of.setdefault(code, int(row))
        self._sorted = sorted(self._row_of)
        self._parsed: dict[str, ParsedRate] = {}

    @property
    def edition(self) -> str:
        return self.meta.get("edition", "HTS")

    # -- codes ------------------------------------------------------------------------------

    def _under(self, code: str) -> list[str]:
        """Every HTS code that starts with ``code`` (itself included), in order."""
        start = bisect.bisect_left(self._sorted, code)
        end = bisect.bisect_left(self._sorted, code + "\x7f", start)
        return self._sorted[start:end]

    def exists(self, code: str) -> bool:
        return bool(self._under(code))

    def nearest(self, code: str, count: int = 3) -> list[str]:
        """The valid codes of the same length closest to ``code``: longest shared prefix first, then by number; dotted."""
        length = len(code)
        same = sorted({c[:length] for c in self._sorted if len(c) >= length})
        if not same:
            return []
        at = bisect.bisect_left(same, code)
        window = same[max(0, at - count) : at + count]
        window.sort(key=lambda c: (-_common_prefix(c, code), abs(int(c) - int(code)), c))
        return [hts_codes.dotted(c) for c in window[:count]]

    def row(self, code: str) -> int | None:
        """The row of ``code`` itself, or of the first line under it."""
        if code in self._row_of:
            return self._row_of[code]
        under = self._under(code)
        return self._row_of[under[0]] if under else None

    # -- descriptions -----------------------------------------------------------------------

    def path(self, code: str) -> list[str]:
        """The descriptions from the heading down to ``code`` (its parent headings first)."""
        row = self.row(code)
        descriptions, parents = self.frame["description"], self.frame["parent"]
        path = []
        while row is not None and row >= 0:
            path.append(str(descriptions.iat[row]).rstrip(":").strip())
            row = int(parents.iat[row])
            row = row if row >= 0 else None
        return path[::-1]

    def description(self, code: str) -> str:
        """The description path as one text: ``Heading > Subheading > Line``."""
        return " > ".join(self.path(code))

    def unit(self, code: str) -> str:
        """The unit(s) of quantity of the line (or of the statistical suffixes under it, when they agree)."""
        units = {self.frame["unit"].iat[self._row_of[c]] for c in self._under(code)} - {""}
        return units.pop() if len(units) == 1 else ""

    # -- rates ------------------------------------------------------------------------------

    def rate(self, code: str, column: str = "general") -> CodeRate:
        """The code's rate in a column (``general``, ``special`` or ``column2``)."""
        values = self.frame[column]
        if code in self._row_of and values.iat[self._row_of[code]]:
            return CodeRate(values.iat[self._row_of[code]], code)
        if len(code) == 10 and code[:8] in self._row_of and values.iat[self._row_of[code[:8]]]:
            return CodeRate(values.iat[self._row_of[code[:8]]], code[:8])
        texts = {values.iat[self._row_of[c]] for c in self._under(code)} - {""}
        if len(texts) == 1:
            return CodeRate(texts.pop(), code)
        if not texts:
            return CodeRate("", code, f"the {self.edition} gives no {_RATE_NAMES[column]} for {hts_codes.dotted(code)}")
        return CodeRate(
            "",
            code,
            f"{hts_codes.dotted(code)} covers lines with {len(texts)} different {_RATE_NAMES[column]}s "
            f"in the {self.edition}; give the 8- or 10-digit code",
        )

    def parsed(self, text: str) -> ParsedRate:
        """A rate text parsed (each distinct text once)."""
        if text not in self._parsed:
            self._parsed[text] = parse_rate_text(text)
        return self._parsed[text]

    # -- search -----------------------------------------------------------------------------

    def paths(self) -> pd.Series:
        """Every row's description path as one lower-case text (computed once, by array lookups per level)."""
        if getattr(self, "_paths", None) is None:
            import numpy as np

            own = self.frame["description"].str.lower().to_numpy(dtype=object)
            parent = self.frame["parent"].to_numpy(dtype=np.int64)
            text, up = own.copy(), parent.copy()
            while (up >= 0).any():
                has = up >= 0
                text[has] = own[up[has]] + " > " + text[has]
                up = np.where(has, parent[np.maximum(up, 0)], -1)
            self._paths = pd.Series(text, index=self.frame.index, dtype=object)
        return self._paths

    def search(self, words: str, limit: int = 50) -> list[str]:
        """Codes of 8 or 10 digits whose description path contains every word (case-insensitive), in HTS order."""
        hits = self.frame["code"].str.len() >= 8
        paths = self.paths()
        for word in words.lower().split():
            hits &= paths.str.contains(word, regex=False)
        return list(self.frame.loc[hits, "code"].head(limit))


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def rate_report(frame: pd.DataFrame, column: str = "general") -> dict:
    """How the rates written in a column of the HTS (``general`` or ``column2``) parse, by kind.

    Counts the cells the file writes (not those inherited by statistical
    suffixes).  ``unparsed`` lists every cell that did not parse, with its line
    and the reason; ``kinds`` counts every kind, so the counts add up to ``cells``.
    """
    flag = {"general": "written", "column2": "written2"}[column]
    if flag not in frame:
        raise ValueError(f"this HTS store has no record of which {column} rates the file writes; import it again")
    written = frame.loc[frame[flag].astype(str).isin(["True", "true", "1"])]
    parsed = {text: parse_rate_text(text) for text in pd.unique(written[column])}
    kinds = Counter(parsed[text].kind for text in written[column])
    unparsed = [
        {"line": int(line), "code": hts_codes.dotted(code) if code else "", "text": text, "reason": parsed[text].reason}
        for line, code, text in zip(written["line"], written["code"], written[column])
        if parsed[text].kind == "unparsed"
    ]
    ordered = {k: kinds.get(k, 0) for k in (*COMPUTED_KINDS, *OTHER_KINDS, "unparsed")}
    return {"column": RATE_COLUMNS[column], "cells": int(len(written)), "kinds": ordered, "unparsed": unparsed}


def report_lines(report: dict) -> list[str]:
    """The parse report for people, one line each."""
    lines = [f"{report['column']}: {report['cells']:,} rate cells parsed by kind:"]
    for kind, count in report["kinds"].items():
        if count or kind in COMPUTED_KINDS or kind == "unparsed":
            meaning = f" ({OTHER_KINDS[kind]}; not computed)" if kind in OTHER_KINDS else ""
            lines.append(f"  {kind:<14} {count:>6,}{meaning}")
    for item in report["unparsed"]:
        lines.append(f"  unparsed: line {item['line']} {item['code']} {item['text']!r}: {item['reason']}")
    return lines
