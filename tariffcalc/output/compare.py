"""Output of ``compare``: CSV, JSON and Rich tables.

Every writer takes a :class:`ChunkedComparison` and writes as the chunks come.
JSON shape (documented in the README, kept stable)::

    {"basket": "...", "states": [{"label", "scenarios", "date", "schedule"}],
     "lines": [{"line", "hts_code", "country", "value",
                "states": [{"label", "measures": [{"id", "rate", "duty"}], "total_duty", "effective_rate"}],
                "changes": [{"state", "versus", "duty", "rate_points"}]}],
     "totals": {"value", "states": [{"label", "total_duty", "effective_rate"}],
                "changes": [{"state", "versus", "duty", "rate_points"}]}}
"""

from __future__ import annotations

import json
from typing import TextIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..analysis.compare import (
    ChunkedComparison,
    Comparison,
    points,
    points_column,
    signed_cents,
    signed_cents_str,
    total_points,
)
from ..money import cents_to_str, format_cents, format_rate, format_rates
from .csv_text import cents_text, ids_need_quotes, measures_text, rates_text, write_columns
from .sinks import neutralise_formulas
from .text import money, percent
from .write_behind import WriteBehind


def csv_frame(comparison: Comparison) -> pd.DataFrame:
    """The input's columns, then per state its total duty and rate, then per later state the changes."""
    original = comparison.basket.columns.reset_index(drop=True)
    columns = {}
    for state, result in zip(comparison.states, comparison.results):
        columns[f"total_duty[{state.label}]"] = format_cents(result.total_duty)
        columns[f"effective_rate[{state.label}]"] = format_rates(result.effective_rate)
        columns[f"measures[{state.label}]"] = result.measures_text()
    for state, duty, pts in zip(comparison.states[1:], comparison.duty_changes(), comparison.point_changes()):
        columns[f"change_duty[{state.label}]"] = signed_cents(duty)
        columns[f"change_points[{state.label}]"] = points_column(pts)
    return pd.concat([original, pd.DataFrame(columns)], axis=1)


def write_csv(run: ChunkedComparison, out: TextIO, excel_safe: bool = False) -> int:
    """Write the lines chunk by chunk, each while the next is compared; returns the cells ``excel_safe`` neutralised.

    Each chunk is written on whole columns with pyarrow (:mod:`tariffcalc.output.csv_text`, the estimate's CSV
    writer); a chunk with an input column holding anything but text is written by pandas from :func:`csv_frame`.
    """
    with WriteBehind(lambda comparison, first_line: write_chunk(comparison, out, first_line == 1, excel_safe)) as write:
        for comparison, first_line in run:
            write(comparison, first_line)
            del comparison  # the writer holds the chunk: it is freed once written
    return sum(write.returned)


def write_chunk(comparison: Comparison, out: TextIO, header: bool, excel_safe: bool = False) -> int:
    """Write one chunk's lines (and the header before the first); returns the cells ``excel_safe`` neutralised."""
    written = _write_columns(comparison, out, header, excel_safe)
    if written is not None:
        return written
    frame = csv_frame(comparison)
    changed = 0
    if excel_safe:
        frame, changed = neutralise_formulas(frame)
    frame.to_csv(out, index=False, header=header, lineterminator="\n")
    return changed


def text_columns(comparison: Comparison) -> dict[str, pa.Array]:
    """:func:`csv_frame`'s computed columns as pyarrow text, in the same order and with the same text."""
    columns = {}
    for state, result in zip(comparison.states, comparison.results):
        columns[f"total_duty[{state.label}]"] = cents_text(result.total_duty)
        columns[f"effective_rate[{state.label}]"] = rates_text(result.effective_rate)
        columns[f"measures[{state.label}]"] = measures_text(result)
    for state, duty, pts in zip(comparison.states[1:], comparison.duty_changes(), comparison.point_changes()):
        columns[f"change_duty[{state.label}]"] = _signed_cents_text(duty)
        columns[f"change_points[{state.label}]"] = _points_text(pts)
    return columns


