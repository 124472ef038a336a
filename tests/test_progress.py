"""The progress bar: drawn on stderr when it is a terminal, and nothing at all otherwise."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from conftest import EXAMPLES

from tariffcalc.output import progress

EXAMPLE = EXAMPLES / "japan-shipment.csv"
DAY = ["--date", "2025-04-17"]


@pytest.fixture
def terminal(monkeypatch):
    """stderr as a terminal (a Rich console forced to be one, writing to a buffer), and every basket long."""
    screen = io.StringIO()
    monkeypatch.setattr(progress, "stderr_console", lambda: Console(file=screen, force_terminal=True, width=100))
    monkeypatch.setattr(progress, "MIN_BYTES", 0)
    return screen


def test_the_bar_is_drawn_on_a_terminal(tariffcalc, terminal):
    plain = tariffcalc("estimate", EXAMPLE, *DAY, "--format", "csv")
    with_bar = tariffcalc("estimate", EXAMPLE, *DAY, "--format", "csv", "--chunk-size", "5")
    assert with_bar.exit_code == 0
    assert with_bar.stdout == plain.stdout  # the data is untouched
    drawn = terminal.getvalue()
    assert f"Reading {EXAMPLE}" in drawn
    assert "100%" in drawn


def test_the_bar_for_parquet_and_json_lines(tariffcalc, terminal, tmp_path, write):
    pa = pytest.importorskip("pyarrow", reason="needs pyarrow")
    import csv

    import pyarrow.parquet as pq

    rows = list(csv.DictReader(io.StringIO(EXAMPLE.read_text())))
    basket = tmp_path / "b.parquet"
    pq.write_table(pa.table({c: [r[c] for r in rows] for c in rows[0]}), basket, row_group_size=4)
    assert tariffcalc("estimate", basket, *DAY, "--format", "csv", "--chunk-size", "4").exit_code == 0
    assert "100%" in terminal.getvalue()


def test_no_bar_for_a_small_basket(tariffcalc, terminal, monkeypatch):
    monkeypatch.setattr(progress, "MIN_BYTES", EXAMPLE.stat().st_size + 1)
    assert tariffcalc("estimate", EXAMPLE, *DAY, "--format", "csv").exit_code == 0
    assert terminal.getvalue() == ""


def test_nothing_on_stderr_when_it_is_not_a_terminal(tariffcalc, monkeypatch):
    monkeypatch.setattr(progress, "MIN_BYTES", 0)
    for fmt in ("csv", "json", "table"):
        result = tariffcalc("estimate", EXAMPLE, *DAY, "--format", fmt, "--chunk-size", "2")
        assert result.exit_code == 0
        assert result.stderr == ""


def test_a_real_subprocess_with_stderr_to_a_pipe_says_nothing(tmp_path):
    import subprocess
    import sys

    big = tmp_path / "big.csv"
    big.write_text("hts_code,country,value,mfn_rate\n" + "8703.23.01,JP,30000,0\n" * 500_000)  # more than MIN_BYTES
    assert big.stat().st_size > progress.MIN_BYTES
    done = subprocess.run(
        [sys.executable, "-m", "tariffcalc", "estimate", str(big), *DAY, "--format", "csv", "--output", str(tmp_path / "o.csv")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_the_bar_reports_bytes_up_to_the_total():
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    with progress.progress_bar("Reading b.csv", console) as report:
        for done in (0, 10 << 20, 20 << 20, 30 << 20):
            report(done, 30 << 20)
    assert "Reading b.csv" in screen.getvalue()
    assert "100%" in screen.getvalue()
    assert "31.5/31.5 MB" in screen.getvalue()


def test_no_console_no_callback(monkeypatch):
    monkeypatch.setattr(progress, "stderr_console", lambda: None)
    with progress.progress_bar("Reading b.csv") as report:
        assert report is None
