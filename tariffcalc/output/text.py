"""Money and rates as text for people, in one place (tables, notes on stderr).

The exact forms for machines (``"7500.00"``, ``"0.275"``), which CSV, JSON and
Parquet carry, are :mod:`tariffcalc.money`'s.
"""

from __future__ import annotations

from ..money import format_percent


def money(cents: int) -> str:
    """Cents for people: ``750000`` → ``"7,500.00"``."""
    return f"{cents // 100:,}.{cents % 100:02d}"


def percent(micro: int) -> str:
    """A rate for people, to two decimals of a percent (half up): ``231883`` → ``"23.19%"``; exact in CSV/JSON."""
    if micro < 0:
        return "–"
    return format_percent((micro + 50) // 100 * 100)
