"""Python's cyclic garbage collector told to run less often, and to leave the interpreter's shutdown alone.

The collector walks every container object it tracks: each time 700 more have been made than freed (generation 0),
the survivors of ten of those (generation 1), and now and then all of them (generation 2). A run makes hundreds of
thousands of long-lived ones while pandas, pyarrow, pydantic and typer import, and walked them over and over: about
70 ms of a 3-line ``estimate`` (0.8-0.9 s on the benchmarks' 2-core VM), half of it inside ``import pandas``. When
the interpreter shuts down it walks them again, about 130 ms more, for memory the system takes back anyway.

- :func:`collect_rarely`: a collection of generation 0 once per 200,000 objects, as mypy does; generations 1 and 2
  three times as rarely as by default. The engine's data are NumPy and Arrow arrays, which the collector does not
  track, and garbage without cycles is freed at once whatever the threshold: the peak memory of a 1M-line estimate
  did not change (``benchmarks/README.md``, "Tenth round").
- :func:`leave_shutdown_alone`: when the command is done, every object is frozen (``gc.freeze``), so that the
  shutdown's collections skip them. Objects are still freed as their references go; atexit handlers, threads and
  the flushing of stdio are untouched. The command's output is written, flushed and closed before.

Only the command calls these (:mod:`tariffcalc.__main__`): they change the whole process, which a library must not do
to its caller.
"""

from __future__ import annotations

import gc

#: Objects made (less those freed) between two collections of generation 0; CPython's default is 700.
GENERATION_0 = 200_000
#: Collections of the generation below between two of generations 1 and 2 (CPython's default: 10 and 10).
GENERATIONS_1_2 = 30


def collect_rarely() -> None:
    """Collect as above for the rest of the process."""
    gc.set_threshold(GENERATION_0, GENERATIONS_1_2, GENERATIONS_1_2)


def leave_shutdown_alone() -> None:
    """Freeze every object the collector tracks: called when the command is done, just before the process ends."""
    gc.freeze()
