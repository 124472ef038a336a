"""``python -m tariffcalc`` and the ``tariffcalc`` script: ``--version`` is answered before any other import."""

import sys


def run() -> None:
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        print(f"tariffcalc {__version__}")
        return
    from .cli import main

    main()


if __name__ == "__main__":
    run()
