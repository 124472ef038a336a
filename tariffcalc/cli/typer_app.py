"""The ``tariffcalc`` Typer application: the ``app`` every command module registers itself on, and ``--version``.

What the commands share besides (talk, exit codes, output) is in
:mod:`tariffcalc.cli.running`, which does not need Typer.
"""

from __future__ import annotations

import typer

from .. import __version__

app = typer.Typer(
    name="tariffcalc",
    help="What US import tariffs cost a basket of imports: each line's duties, why, and the basket's effective rate.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tariffcalc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """What US import tariffs cost a basket of imports."""