def _signed_cents_text(cents: np.ndarray) -> pa.Array:
    """Signed cents as ``"-12.50"`` / ``"12.50"`` (what :func:`signed_cents` gives)."""
    cents = np.asarray(cents, dtype=np.int64)
    text = cents_text(np.abs(cents))
    return pc.if_else(pa.array(cents < 0), pc.binary_join_element_wise("-", text, ""), text)


def _points_text(micro: np.ndarray) -> pa.Array:
    """Changes of rate as percentage points, empty where undefined (what :func:`points_column` gives)."""
    codes, uniques = pd.factorize(np.asarray(micro, dtype=np.int64))
    texts = pa.array([points(int(u)) or "" for u in uniques] or [""], type=pa.string())
    return texts.take(pa.array(codes, type=pa.int64()))


def _write_columns(comparison: Comparison, out: TextIO, header: bool, excel_safe: bool) -> int | None:
    """Write the chunk as CSV on whole columns (:func:`tariffcalc.output.csv_text.write_columns`); the cells
    ``excel_safe`` changed, or None (nothing written) when an input column holds anything but text."""
    quote_measures = ids_need_quotes(m for r in comparison.results for m in r.measures)
    return write_columns(
        comparison.basket.columns, lambda: text_columns(comparison),
        lambda name: name.startswith("measures[") and quote_measures, out, header, excel_safe,
    )  # fmt: skip


def line_records(comparison: Comparison, first_line: int) -> list[dict]:
    """One JSON object per line of the chunk, numbered from ``first_line``."""
    first = comparison.results[0]
    labels = [s.label for s in comparison.states]
    codes = first.hts_dotted()
    duty_changes, point_changes = comparison.duty_changes(), comparison.point_changes()
    point_texts = [points_column(change) for change in point_changes]
    measure_lists = [
        [
            [
                {"id": m.id, "rate": format_rate(int(r.rates[i, j])), "duty": cents_to_str(int(r.duties[i, j]))}
                for j, m in enumerate(r.measures)
                if r.rates[i, j] >= 0
            ]
            for i in range(len(r))
        ]
        for r in comparison.results
    ]
    return [
        {
            "line": first_line + i,
            "hts_code": codes.iloc[i],
            "country": first.basket.country.iloc[i],
            "value": cents_to_str(int(first.value[i])),
            "states": [
                {
                    "label": label,
                    "measures": measure_lists[k][i],
                    "total_duty": cents_to_str(int(r.total_duty[i])),
                    "effective_rate": format_rate(int(r.effective_rate[i])) if r.effective_rate[i] >= 0 else None,
                }
                for k, (label, r) in enumerate(zip(labels, comparison.results))
            ],
            "changes": [
                {
                    "state": label,
                    "versus": labels[0],
                    "duty": signed_cents_str(int(duty_changes[k][i])),
                    "rate_points": point_texts[k].iloc[i],
                }
                for k, label in enumerate(labels[1:])
            ],
        }
        for i in range(len(first))
    ]


def totals_record(run: ChunkedComparison) -> dict:
    labels = [s.label for s in run.states]
    totals = run.totals()
    return {
        "value": cents_to_str(totals[0].value),
        "states": [
            {
                "label": label,
                "total_duty": cents_to_str(t.total_duty),
                "effective_rate": format_rate(t.effective_rate) if t.effective_rate >= 0 else None,
            }
            for label, t in zip(labels, totals)
        ],
        "changes": [
            {
                "state": label,
                "versus": labels[0],
                "duty": signed_cents_str(t.total_duty - totals[0].total_duty),
                "rate_points": pts,
            }
            for label, t, pts in zip(labels[1:], totals[1:], total_points(totals))
        ],
    }


