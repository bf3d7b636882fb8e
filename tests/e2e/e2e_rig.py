"""End-to-end rig: the simulator's demo company, the real runtime and a real cloudcti server
on loopback ports, with HTTP and WebSocket helpers. Nothing is mocked.

``demo_site()`` sets the company up through the app's services (as ``cloudcti demo`` does),
stores every person's own PBX login unless told otherwise, waits until the gateway is
connected, logs every person in and yields a ``Site``."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import json
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from websockets.sync.client import connect
from websockets.sync.connection import Connection

from cloudcti.app import CloudCti
from cloudcti.app.demo import DemoCompany, DemoUser, set_up_demo
from cloudcti.sim import scenarios
from cloudcti.sim.server import SimServer
from tests.web.server import login, serve, settings_for

CALLER = "+4930223344556"
"""An outside caller (Berlin)."""

DOMAIN = scenarios.DOMAIN
ANNA = f"anna.schmidt@{DOMAIN}"
BEN = f"ben.mueller@{DOMAIN}"
CLARA = f"clara.weber@{DOMAIN}"
DAVID = f"david.fischer@{DOMAIN}"
EVA = f"eva.wagner@{DOMAIN}"
PEOPLE = ("anna.schmidt", "ben.mueller", "clara.weber", "david.fischer", "eva.wagner")


T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, in a worker thread when this thread already runs a loop (as it
    does while Playwright's sync API is started)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def demo_company(sim: SimServer, *, without_pbx_login: tuple[str, ...] = ()) -> DemoCompany:
    """The demo company on ``sim``; people named in ``without_pbx_login`` get none stored."""
    return DemoCompany(
        xsi_urls=tuple(sim.urls),
        monitoring_username=f"{scenarios.MONITOR_LOGIN[0]}@{DOMAIN}",
        monitoring_password=scenarios.MONITOR_PASSWORD,
        area_code="89",
        users=tuple(
            DemoUser(
                login,
                f"{first} {last}",
                f"{login}@{DOMAIN}",
                mobile,
                store_pbx_credentials=login not in without_pbx_login,
            )
            for login, first, last, _ext, mobile in scenarios.DEMO_USERS
        ),
        pbx_password=scenarios.DEMO_PASSWORD,
    )


@dataclass
class Site:
    """A running demo installation: ``api`` (cloudcti), ``sim`` (the sim's control API),
    ``headers[username]`` (a logged-in person's Authorization header), ``ws_url``."""

    url: str
    api: httpx.Client
    sim: httpx.Client
    ws_url: str
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    company: DemoCompany | None = None

    def socket(self, username: str) -> Connection:
        """A WebSocket of ``username`` on ``/api/v1/events`` (``hello`` not yet read)."""
        token = self.headers[username]["Authorization"].removeprefix("Bearer ")
        return connect(f"{self.ws_url}?token={token}", open_timeout=5)

    def sim_call(self, source: str, to: str) -> str:
        """Start a call on the simulator (``source``: E.164 or a PBX user id); its sim id."""
        response = self.sim.post("/sim/v1/calls", json={"from": source, "to": to})
        assert response.status_code in (200, 201), response.text
        return str(response.json()["id"])

    def sim_state(self) -> dict[str, Any]:
        """``GET /sim/v1/state``."""
        state: dict[str, Any] = self.sim.get("/sim/v1/state").json()
        return state


@contextmanager
def demo_site(
    data_dir: Path, *, without_pbx_login: tuple[str, ...] = (), sim_ports: int = 1
) -> Iterator[Site]:
    """A simulator (``sim_ports`` Xsi hosts) and a cloudcti server with the demo company."""
    sim = SimServer(host="127.0.0.1", ports=[0] * sim_ports, scenario="demo")
    sim.start()
    settings = settings_for(data_dir)
    company = demo_company(sim, without_pbx_login=without_pbx_login)

    async def setup() -> None:
        cti = await CloudCti.open(settings)
        try:
            gateway = (await set_up_demo(cti, company)).gateway
            for _ in range(200):  # closing mid-connect would leave the runtime's sockets open
                if (await cti.gateways.get(gateway.id)).state == "connected":
                    break
                await asyncio.sleep(0.05)
        finally:
            await cti.close()

    try:
        run_async(setup())
        with (
            serve(settings) as running,
            httpx.Client(base_url=running.url, timeout=15) as api,
            httpx.Client(base_url=sim.urls[0], timeout=15) as control,
        ):
            site = Site(
                running.url,
                api,
                control,
                running.url.replace("http://", "ws://") + "/api/v1/events",
                company=company,
            )
            for person in PEOPLE:
                site.headers[person] = login(api, person, company.user_password)
            until("gateway connected", lambda: api.get("/readyz").text, lambda t: "connected" in t)
            settle_lines(api, site.headers.values())
            yield site
    finally:
        sim.stop()
        gc.collect()  # a socket leaked by the setup's runtime would warn here (warnings are errors)


def settle_lines(api: httpx.Client, headers: Iterable[dict[str, str]]) -> None:
    """Wait until every given person's lines left ``unknown`` (subscribed), then one line-watch
    tick, so that the start's ``line_updated`` frames are out before a test listens."""

    def subscribed(header: dict[str, str]) -> bool:
        lines = api.get("/api/v1/users/me", headers=header).json()["lines"]
        return all(line["state"] != "unknown" for line in lines)

    for header in list(headers):
        until("lines subscribed", lambda h=header: subscribed(h), bool)  # type: ignore[misc]
    time.sleep(1.2)  # app/line_watch.py INTERVAL_S


def until(
    what: str, fetch: Callable[[], Any], ok: Callable[[Any], bool], timeout: float = 10
) -> Any:
    """Poll ``fetch`` until ``ok`` holds for its value (returned); ``AssertionError`` after
    ``timeout`` seconds naming ``what`` and the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {value!r} after {timeout} s")
        time.sleep(0.05)


def recv(ws: Connection, timeout: float = 10) -> dict[str, Any]:
    """The next frame on ``ws`` as JSON."""
    message: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
    return message


def frames_until(
    ws: Connection, done: Callable[[dict[str, Any]], bool], timeout: float = 10
) -> list[dict[str, Any]]:
    """Frames from ``ws`` up to and including the first for which ``done`` holds."""
    frames = []
    while True:
        frame = recv(ws, timeout)
        frames.append(frame)
        if done(frame):
            return frames
