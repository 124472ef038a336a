"""The ``tariffcalc`` command: one module per command over a shared ``app``."""

from . import compare, estimate, hts, rates, timeline  # noqa: F401 - registers the commands
from .app import app, main

__all__ = ["app", "main"]
