"""Admin changes reach the WebSocket streams at once, without a reconnect or a restart: a
grant made while a colleague is forwarded sends the viewer that colleague's presence with
the target (and revoking it sends ``target: null``); a user's PBX login cleared by the admin
or by themselves turns their line to ``needs_user_auth`` (``line_updated``) within about
2 s, and back to ``in_service`` once they enter it again; a gateway disabled through the
admin API turns its lines to ``disabled`` within about 2 s; a line changed in the database by
another process (not this server's store) shows once the line watch rereads
(``RELOAD_S``). Real server and simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.connection import Connection

from cloudcti.app import line_watch
from cloudcti.store import Store, load_keyring
from tests.e2e.e2e_rig import ANNA, EVA, Site, demo_site, frames_until, recv, run_async, until
from tests.web.server import login

NUMBER = "+4915199998888"
PROMPT_S = 3.0
"""How soon a change shows on the stream: the line watch ticks once a second (2 s on an
idle machine; a loaded CI run gets some slack)."""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installation's data directory (its SQLite database)."""
    return Path(tmp_path_factory.mktemp("live-config"))


@pytest.fixture(scope="module")
def site(data_dir: Path) -> Iterator[Site]:
    with demo_site(data_dir) as s:
        admin = s.company
        assert admin is not None
        s.headers["admin"] = login(s.api, admin.admin_username, admin.admin_password)
        yield s


def user_id(site: Site, person: str) -> str:
    return str(site.api.get("/api/v1/users/me", headers=site.headers[person]).json()["id"])


def own_line(site: Site, person: str) -> dict[str, Any]:
    me = site.api.get("/api/v1/users/me", headers=site.headers[person]).json()
    line: dict[str, Any] = me["lines"][0]
    return line


def opened(ws: Connection) -> Connection:
    assert recv(ws)["type"] == "hello"
    return ws


def dial(site: Site, digits: str, user: str = ANNA) -> None:
    response = site.sim.post(f"/sim/v1/users/{user}/dial", json={"digits": digits})
    assert response.status_code in (200, 201, 204), response.text


def anna_forwarded(anna: str) -> Any:
    return lambda f: (
        f["type"] == "presence_updated"
        and f["data"]["user_id"] == anna
        and f["data"]["presence"]["state"] == "forwarded"
    )


def line_in(state: str, line_id: str) -> Any:
    return lambda f: (
        f["type"] == "line_updated" and f["data"]["id"] == line_id and f["data"]["state"] == state
    )


def test_a_grant_while_a_colleague_is_forwarded_sends_the_viewer_the_target(site: Site) -> None:
    anna, clara = user_id(site, "anna.schmidt"), user_id(site, "clara.weber")
    admin = site.headers["admin"]
    with site.socket("clara.weber") as ws:
        opened(ws)
        dial(site, f"*72{NUMBER}")
        try:
            hidden = frames_until(ws, anna_forwarded(anna))[-1]["data"]["presence"]
            assert hidden["forwarding"] == {"kind": "number", "target": None}

            granted = time.monotonic()
            grant = {"viewer_id": clara, "subject_id": anna}
            response = site.api.post("/api/v1/admin/grants", json=grant, headers=admin)
            assert response.status_code == 201, response.text
            seen = frames_until(ws, anna_forwarded(anna), timeout=5)[-1]["data"]["presence"]
            assert seen["forwarding"] == {"kind": "number", "target": NUMBER}
            assert time.monotonic() - granted < PROMPT_S

            response = site.api.delete(f"/api/v1/admin/grants/{clara}/{anna}", headers=admin)
            assert response.status_code == 204, response.text
            again = frames_until(ws, anna_forwarded(anna), timeout=5)[-1]["data"]["presence"]
            assert again["forwarding"] == {"kind": "number", "target": None}
        finally:
            dial(site, "*73")
    until(
        "Anna no longer forwarded",
        lambda: next(
            c
            for c in site.api.get("/api/v1/contacts", headers=site.headers["clara.weber"]).json()
            if c["user_id"] == anna
        )["presence"]["state"],
        lambda state: state == "available",
    )


