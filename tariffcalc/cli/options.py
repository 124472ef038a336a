"""Every option (and argument) that several commands share, defined once.

Only Typer is imported here, so that ``tariffcalc --help`` starts fast.
"""

from __future__ import annotations

from enum import Enum

import typer

from ..defaults import DEFAULT_CHUNK_SIZE
from ..paths import DEFAULT_SCHEDULE


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    parquet = "parquet"


class InputFormatOption(str, Enum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    yaml = "yaml"
    parquet = "parquet"


BASKET = typer.Argument(
    ..., metavar="BASKET", help="Basket file (CSV, JSON, JSON Lines, YAML or Parquet), or - for stdin."
)
SCHEDULE = typer.Option(DEFAULT_SCHEDULE, "--schedule", "-s", help="A shipped schedule's name or the path of a schedule YAML file.")
SCENARIOS = typer.Option(
    None, "--scenario", help="A shipped scenario's name or a scenario YAML path; repeatable, applied in order."
)
SETS = typer.Option(
    None, "--set", help="A one-off change, MEASURE.KEY=VALUE or MEASURE.rates.COUNTRY=RATE; repeatable, applied last."
)
def _checked_output(ctx: typer.Context, param: typer.CallbackParam, value):
    """``--format`` and ``--output``, once both are parsed: an output that cannot be written is refused before computing."""
    seen = ctx.meta.setdefault("tariffcalc.output", {})
    if param.name == "output" and value is not None and str(value) == "-":
        value = None  # `-o -` is standard output, as `-` is standard input
    seen[param.name] = value
    if len(seen) == 2:
        from ..errors import ExitStatus, InputError
        from .app import check_output, say

        try:
            check_output(seen.get("fmt"), seen.get("output"))
        except InputError as exc:
            for problem in exc.problems:
                say(f"Error: {problem}")
            raise typer.Exit(ExitStatus.INVALID_INPUT) from None
    return value


FORMAT = typer.Option(
    None,
    "--format",
    "-f",
    help="Output format (default: table on a terminal, csv otherwise, or from --output's suffix).",
    callback=_checked_output,
)
OUTPUT = typer.Option(
    None, "--output", "-o", help="Write here instead of stdout (only if the run succeeds); - is stdout.", callback=_checked_output
)
INPUT_FORMAT = typer.Option(None, "--input-format", help="Basket format (default: from the file's suffix; csv for stdin).")
DEBUG = typer.Option(False, "--debug", help="Show a traceback when something fails.")
ENCODING = typer.Option("utf-8", "--encoding", help="The basket's text encoding, e.g. cp1252 or latin-1 (default UTF-8, with or without BOM).")
DECIMAL_COMMA = typer.Option(
    False, "--decimal-comma", help="Amounts and rates are written with a decimal comma: 1 234,50 and 2,5%."
)
SKIP_INVALID = typer.Option(
    False, "--skip-invalid", help="Compute the valid lines, list the invalid ones on stderr, and exit with 3."
)
EXCEL_SAFE = typer.Option(
    False, "--excel-safe", help="In CSV output, prefix ' to text cells starting with = + - @ so spreadsheets do not run them."
)
HTS_OPTION = typer.Option(
    None,
    "--hts",
    help="The official HTS: a store written by `tariffcalc hts import` or a USITC HTS CSV; `none` for none "
    "(default: $TARIFFCALC_HTS, else the imported store when the basket has no mfn_rate column).",
)


CHART = typer.Option(
    None,
    "--chart",
    metavar="FILE",
    help="Also draw the effective rate as a picture, FILE.svg or FILE.png (needs tariffcalc[chart]: matplotlib).",
)

CHUNK_SIZE = typer.Option(
    DEFAULT_CHUNK_SIZE, "--chunk-size", min=1, help="Lines read and computed at a time (CSV, JSON Lines and Parquet baskets)."
)


def jobs_option(what: str = "", default: str = "one per core") -> typer.models.OptionInfo:
    """``--jobs``: how many worker processes compute a large basket's chunks; ``what`` says where they are used."""
    return typer.Option(
        None,
        "--jobs",
        min=1,
        help=f"Worker processes computing the chunks of a large basket{what} (default: {default}; 1: none).",
        show_default=False,
    )


def parse_country(text: str) -> str:
    """``--country``: a code or an English name, as an alpha-2 code; InputError with suggestions otherwise."""
    from ..api import country_code

    return country_code(text, "--country")


def parse_hts_code(text: str) -> str:
    """``--hts`` of ``rates``: an HTS code of 4 to 10 digits, as digits; InputError otherwise."""
    from ..api import hts_code_digits

    return hts_code_digits(text, "--hts")
