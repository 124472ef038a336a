"""Reading ahead and writing behind (a second core): the same items, calls and errors as without the threads."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from tariffcalc.goods.read_ahead import read_ahead
from tariffcalc.output.write_behind import WriteBehind


class Boom(Exception):
    pass


def produced(n, fail_at=None, log=None):
    """0..n-1, raising Boom instead of item ``fail_at``; ``log`` records which thread made each and whether closed."""
    try:
        for i in range(n):
            if log is not None:
                log.append((i, threading.current_thread().name))
            if i == fail_at:
                raise Boom(f"item {i}")
            yield i
    finally:
        if log is not None:
            log.append(("closed", threading.current_thread().name))


def test_read_ahead_gives_every_item_in_order_the_first_in_the_callers_thread():
    log = []
    assert list(read_ahead(produced(7, log=log))) == list(range(7))
    made = dict(entry for entry in log if entry[0] != "closed")
    assert made[0] == threading.current_thread().name  # the first chunk: stdin is spooled there
    assert {made[i] for i in range(1, 7)} == {"tariffcalc-read-ahead"}


def test_read_ahead_raises_an_error_after_the_items_before_it():
    got = []
    with pytest.raises(Boom, match="item 3"):
        for item in read_ahead(produced(10, fail_at=3)):
            got.append(item)
    assert got == [0, 1, 2]


def test_read_ahead_of_nothing_and_of_one_item():
    assert list(read_ahead(iter([]))) == []
    assert list(read_ahead(iter(["only"]))) == ["only"]


def test_read_ahead_reads_at_most_one_item_ahead_and_closes_the_source_when_the_caller_stops():
    log = []
    items = read_ahead(produced(100, log=log))
    assert next(items) == 0
    assert next(items) == 1
    items.close()  # the caller stops early (an error, Ctrl-C): the thread is joined and the source closed
    made = [entry[0] for entry in log if entry[0] != "closed"]
    assert made in ([0, 1], [0, 1, 2])  # item 2 may have been read ahead while item 1 was in use; no more
    assert log[-1][0] == "closed"
    assert not any(t.name == "tariffcalc-read-ahead" for t in threading.enumerate())


def test_read_ahead_on_one_core_stays_in_the_callers_thread(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    log = []
    assert list(read_ahead(produced(4, log=log))) == [0, 1, 2, 3]
    assert {name for _, name in log} == {threading.current_thread().name}


class Recorder:
    """A writer that records its calls and their threads, returns a count, and fails at ``fail_on``."""

    def __init__(self, fail_on=None):
        self.calls, self.fail_on = [], fail_on

    def __call__(self, chunk, first_line):
        if first_line == self.fail_on:
            raise OSError(28, "No space left on device")
        self.calls.append((chunk, first_line, threading.current_thread().name))
        return first_line * 2


def test_write_behind_makes_the_same_calls_in_order_in_a_thread_and_keeps_what_they_return():
    recorder = Recorder()
    with WriteBehind(recorder) as write:
        for n in range(5):
            write(f"chunk {n}", n * 10 + 1)
    assert [call[:2] for call in recorder.calls] == [(f"chunk {n}", n * 10 + 1) for n in range(5)]
    assert {call[2] for call in recorder.calls} == {"tariffcalc-write-behind"}
    assert write.returned == [2, 22, 42, 62, 82]


def test_write_behind_raises_the_writers_error_at_the_next_call_and_writes_nothing_after_it():
    recorder = Recorder(fail_on=11)
    with pytest.raises(OSError, match="No space left on device"):
        with WriteBehind(recorder) as write:
            write("chunk 0", 1)
            write("chunk 1", 11)  # fails in the thread
            write("chunk 2", 21)
    assert [call[0] for call in recorder.calls] == ["chunk 0"]


def test_write_behind_raises_the_last_chunks_error_on_leaving_the_block():
    recorder = Recorder(fail_on=1)
    with pytest.raises(OSError, match="No space left on device"):
        with WriteBehind(recorder) as write:
            write("chunk 0", 1)
    assert recorder.calls == []


def test_write_behind_after_a_failure_in_the_block_waits_for_the_chunk_being_written_and_keeps_that_failure():
    started, release = threading.Event(), threading.Event()

    def slow(chunk, first_line):
        started.set()
        release.wait(5)
        raise OSError(32, "Broken pipe")

    with pytest.raises(Boom, match="computing failed"):
        with WriteBehind(slow) as write:
            write("chunk 0", 1)
            started.wait(5)
            threading.Timer(0.05, release.set).start()
            raise Boom("computing failed")
    assert not any(t.name == "tariffcalc-write-behind" for t in threading.enumerate())


def test_write_behind_on_one_core_writes_in_the_callers_thread(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    recorder = Recorder()
    with WriteBehind(recorder) as write:
        write("chunk 0", 1)
    assert recorder.calls == [("chunk 0", 1, threading.current_thread().name)]


def test_the_command_turns_numpys_huge_pages_off_unless_the_user_set_them():
    code = (
        "import sys; sys.argv = ['tariffcalc', 'schedule', '--help']\n"
        "from tariffcalc.__main__ import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "from numpy._core.multiarray import _get_madvise_hugepage\n"
        "print(_get_madvise_hugepage(), file=sys.stderr)"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    default = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert default.stderr.strip() == "False"
    chosen = subprocess.run(
        [sys.executable, "-c", code], env=env | {"NUMPY_MADVISE_HUGEPAGE": "1"}, capture_output=True, text=True, check=True
    )
    assert chosen.stderr.strip() == "True"
