"""The entry fees (:class:`~tariffcalc.engine.fees.EntryFees`) as JSON, as a Rich table, and as one line for stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine.fees import EntryFees
from ..money import cents_to_str, format_percent
from .text import money

if TYPE_CHECKING:  # Rich is imported only when a table is drawn: CSV and JSON output do not need it
    from rich.table import Table


def fees_object(fees: EntryFees) -> dict:
    """The JSON ``fees`` section."""
    table = fees.table()
    mpf_total, hmf_total = int(table["mpf"].sum()), int(table["hmf"].sum())
    limits = {-1: "minimum", 1: "maximum", 0: None}
    rules = fees.rules
    return {
        "entries": [
            {
                "entry_id": row.entry or None,
                "date": str(row.date)[:10],
                "fiscal_year": int(row.fiscal_year),
                "lines": int(row.lines),
                "value": cents_to_str(int(row.value)),
                "mpf": cents_to_str(int(row.mpf)),
                "mpf_limit": limits[int(row.mpf_limit)],
                "hmf_value": cents_to_str(int(row.hmf_value)),
                "hmf": cents_to_str(int(row.hmf)),
                "fees": cents_to_str(int(row.fees)),
            }
            for row in table.itertuples()
        ],
        "mpf": cents_to_str(mpf_total),
        "hmf": cents_to_str(hmf_total),
        "total": cents_to_str(mpf_total + hmf_total),
        "authority": {
            "mpf": f"{format_percent(rules.mpf_rate)} ad valorem per entry, with a minimum and maximum per fiscal year; "
            + rules.mpf_authority
            + "; "
            + "; ".join(f"FY{y.fiscal_year}: {y.citation}" for y in rules.years),
            "hmf": f"{format_percent(rules.hmf_rate)} ad valorem on goods arriving by vessel; {rules.hmf_authority}",
        },
    }


def fees_totals_object(fees: EntryFees, total_duty: int) -> dict:
    """The keys added to the JSON totals: ``fees`` and ``landed_duty_cost`` (duty + fees)."""
    mpf_total, hmf_total = fees.totals()
    return {
        "mpf": cents_to_str(mpf_total),
        "hmf": cents_to_str(hmf_total),
        "fees": cents_to_str(mpf_total + hmf_total),
        "landed_duty_cost": cents_to_str(total_duty + mpf_total + hmf_total),
    }


def fees_table(fees: EntryFees, total_duty: int, limit: int) -> Table:
    """The entries as a Rich table (the first ``limit`` of them), with the landed duty cost as its caption."""
    from rich.table import Table

    table = Table(title="Entry fees", title_justify="left", header_style="bold")
    for name in ("Entry", "Date", "FY", "Lines", "Value (USD)", "MPF", "HMF", "Fees"):
        table.add_column(name, justify="left" if name in ("Entry", "Date") else "right")
    frame = fees.table()
    for row in frame.head(limit).itertuples():
        mark = {-1: " (min)", 1: " (max)", 0: ""}[int(row.mpf_limit)]
        table.add_row(
            row.entry or "(basket)", str(row.date)[:10], str(row.fiscal_year), f"{row.lines:,}", money(int(row.value)),
            money(int(row.mpf)) + mark, money(int(row.hmf)), money(int(row.fees)),
        )
    total_fees = int(frame["fees"].sum())
    more = f"{len(frame) - limit:,} more entries not shown here (the sums include them); " if len(frame) > limit else ""
    table.caption = (
        f"{more}Duty USD {money(total_duty)} + fees USD {money(total_fees)} = landed duty cost USD {money(total_duty + total_fees)}"
    )
    return table


def fees_summary_text(fees: EntryFees, total_duty: int) -> str:
    """One line for stderr: the fees of every entry and the landed duty cost."""
    mpf_total, hmf_total = fees.totals()
    total_fees = mpf_total + hmf_total
    return (
        f"fees for {len(fees.entries):,} entr(ies): MPF USD {money(mpf_total)}, HMF USD {money(hmf_total)}; "
        f"landed duty cost (duty + fees) USD {money(total_duty + total_fees)}"
    )
