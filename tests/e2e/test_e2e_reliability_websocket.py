"""WebSocket hardening against the real server: a cookie-authenticated handshake from another
site's page is refused (cross-site WebSocket hijacking), the server's own origin, no origin
(not a browser) and ``?token=`` are fine; a malformed message gets an error frame, not a
dropped connection; a client that falls behind is closed with 4008 and gets what it missed
by ``resume`` (the bound is set to 1 frame so a call's end — two frames at once — exceeds it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.sync.connection import Connection

from cloudcti.app import frames
from cloudcti.web.api import events
from tests.e2e.e2e_rig import ANNA, CALLER, Site, demo_site, frames_until, recv

PERSON = "anna.schmidt"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with demo_site(Path(tmp_path_factory.mktemp("ws"))) as s:
        yield s


def _cookie(site: Site) -> str:
    assert site.company is not None
    with httpx.Client(base_url=site.url, timeout=30) as fresh:
        response = fresh.post(
            "/api/v1/auth/token",
            json={"username": PERSON, "password": site.company.user_password},
        )
        assert response.status_code == 200, response.text
        return f"cloudcti_token={response.cookies['cloudcti_token']}"


def _by_cookie(site: Site, origin: str | None) -> Connection:
    headers = {"Cookie": _cookie(site)}
    if origin is not None:
        headers["Origin"] = origin
    return connect(site.ws_url, additional_headers=headers, open_timeout=5)


def _read_until_closed(ws: Connection) -> ConnectionClosed:
    while True:
        try:
            recv(ws)
        except ConnectionClosed as closed:
            return closed


def test_a_cookie_handshake_from_another_site_is_refused(site: Site) -> None:
    with pytest.raises(InvalidStatus) as refused:
        _by_cookie(site, "https://evil.example.com")
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("origin", ["own", None])
def test_a_cookie_handshake_from_the_own_page_or_no_browser_is_fine(
    site: Site, origin: str | None
) -> None:
    with _by_cookie(site, site.url if origin == "own" else None) as ws:
        assert recv(ws)["type"] == "hello"


def test_a_token_needs_no_origin_check(site: Site) -> None:
    token = site.headers[PERSON]["Authorization"].removeprefix("Bearer ")
    url = f"{site.ws_url}?token={token}"
    with connect(url, additional_headers={"Origin": "https://evil.example.com"}) as ws:
        assert recv(ws)["type"] == "hello"


def test_a_malformed_message_gets_an_error_and_the_connection_stays(site: Site) -> None:
    with site.socket(PERSON) as ws:
        assert recv(ws)["type"] == "hello"
        for bad in ("{not json", json.dumps({"op": "resume", "since": True}), json.dumps([1])):
            ws.send(bad)
            assert recv(ws)["type"] == "error"
        ws.send(b"\x00binary")
        assert recv(ws)["type"] == "error"
        ws.send(json.dumps({"op": "ping"}))
        assert recv(ws) == {"type": "pong"}


def test_a_client_that_falls_behind_is_closed_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frames, "MAX_PENDING_FRAMES", 1)
    with demo_site(tmp_path) as small:
        with small.socket(PERSON) as ws:
            hello = recv(ws)
            call = small.sim_call(CALLER, ANNA)
            created = frames_until(ws, lambda f: f.get("type") == "call_created")[-1]
            assert created["seq"] > hello["data"]["seq"]
            small.sim.post(f"/sim/v1/calls/{call}/hangup", json={"side": "caller"})
            closed = _read_until_closed(ws)
            assert closed.rcvd is not None
            assert closed.rcvd.code == 4008
        with small.socket(PERSON) as again:
            assert recv(again)["type"] == "hello"
            again.send(json.dumps({"op": "resume", "since": created["seq"]}))
            missed = [recv(again), recv(again)]
            assert {f["type"] for f in missed} == {"call_ended", "journal_entry_created"}
            assert [f["seq"] for f in missed] == [created["seq"] + 1, created["seq"] + 2]


def _fresh_token(site: Site) -> str:
    assert site.company is not None
    response = site.api.post(
        "/api/v1/auth/token", json={"username": PERSON, "password": site.company.user_password}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def _log_out(site: Site, token: str) -> None:
    response = site.api.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 204, response.text


def test_logging_out_closes_the_open_socket_at_its_next_message(site: Site) -> None:
    token = _fresh_token(site)
    with connect(f"{site.ws_url}?token={token}", open_timeout=5) as ws:
        assert recv(ws)["type"] == "hello"
        _log_out(site, token)
        ws.send(json.dumps({"op": "ping"}))
        closed = _read_until_closed(ws)
    assert closed.rcvd is not None
    assert closed.rcvd.code == events.CLOSE_LOGGED_OUT


def test_an_idle_socket_is_closed_soon_after_its_token_is_revoked(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "TOKEN_CHECK_S", 0.2)
    token = _fresh_token(site)
    with connect(f"{site.ws_url}?token={token}", open_timeout=5) as ws:
        assert recv(ws)["type"] == "hello"
        _log_out(site, token)
        closed = _read_until_closed(ws)  # no message sent: the periodic check closes it
    assert closed.rcvd is not None
    assert closed.rcvd.code == events.CLOSE_LOGGED_OUT
