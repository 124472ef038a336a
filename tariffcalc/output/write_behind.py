"""Writing one chunk's lines while the next chunk is computed: the writing on a second core.

Formatting a chunk as CSV or JSON is mostly pyarrow and NumPy work that
releases the GIL, so on a machine of two cores or more it overlaps with
computing the next chunk.  The writer is called with the same arguments in
the same order as without the thread, one call at a time; at most one chunk is
being written while the next is computed, so memory grows by one chunk's
result.  What the writer raises (a closed pipe, a full disk) is raised to the
caller at its next call.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

R = TypeVar("R")


class WriteBehind(Generic[R]):
    """Calls ``write`` in a background thread, one call at a time, keeping what each call returns.

    Use it as a context manager: leaving the block waits for the chunk being written (and raises its error,
    unless the block itself failed). :meth:`wait` gives every call's return value; on a single core the calls
    are made in the caller's thread.
    """

    def __init__(self, write: Callable[..., R]):
        self.write = write
        self.returned: list[R] = []
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __call__(self, *args) -> None:
        self.wait()
        if (os.cpu_count() or 1) < 2:
            self.returned.append(self.write(*args))
            return
        self._thread = threading.Thread(target=self._run, args=args, name="tariffcalc-write-behind", daemon=True)
        self._thread.start()

    def wait(self) -> list[R]:
        """What every call returned, once the last one is done; its error, if it failed."""
        self._join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self.returned

    def __enter__(self) -> WriteBehind[R]:
        return self

    def __exit__(self, kind, *_) -> None:
        if kind is None:
            self.wait()
        else:  # a failure elsewhere: the chunk being written is waited for, and its own error dropped
            self._join()

    def _run(self, *args) -> None:
        try:
            self.returned.append(self.write(*args))
        except BaseException as exc:  # raised to the caller at its next call
            self._error = exc

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
