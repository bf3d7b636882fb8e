"""The ``cloudcti`` command line (CONTRACT.md §1)."""

from __future__ import annotations

import typer

from cloudcti import __version__

app = typer.Typer(
    name="cloudcti",
    help="Open-source CTI server for BroadWorks-based cloud PBXs (DeutschlandLAN Cloud PBX).",
    no_args_is_help=True,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"cloudcti {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Open-source CTI server for BroadWorks-based cloud PBXs."""


@app.command()
def demo() -> None:
    """Run the demo company (simulator + server). Not built yet: shows the Xsi core instead."""
    from cloudcti.demo_stream import run_protocol_demo

    typer.echo(
        "cloudcti demo: the server and the simulated Cloud PBX are not built yet "
        "(issues 3-9). Showing what exists: the Xsi protocol core decoding a "
        "recorded event channel."
    )
    run_protocol_demo(typer.echo)


def main() -> None:
    """Entry point of the console script."""
    app()
