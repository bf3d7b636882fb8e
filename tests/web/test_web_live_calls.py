"""Live calls end to end: the simulator's demo company, the real runtime and a real server;
REST ``/users/me/calls`` and ``/journal``, the WebSocket stream with resume, de-duplication."""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect
from websockets.sync.connection import Connection

from cloudcti.app import CloudCti
from cloudcti.app.demo import DemoCompany, DemoUser, set_up_demo
from cloudcti.sim import scenarios
from cloudcti.sim.server import SimServer
from tests.e2e.e2e_rig import settle_lines
from tests.web.server import login, serve, settings_for

CALLER = "+4930223344556"
ANNA = f"anna.schmidt@{scenarios.DOMAIN}"


@dataclass
class Live:
    sim: httpx.Client
    api: httpx.Client
    anna: dict[str, str]
    ben: dict[str, str]
    ws_url: str


def _company(sim: SimServer) -> DemoCompany:
    return DemoCompany(
        xsi_urls=tuple(sim.urls),
        monitoring_username=f"{scenarios.MONITOR_LOGIN[0]}@{scenarios.DOMAIN}",
        monitoring_password=scenarios.MONITOR_PASSWORD,
        area_code="89",
        users=tuple(
            DemoUser(login, f"{first} {last}", f"{login}@{scenarios.DOMAIN}", mobile)
            for login, first, last, _ext, mobile in scenarios.DEMO_USERS
        ),
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    sim = SimServer(host="127.0.0.1", ports=[0], scenario="demo")
    sim.start()
    settings = settings_for(Path(tmp_path_factory.mktemp("live")))
    company = _company(sim)

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

    asyncio.run(setup())
    try:
        with (
            serve(settings) as running,
            httpx.Client(base_url=running.url) as api,
            httpx.Client(base_url=sim.urls[0]) as control,
        ):
            anna = login(api, "anna.schmidt", company.user_password)
            ben = login(api, "ben.mueller", company.user_password)
            ws_url = running.url.replace("http://", "ws://") + "/api/v1/events"
            until("gateway connected", lambda: api.get("/readyz").text, lambda t: "connected" in t)
            settle_lines(api, (anna, ben))
            yield Live(control, api, anna, ben, ws_url)
    finally:
        sim.stop()
        gc.collect()  # a socket leaked by the setup's runtime would warn here (warnings are errors)


def until(
    what: str, fetch: Callable[[], Any], ok: Callable[[Any], bool], timeout: float = 10
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {value!r} after {timeout} s")
        time.sleep(0.05)


def _line_state(api: httpx.Client, headers: dict[str, str]) -> str:
    return str(api.get("/api/v1/users/me", headers=headers).json()["lines"][0]["state"])


def _socket(live: Live, headers: dict[str, str]) -> Connection:
    token = headers["Authorization"].removeprefix("Bearer ")
    return connect(f"{live.ws_url}?token={token}", open_timeout=5)


def _recv(ws: Connection, timeout: float = 10) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
    return message


def _frames_until(ws: Connection, last_type: str) -> list[dict[str, Any]]:
    frames = []
    while True:
        frame = _recv(ws)
        frames.append(frame)
        if frame["type"] == last_type:
            return frames


def _anna_id(live: Live) -> str:
    return str(live.api.get("/api/v1/users/me", headers=live.anna).json()["id"])


def _call(live: Live, **body: str) -> str:
    response = live.sim.post("/sim/v1/calls", json=body)
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


def test_an_answered_call_reaches_the_stream_the_calls_and_the_journal(live: Live) -> None:
    with _socket(live, live.anna) as ws, _socket(live, live.ben) as other:
        hello = _recv(ws)
        assert hello["type"] == "hello"
        start = hello["data"]["seq"]
        assert _recv(other)["type"] == "hello"
        call = _call(live, **{"from": CALLER, "to": ANNA})
        created = _frames_until(ws, "call_created")[-1]  # line/presence frames may come first
        assert created["seq"] > start
        data = created["data"]
        assert data["state"] == "ringing"
        assert data["direction"] == "inbound"
        assert data["remote"]["number"] == CALLER
        assert data["remote"]["display"] == "030 2233 4455 6" or data["remote"]["display"]
        assert data["created_at"].endswith("Z")
        calls = live.api.get("/api/v1/users/me/calls", headers=live.anna).json()
        assert [c["id"] for c in calls] == [data["id"]]
        assert live.api.get("/api/v1/users/me/calls", headers=live.ben).json() == []

        live.sim.post(f"/sim/v1/calls/{call}/answer", json={"at": "primary"})
        updated = _frames_until(ws, "call_updated")[-1]
        assert updated["data"]["state"] == "active"
        live.sim.post(f"/sim/v1/calls/{call}/hangup", json={"side": "caller"})
        frames = _frames_until(ws, "journal_entry_created")
        types = [f["type"] for f in frames]
        assert "call_ended" in types
        entry = frames[-1]["data"]
        assert entry["status"] == "answered"
        assert entry["remote"]["number"] == CALLER
        seqs = [f["seq"] for f in frames]
        assert seqs == sorted(seqs)
        assert len(set(seqs)) == len(seqs)
        until(
            "no current call",
            lambda: live.api.get("/api/v1/users/me/calls", headers=live.anna).json(),
            lambda calls: calls == [],
        )
        journal = live.api.get("/api/v1/users/me/journal", headers=live.anna).json()
        assert journal[0]["id"] == entry["id"]
        assert journal[0]["status"] == "answered"
        assert live.api.get("/api/v1/users/me/journal", headers=live.ben).json() == []
        other.send(json.dumps({"op": "ping"}))
        before_pong = _frames_until(other, "pong")
        assert not [f for f in before_pong if f["type"].startswith(("call_", "journal_"))]
        presence = {f["data"]["user_id"] for f in before_pong if f["type"] == "presence_updated"}
        assert presence <= {_anna_id(live)}  # only the colleague's presence, nothing of calls


def test_an_unanswered_call_is_missed_and_a_resumed_client_gets_what_it_missed(
    live: Live,
) -> None:
    with _socket(live, live.anna) as ws:
        seen = _recv(ws)["data"]["seq"]
    call = _call(live, **{"from": CALLER, "to": ANNA})
    until(
        "the call shows",
        lambda: live.api.get("/api/v1/users/me/calls", headers=live.anna).json(),
        lambda calls: len(calls) == 1,
    )
    live.sim.post(f"/sim/v1/calls/{call}/hangup", json={"side": "caller"})
    journal = until(
        "the missed call in the journal",
        lambda: live.api.get("/api/v1/users/me/journal?limit=1", headers=live.anna).json(),
        lambda entries: entries and entries[0]["status"] == "missed",
    )
    with _socket(live, live.anna) as ws:
        latest = _recv(ws)["data"]["seq"]
        assert latest > seen
        ws.send(json.dumps({"op": "resume", "since": seen}))
        replayed = [_recv(ws) for _ in range(latest - seen)]
        assert [f["seq"] for f in replayed] == list(range(seen + 1, latest + 1))
        calls = [f for f in replayed if f["type"].startswith(("call_", "journal_"))]
        assert calls[0]["type"] == "call_created"  # line_updated/presence frames may interleave
        entries = [f for f in calls if f["type"] == "journal_entry_created"]
        assert [e["data"]["id"] for e in entries] == [journal[0]["id"]]
        ws.send(json.dumps({"op": "resume", "since": latest + 100}))
        answer = _recv(ws)
        while "seq" in answer:  # a live frame (e.g. the line coming into service) came first
            answer = _recv(ws)
        assert answer == {"type": "resync_required"}
    missed = live.api.get("/api/v1/users/me/journal?status=missed", headers=live.anna).json()
    assert [e["id"] for e in missed].count(journal[0]["id"]) == 1


def test_the_stream_needs_a_token(live: Live) -> None:
    with (
        pytest.raises(Exception, match=r"1008|403|rejected"),
        connect(f"{live.ws_url}?token=wrong", open_timeout=5) as ws,
    ):
        ws.recv(timeout=5)
