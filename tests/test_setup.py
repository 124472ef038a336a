"""The package's setup says what it needs: the Python floor matches its dependencies, extras exist, completion is offered."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

#: The lowest Python each dependency floor supports (from each release's own requires-python).
#: Only the floors that set the bar are listed; a new floor that raises it must be added here.
PYTHON_FLOOR_OF = {
    ("numpy", "2.3"): (3, 11),  # numpy 2.3.0: requires-python >=3.11
    ("pandas", "2.0"): (3, 8),
    ("pydantic", "2.5"): (3, 7),
}


def _floors(requirements: list[str]) -> dict[str, str]:
    found = {}
    for requirement in requirements:
        match = re.match(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?>=([0-9.]+)", requirement)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def test_requires_python_is_the_highest_floor_of_the_dependencies():
    floors = _floors(PYPROJECT["project"]["dependencies"])
    needed = max(python for (name, version), python in PYTHON_FLOOR_OF.items() if floors.get(name) == version)
    declared = tuple(int(part) for part in PYPROJECT["project"]["requires-python"].removeprefix(">=").split("."))
    assert declared == needed, f"requires-python is {declared}, the dependencies need {needed}"
    # Every listed floor is the one pyproject pins (so the table above stays true).
    for name, version in [key for key in PYTHON_FLOOR_OF]:
        assert floors.get(name) == version, f"{name}>={floors.get(name)} in pyproject: update PYTHON_FLOOR_OF"


def test_the_extras_are_there_and_the_tests_get_what_they_run():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"parquet", "dask", "chart", "test"} <= set(extras)
    test = " ".join(extras["test"])
    for needed in ("pytest", "pytest-xdist", "hypothesis", "pyarrow", "dask", "matplotlib", "mypy", "pandas-stubs"):
        assert needed in test


def test_the_readme_installs_extras_from_the_clone():
    readme = (ROOT / "README.md").read_text()
    assert "pip install 'tariffcalc[" not in readme.split("### Large baskets")[1].split("```")[1]
    assert "python -m pip install '.[parquet]'" in readme


def test_shell_completion_is_offered(tariffcalc):
    result = tariffcalc("--help")
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout
