"""The fixed choices of options (``--format``, ``--input-format``, ``--engine``), as enums Typer lists and checks.

Kept apart from :mod:`tariffcalc.cli.options` (the Typer options themselves)
so that a run without Typer (:mod:`tariffcalc.cli.plain`) can use them too.
"""

from __future__ import annotations

from enum import Enum


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


class Engine(str, Enum):
    pandas = "pandas"
    dask = "dask"
