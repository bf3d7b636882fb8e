"""The ``cloudcti`` command line (CONTRACT.md §1)."""

from __future__ import annotations

import gc
import time
from pathlib import Path

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
def demo(
    host: str = typer.Option("127.0.0.1", "--host", help="Address of the server and the PBX."),
    port: int = typer.Option(8080, "--port", help="Port of the cloudcti server (0: any)."),
    sim_port: int = typer.Option(8090, "--sim-port", help="Port of the simulated PBX (0: any)."),
    data_dir: Path | None = typer.Option(  # noqa: B008 - Typer declares options this way
        None, "--data-dir", help="Data directory (default: a fresh temporary one)."
    ),
) -> None:
    """Run the simulated Cloud PBX and the server with the demo company set up; Ctrl-C stops."""
    import asyncio
    import shutil
    import tempfile

    from cloudcti.app import Settings
    from cloudcti.app.demo import DemoCompany, DemoUser
    from cloudcti.app.errors import AppError
    from cloudcti.sim import scenarios
    from cloudcti.sim.server import SimServer
    from cloudcti.web.demo import serve_demo

    server = SimServer(host=host, ports=[sim_port], scenario="demo")
    try:
        server.start()
    except RuntimeError as error:
        typer.echo(f"cloudcti demo: {error}", err=True)
        raise typer.Exit(1) from None
    url = server.urls[0]
    directory = data_dir or Path(tempfile.mkdtemp(prefix="cloudcti-demo-"))
    typer.echo(f"cloudcti demo: data dir {directory}")
    typer.echo(f"simulated Cloud PBX: {url} (control API {url}/sim/v1/state)")
    domain = scenarios.DOMAIN
    company = DemoCompany(
        xsi_urls=tuple(server.urls),
        monitoring_username=f"{scenarios.MONITOR_LOGIN[0]}@{domain}",
        monitoring_password=scenarios.MONITOR_PASSWORD,
        area_code="89",
        users=tuple(
            # eva.wagner starts without a stored PBX login, to show the client's prompt (R18)
            DemoUser(login, f"{first} {last}", f"{login}@{domain}", mobile, login != "eva.wagner")
            for login, first, last, _extension, mobile in scenarios.DEMO_USERS
        ),
        pbx_password=scenarios.DEMO_PASSWORD,
    )
    code = 0
    try:
        asyncio.run(serve_demo(Settings(data_dir=directory), company, host, port, typer.echo))
    except KeyboardInterrupt:
        pass
    except (AppError, OSError) as error:
        typer.echo(f"cloudcti demo: {getattr(error, 'detail', error)}", err=True)
        code = 1
    finally:
        typer.echo("cloudcti demo: stopping")
        server.stop()
        if data_dir is None:
            shutil.rmtree(directory, ignore_errors=True)
    raise typer.Exit(code)


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
    from cloudcti.sim.scenarios import describe

    for line in describe(server.sim.pbx):
        typer.echo(f"  {line}")
    from cloudcti import gc_policy

    gc_policy.settle()
    collected = time.monotonic()
    try:
        while server.is_alive():
            server.join(0.5)
            if time.monotonic() - collected > gc_policy.FULL_COLLECTION_S:
                gc.collect()
                collected = time.monotonic()
    except KeyboardInterrupt:
        typer.echo("cloudcti sim: stopping")
    finally:
        server.stop()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", envvar="CLOUDCTI_HOST", help="Address."),
    port: int = typer.Option(8080, "--port", envvar="CLOUDCTI_PORT", help="Port."),
    data_dir: Path = typer.Option(  # noqa: B008 - Typer declares options this way
        Path("data"), "--data-dir", envvar="CLOUDCTI_DATA_DIR", help="The data directory."
    ),
    database_url: str | None = typer.Option(
        None, "--database-url", envvar="CLOUDCTI_DATABASE_URL", help="PostgreSQL URL."
    ),
    proxy_headers: bool = typer.Option(
        False,
        "--proxy-headers",
        envvar="CLOUDCTI_PROXY_HEADERS",
        help="Trust X-Forwarded-* from a reverse proxy doing TLS.",
    ),
    root_path: str = typer.Option(
        "", "--root-path", envvar="CLOUDCTI_ROOT_PATH", help="Path prefix behind a proxy."
    ),
) -> None:
    """Run the cloudcti server (migrates the database; creates the key on first start)."""
    import asyncio
    import contextlib

    import uvicorn

    from cloudcti.app import CloudCti, Settings, StartupError
    from cloudcti.web import create_app
    from cloudcti.web.log_redaction import redact_uvicorn_logs

    settings = Settings(data_dir=data_dir, database_url=database_url)

    async def preflight() -> None:
        await (await CloudCti.open(settings, start_runtimes=False)).close()

    try:
        asyncio.run(preflight())
    except StartupError as error:
        typer.echo(f"cloudcti serve: {error.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"cloudcti serve: http://{host}:{port}{root_path}/api/v1/docs")
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        proxy_headers=proxy_headers,
        forwarded_allow_ips="*" if proxy_headers else None,
        root_path=root_path,
        log_level="info",
    )
    redact_uvicorn_logs()  # after uvicorn.Config configured logging; tokens ride in ?token=
    server = uvicorn.Server(config)
    # uvicorn re-raises the Ctrl-C it handled; for us that is a normal stop.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        raise typer.Exit(3)


