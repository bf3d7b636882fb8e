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


@app.command()
def sim(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: list[int] = typer.Option(  # noqa: B008 - Typer declares options this way
        [8090], "--port", help="Port of one Xsi host; repeat for several hosts of one PBX."
    ),
    scenario: str = typer.Option("demo", "--scenario", help="Starting PBX: demo or empty."),
) -> None:
    """Run the simulated Cloud PBX (Xsi-Actions, Xsi-Events and the /sim/v1 control API)."""
    from cloudcti.sim.scenarios import SCENARIOS
    from cloudcti.sim.server import SimServer

    if scenario not in SCENARIOS:
        typer.echo(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}", err=True)
        raise typer.Exit(2)
    server = SimServer(host=host, ports=port, scenario=scenario)
    try:
        server.start()
    except RuntimeError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    for url in server.urls:
        typer.echo(f"cloudcti sim: Xsi host {url} (control API {url}/sim/v1/state)")
    try:
        while server.is_alive():
            server.join(0.5)
    except KeyboardInterrupt:
        typer.echo("cloudcti sim: stopping")
    finally:
        server.stop()


def main() -> None:
    """Entry point of the console script."""
    app()
