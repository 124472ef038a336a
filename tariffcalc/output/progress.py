"""A progress bar on stderr for long runs, by bytes of the basket read; nothing at all when stderr is not a terminal.

The bar is Rich's, drawn by its own refresh thread (ten times a second), and
updated once per chunk: it costs nothing measurable.  It is transient (erased
when the run ends), and shown only for baskets of at least
:data:`MIN_BYTES`, so that short runs do not flicker.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Baskets smaller than this (about 100,000 CSV lines) are read without a bar.
MIN_BYTES = 8 << 20


def stderr_console():
    """A Rich console on stderr when stderr is a terminal, else None (tests replace this to force a terminal)."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def progress_bar(description: str, console=None) -> Iterator[Callable[[int, int], None] | None]:
    """A ``report(done_bytes, total_bytes)`` callback drawing the bar, or None when there is no terminal.

    ``console`` defaults to :func:`stderr_console`.  The bar appears on the
    first report, and only when the total is at least :data:`MIN_BYTES`.
    """
    console = console if console is not None else stderr_console()
    if console is None:
        yield None
        return
    state: dict = {}

    def report(done: int, total: int) -> None:
        if "bar" not in state:
            if total < MIN_BYTES:
                state["bar"] = None
                return
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                DownloadColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task(description, total=total)
        if state["bar"] is not None:
            state["bar"].update(state["task"], completed=min(done, total))

    try:
        yield report
    finally:
        if state.get("bar") is not None:
            state["bar"].stop()
