"""``tariffcalc rates``: the rates in force for a country and/or HTS code on a date, and why."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError, Problem
from .app import app, emit, errors_to_exit_codes, load_state
from .options import DEBUG, FORMAT, OUTPUT, SCENARIOS, SCHEDULE, SETS, OutputFormat, parse_country, parse_hts_code


@app.command()
def rates(
    country: Optional[str] = typer.Option(None, "--country", "-c", help="Country of origin: code or name."),
    hts_code: Optional[str] = typer.Option(None, "--hts", help="HTS code, 4 to 10 digits."),
    date: Optional[dt.datetime] = typer.Option(None, "--date", "-d", formats=["%Y-%m-%d"], help="Date, YYYY-MM-DD (default: today)."),
    usmca: bool = typer.Option(False, "--usmca", help="The goods qualify for USMCA."),
    auto_part: Optional[bool] = typer.Option(None, "--auto-part/--not-auto-part", help="The goods are (not) car parts."),
    schedule: str = SCHEDULE,
    scenario: Optional[list[str]] = SCENARIOS,
    set_: Optional[list[str]] = SETS,
    fmt: Optional[OutputFormat] = FORMAT,
    output: Optional[Path] = OUTPUT,
    debug: bool = DEBUG,
) -> None:
    """The measures in force for a country and/or HTS code, each with its authority, and why others do not apply."""
    with errors_to_exit_codes(debug):
        from ..analysis.explain import describe_rate
        from ..api import rates_document, write_rates_csv

        day = date.date() if date else dt.date.today()
        loaded = load_state(schedule, scenario, set_)
        code = parse_hts_code(hts_code) if hts_code else None
        if country is None and hts_code is None:
            raise InputError(Problem("rates", "give --country, --hts or both"))
        explanations, document = rates_document(
            loaded, day, parse_country(country) if country else None, code, usmca, auto_part
        )
        rows = document["measures"]

        def write_csv(stream) -> None:
            write_rates_csv(explanations, stream)

        def write_table(console) -> None:
            from rich.table import Table

            table = Table(title=f"Measures on {day} ({loaded.id})", title_justify="left", header_style="bold")
            for name in ("Measure", "Rate", "Why", "Authority", "Confidence"):
                table.add_column(name, overflow="fold")
            for e in explanations:
                style = "bold" if e.applied else "dim"
                table.add_row(
                    f"[{style}]{e.measure.id}[/]\n{e.measure.name}", describe_rate(e), e.reason, str(e.authority), e.confidence
                )
            console.print(table)

        emit(
            fmt,
            output,
            table=write_table,
            csv=write_csv,
            json=lambda stream: stream.write(json.dumps(document, indent=2) + "\n"),
            jsonl=lambda stream: stream.writelines(json.dumps(row) + "\n" for row in rows),
        )
