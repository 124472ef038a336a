"""The ``tariffcalc`` command: one module per command over a shared Typer ``app``.

``app`` (every command registered, see :mod:`tariffcalc.cli.commands`) and
``main`` (the console script, :mod:`tariffcalc.cli.entry`) are loaded on first
use, so that a plain estimate, which ``main`` runs without Typer, never imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .commands import app
    from .entry import main

__all__ = ["app", "main"]

_HOMES = {"app": "tariffcalc.cli.commands", "main": "tariffcalc.cli.entry"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tariffcalc.cli' has no attribute {name!r}")
