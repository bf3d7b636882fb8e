"""``cloudcti demo``'s server half: serve cloudcti, set the demo company up, print the logins.

The simulator is the caller's (``cloudcti.cli``): this module gets its URLs in a
``DemoCompany``. Runs until the server is told to exit (SIGINT/SIGTERM via uvicorn).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import uvicorn

from cloudcti.app import CloudCti, Settings
from cloudcti.app.demo import DemoCompany, DemoSetup, set_up_demo
from cloudcti.app.gateways import GatewayView
from cloudcti.web.app import API_PREFIX, create_app

__all__ = ["describe", "serve_demo"]

Echo = Callable[[str], object]


def describe(setup: DemoSetup, base_url: str) -> list[str]:
    """What the demo prints once it runs: URLs, then one line per login."""
    api = f"{base_url}{API_PREFIX}"
    lines = [
        f"API base:   {api}",
        f"OpenAPI:    {api}/openapi.json   (interactive: {api}/docs)",
        f"health:     {base_url}/healthz   {base_url}/readyz",
        f"admin:      {base_url}/admin/   (the admin pages; log in as the admin below)",
        f"client:     {base_url}/   (the web client; log in as a user below)",
        f"gateway:    {setup.gateway.name}: {setup.gateway.state} ({setup.gateway.state_reason})",
        "logins (POST /api/v1/auth/token):",
    ]
    for login in setup.logins:
        text = f"  {login.role:<5}  {login.username} / {login.password}"
        if login.lines:
            text += "   line " + ", ".join(f"{x.extension} {x.number}" for x in login.lines)
        lines.append(text)
    lines.append("Ready: users open the web client above, admins the admin pages.")
    return lines


async def _set_up(cti: CloudCti, company: DemoCompany) -> DemoSetup:
    return await _connected(cti, await set_up_demo(cti, company))


async def _wait_started(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    while not server.started:
        if task.done():
            await task  # raises why it ended
            raise RuntimeError("the server ended before it started")
        await asyncio.sleep(0.02)


async def _connected(cti: CloudCti, setup: DemoSetup, timeout: float = 15.0) -> DemoSetup:
    """``setup`` with the gateway as it is once connected (or after ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    gateway: GatewayView = setup.gateway
    while gateway.state != "connected" and loop.time() < deadline:
        await asyncio.sleep(0.1)
        gateway = await cti.gateways.get(gateway.id)
    return DemoSetup(gateway, setup.lines, setup.logins)


async def serve_demo(
    settings: Settings, company: DemoCompany, host: str, port: int, echo: Echo
) -> None:
    """Serve on ``host:port`` (0: any free port), set the company up through the app's
    services, print URLs and logins, and run until uvicorn is told to exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    base_url = f"http://{host}:{sock.getsockname()[1]}"
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await _wait_started(server, task)
        cti: CloudCti = app.state.cti
        setup = asyncio.create_task(_set_up(cti, company))
        await asyncio.wait({setup, task}, return_when=asyncio.FIRST_COMPLETED)
        if not setup.done():  # stopped while setting up
            setup.cancel()
            await asyncio.gather(setup, return_exceptions=True)
        else:
            for line in describe(setup.result(), base_url):
                echo(line)
        await task
    finally:
        if not task.done():
            server.should_exit = True
            await asyncio.gather(task, return_exceptions=True)
        sock.close()
