from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tariffcalc.cli import app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = ROOT / "data" / "examples"
SHARED_DATA = ROOT.parent / "shared" / "data"


class Run:
    """The outcome of one `tariffcalc` invocation through Typer's runner."""

    def __init__(self, result):
        self.exit_code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.exception = result.exception

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"<Run exit={self.exit_code} stdout={self.stdout[:200]!r} stderr={self.stderr[:500]!r}>"


@pytest.fixture(autouse=True)
def no_user_hts(tmp_path_factory, monkeypatch):
    """Every test starts without an imported HTS: the user data folder is a fresh temporary one."""
    monkeypatch.setenv("TARIFFCALC_DATA_DIR", str(tmp_path_factory.mktemp("user-data")))
    monkeypatch.delenv("TARIFFCALC_HTS", raising=False)


@pytest.fixture
def tariffcalc():
    """Run the CLI as a user would: `tariffcalc("estimate", "basket.csv", input=...)`."""
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None) -> Run:
        return Run(runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False))

    return run


@pytest.fixture
def write(tmp_path):
    """Write a file in a temporary folder and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(autouse=True, scope="session")
def _schedule_cache_in_a_temporary_folder(tmp_path_factory):
    """Tests never touch the user's own schedule cache (subprocesses inherit the variable too)."""
    import os

    folder = tmp_path_factory.mktemp("schedule-cache")
    before = os.environ.get("TARIFFCALC_CACHE_DIR")
    os.environ["TARIFFCALC_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("TARIFFCALC_CACHE_DIR", None)
    else:
        os.environ["TARIFFCALC_CACHE_DIR"] = before


def dated_example_lines() -> tuple[str, list[str]]:
    """The example basket three times over, with entry dates spread over 2025 and two values to round (CSV lines)."""
    rows = (EXAMPLES / "japan-shipment.csv").read_text().splitlines()
    header, body = rows[0] + ",entry_date", rows[1:]
    dates = ["2025-03-01", "2025-04-09", "2025-05-20", "2025-06-10"]
    lines = [f"{row},{dates[i % 4]}" for i, row in enumerate(body * 3)]
    for i in (3, 15):
        lines[i] = lines[i].replace(",2150.50,", ",2150.505,")
    return header, lines
