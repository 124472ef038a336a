"""The command tunes glibc's malloc to keep freed memory (tariffcalc.memory), for itself and its worker processes,
unless the user set malloc's variables or glibc's tunables; its effect on speed is measured in benchmarks/."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

GLIBC = sys.platform.startswith("linux") and (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
OURS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX", "GLIBC_TUNABLES")

# The command run in a fresh interpreter, then what its environment (which worker processes inherit) holds.
COMMAND = (
    "import os, sys; sys.argv = ['tariffcalc', 'schedule', '--help']\n"
    "from tariffcalc.__main__ import run\n"
    "try:\n    run()\nexcept SystemExit:\n    pass\n"
    "print(*(os.environ.get(name) for name in ('MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_ARENA_MAX')), "
    "file=sys.stderr)"
)


def _run(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in OURS}
    done = subprocess.run([sys.executable, "-c", COMMAND], env=clean | env, capture_output=True, text=True, check=True)
    return done.stderr.strip()


@pytest.mark.skipif(not GLIBC, reason="malloc is tuned on glibc only")
def test_the_command_keeps_freed_memory_and_tells_its_workers():
    assert _run() == f"{32 << 20} {1 << 30} 1"


@pytest.mark.skipif(not GLIBC, reason="malloc is tuned on glibc only")
def test_a_users_own_malloc_settings_are_kept():
    assert _run(MALLOC_TRIM_THRESHOLD_="65536") == "None 65536 None"
    assert _run(MALLOC_ARENA_MAX="4") == "None None 4"
    assert _run(GLIBC_TUNABLES="glibc.malloc.trim_threshold=65536") == "None None None"


def test_not_tuned_off_glibc(monkeypatch):
    from tariffcalc import memory

    for name in OURS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(memory.sys, "platform", "darwin")
    assert memory.keep_freed_memory() is False
    assert not any(name in os.environ for name in OURS)
