"""glibc's malloc told to keep the memory a chunk frees for the next chunk, rather than give it back and fault it in again.

Each chunk of a large basket allocates the same arrays again (lines × measures of rates, bases and duties, a few to
tens of MB each). By default glibc serves such an allocation with a fresh ``mmap`` and unmaps it when freed, or
trims the freed top of its heap, so every chunk's arrays are new pages to the kernel: a 1M-line ``estimate`` took
about 185,000 page faults and a sixth of its CPU time in the kernel. Served from the heap and kept there (arrays up
to 32 MB; freed memory trimmed only past 1 GB), it took 118,000 faults and a tenth less time, in the same peak
memory (``benchmarks/README.md``, eighth round).

All threads share one heap ("arena"). By default glibc gives each thread that allocates its own: the reader's
chunks, the engine's arrays and the writer's text were each kept in a heap of their own, and memory one had freed
could not serve another, about 45 MB more at the peak of a 1M-line ``estimate`` for no gain in time (ninth round):
the threads mostly take turns under the GIL, and pyarrow allocates from its own pool.

Only the command calls this (:mod:`tariffcalc.__main__`): it changes the whole process, which a library must not do
to its caller. Worker processes get the same settings through the environment, which glibc reads when a process
starts. A user who set any of them, or ``GLIBC_TUNABLES``, keeps their own.
"""

from __future__ import annotations

import os
import sys

#: Largest allocation served from the heap (glibc's own ceiling on 64-bit systems).
MMAP_THRESHOLD = 32 << 20
#: Free memory at the top of the heap kept before any is given back.
TRIM_THRESHOLD = 1 << 30
#: Heaps shared by the threads.
ARENAS = 1

#: ``mallopt`` parameters (glibc's ``malloc.h``).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_VARIABLES = {"MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD, "MALLOC_TRIM_THRESHOLD_": TRIM_THRESHOLD, "MALLOC_ARENA_MAX": ARENAS}


def keep_freed_memory() -> bool:
    """Tune malloc as above for this process and the processes it starts; whether it was done.

    Nothing is done off glibc (macOS, Windows, musl), or where the user set malloc's variables or glibc's tunables.
    """
    if not sys.platform.startswith("linux") or "GLIBC_TUNABLES" in os.environ or _VARIABLES.keys() & os.environ.keys():
        return False
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return False
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, ValueError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    settings = ((_M_MMAP_THRESHOLD, MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, TRIM_THRESHOLD), (_M_ARENA_MAX, ARENAS))
    if not all([mallopt(parameter, value) for parameter, value in settings]):
        return False
    os.environ.update({name: str(value) for name, value in _VARIABLES.items()})
    return True
