"""``python -m tariffcalc`` and the ``tariffcalc`` script: ``--version`` is answered before any other import."""

import sys


def run() -> None:
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        print(f"tariffcalc {__version__}")
        return
    try:
        from .cli import main
    except KeyboardInterrupt:  # Ctrl-C while the modules load (a second or so): as in a command, no traceback
        from .errors import ExitStatus

        print("Interrupted.", file=sys.stderr)
        sys.exit(ExitStatus.INTERRUPTED)
    main()


if __name__ == "__main__":
    run()
