"""Output of ``timeline``: CSV, JSON and a Rich chart of the effective rate over time.

JSON shape (documented in the README, kept stable)::

    {"basket": "...", "schedule": "us", "from": "YYYY-MM-DD", "to": "YYYY-MM-DD",
     "points": [{"date", "total_duty", "effective_rate", "change_duty", "changed_measures": [...],
                 "by_measure": [{"id", "duty"}]}]}
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TextIO

import pandas as pd
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..analysis.compare import signed_cents_str
from ..analysis.timeline import Timeline
from ..money import cents_to_str, format_rate
from .text import money, percent

#: Width of the longest bar in the chart, in characters.
BAR_WIDTH = 40


def records(timeline: Timeline) -> list[dict]:
    out = []
    previous_total = None
    for point in timeline.points:
        totals = point.summary.totals()
        out.append(
            {
                "date": point.date.isoformat(),
                "total_duty": cents_to_str(totals.total_duty),
                "effective_rate": format_rate(totals.effective_rate) if totals.effective_rate >= 0 else None,
                "change_duty": None if previous_total is None else signed_cents_str(totals.total_duty - previous_total),
                "changed_measures": point.changed,
                "by_measure": [
                    {"id": row.id, "duty": cents_to_str(int(row.duty))} for row in point.summary.by_measure().itertuples()
                ],
            }
        )
        previous_total = totals.total_duty
    return out


def write_json(timeline: Timeline, start: dt.date, end: dt.date, out: TextIO) -> None:
    doc = {
        "basket": timeline.basket,
        "schedule": timeline.points[0].summary.schedule.id,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "points": records(timeline),
    }
    out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def write_jsonl(timeline: Timeline, out: TextIO) -> None:
    for record in records(timeline):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_csv(timeline: Timeline, out: TextIO) -> None:
    rows = records(timeline)
    frame = pd.DataFrame(
        {
            "date": [r["date"] for r in rows],
            "total_duty": [r["total_duty"] for r in rows],
            "effective_rate": [r["effective_rate"] for r in rows],
            "change_duty": [r["change_duty"] or "" for r in rows],
            "changed_measures": [";".join(r["changed_measures"]) for r in rows],
        }
    )
    frame.to_csv(out, index=False, lineterminator="\n")


def render(timeline: Timeline) -> Group:
    points = timeline.points
    totals = [p.summary.totals() for p in points]
    highest = max((t.effective_rate for t in totals), default=0) or 1
    chart = Table(title="Effective rate of the basket over time", title_justify="left", header_style="bold", box=None)
    chart.add_column("From", no_wrap=True)
    chart.add_column("Effective rate", no_wrap=True)
    chart.add_column("Total duty (USD)", justify="right", no_wrap=True)
    chart.add_column("What changed", overflow="fold")
    for point, t in zip(points, totals):
        rate = max(t.effective_rate, 0)
        bar = Text("█" * round(BAR_WIDTH * rate / highest), style="cyan")
        bar.append(" " * (BAR_WIDTH - len(bar.plain)) + " " + percent(t.effective_rate))
        chart.add_row(point.date.isoformat(), bar, money(t.total_duty), ", ".join(point.changed) or "(start)")
    note = Text(
        f"{timeline.basket}: {timeline.lines:,} lines, USD {money(totals[0].value)}; "
        f"schedule {points[0].summary.schedule.id}. "
        "Each row holds until the next.",
        style="dim",
    )
    return Group(chart, note)


def write_table(timeline: Timeline, console: Console) -> None:
    console.print(render(timeline))
