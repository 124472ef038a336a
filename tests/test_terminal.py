"""Tables fit the terminal: run through a real pseudo-terminal at 80 and 120 columns, compared with golden files.

The output is held until every line is checked, so the command must measure the
terminal before spooling; these tests would catch a table drawn 140 wide, or one
whose money columns Rich dropped to fit.  Set UPDATE_GOLDEN=1 to rewrite the files.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import sys
import termios

import pytest
from conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
JAPAN = "data/examples/japan-shipment.csv"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

COMMANDS = {
    "estimate": ["estimate", JAPAN, "--date", "2025-04-17"],
    "compare": ["compare", JAPAN, "--scenario", "baseline", "--scenario", "pause-ends", "--date", "2025-07-10"],
}
MONEY_HEADERS = {
    "estimate": ["Value", "MFN", "Total", "Rate", "MFN duty", "Additional", "Effective", "Duty (USD)"],
    "compare": ["Value", "baseline", "pause-ends", "change", "Total duty", "Effective", "Change"],
}


def in_terminal(args: list[str], columns: int, no_color: bool = True) -> str:
    """What the command writes to a terminal ``columns`` wide (stdout and stderr, as a person sees them)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM")}
    env.update(TERM="xterm-256color", PYTHONPATH=os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p))
    if no_color:
        env["NO_COLOR"] = "1"
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, on the pty
        os.chdir(ROOT)
        os.execvpe(sys.executable, [sys.executable, "-m", "tariffcalc", *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 60, columns, 0, 0))
    output = b""
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        output += data
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, output.decode()
    return output.decode().replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_tables_fit_the_terminal(command, columns):
    raw = in_terminal(COMMANDS[command], columns)
    text = "\n".join(line.rstrip() for line in ANSI.sub("", raw).split("\n"))
    golden = GOLDEN / f"{command}-{columns}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()
    assert max(len(line) for line in text.split("\n")) <= columns
    for header in MONEY_HEADERS[command]:
        assert header in text, f"{header!r} is missing at {columns} columns"
    assert "…" not in text  # nothing cut short


def test_colour_is_on_in_a_terminal_and_off_with_no_color():
    coloured = in_terminal(COMMANDS["compare"], 120, no_color=False)
    assert re.search(r"\x1b\[[0-9;]*3[1-6]m", coloured)  # red/green changes: the colour system was detected
    plain = in_terminal(COMMANDS["compare"], 120, no_color=True)
    assert not re.search(r"\x1b\[[0-9;]*3[1-6]m", plain)
