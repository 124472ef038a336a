"""Writing one chunk's lines while the next chunk is computed: the writing on a second core.

Formatting a chunk as CSV or JSON is mostly pyarrow and NumPy work that
releases the GIL, so on a machine of two cores or more it overlaps with
computing the next chunk.  The sink sees the same calls in the same order as
without the thread; at most one chunk is being written while the next is
computed, so memory grows by one chunk's result.  What the sink raises
(a closed pipe, a full disk) is raised to the caller at its next call.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from ..engine.result import Estimate, Summary
from ..goods.basket import Skipped
from .sinks import Sink


class WriteBehind(Sink):
    """A sink whose ``write`` calls run in a background thread, one at a time; ``finish`` waits for them first."""

    def __init__(self, sink: Sink):
        self.sink = sink
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def write(self, estimate: Estimate, first_line: int) -> None:
        self._wait()
        if (os.cpu_count() or 1) < 2:
            self.sink.write(estimate, first_line)
            return
        self._thread = threading.Thread(
            target=self._run, args=(self.sink.write, estimate, first_line), name="tariffcalc-write-behind", daemon=True
        )
        self._thread.start()

    def finish(self, summary: Summary, skipped: Skipped | None) -> None:
        self._wait()
        self.sink.finish(summary, skipped)

    def close(self) -> None:
        """Wait for the chunk being written (after a failure elsewhere: its error, if any, is not raised)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __getattr__(self, name: str):  # what the caller reads of the sink afterwards (``changed``)
        return getattr(self.sink, name)

    def _run(self, write: Callable[[Estimate, int], None], estimate: Estimate, first_line: int) -> None:
        try:
            write(estimate, first_line)
        except BaseException as exc:  # raised to the caller at its next call
            self._error = exc

    def _wait(self) -> None:
        self.close()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
