"""The console script: the process's standard streams made safe, then a plain estimate, or Typer's ``app``.

A plain ``tariffcalc estimate`` (:mod:`tariffcalc.cli.plain`) runs without
importing Typer; every other command line goes to Typer.
"""

from __future__ import annotations

import errno
import io
import signal
import sys

from ..errors import ExitStatus
from .plain import plain_estimate, run_plain
from .running import quiet_stdout, say


class _ClosedStream(io.TextIOBase):
    """What ``sys.stdin`` or ``sys.stdout`` is when the process was started with it closed (``<&-``, ``>&-``).

    Python makes them None, and every use a traceback; this one says, when used, that the stream is closed.
    """

    def __init__(self, name: str, reason: str):
        self.name, self._reason = name, reason

    def _closed(self, *_args, **_kwargs):
        raise OSError(errno.EBADF, self._reason, self.name)

    read = readline = write = _closed

    @property
    def buffer(self):
        return self

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:
        pass


def main() -> None:
    """Console-script entry point."""
    if hasattr(signal, "SIGPIPE"):
        # Like csvkit: let `| head` end us quietly instead of raising BrokenPipeError.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if sys.stdin is None:
        sys.stdin = _ClosedStream("<stdin>", "stdin is closed (give the file's name, or pipe it in)")
    if sys.stdout is None:
        sys.stdout = _ClosedStream("stdout", "stdout is closed; redirect it, or write to a file with --output")
    try:
        parameters = plain_estimate(sys.argv[1:])
        if parameters is not None:
            run_plain(parameters)
        else:
            from .commands import app

            app()
    except KeyboardInterrupt:  # Ctrl-C outside a command's own handler (e.g. while starting up)
        say("Interrupted.")
        sys.exit(ExitStatus.INTERRUPTED)
    finally:
        _flush_stdout()


def _flush_stdout() -> None:
    """Flush what commands left in stdout's buffer, so that a full disk is an error message, not a traceback at exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
        sys.exit(ExitStatus.CLOSED_PIPE)
    except OSError as exc:
        quiet_stdout()
        say(f"Error: stdout: cannot write the output ({exc.strerror or exc})")
        sys.exit(ExitStatus.INVALID_INPUT)


