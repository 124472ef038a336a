"""``python -m tariffcalc`` and the ``tariffcalc`` script: ``--version`` is answered before any other import."""

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
    # Fewer walks of the objects that importing pandas, pyarrow and pydantic makes (see tariffcalc.collector).
    from .collector import collect_rarely, leave_shutdown_alone

    collect_rarely()
    try:
        from .cli import main
    except KeyboardInterrupt:  # Ctrl-C while the modules load (a second or so): as in a command, no traceback
        from .errors import ExitStatus

        print("Interrupted.", file=sys.stderr)
        sys.exit(ExitStatus.INTERRUPTED)
    try:
        main()
    finally:
        leave_shutdown_alone()


if __name__ == "__main__":
    run()
