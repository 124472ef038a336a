"""A plain ``tariffcalc estimate`` runs without Typer (tariffcalc/cli/plain.py), and says exactly what the Typer command says.

Each command line runs twice as a subprocess: through the console script's
entry point (which takes the plain path) and through the Typer ``app`` itself;
stdout, stderr and the exit code must be the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tariffcalc.cli.choices import Engine, OutputFormat
from tariffcalc.cli.plain import plain_estimate

ROOT = Path(__file__).resolve().parent.parent
JAPAN = str(ROOT / "data" / "examples" / "japan-shipment.csv")
SEED = str(ROOT / "data" / "examples" / "seed-japan.csv")

ENTRY = "import sys; from tariffcalc.__main__ import run; sys.argv[0] = 'tariffcalc'; run()"
TYPER = "import sys; from tariffcalc.cli import app; app(prog_name='tariffcalc')"


def _run(code: str, args: list[str], cwd: Path, extra: str = "") -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-c", extra + code, *args], cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    return done.returncode, done.stdout, done.stderr


def _both(args: list[str], cwd: Path) -> tuple[tuple, tuple]:
    return _run(ENTRY, args, cwd), _run(TYPER, args, cwd)


PLAIN_RUNS = {
    "csv": ["estimate", JAPAN, "--date", "2025-04-17"],
    "json, short options": ["estimate", "-d", "2025-04-17", "-f", "json", "-s", "us", SEED],
    "jsonl, chunks of one line, hts none": ["estimate", JAPAN, "--date", "2025-04-17", "--format", "jsonl", "--chunk-size", "1", "--hts", "none"],
    "fees, scenarios and a set": [
        "estimate", JAPAN, "--date", "2025-07-10", "--fees", "--scenario", "no-auto-duty", "--scenario", "pause-ends",
        "--set", "reciprocal-baseline.rate=0.15", "--decimal-comma", "--excel-safe",
    ],
    "invalid lines skipped": ["estimate", "bad.csv", "--date", "2025-04-17", "--skip-invalid", "--format", "json"],
    "invalid lines": ["estimate", "bad.csv", "--date", "2025-04-17"],
    "a missing basket": ["estimate", "nope.csv", "--date", "2025-04-17"],
    "an unknown schedule": ["estimate", JAPAN, "--date", "2025-04-17", "--schedule", "mars"],
    "a bad --set": ["estimate", SEED, "--date", "2025-04-17", "--set", "reciprocal-baseline.from=2025-02-30"],
    "an output suffix not written": ["estimate", SEED, "--date", "2025-04-17", "-o", "out.xlsx"],
    "an output refused before the schedule is read": ["estimate", SEED, "--date", "2025-04-17", "-s", "mars", "-o", "out.xlsx"],
    "an output in a missing folder": ["estimate", SEED, "--date", "2025-04-17", "--output", "no/such/out.csv"],
    "output to stdout by -": ["estimate", SEED, "--date", "2025-04-17", "--output", "-", "--format", "json"],
}  # fmt: skip


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "bad.csv").write_text(
        "hts_code,country,value\n8703.23.01,JP,30000\n8703.23.01,XX,12\n12,JP,abc\n", encoding="utf-8"
    )
    return tmp_path


@pytest.mark.parametrize("args", PLAIN_RUNS.values(), ids=PLAIN_RUNS.keys())
def test_a_plain_run_says_what_the_typer_command_says(args, folder):
    assert plain_estimate(args) is not None
    plain, typer = _both(args, folder)
    assert plain == typer
    assert plain[1] or plain[2]  # the run did something to compare


def test_a_plain_run_writes_the_same_output_file(folder):
    args = ["estimate", JAPAN, "--date", "2025-04-17", "--output", "out.json"]
    assert _run(ENTRY, args, folder)[0] == 0
    plain = (folder / "out.json").read_bytes()
    (folder / "out.json").unlink()
    assert _run(TYPER, args, folder)[0] == 0
    assert plain == (folder / "out.json").read_bytes()


def test_a_plain_run_imports_neither_typer_nor_rich(folder):
    show = "import atexit; atexit.register(lambda: print(sorted(m for m in ('typer', 'click', 'rich') if m in sys.modules), file=sys.stderr)); "
    code, stdout, stderr = _run(ENTRY, ["estimate", JAPAN, "--date", "2025-04-17", "--format", "json"], folder, extra="import sys; " + show)
    assert (code, stderr) == (0, "[]\n")
    assert stdout.startswith("{")


def test_the_parameters_are_those_typer_makes():
    got = plain_estimate(["estimate", "b.csv", "-d", "2025-04-17", "--format", "csv", "--chunk-size", "007", "-o", "-"])
    assert got["basket"] == "b.csv"
    assert got["date"].isoformat() == "2025-04-17T00:00:00"
    assert (got["fmt"], got["output"], got["chunk_size"], got["engine"]) == (OutputFormat.csv, None, 7, Engine.pandas)
    assert (got["schedule"], got["encoding"], got["scenario"], got["hts"], got["fees"]) == ("us", "utf-8", None, None, False)
    assert plain_estimate(["estimate", "b.csv", "--scenario", "a", "--scenario", "b"])["scenario"] == ["a", "b"]


NOT_PLAIN = {
    "help": ["estimate", "--help"],
    "another command": ["rates", "--date", "2025-04-17"],
    "nothing": [],
    "no basket": ["estimate", "--date", "2025-04-17"],
    "two baskets": ["estimate", "a.csv", "b.csv"],
    "--option=value": ["estimate", "a.csv", "--date=2025-04-17"],
    "a repeated option": ["estimate", "a.csv", "--date", "2025-04-17", "--date", "2025-04-18"],
    "a bad date": ["estimate", "a.csv", "--date", "17/04/2025"],
    "an unknown format": ["estimate", "a.csv", "--format", "xlsx"],
    "a format in capitals": ["estimate", "a.csv", "--format", "CSV"],
    "a chunk size of 0": ["estimate", "a.csv", "--chunk-size", "0"],
    "a value missing": ["estimate", "a.csv", "--date"],
    "an option as a value": ["estimate", "a.csv", "--schedule", "--debug"],
    "an unknown option": ["estimate", "a.csv", "--colour"],
    "options after --": ["estimate", "--", "a.csv"],
    "a file name in another encoding": ["estimate", "b\udce9.csv"],
}  # fmt: skip


@pytest.mark.parametrize("args", NOT_PLAIN.values(), ids=NOT_PLAIN.keys())
def test_anything_else_is_left_to_typer(args):
    assert plain_estimate(args) is None


def test_shell_completion_is_left_to_typer(monkeypatch):
    monkeypatch.setenv("_TARIFFCALC_COMPLETE", "complete_bash")
    assert plain_estimate(["estimate", "a.csv"]) is None


def test_what_typer_refuses_it_still_words(folder):
    plain, typer = _both(["estimate", SEED, "--date", "17/04/2025"], folder)
    assert plain == typer
    assert plain[0] == 2 and "17/04/2025" in plain[2]
