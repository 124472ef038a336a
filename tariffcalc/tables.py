"""Output for people: Rich tables of the lines, the totals, and the breakdowns."""

from __future__ import annotations

import numpy as np
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .countries import country_name
from .money import format_percent
from .result import Estimate

#: Tables longer than this show their first lines only, and say so.
MAX_TABLE_LINES = 200


def money(cents: int) -> str:
    """Cents for people: ``750000`` → ``"7,500.00"``."""
    return f"{cents // 100:,}.{cents % 100:02d}"


def percent(micro: int) -> str:
    """A rate for people, to two decimals of a percent (half up): ``231883`` → ``"23.19%"``; exact in CSV/JSON."""
    if micro < 0:
        return "–"
    return format_percent((micro + 50) // 100 * 100)


def _lines_table(estimate: Estimate, limit: int) -> Table:
    dates = np.datetime_as_string(estimate.dates, unit="D")
    several_dates = len(set(dates)) > 1
    table = Table(title="Lines", title_justify="left", header_style="bold")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("HTS", overflow="fold", min_width=10)
    table.add_column("Origin", no_wrap=True)
    if several_dates:
        table.add_column("Date", no_wrap=True)
    table.add_column("Value (USD)", justify="right", no_wrap=True)
    table.add_column("MFN", justify="right", no_wrap=True)
    table.add_column("Measures applied", overflow="fold", min_width=24)
    table.add_column("Total duty", justify="right", no_wrap=True)
    table.add_column("Rate", justify="right", no_wrap=True)
    codes = estimate.hts_dotted()
    countries = estimate.basket.country
    description = estimate.basket.text("description")
    for i in range(min(len(estimate), limit)):
        applied = [
            f"{m.id} {percent(int(estimate.rates[i, j]))}"
            for j, m in enumerate(estimate.measures)
            if estimate.rates[i, j] >= 0
        ]
        hts_cell = Text(codes.iloc[i])
        if description is not None and description.iloc[i]:
            hts_cell.append("\n" + description.iloc[i], style="dim")
        row = [str(i + 1), hts_cell, countries.iloc[i]]
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
    return table


def _totals_table(estimate: Estimate) -> Table:
    totals = estimate.totals()
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


def _measures_table(estimate: Estimate) -> Table:
    table = Table(title="By measure", title_justify="left", header_style="bold")
    table.add_column("Measure", overflow="fold")
    table.add_column("Authority", overflow="fold")
    for name in ("Lines", "Value (USD)", "Duty (USD)"):
        table.add_column(name, justify="right")
    for row in estimate.by_measure().itertuples():
        table.add_row(
            Text(row.id, style="bold") + Text("\n" + row.name, style="dim"),
            row.citation,
            f"{row.lines:,}",
            money(int(row.value)),
            money(int(row.duty)),
        )
    return table


def _countries_table(estimate: Estimate) -> Table:
    table = Table(title="By country of origin", title_justify="left", header_style="bold")
    table.add_column("Country")
    for name in ("Lines", "Value (USD)", "MFN duty", "Additional", "Total duty", "Rate"):
        table.add_column(name, justify="right")
    for row in estimate.by_country().itertuples():
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


def render(estimate: Estimate, limit: int = MAX_TABLE_LINES) -> Group:
    """All four tables, ready for ``Console.print``."""
    parts = [_lines_table(estimate, limit)]
    if len(estimate) > limit:
        parts.append(
            Text(
                f"... {len(estimate) - limit:,} more lines not shown here (the totals below include them; "
                "use --format csv or json for every line)",
                style="italic",
            )
        )
    parts.append(_totals_table(estimate))
    skipped = estimate.basket.skipped
    if skipped and skipped.lines:
        unknown = f"; {skipped.unknown_value_lines:,} of them with a value that could not be read" if skipped.unknown_value_lines else ""
        parts.append(
            Text(
                f"Left out: {skipped.lines:,} invalid line(s) worth USD {money(skipped.value_cents)}{unknown} "
                "(listed on stderr); the totals above do not include them.",
                style="bold red",
            )
        )
    parts += [_measures_table(estimate), _countries_table(estimate)]
    info = estimate.schedule.schedule
    parts.append(Text(f"Schedule: {info.name} ({info.id}); date {estimate.date.isoformat()}", style="dim"))
    return Group(*parts)


def write_table(estimate: Estimate, console: Console) -> None:
    console.print(render(estimate))
