"""The simulator as a PBX for runtime tests: users, fast timers, a recording application."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from cloudcti.pbx import Delivery, GatewayConfig, GatewayRuntime, GatewayState, PbxLog
from cloudcti.sim.server import SimServer
from cloudcti.xsi import CallEvent, CallSnapshotEvent, ChannelConfig

DOMAIN = "deutschland-lan.de"
ALICE = f"alice.adler@{DOMAIN}"
BOB = f"bob.berg@{DOMAIN}"
MONITOR = f"cti.monitor@{DOMAIN}"
PASSWORD = "Mon-Pw-4711-secret"
LINE_PASSWORD = "Line-Pw-0815-secret"
NEW_PASSWORD = "Mon-Pw-4712-renewed"

EVENT_TIMEOUT = 1.0
"""The simulator's eventTimeout in these tests: heartbeats every 0.5 s."""

FAST_CHANNEL = ChannelConfig(
    event_timeout=EVENT_TIMEOUT,
    silence_timeout=1.6,
    heartbeat_retry=0.2,
    refresh_retry=1.0,
    reorder_window=0.3,
    backoff_base=0.1,
    backoff_cap=0.5,
)

SIM_CONFIG: dict[str, Any] = {
    "event_timeout_s": EVENT_TIMEOUT,
    "channel_expires_s": 86400,
    "subscription_expires_s": 86400,
    # A burst of snapshots (2 lines x 8 packages, after a reconnect) is in flight at once; the
    # simulator's default of 20 unacknowledged events would end the set within milliseconds.
    "unacked_limit": 100,
    "no_answer_s": 30.0,
    "lockout_after": 5,
}


def user_body(
    user_id: str, first: str, ext: str, password: str, monitoring: bool = False
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "password": password,
        "first_name": first,
        "last_name": "Test",
        "number": f"+49898877667{ext}",
        "extension": ext,
        "monitoring": monitoring,
    }


@dataclass
class Sim:
    """Control API of the simulator shared by the tests (reset per test)."""

    server: SimServer
    control: httpx.AsyncClient

    @property
    def urls(self) -> list[str]:
        return self.server.urls

    def host(self, index: int) -> str:
        return self.urls[index].split("://", 1)[1]

    async def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.control.post(f"/sim/v1{path}", json=body or {})

    async def patch(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.control.patch(f"/sim/v1{path}", json=body)

    async def state(self) -> dict[str, Any]:
        return (await self.control.get("/sim/v1/state")).json()  # type: ignore[no-any-return]

    async def requests(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.control.get("/sim/v1/requests", params=params)
        return response.json()  # type: ignore[no-any-return]

    async def call(self, caller: str, callee: str) -> str:
        response = await self.post("/calls", {"from": caller, "to": callee})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def fault(
        self, kind: str, seconds: float | None = None, host: str | None = None
    ) -> httpx.Response:
        body: dict[str, Any] = {"kind": kind}
        if seconds is not None:
            body["seconds"] = seconds
        if host is not None:
            body["host"] = host
        return await self.post("/faults", body)


@dataclass
class App:
    """The application side: records every delivery, like the app layer would."""

    deliveries: list[Delivery] = field(default_factory=list)
    states: list[tuple[GatewayState, str]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_event(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        self.changed.set()

    def on_state(self, state: GatewayState, reason: str) -> None:
        self.states.append((state, reason))
        self.changed.set()

    def events(self, kind: type | str) -> list[Delivery]:
        if isinstance(kind, str):
            return [d for d in self.deliveries if type(d.event).__name__ == kind]
        return [d for d in self.deliveries if isinstance(d.event, kind)]

    def event_ids(self) -> list[str]:
        return [d.event.envelope.event_id for d in self.deliveries]

    def snapshots(self, user: str) -> list[CallSnapshotEvent]:
        return [
            d.event
            for d in self.deliveries
            if isinstance(d.event, CallSnapshotEvent)
            and (d.event.envelope.target_id or d.event.envelope.user_id).lower() == user.lower()
        ]

    def calls_of(self, user: str, kind: str) -> list[CallEvent]:
        return [
            d.event
            for d in self.deliveries
            if isinstance(d.event, CallEvent)
            and type(d.event).__name__ == kind
            and (d.event.envelope.target_id or d.event.envelope.user_id).lower() == user.lower()
        ]

    async def until(
        self, condition: Callable[[], object], timeout: float = 5.0, what: str = ""
    ) -> None:
        """Wait until ``condition()`` holds, re-checked on every delivery or state change."""
        async with asyncio.timeout(timeout):
            while not condition():
                self.changed.clear()
                with_timeout = asyncio.wait_for(self.changed.wait(), 0.05)
                with contextlib.suppress(TimeoutError):
                    await with_timeout
        assert condition(), what


async def until(condition: Callable[[], Any], timeout: float = 5.0, poll: float = 0.02) -> None:
    """Poll an async-free condition until it holds; fail with TimeoutError otherwise."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(poll)


async def until_async(
    condition: Callable[[], Any], timeout: float = 5.0, poll: float = 0.05
) -> None:
    """Poll an async condition (a coroutine function) until it returns true."""
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(poll)


def gateway_config(sim: Sim, password: str = PASSWORD, **changes: Any) -> GatewayConfig:
    config = GatewayConfig(
        name="test-gw",
        xsi_urls=tuple(sim.urls),
        username=MONITOR,
        password=password,
        channel=FAST_CHANNEL,
        auth_retry_s=0.3,
        error_retry_s=0.2,
    )
    from dataclasses import replace

    return replace(config, **changes)


@dataclass
class Running:
    """A started runtime and its task."""

    runtime: GatewayRuntime
    app: App
    task: asyncio.Task[None]
    log: PbxLog

    async def stop(self) -> None:
        await self.runtime.close()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    async def state(self, state: GatewayState, timeout: float = 5.0) -> None:
        try:
            await self.runtime.wait_for(lambda r: r.state is state, timeout)
        except TimeoutError:
            raise AssertionError(
                f"not {state.value} within {timeout} s: {self.runtime.state.value} "
                f"({self.runtime.reason})"
            ) from None
