"""Warnings about a computation, kept as data so that those of several chunks of a basket merge into one.

A :class:`Notice` counts the lines it concerns and keeps the first few of
their line numbers; two notices with the same key add up.  :func:`in_order`
gives them in an order that does not depend on how the basket was cut into
chunks: the order in which one chunk holding the whole basket finds them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
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


#: The order of warnings by kind (a key's first item): as the engine finds them in one chunk (dates, MFN rates,
#: rounding, then per measure), then the official HTS's, then the entry fees'. Other kinds come last.
KIND_ORDER = {
    kind: rank
    for rank, kinds in enumerate(
        (
            ("dates",), ("dates-before",), ("unverified",), ("no-mfn", "empty-mfn"), ("rounded",), ("undeclared",),
            ("partial",), ("confidence",), ("content",), ("hts-mfn", "hts-column2"), ("fees-mode",), ("fees-dates",),
            ("fees-years",),
        )
    )
    for kind in kinds
}  # fmt: skip


def in_order(notices: Iterable[Notice], measure_ids: Sequence[str] = (), fields: dict[str, Sequence[str]] | None = None) -> list[Notice]:
    """The notices in an order independent of the chunks they were found in.

    By kind (:data:`KIND_ORDER`), then by the measure they name in schedule order (``measure_ids``), then by
    what follows in the key (a confidence level; for an undeclared field its place among the measure's
    conditions, from ``fields``: measure id → its condition fields in order), then by their first line: the
    order one chunk holding every line gives them.
    """
    place = {measure: i for i, measure in enumerate(measure_ids)}
    fields = fields or {}

    def rank(notice: Notice) -> tuple:
        kind, *rest = notice.key
        measure = place.get(rest[0], -1) if rest else -1
        detail = 0
        if kind == "confidence" and len(rest) > 1:
            detail = int(rest[1])
        elif kind == "undeclared" and len(rest) > 1:
            order = list(fields.get(rest[0], ()))
            detail = order.index(rest[1]) if rest[1] in order else len(order)
        first = notice.lines[0] if notice.lines else 0
        return (KIND_ORDER.get(kind, len(KIND_ORDER)), measure, detail, first)

    return sorted(notices, key=rank)
