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


class RecordingSink:
    def __init__(self, fail_on=None):
        self.calls, self.fail_on, self.changed = [], fail_on, 7

    def write(self, estimate, first_line):
        if first_line == self.fail_on:
            raise OSError(28, "No space left on device")
        self.calls.append(("write", estimate, first_line, threading.current_thread().name))

    def finish(self, summary, skipped):
        self.calls.append(("finish", summary, skipped, threading.current_thread().name))


def test_write_behind_makes_the_same_calls_in_order_writes_in_a_thread_and_finishes_in_the_callers():
    sink = RecordingSink()
    writer = WriteBehind(sink)
    for n in range(5):
        writer.write(f"chunk {n}", n * 10 + 1)
    writer.finish("summary", None)
    assert [call[:3] for call in sink.calls] == [("write", f"chunk {n}", n * 10 + 1) for n in range(5)] + [
        ("finish", "summary", None)
    ]
    assert {call[3] for call in sink.calls[:-1]} == {"tariffcalc-write-behind"}
    assert sink.calls[-1][3] == threading.current_thread().name
    assert writer.changed == 7  # what the caller reads of the sink afterwards


def test_write_behind_raises_the_sinks_error_at_the_next_call_and_writes_nothing_after_it():
    sink = RecordingSink(fail_on=11)
    writer = WriteBehind(sink)
    writer.write("chunk 0", 1)
    writer.write("chunk 1", 11)  # fails in the thread
    with pytest.raises(OSError, match="No space left on device"):
        writer.write("chunk 2", 21)
    assert [call[1] for call in sink.calls] == ["chunk 0"]
    writer.close()


def test_write_behind_error_of_the_last_chunk_is_raised_by_finish_before_the_sink_finishes():
    sink = RecordingSink(fail_on=1)
    writer = WriteBehind(sink)
    writer.write("chunk 0", 1)
    with pytest.raises(OSError, match="No space left on device"):
        writer.finish("summary", None)
    assert sink.calls == []


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
