"""``tariffcalc hts``: import the official HTS, look codes up, report how its rates parse."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError, Problem
from .app import app, emit, errors_to_exit_codes, load_state, say
from .options import DEBUG, FORMAT, HTS_OPTION, OUTPUT, SCHEDULE, OutputFormat, parse_country


class RateColumn(str, Enum):
    general = "general"
    column2 = "column2"


hts_app = typer.Typer(
    help="The official HTS (USITC): import it, look codes up, and see how its rates parse.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(hts_app, name="hts")

@hts_app.command("import")
def import_(
    path: Path = typer.Argument(..., help="The HTS as USITC exports it to CSV (hts.usitc.gov → Export → CSV)."),
    edition: Optional[str] = typer.Option(None, "--edition", help="A name for the edition (default: from the file name)."),
    store: Optional[Path] = typer.Option(None, "--store", help="Where to write the store (default: the user data folder)."),
    debug: bool = DEBUG,
) -> None:
    """Read the USITC HTS CSV and keep a compact copy for `estimate` and `hts lookup`; print how its rates parse."""
    with errors_to_exit_codes(debug):
        from ..hts.store import import_hts
        from ..hts.tariff import report_lines

        schedule = import_hts(path, store, edition)
        meta = schedule.meta
        say(f"Imported the {meta['edition']}: {meta['rows']:,} rows from {meta['source']} (sha256 {meta['sha256'][:12]}...) into {meta['store']}")
        for line in report_lines(meta["report"]):
            say(line)


@hts_app.command("report")
def report(
    path: Optional[Path] = typer.Argument(None, help="A USITC HTS CSV or a store (default: the HTS `estimate` would use)."),
    column: RateColumn = typer.Option(RateColumn.general, "--column", help="Which rates: general (MFN) or column2."),
    fmt: Optional[OutputFormat] = FORMAT,
    debug: bool = DEBUG,
) -> None:
    """How every general (or column 2) rate of the HTS parses, by kind, with each unparsed rate and the reason."""
    with errors_to_exit_codes(debug):
        from ..hts.official import required_hts
        from ..hts.store import load_hts
        from ..hts.tariff import rate_report, report_lines

        schedule = load_hts(path) if path is not None else required_hts(None)
        try:
            result = rate_report(schedule.frame, column.value)
        except ValueError as exc:
            raise InputError(Problem(schedule.meta.get("store", "--hts"), str(exc))) from None
        if fmt in (OutputFormat.json, OutputFormat.jsonl):
            typer.echo(json.dumps({"edition": schedule.edition, **result}, indent=2 if fmt is OutputFormat.json else None, ensure_ascii=False))
        else:
            typer.echo(f"{schedule.edition}")
            for line in report_lines(result):
                typer.echo(line)


@hts_app.command("lookup")
def lookup(
    query: list[str] = typer.Argument(..., help="An HTS code (4 to 10 digits, dots allowed), or words of its description."),
    hts: Optional[str] = HTS_OPTION,
    date: Optional[dt.datetime] = typer.Option(None, "--date", "-d", formats=["%Y-%m-%d"], help="Date of the measures, YYYY-MM-DD (default: today)."),
    country: Optional[str] = typer.Option(None, "--country", "-c", help="Country of origin, to show which measures apply."),
    schedule: str = SCHEDULE,
    fmt: Optional[OutputFormat] = FORMAT,
    output: Optional[Path] = OUTPUT,
    debug: bool = DEBUG,
) -> None:
    """A code's description path, unit, general, special and column 2 rates, and the 2025 measures that cover it; or a search by words."""
    with errors_to_exit_codes(debug):
        import pandas as pd

        from .. import hts_codes
        from ..hts.official import required_hts

        official = required_hts(hts)
        text = " ".join(query).strip()
        digits, reason = hts_codes.normalise_codes(pd.Series([text]))
        if reason.iloc[0] and any(ch.isalpha() for ch in text):
            _search(official, text, fmt, output)
            return
        if reason.iloc[0]:
            raise InputError(Problem("hts lookup", f"{text!r} {reason.iloc[0]}"))
        code = digits.iloc[0]
        if not official.exists(code):
            nearest = official.nearest(code)
            hint = f"; nearest: {', '.join(nearest)}" if nearest else ""
            raise InputError(Problem("hts lookup", f"{text!r} is not in the {official.edition}{hint}"))
        day = date.date() if date else dt.date.today()
        document = _code_document(official, code, day, parse_country(country) if country else None, load_state(schedule, None, None))
        emit(
            fmt,
            output,
            table=lambda console: _code_table(console, document),
            csv=lambda stream: _code_csv(stream, document),
            json=lambda stream: stream.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n"),
            jsonl=lambda stream: stream.write(json.dumps(document, ensure_ascii=False) + "\n"),
        )


