"""Every example in the README runs, and gives the output the README shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT

from tariffcalc.law.validate import schedule_from_document
from tariffcalc.yaml_source import parse_yaml

README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def console_examples() -> list[tuple[str, str]]:
    """(command, expected output) for each `$ ...` line of the README's console blocks."""
    examples = []
    for block in blocks("console"):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            examples.append((command, output))
    return examples


@pytest.mark.parametrize("command, expected", console_examples(), ids=[c for c, _ in console_examples()])
def test_console_example(command, expected):
    # Run through the shell (pipes included), with this Python's tariffcalc.
    shell_command = re.sub(r"\btariffcalc\b(?= )", f"{sys.executable} -m tariffcalc", command)
    result = subprocess.run(
        shell_command, shell=True, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_the_scenario_example_is_a_valid_scenario():
    from tariffcalc.law.scenario import scenario_from_document

    (example,) = [b for b in blocks("yaml") if "scenario:" in b]
    scenario = scenario_from_document(parse_yaml(example, "README.md"))
    assert list(scenario.modify) == ["reciprocal-annex-i"]


def test_the_schedule_format_examples_are_valid_schedules():
    first, second = [b for b in blocks("yaml") if "measures:" in b]
    schedule = schedule_from_document(parse_yaml(first, "README.md"))
    assert [m.id for m in schedule.measures] == ["baseline", "country-rates", "steel", "neighbour", "deal"]
    # The features example reads its code list relative to where a schedule file lives.
    features = schedule_from_document(parse_yaml(second, "README.md"), ROOT / "data" / "schedules")
    assert [m.id for m in features.measures] == ["steel-derivatives", "reciprocal", "pharma"]
    assert len(features.product_groups["steel-derivatives"].hts) > 100


def test_the_python_api_examples_run(monkeypatch):
    namespace: dict = {}
    monkeypatch.chdir(ROOT)  # undone after the test, so later tests do not depend on it
    for code in blocks("python"):  # in order, in one namespace, like a notebook
        exec(code, namespace)  # noqa: S102 - our own README
    assert namespace["result"].totals["total_duty"] == "8350.00"
    assert namespace["result"].lines["total_duty"].tolist() == ["8250.00", "100.00"]
    assert str(namespace["problem"]).startswith("<records>[0]: country: 'XX' is not a country tariffcalc knows")


def test_the_readme_says_the_python_floor_of_pyproject():
    import tomllib

    floor = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert floor == ">=3.11"
    assert "Python 3.11 or later" in README


def test_ci_runs_the_readme_test_command():
    test_command = blocks("sh")[1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()