admin = typer.Typer(help="Administration of an installation.", no_args_is_help=True)
app.add_typer(admin, name="admin")


@admin.command("rotate-key")
def rotate_key(
    data_dir: Path = typer.Option(  # noqa: B008 - Typer declares options this way
        Path("data"), "--data-dir", envvar="CLOUDCTI_DATA_DIR", help="The data directory."
    ),
    database_url: str | None = typer.Option(
        None, "--database-url", envvar="CLOUDCTI_DATABASE_URL", help="PostgreSQL URL."
    ),
) -> None:
    """Re-encrypt every stored secret under a new key."""
    import asyncio

    from cloudcti.store import StoreError
    from cloudcti.store import rotate_key as rotate

    try:
        result = asyncio.run(rotate(data_dir, database_url=database_url))
    except StoreError as error:
        typer.echo(f"cloudcti admin rotate-key: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"re-encrypted {result.secrets} secrets under key {result.key_id}")
    if result.key_in_environment:
        typer.echo("now set CLOUDCTI_SECRET_KEY to the value of CLOUDCTI_NEW_SECRET_KEY")


@admin.command("create-user")
def create_user(
    username: str = typer.Option(..., "--username", help="The login name."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    role: str = typer.Option("admin", "--role", help="admin or user."),
    data_dir: Path = typer.Option(  # noqa: B008 - Typer declares options this way
        Path("data"), "--data-dir", envvar="CLOUDCTI_DATA_DIR", help="The data directory."
    ),
    database_url: str | None = typer.Option(
        None, "--database-url", envvar="CLOUDCTI_DATABASE_URL", help="PostgreSQL URL."
    ),
) -> None:
    """Create a local account (the first admin, for example)."""
    import asyncio
    import sys

    from cloudcti.app import CloudCti, Settings
    from cloudcti.app.errors import AppError
    from cloudcti.app.users import UserSpec

    if not password_stdin:
        typer.echo("cloudcti admin create-user: pass --password-stdin", err=True)
        raise typer.Exit(2)
    password = sys.stdin.readline().rstrip("\r\n")
    settings = Settings(data_dir=data_dir, database_url=database_url)

    async def create() -> str:
        cti = await CloudCti.open(settings, start_runtimes=False)
        try:
            user = await cti.users.create(UserSpec(username, password=password, role=role))
        finally:
            await cti.close()
        return user.id

    try:
        user_id = asyncio.run(create())
    except AppError as error:
        typer.echo(f"cloudcti admin create-user: {error.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {role} {username!r} ({user_id})")


pbx = typer.Typer(
    help="The connection to a Cloud PBX: test it, watch its events.", no_args_is_help=True
)
app.add_typer(pbx, name="pbx")


def _password_from_stdin(command: str, password_stdin: bool) -> str:
    import sys

    if not password_stdin:
        typer.echo(f"cloudcti pbx {command}: pass --password-stdin", err=True)
        raise typer.Exit(2)
    return sys.stdin.readline().rstrip("\r\n")


@pbx.command("test")
def pbx_test(
    xsi_url: list[str] = typer.Option(  # noqa: B008 - Typer declares options this way
        ..., "--xsi-url", help="Root URL of an Xsi host; repeat for several hosts."
    ),
    username: str = typer.Option(..., "--username", help="The monitoring user."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    proxy: str | None = typer.Option(
        None, "--proxy", help="HTTP(S) proxy URL, optionally http://user:password@host:port."
    ),
) -> None:
    """Test the connection step by step; exit 0 only if every check passes."""
    from cloudcti.pbx.commands import pbx_test as run

    password = _password_from_stdin("test", password_stdin)
    raise typer.Exit(run(xsi_url, username, password, proxy, typer.echo))


@pbx.command("watch")
def pbx_watch(
    xsi_url: list[str] = typer.Option(  # noqa: B008 - Typer declares options this way
        ..., "--xsi-url", help="Root URL of an Xsi host; repeat for several hosts."
    ),
    username: str = typer.Option(..., "--username", help="The monitoring user."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    enterprise: str | None = typer.Option(None, "--enterprise", help="Watch this enterprise."),
    group: str | None = typer.Option(None, "--group", help="Watch this group."),
    proxy: str | None = typer.Option(None, "--proxy", help="HTTP(S) proxy URL."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Monitor like the server does and print one line per event, until Ctrl-C."""
    from cloudcti.pbx.commands import pbx_watch as run
    from cloudcti.pbx.watch import WatchOptions

    password = _password_from_stdin("watch", password_stdin)
    options = WatchOptions(xsi_url, username, password, enterprise, group, proxy, as_json)
    raise typer.Exit(run(options, typer.echo))


def main() -> None:
    """Entry point of the console script."""
    app()