def _code_document(official, code: str, day: dt.date, country: Optional[str], loaded) -> dict:
    from .. import hts_codes
    from ..analysis.explain import explain
    from ..money import format_rate

    rates = {}
    for column in ("general", "special", "column2"):
        found = official.rate(code, column)
        rates[column] = found.text or None
    general = official.parsed(rates["general"]) if rates["general"] else None
    explanations = explain(loaded, day, country, code)
    return {
        "hts_code": hts_codes.dotted(code),
        "edition": official.edition,
        "description": official.path(code),
        "unit": official.unit(code) or None,
        "general": rates["general"],
        "general_kind": general.kind if general else None,
        "special": rates["special"],
        "column2": rates["column2"],
        "date": day.isoformat(),
        "country": country,
        "measures": [
            {
                "id": e.measure.id,
                "name": e.measure.name,
                "applied": e.applied,
                "rate": format_rate(e.rate) if e.rate is not None else None,
                "reason": e.reason,
                "authority": str(e.authority),
            }
            for e in explanations
        ],
    }


def _code_csv(stream, document: dict) -> None:
    import csv

    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["field", "value"])
    for key in ("hts_code", "edition", "unit", "general", "general_kind", "special", "column2", "date", "country"):
        writer.writerow([key, document[key] if document[key] is not None else ""])
    writer.writerow(["description", " > ".join(document["description"])])
    for m in document["measures"]:
        writer.writerow(["measure", f"{m['id']}: {m['reason']} ({m['authority']})"])


def _code_table(console, document: dict) -> None:
    from rich.table import Table

    table = Table(title=f"HTS {document['hts_code']} ({document['edition']})", title_justify="left", show_header=False)
    table.add_column("Field", style="bold")
    table.add_column("Value", overflow="fold")
    for depth, text in enumerate(document["description"]):
        table.add_row("Description" if depth == 0 else "", "  " * depth + text)
    for label, key in (("Unit", "unit"), ("General (MFN)", "general"), ("Special", "special"), ("Column 2", "column2")):
        table.add_row(label, document[key] or "–")
    console.print(table)
    measures = Table(title=f"2025 measures covering it on {document['date']}", title_justify="left", header_style="bold")
    for name in ("Measure", "Why", "Authority"):
        measures.add_column(name, overflow="fold")
    for m in document["measures"]:
        measures.add_row(f"{m['id']}\n{m['name']}", m["reason"], m["authority"])
    console.print(measures if document["measures"] else "No 2025 measure covers it on this date.")


def _search(official, words: str, fmt, output) -> None:
    from .. import hts_codes

    codes = official.search(words)
    if not codes:
        raise InputError(Problem("hts lookup", f"no line of the {official.edition} has {words!r} in its description"))
    rows = [
        {
            "hts_code": hts_codes.dotted(c),
            "description": " > ".join(official.path(c)),
            "general": official.rate(c).text or None,
        }
        for c in codes
    ]

    def table(console) -> None:
        from rich.table import Table

        result = Table(title=f"{words!r} in the {official.edition}", title_justify="left", header_style="bold")
        for name in ("HTS", "Description", "General"):
            result.add_column(name, overflow="fold")
        for row in rows:
            result.add_row(row["hts_code"], row["description"], row["general"] or "–")
        console.print(result)

    def csv(stream) -> None:
        import csv as csv_module

        writer = csv_module.DictWriter(stream, ["hts_code", "description", "general"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    emit(
        fmt,
        output,
        table=table,
        csv=csv,
        json=lambda stream: stream.write(json.dumps({"query": words, "edition": official.edition, "lines": rows}, indent=2, ensure_ascii=False) + "\n"),
        jsonl=lambda stream: stream.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
    )
