"""``python -m tariffcalc`` and the ``tariffcalc`` script: ``--version`` is answered before any other import."""

import gc
import os
import sys


def run() -> None:
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        print(f"tariffcalc {__version__}")
        return
    # NumPy asks Linux for huge pages for every large array; each chunk's arrays are new, and on a machine whose
    # memory is fragmented the kernel compacts memory to find them: the first chunks of a large basket then took
    # four times as long (benchmarks/README.md, "Fourth round").  Ordinary pages cost nothing of the kind.  Read
    # by NumPy when it is imported; a value the user set is kept.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    # Each chunk's freed arrays kept for the next one instead of faulted in again (see tariffcalc.memory).
    from .memory import keep_freed_memory

    keep_freed_memory()
    try:
        from .cli import main
    except KeyboardInterrupt:  # Ctrl-C while the modules load (a second or so): as in a command, no traceback
        from .errors import ExitStatus

        print("Interrupted.", file=sys.stderr)
        sys.exit(ExitStatus.INTERRUPTED)
    try:
        main()
    finally:
        # The command is done (its output written, flushed and closed) and the interpreter is about to shut down.
        # Shutting down runs the cyclic garbage collector over every object the imports made (pandas, pyarrow,
        # pydantic...): about 110 ms of a 3-line run's 0.9 s, for memory the system takes back anyway.  Frozen
        # objects are skipped by it (they are still released as their references go); atexit handlers, threads
        # and stdio flushing are untouched.
        gc.freeze()


if __name__ == "__main__":
    run()
