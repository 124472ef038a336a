"""Exceptions and exit codes.

The library raises :class:`InputError` with one :class:`Problem` per thing that
is wrong; the command line prints each problem on its own line on stderr and
exits with :attr:`ExitStatus.INVALID_INPUT`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitStatus(IntEnum):
    """Exit codes of the ``tariffcalc`` command (documented in the README)."""

    OK = 0
    #: Something unexpected went wrong inside tariffcalc (a bug: please report it).
    ERROR = 1
    #: The basket, schedule or command line cannot be used, or the system refused (disk full, permission
    #: denied, no such file or folder, a closed stream); nothing was written.
    INVALID_INPUT = 2
    #: With --skip-invalid: the valid lines were computed and written, invalid ones were left out (listed on stderr).
    PARTIAL = 3
    #: The reader of stdout went away (``| head``): ended quietly, with the code a shell shows for SIGPIPE.
    CLOSED_PIPE = 141
    #: Interrupted with Ctrl-C.
    INTERRUPTED = 130


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can.

    ``where`` is a human location such as ``basket.csv:4`` (file and line) or
    ``us.yaml:12 measures[3].rate`` (file, line and YAML key).
    """

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class TariffcalcError(Exception):
    """Base class of the errors tariffcalc raises on purpose."""


class WorkerLost(TariffcalcError):
    """A worker process computing chunks ended before its result came back (see tariffcalc.engine.processes)."""


class InputError(TariffcalcError):
    """An input (basket, schedule, option) that cannot be used.

    Carries every problem found, not only the first, so a person can fix them
    all in one go.
    """

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
