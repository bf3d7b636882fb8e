"""Users, timers and the per-test handle on the simulator (control API + Xsi clients)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from cloudcti.sim.server import SimServer
from tests.sim.xsi_client import Validate, XsiClient

DOMAIN = "deutschland-lan.de"
ALICE = f"alice.adler@{DOMAIN}"
BOB = f"bob.berg@{DOMAIN}"
MONITOR = f"cti.monitor@{DOMAIN}"
PASSWORD = "Secret-1"

# Fast timers: every test that needs a timer sets its own value below these.
FAST_CONFIG = {
    "event_timeout_s": 30.0,
    "channel_expires_s": 86400,
    "subscription_expires_s": 86400,
    "unacked_limit": 20,
    "no_answer_s": 30.0,
    "auto_answer_click_to_dial": True,
    "lockout_after": 5,
}


@dataclass
class XsdCheck:
    """Validates every document against the official XSD (when the XSD set is present)."""

    validate: Validate | None
    checked: int = 0

    def __call__(self, document: bytes) -> None:
        self.checked += 1
        if self.validate is not None:
            self.validate(document)


@dataclass
class Pbx:
    """Control API access plus Xsi clients per user and host."""

    server: SimServer
    control: httpx.AsyncClient
    check: XsdCheck
    clients: list[XsiClient] = field(default_factory=list)

    @property
    def hosts(self) -> list[str]:
        return self.server.urls

    def xsi(self, user: str, password: str = PASSWORD, host: int = 0) -> XsiClient:
        client = XsiClient(self.hosts[host], user, password, self.check)
        self.clients.append(client)
        return client

    async def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.control.post(f"/sim/v1{path}", json=body or {})

    async def patch(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.control.patch(f"/sim/v1{path}", json=body)

    async def config(self, **changes: Any) -> None:
        response = await self.patch("/config", changes)
        assert response.status_code == 200, response.text

    async def state(self) -> dict[str, Any]:
        return (await self.control.get("/sim/v1/state")).json()  # type: ignore[no-any-return]

    async def call(self, caller: str, callee: str) -> str:
        response = await self.post("/calls", {"from": caller, "to": callee})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def requests(self, **params: Any) -> list[dict[str, Any]]:
        return (await self.control.get("/sim/v1/requests", params=params)).json()  # type: ignore[no-any-return]


def user_body(
    user_id: str, first: str, last: str, ext: str, monitoring: bool = False
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "password": PASSWORD,
        "first_name": first,
        "last_name": last,
        "number": f"+49898877667{ext}",
        "extension": ext,
        "monitoring": monitoring,
    }
