"""Reading the next chunk of a basket while the current one is computed: the reading on a second core.

Reading and checking a chunk (the CSV parser, the checks of its cells) is
mostly pyarrow and NumPy work that releases the GIL, as is most of computing
and writing one, so on a machine of two cores or more the two overlap.  The
chunks come out in their order, with what they raise raised at the same place
in the sequence: the caller sees what it would see without the thread.  At
most one chunk is read ahead, so memory grows by one chunk.

The first chunk is read in the caller's thread: that is where a basket on
stdin is spooled to a file and the file sniffed, which can wait on a pipe for
as long as the pipe is open; from then on the thread reads a file on disk, and
a caller that stops early (an error, Ctrl-C) waits at most for the chunk being
read, so that the reader's files are closed and its spool removed.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_END = object()


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """``items`` with each next item produced in a background thread while the caller works on the current one.

    On a single core there is nothing to gain and the items are produced in the caller's thread.
    """
    first = next(items, _END)
    if first is _END:
        return
    if (os.cpu_count() or 1) < 2:
        yield first
        yield from items
        return
    produced: queue.Queue = queue.Queue(maxsize=1)
    wanted = threading.Semaphore(1)  # the producer makes an item only when the last one was taken
    stop = threading.Event()

    def produce() -> None:
        try:
            while True:
                wanted.acquire()
                if stop.is_set():
                    return
                try:
                    item = next(items)
                except StopIteration:
                    produced.put((_END, None))
                    return
                produced.put((item, None))
        except BaseException as exc:  # handed to the caller, raised there at the same point of the sequence
            produced.put((_END, exc))
        finally:
            close = getattr(items, "close", None)
            if stop.is_set() and close is not None:
                close()

    thread = threading.Thread(target=produce, name="tariffcalc-read-ahead", daemon=True)
    thread.start()
    try:
        yield first
        del first  # not kept for the whole run
        while True:
            item, error = produced.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            wanted.release()
            yield item
    finally:
        stop.set()
        wanted.release()
        thread.join()
