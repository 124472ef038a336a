"""The command runs the garbage collector rarely and, at its end, freezes the collector's objects (``gc.freeze``), so
that the interpreter's shutdown does not walk them (tariffcalc.collector); the exit code and the output are those of
the command.  Their effect on speed and memory is measured in benchmarks/ ("Tenth round")."""

from __future__ import annotations

import subprocess
import sys

from conftest import EXAMPLES

# The command in a fresh interpreter; then its exit code and whether the collector's objects were frozen.
COMMAND = (
    "import gc, sys; sys.argv = ['tariffcalc', *sys.argv[1:]]\n"
    "from tariffcalc.__main__ import run\n"
    "code = 0\n"
    "try:\n    run()\nexcept SystemExit as exc:\n    code = exc.code\n"
    "print('exit', code, 'frozen', gc.get_freeze_count() > 0, 'threshold', *gc.get_threshold(), file=sys.stderr)"
)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", COMMAND, *args], capture_output=True, text=True)


def test_a_command_that_succeeds_ends_frozen_with_its_output_whole(tmp_path):
    out = tmp_path / "out.csv"
    done = _run("estimate", str(EXAMPLES / "seed-japan.csv"), "--date", "2025-04-17", "--format", "csv", "--output", str(out))
    assert done.stderr.splitlines()[-1] == "exit 0 frozen True threshold 200000 30 30"
    assert len(out.read_text().splitlines()) == len((EXAMPLES / "seed-japan.csv").read_text().splitlines())  # header + lines


def test_a_command_that_fails_ends_frozen_with_its_exit_code(tmp_path):
    done = _run("estimate", str(tmp_path / "missing.csv"), "--date", "2025-04-17")
    assert done.stderr.splitlines()[-1] == "exit 2 frozen True threshold 200000 30 30"
