"""``timeline --chart`` and ``compare --chart``: pictures of the effective rate, labelled, and a clear error without matplotlib."""

from __future__ import annotations

import builtins

import pytest
from conftest import ROOT

SEED = str(ROOT / "data" / "examples" / "seed-japan.csv")


def test_timeline_draws_an_svg_with_each_change_labelled(tariffcalc, tmp_path):
    pytest.importorskip("matplotlib", reason="charts need matplotlib: python -m pip install '.[chart]'")
    chart = tmp_path / "rate.svg"
    result = tariffcalc("timeline", SEED, "--from", "2025-03-01", "--to", "2025-07-31", "--format", "csv", "--chart", chart)
    assert result.exit_code == 0, result.stderr
    svg = chart.read_text()
    assert svg.startswith("<?xml") and "<svg" in svg
    for label in ("start  2.08%", "s232-autos  22.92%", "reciprocal-baseline  23.19%", "reciprocal-annex-i, reciprocal-baseline  23.58%"):
        assert label in svg
    assert result.stderr.endswith(f"Note: chart written to {chart}\n")
    assert result.stdout.startswith("date,total_duty")  # the data still goes to stdout
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_compare_draws_a_png(tariffcalc, tmp_path):
    pytest.importorskip("matplotlib", reason="charts need matplotlib: python -m pip install '.[chart]'")
    chart = tmp_path / "states.png"
    result = tariffcalc(
        "compare", SEED, "--scenario", "baseline", "--scenario", "pause-ends", "--date", "2025-07-10", "--format", "csv",
        "--chart", chart,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_the_library_draws_the_same_chart(tmp_path):
    pytest.importorskip("matplotlib", reason="charts need matplotlib: python -m pip install '.[chart]'")
    import tariffcalc as tc

    path = tc.timeline(SEED, start="2025-03-01", end="2025-07-31").chart(tmp_path / "rate.svg")
    assert "s232-autos  22.92%" in path.read_text()


def test_a_chart_needs_svg_or_png(tariffcalc, tmp_path):
    result = tariffcalc("timeline", SEED, "--from", "2025-03-01", "--to", "2025-07-31", "--chart", tmp_path / "rate.pdf")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path / 'rate.pdf'}: a chart is written as .svg or .png, not .pdf\n"


def test_without_matplotlib_one_line_says_how_to_install_it(tariffcalc, tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    result = tariffcalc("timeline", SEED, "--from", "2025-03-01", "--to", "2025-07-31", "--format", "csv", "--chart", tmp_path / "r.svg")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --chart: drawing a chart needs matplotlib: python -m pip install 'tariffcalc[chart]' "
        "(in a clone: python -m pip install '.[chart]')\n"
    )
    assert result.stdout == ""  # checked before anything is computed or written
    assert not (tmp_path / "r.svg").exists()