def write_json(run: ChunkedComparison, out: TextIO) -> None:
    """The document above, written as the chunks come: its lines one per row, then the totals."""
    started = False
    for comparison, first_line in run:
        if first_line == 1:
            head = {
                "basket": comparison.basket.name,
                "states": [
                    {"label": s.label, "scenarios": list(s.scenarios), "date": s.date.isoformat(), "schedule": s.schedule.id}
                    for s in run.states
                ],
            }
            out.write(json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "lines": [')
        for record in line_records(comparison, first_line):
            out.write((",\n    " if started else "\n    ") + json.dumps(record, ensure_ascii=False))
            started = True
    tail = json.dumps({"totals": totals_record(run)}, indent=2, ensure_ascii=False)[2:]
    out.write(("\n  " if started else "") + "],\n" + tail + "\n")


def write_jsonl(run: ChunkedComparison, out: TextIO) -> None:
    for comparison, first_line in run:
        for record in line_records(comparison, first_line):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _signed_money(cents: int) -> Text:
    text = ("+" if cents > 0 else "-" if cents < 0 else "") + money(abs(cents))
    return Text(text, style="red" if cents > 0 else "green" if cents < 0 else "")


def _signed_points(value: str | None) -> str:
    if value is None:
        return "–"
    return ("" if value.startswith("-") or value == "0" else "+") + value + " pp"


def render(run: ChunkedComparison, limit: int = 200, width: int | None = None) -> Group:
    """The lines in every state and the totals; at ``width`` below 110 the lines table is compact, keeping the money whole."""
    labels = [s.label for s in run.states]
    compact = width is not None and width < 110
    if compact:
        table = Table(title="Lines", title_justify="left", header_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    else:
        table = Table(title="Lines", title_justify="left", header_style="bold")
    table.add_column("#", justify="right")
    table.add_column("HTS", no_wrap=not compact, overflow="fold")
    table.add_column("Origin" if not compact else "From")
    table.add_column("Value (USD)" if not compact else "Value\n(USD)", justify="right", no_wrap=True)
    # The money in a state's column never wraps; a long label folds over the header's lines instead.
    for label in labels:
        table.add_column(_header(f"{label}\nduty · rate"), justify="right", no_wrap=True)
    for label in labels[1:]:
        table.add_column(_header(f"change\n{label}"), justify="right", no_wrap=True)
    lines = 0
    for comparison, first_line in run:
        lines += len(comparison.basket)
        shown = max(0, min(len(comparison.basket), limit - first_line + 1))
        if not shown:
            continue
        first = comparison.results[0]
        codes = first.hts_dotted()
        duty_changes, point_changes = comparison.duty_changes(), comparison.point_changes()
        for i in range(shown):
            row = [str(first_line + i), codes.iloc[i], first.basket.country.iloc[i], money(int(first.value[i]))]
            row += [f"{money(int(r.total_duty[i]))}\n{percent(int(r.effective_rate[i]))}" for r in comparison.results]
            for k in range(len(labels) - 1):
                change = _signed_money(int(duty_changes[k][i]))
                change.append("\n" + _signed_points(points_column(point_changes[k][i : i + 1]).iloc[0]))
                row.append(change)
            table.add_row(*row)
    parts: list = [table]
    if lines > limit:
        parts.append(Text(f"... {lines - limit:,} more lines not shown here (the totals include them)", style="italic"))
    totals = run.totals()
    summary = Table(title="Totals", title_justify="left", header_style="bold")
    for name in ("State", "Date", "Total duty (USD)", "Effective rate", "Change (USD)", "Change (pp)"):
        summary.add_column(name, justify="left" if name in ("State", "Date") else "right")
    changes = [None, *total_points(totals)]
    for k, (state, t) in enumerate(zip(run.states, totals)):
        summary.add_row(
            state.label,
            state.date.isoformat(),
            money(t.total_duty),
            percent(t.effective_rate),
            "" if k == 0 else _signed_money(t.total_duty - totals[0].total_duty),
            "" if k == 0 else _signed_points(changes[k]),
        )
    parts += [summary, Text(f"Value of the basket: USD {money(totals[0].value)}; changes are against {labels[0]}.", style="dim")]
    return Group(*parts)


def _header(text: str) -> Text:
    """A header that folds (its column's cells do not)."""
    return Text(text, justify="right", no_wrap=False, overflow="fold")


def write_table(run: ChunkedComparison, console: Console) -> None:
    console.print(render(run, width=console.width))
