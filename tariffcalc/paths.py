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


#: The shipped schedule tariffcalc uses unless told otherwise.
DEFAULT_SCHEDULE = "us"
#: Other names of shipped schedules: ``us-2025`` was the shipped schedule's name while it covered only 2025.
SCHEDULE_ALIASES = {"us-2025": "us"}


def shipped_schedule_names() -> list[str]:
    """Names of the schedules that ship with tariffcalc (file names without ``.yaml``, and their aliases)."""
    folder = data_dir() / "schedules"
    names = {p.stem for p in folder.glob("*.yaml")} if folder.is_dir() else set()
    return sorted(names | {alias for alias, name in SCHEDULE_ALIASES.items() if name in names})


def shipped_schedule(name: str) -> Path | None:
    """The path of a shipped schedule (by its name or an alias), or None."""
    path = data_dir() / "schedules" / f"{SCHEDULE_ALIASES.get(name, name)}.yaml"
    return path if path.is_file() else None
