"""Chunks of a basket computed in worker processes, one per core: the engine holds the GIL, so threads cannot share it.

:func:`in_processes` maps a function over chunks in a pool of *spawned*
processes (fresh interpreters: safe beside the reading thread of
:mod:`~tariffcalc.goods.read_ahead`, and the same on Linux, macOS and
Windows) and yields the results in the chunks' order.  At most one chunk more
than there are workers is in flight, so memory grows by a few chunks, not
with the basket.  A basket of one chunk, or a machine of one core, is
computed in this process, with no pool to start.

Workers ignore Ctrl-C: the main process gets it, stops handing out chunks and
lets the workers finish the one they hold, so no worker prints a traceback.
What a worker raises is raised here, at that chunk's place in the sequence;
a worker that dies (killed, out of memory) is :class:`~tariffcalc.errors.WorkerLost`.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import WorkerLost

if TYPE_CHECKING:
    from concurrent.futures import Future

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

_END = object()


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def in_processes(
    work: Callable[[C, T], R],
    items: Iterable[T],
    *,
    setup: Callable[..., C],
    setup_args: tuple[Any, ...] = (),
    here: C | None = None,
    jobs: int | None = None,
) -> Iterator[R]:
    """``work(context, item)`` for every item, in order, computed in ``jobs`` worker processes (default: one per core).

    ``context`` is what ``setup(*setup_args)`` returns, made once in each worker before its first item: what every
    item needs, such as the compiled schedule, sent once.  Without a pool it is ``here``, or else made here.
    ``work`` and ``setup`` must be module-level functions, and ``setup_args``, items and results picklable.
    """
    jobs = usable_cores() if jobs is None else jobs
    items = iter(items)
    first = next(items, _END)
    if first is _END:
        return
    second = next(items, _END) if jobs > 1 else _END
    if second is _END:
        context = setup(*setup_args) if here is None else here
        yield work(context, first)  # type: ignore[arg-type]
        for item in items:
            yield work(context, item)
        return
    # Only now: a small basket, computed here, does not pay for importing the pool.
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    pool = ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_start, initargs=(setup, setup_args))
    pending: deque[Future[R]] = deque()  # at most jobs + 1
    with _pipes_raise():
        try:
            for item in chain([first, second], items):
                with _ctrl_c_held():  # a submit may start a worker
                    pending.append(pool.submit(_work, work, item))
                if len(pending) > jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool:
            pending.clear()  # none will come: the pool has stopped every worker
            raise WorkerLost(
                "a worker process ended before finishing its chunk (killed, or out of memory?); "
                "rerun with --jobs 1, or a smaller --chunk-size"
            ) from None
        finally:
            # Normally nothing is pending here; after an error or Ctrl-C, what was not started is dropped and the
            # workers finish the chunk they hold (they ignore SIGINT) and exit.
            pool.shutdown(wait=not pending, cancel_futures=True)


@contextmanager
def _pipes_raise() -> Iterator[None]:
    """SIGPIPE ignored while the pool runs (where this is the main thread): a write to the pipe of a worker that died
    is then an error the pool reports, not the end of this process (the CLI lets SIGPIPE end it, for ``| head``)."""
    if not hasattr(signal, "SIGPIPE") or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGPIPE, before)


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Ctrl-C held back for a moment (in the main thread, where the system can block signals).

    A worker process started meanwhile starts with SIGINT blocked: a Ctrl-C that reaches the process group while it
    still imports its modules (a second, before its :func:`_start`) cannot end it with a traceback.  This process
    gets a Ctrl-C that came meanwhile once the moment is over, as it would have: a start half done would have left
    the worker to fail on half of what it is sent.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[bool] = []
    before = signal.signal(signal.SIGINT, lambda *_: came.append(True))
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # one that came is handled now, by the lambda
        signal.signal(signal.SIGINT, before)
    if came:
        signal.raise_signal(signal.SIGINT)


#: A worker's context: what its setup returned.
_context: Any = None


def _start(setup: Callable[..., Any], setup_args: tuple[Any, ...]) -> None:
    """A worker's start: Ctrl-C is the main process's to handle, then the caller's setup."""
    global _context
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _context = setup(*setup_args)


def _work(work: Callable[[Any, T], R], item: T) -> R:
    return work(_context, item)
