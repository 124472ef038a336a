"""Pictures: the basket's effective rate over time (``timeline --chart``) and per state (``compare --chart``).

Drawn with matplotlib, the optional ``chart`` extra; both take the command's
JSON document, so a chart shows exactly what ``--format json`` says.  SVG
keeps its text as text (the labels can be searched and tested); PNG is 150 dpi.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem

#: The formats a chart is written in, by suffix.
CHART_SUFFIXES = (".svg", ".png")

INSTALL_HINT = "python -m pip install 'tariffcalc[chart]' (in a clone: python -m pip install '.[chart]')"


def check_chart_path(path: Path) -> None:
    """InputError unless ``path`` ends in .svg or .png and its folder exists (checked before computing)."""
    if path.suffix.lower() not in CHART_SUFFIXES:
        raise InputError(Problem(str(path), f"a chart is written as .svg or .png, not {path.suffix or 'a file without a suffix'}"))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(Problem(str(path), "cannot write the chart here (no such folder)"))
    _pyplot()  # matplotlib is there, before anything is computed or written


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise InputError(Problem("--chart", f"drawing a chart needs matplotlib: {INSTALL_HINT}")) from None
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in the SVG
    matplotlib.rcParams["svg.hashsalt"] = "tariffcalc"  # the same chart gives the same file
    import matplotlib.pyplot as plt

    return plt


def _percent(rate: str | None) -> float:
    # A float only for drawing: the figures printed on the chart are the document's own decimal strings.
    return float(Decimal(rate) * 100) if rate is not None else 0.0


def _save(plt: Any, figure: Any, path: Path, fmt: str | None) -> Path:
    fmt = fmt or path.suffix.lower()[1:]
    figure.tight_layout()
    figure.savefig(path, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(figure)
    return path


def timeline_chart(document: dict[str, Any], path: Path, fmt: str | None = None) -> Path:
    """The effective rate as a step over the window, each change labelled with the measures that changed.

    ``fmt`` is ``"svg"`` or ``"png"`` (default: from the suffix of ``path``).
    """
    if fmt is None:
        check_chart_path(path)
    plt = _pyplot()
    points = document["points"]
    days = [dt.date.fromisoformat(p["date"]) for p in points]
    rates = [_percent(p["effective_rate"]) for p in points]
    end = dt.date.fromisoformat(document["to"])
    figure, axes = plt.subplots(figsize=(11, 6.5))
    axes.step([*days, end], [*rates, rates[-1]], where="post", color="#1f6fb4", linewidth=2)
    top = max(rates, default=0) * 1.15 + 1
    for point, day, rate in zip(points, days, rates):
        # Each change: a thin line on its day, and the measures that changed written up it, with the new rate.
        label = f"{', '.join(point['changed_measures']) or 'start'}  {rate:.2f}%"
        axes.axvline(day, color="#999999", linewidth=0.5, linestyle=":")
        axes.text(
            day, 1.01, label, transform=axes.get_xaxis_transform(), rotation=90, fontsize=7,
            ha="center", va="bottom", color="#333333",
        )  # fmt: skip
    axes.set_xlabel(f"Effective tariff rate of {Path(document['basket']).name} (schedule {document['schedule']}); each change labelled with its measures")
    axes.set_ylabel("Effective rate (%)")
    axes.set_ylim(0, top)
    axes.set_xlim(days[0], end)
    axes.grid(axis="y", alpha=0.3)
    figure.autofmt_xdate()
    return _save(plt, figure, path, fmt)


def compare_chart(document: dict[str, Any], path: Path, fmt: str | None = None) -> Path:
    """Each state's effective rate as a bar, labelled with its rate and total duty (``fmt`` as for :func:`timeline_chart`)."""
    if fmt is None:
        check_chart_path(path)
    plt = _pyplot()
    states = document["totals"]["states"]
    labels = [s["label"] for s in states]
    rates = [_percent(s["effective_rate"]) for s in states]
    figure, axes = plt.subplots(figsize=(max(6, 1.6 * len(states) + 3), 5))
    bars = axes.bar(labels, rates, color="#1f6fb4")
    for bar, state, rate in zip(bars, states, rates):
        axes.annotate(
            f"{rate:.2f}%\nUSD {state['total_duty']}", (bar.get_x() + bar.get_width() / 2, rate),
            textcoords="offset points", xytext=(0, 4), ha="center", fontsize=8,
        )  # fmt: skip
    axes.set_title(f"Effective tariff rate of {Path(document['basket']).name} by state")
    axes.set_ylabel("Effective rate (%)")
    axes.set_ylim(0, max(rates, default=0) * 1.3 + 1)
    axes.grid(axis="y", alpha=0.3)
    return _save(plt, figure, path, fmt)
