"""Where the shipped data (schedules, example baskets) lives.

In a wheel it is packaged as ``tariffcalc/data``; in a source checkout
(including an editable install) it is the top-level ``data/`` folder.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The folder holding ``schedules/`` and ``examples/``."""
    for candidate in (_PACKAGE / "data", _PACKAGE.parent / "data"):
        if (candidate / "schedules").is_dir():
            return candidate
    return _PACKAGE / "data"


def shipped_schedule_names() -> list[str]:
    """Names of the schedules that ship with tariffcalc (file names without ``.yaml``)."""
    folder = data_dir() / "schedules"
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def shipped_schedule(name: str) -> Path | None:
    """The path of a shipped schedule, or None."""
    path = data_dir() / "schedules" / f"{name}.yaml"
    return path if path.is_file() else None
