"""The ``tariffcalc`` command: one module per command over a shared ``app``."""

# Imported in the order the commands are listed by --help.
from . import estimate, check, compare, rates, schedule, timeline, hts  # noqa: F401, I001 - registers the commands
from . import refund  # noqa: F401, E402 - registers `refund`
from .app import app, main

__all__ = ["app", "main"]
