"""``tariffcalc schedule``: the measures of a schedule in force on a date, with their rates and confidence."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Optional

import typer

from .app import app, emit, errors_to_exit_codes, load_state
from .options import DEBUG, FORMAT, OUTPUT, SCENARIOS, SCHEDULE, SETS, OutputFormat


@app.command("schedule")
def schedule_command(
    date: Optional[dt.datetime] = typer.Option(None, "--date", "-d", formats=["%Y-%m-%d"], help="Date, YYYY-MM-DD (default: today)."),
    schedule: str = SCHEDULE,
    scenario: Optional[list[str]] = SCENARIOS,
    set_: Optional[list[str]] = SETS,
    fmt: Optional[OutputFormat] = FORMAT,
    output: Optional[Path] = OUTPUT,
    debug: bool = DEBUG,
) -> None:
    """The measures in force on a date (and those ended before it), each with its rates, confidence and authority."""
    with errors_to_exit_codes(debug):
        from ..analysis.in_force import in_force

        day = date.date() if date else dt.date.today()
        loaded = load_state(schedule, scenario, set_)
        rows = in_force(loaded, day)
        info = loaded.schedule
        records = [
            {
                "id": r.measure.id,
                "name": r.measure.name,
                "state": r.state,
                "rates": r.rates,
                "confidence": r.confidence,
                "note": r.note,
                "authority": r.authority.as_json(),
                "sources": list(r.measure.sources),
            }
            for r in rows
        ]

        def write_csv(stream) -> None:
            import csv

            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(["id", "state", "rates", "confidence", "note", "authority"])
            for r in rows:
                writer.writerow([r.measure.id, r.state, r.rates, r.confidence, r.note, str(r.authority)])

        def write_table(console) -> None:
            from rich.table import Table

            verified = f", sources checked through {info.verified_through}" if info.verified_through else ""
            table = Table(title=f"{loaded.id} on {day}{verified}", title_justify="left", header_style="bold")
            for name in ("Measure", "State", "Rates", "Confidence", "Authority"):
                table.add_column(name, overflow="fold")
            for r in rows:
                style = "dim" if r.state == "ended" else "bold"
                note = f"\n{r.note}" if r.note else ""
                table.add_row(f"[{style}]{r.measure.id}[/]\n{r.measure.name}", r.state, r.rates, r.confidence, str(r.authority) + note)
            console.print(table)

        document = {
            "date": day.isoformat(),
            "schedule": loaded.id,
            "verified_through": info.verified_through.isoformat() if info.verified_through else None,
            "measures": records,
        }
        emit(
            fmt,
            output,
            table=write_table,
            csv=write_csv,
            json=lambda stream: stream.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n"),
            jsonl=lambda stream: stream.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
        )