def _enter_pbx_login(site: Site, ws: Connection, line_id: str) -> None:
    company = site.company
    assert company is not None
    response = site.api.put(
        "/api/v1/users/me/pbx-credentials",
        json={"username": EVA, "password": company.pbx_password},
        headers=site.headers["eva.wagner"],
    )
    assert response.status_code == 204, response.text
    frames_until(ws, line_in("in_service", line_id), timeout=5)


@pytest.mark.parametrize("by", ["admin", "user"])
def test_a_cleared_pbx_login_shows_as_needs_user_auth_within_two_seconds(
    site: Site, by: str
) -> None:
    eva = user_id(site, "eva.wagner")
    line = own_line(site, "eva.wagner")
    assert line["state"] == "in_service"
    with site.socket("eva.wagner") as ws:
        opened(ws)
        cleared = time.monotonic()
        if by == "admin":
            path, headers = f"/api/v1/admin/users/{eva}/pbx-credentials", site.headers["admin"]
        else:
            path, headers = "/api/v1/users/me/pbx-credentials", site.headers["eva.wagner"]
        response = site.api.delete(path, headers=headers)
        assert response.status_code == 204, response.text
        frame = frames_until(ws, line_in("needs_user_auth", line["id"]), timeout=5)[-1]
        assert time.monotonic() - cleared < PROMPT_S
        assert "credentials" in frame["data"]["state_reason"]
        assert own_line(site, "eva.wagner")["state"] == "needs_user_auth"
        _enter_pbx_login(site, ws, line["id"])


async def _set_line_disabled(data_dir: Path, line_id: str, disabled: bool) -> None:
    """Another writer of the database (as ``cloudcti admin`` would be): its own store."""
    keyring = load_keyring(data_dir, {"CLOUDCTI_SECRET_KEY": "A" * 43})
    store = await Store.open(keyring, data_dir=data_dir)
    try:
        async with store.transaction() as tx:
            line = await tx.lines.get(line_id)
            assert line is not None
            await tx.lines.update(replace(line, disabled=disabled))
    finally:
        await store.close()


def test_a_line_changed_by_another_process_shows_after_the_reload(
    site: Site, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(line_watch, "RELOAD_S", 1.0)
    line = own_line(site, "david.fischer")
    assert line["state"] == "in_service"
    with site.socket("david.fischer") as ws:
        opened(ws)
        changed = time.monotonic()
        run_async(_set_line_disabled(data_dir, line["id"], True))
        frame = frames_until(ws, line_in("disabled", line["id"]), timeout=5)[-1]
        assert time.monotonic() - changed < 1.0 + PROMPT_S
        assert frame["data"]["state_reason"] == "the line is disabled"
        run_async(_set_line_disabled(data_dir, line["id"], False))
        frames_until(ws, line_in("in_service", line["id"]), timeout=5)


def test_a_gateway_disabled_by_the_admin_disables_its_lines_within_two_seconds(
    site: Site,
) -> None:
    admin = site.headers["admin"]
    (gateway,) = site.api.get("/api/v1/admin/gateways", headers=admin).json()
    line = own_line(site, "ben.mueller")
    assert line["state"] == "in_service"
    with site.socket("ben.mueller") as ws:
        opened(ws)
        disabled = time.monotonic()
        response = site.api.patch(
            f"/api/v1/admin/gateways/{gateway['id']}", json={"disabled": True}, headers=admin
        )
        assert response.status_code == 200, response.text
        frame = frames_until(ws, line_in("disabled", line["id"]), timeout=5)[-1]
        assert time.monotonic() - disabled < PROMPT_S
        assert frame["data"]["state_reason"] == "the gateway is disabled"

        response = site.api.patch(
            f"/api/v1/admin/gateways/{gateway['id']}", json={"disabled": False}, headers=admin
        )
        assert response.status_code == 200, response.text
        frames_until(ws, line_in("in_service", line["id"]), timeout=20)
