"""Output for people: Rich tables of the lines, the totals, and the breakdowns."""

from __future__ import annotations

import numpy as np
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..countries import country_name
from ..engine.result import Estimate, Summary
from ..goods.basket import Skipped
from .sinks import Sink, write_all
from .text import money, percent

#: Tables longer than this show their first lines only, and say so.
MAX_TABLE_LINES = 200

#: Below this width the lines table is compact: no descriptions, no side borders, headers on two lines.
COMPACT_WIDTH = 110


def _lines_table(chunks: list[Estimate], limit: int, width: int | None = None) -> Table:
    """The lines; at ``width`` below :data:`COMPACT_WIDTH` compact, so that every money column still fits."""
    several_dates = len({d for e in chunks for d in np.datetime_as_string(e.dates, unit="D")}) > 1
    compact = width is not None and width < COMPACT_WIDTH
    if compact:
        table = Table(
            title="Lines (descriptions left out at this width)", title_justify="left", header_style="bold",
            box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
        )  # fmt: skip
    else:
        table = Table(title="Lines", title_justify="left", header_style="bold")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("HTS", overflow="fold", min_width=10 if not compact else 8)
    table.add_column("Origin" if not compact else "From", no_wrap=True)
    if several_dates:
        table.add_column("Date", no_wrap=not compact, overflow="fold")
    table.add_column("Value (USD)" if not compact else "Value\n(USD)", justify="right", no_wrap=True)
    table.add_column("MFN", justify="right", no_wrap=True)
    table.add_column("Measures applied", overflow="fold", min_width=24 if not compact else 10)
    table.add_column("Total duty" if not compact else "Total\nduty", justify="right", no_wrap=True)
    table.add_column("Rate", justify="right", no_wrap=True)
    number = 0
    for estimate in chunks:
        shown = min(len(estimate), limit - number)
        _add_lines(table, estimate, shown, number, several_dates, with_descriptions=not compact)
        number += shown
    return table


def _add_lines(
    table: Table, estimate: Estimate, count: int, offset: int, several_dates: bool, with_descriptions: bool = True
) -> None:
    dates = np.datetime_as_string(estimate.dates, unit="D")
    codes = estimate.hts_dotted()
    countries = estimate.basket.country
    description = estimate.basket.text("description")
    for i in range(count):
        applied = [
            f"{m.id} {percent(int(estimate.rates[i, j]))}"
            for j, m in enumerate(estimate.measures)
            if estimate.rates[i, j] >= 0
        ]
        hts_cell = Text(codes.iloc[i])
        if with_descriptions and description is not None and description.iloc[i]:
            hts_cell.append("\n" + description.iloc[i], style="dim")
        row = [str(offset + i + 1), hts_cell, countries.iloc[i]]
        if several_dates:
            row.append(dates[i])
        row += [
            money(int(estimate.value[i])),
            money(int(estimate.mfn_duty[i])),
            "\n".join(applied) or Text("none", style="dim"),
            Text(money(int(estimate.total_duty[i])), style="bold"),
            percent(int(estimate.effective_rate[i])),
        ]
        table.add_row(*row)


def _totals_table(summary: Summary) -> Table:
    totals = summary.totals()
    table = Table(title="Totals", title_justify="left", header_style="bold")
    for name in ("Lines", "Value (USD)", "MFN duty", "Additional duties", "Total duty", "Effective rate"):
        table.add_column(name, justify="right")
    table.add_row(
        f"{totals.lines:,}",
        money(totals.value),
        money(totals.mfn_duty),
        money(totals.additional_duty),
        Text(money(totals.total_duty), style="bold"),
        Text(percent(totals.effective_rate), style="bold"),
    )
    return table


def _measures_table(summary: Summary) -> Table:
    table = Table(title="By measure", title_justify="left", header_style="bold")
    table.add_column("Measure", overflow="fold")
    table.add_column("Authority", overflow="fold")
    for name in ("Lines", "Value (USD)", "Duty (USD)"):
        table.add_column(name, justify="right")
    for row in summary.by_measure().itertuples():
        table.add_row(
            Text(row.id, style="bold") + Text("\n" + row.name, style="dim"),
            row.citation,
            f"{row.lines:,}",
            money(int(row.value)),
            money(int(row.duty)),
        )
    return table


def _countries_table(summary: Summary) -> Table:
    table = Table(title="By country of origin", title_justify="left", header_style="bold")
    table.add_column("Country")
    for name in ("Lines", "Value (USD)", "MFN duty", "Additional", "Total duty", "Rate"):
        table.add_column(name, justify="right")
    for row in summary.by_country().itertuples():
        table.add_row(
            f"{row.country} {country_name(row.country)}",
            f"{row.lines:,}",
            money(int(row.value)),
            money(int(row.mfn_duty)),
            money(int(row.additional_duty)),
            money(int(row.total_duty)),
            percent(int(row.effective_rate)),
        )
    return table


def render(
    chunks: list[Estimate], summary: Summary, skipped: Skipped | None, limit: int = MAX_TABLE_LINES, width: int | None = None
) -> Group:
    """All four tables, ready for ``Console.print``: the first ``limit`` lines of ``chunks``, and the summary.

    ``width`` is the console's: narrow ones get a compact lines table that keeps every money column.
    """
    parts: list = [_lines_table(chunks, limit, width)]
    if summary.lines > limit:
        parts.append(
            Text(
                f"... {summary.lines - limit:,} more lines not shown here (the totals below include them; "
                "use --format csv or json for every line)",
                style="italic",
            )
        )
    parts.append(_totals_table(summary))
    if skipped and skipped.lines:
        unknown = f"; {skipped.unknown_value_lines:,} of them with a value that could not be read" if skipped.unknown_value_lines else ""
        parts.append(
            Text(
                f"Left out: {skipped.lines:,} invalid line(s) worth USD {money(skipped.value_cents)}{unknown} "
                "(listed on stderr); the totals above do not include them.",
                style="bold red",
            )
        )
    parts += [_measures_table(summary), _countries_table(summary)]
    info = summary.schedule.schedule
    parts.append(Text(f"Schedule: {info.name} ({info.id}); date {summary.date.isoformat()}", style="dim"))
    return Group(*parts)


class TableSink(Sink):
    """Keeps the first lines for the table; prints everything once the totals are known."""

    def __init__(self, console: Console, limit: int = MAX_TABLE_LINES):
        self.console, self.limit = console, limit
        self.chunks: list[Estimate] = []
        self.kept = 0

    def write(self, estimate: Estimate, first_line: int) -> None:
        if self.kept < self.limit:
            self.chunks.append(estimate)
            self.kept += len(estimate)

    def finish(self, summary: Summary, skipped: Skipped | None) -> None:
        self.console.print(render(self.chunks, summary, skipped, self.limit, self.console.width))


def write_table(estimate: Estimate, console: Console) -> None:
    write_all(estimate, TableSink(console))
