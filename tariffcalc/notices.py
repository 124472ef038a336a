"""Warnings about a computation, kept as data so that those of several chunks of a basket merge into one.

A :class:`Notice` counts the lines it concerns and keeps the first few of
their line numbers; two notices with the same key add up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: How many line numbers a warning names before "...".
SHOWN_LINES = 5


@dataclass
class Notice:
    key: tuple
    #: The message, with ``{count}`` and ``{lines}`` (or ``{dates}``) to fill in.
    template: str
    count: int = 0
    lines: list[int] = field(default_factory=list)
    dates: set[dt.date] = field(default_factory=set)

    def add(self, other: Notice) -> None:
        self.count += other.count
        self.lines = (self.lines + other.lines)[: SHOWN_LINES + 1]
        self.dates |= other.dates

    @property
    def text(self) -> str:
        lines = ", ".join(str(n) for n in self.lines[:SHOWN_LINES]) + (" ..." if self.count > SHOWN_LINES else "")
        dates = sorted(self.dates)
        shown_dates = ", ".join(d.isoformat() for d in dates[:3]) + (" ..." if len(dates) > 3 else "")
        return self.template.format(count=self.count, lines=lines, dates=shown_dates)


def merge(into: dict[tuple, Notice], notices: list[Notice]) -> None:
    """Add notices into a dict keyed by notice key (first seen order is kept)."""
    for notice in notices:
        if notice.key in into:
            into[notice.key].add(notice)
        else:
            into[notice.key] = Notice(notice.key, notice.template, notice.count, list(notice.lines), set(notice.dates))
