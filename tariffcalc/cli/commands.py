"""The Typer ``app`` with every command registered on it (importing a command's module registers it)."""

# Imported in the order the commands are listed by --help.
from . import estimate, check, compare, rates, schedule, timeline, hts  # noqa: F401, I001 - registers the commands
from . import refund  # noqa: F401, E402 - registers `refund`
from .typer_app import app

__all__ = ["app"]
