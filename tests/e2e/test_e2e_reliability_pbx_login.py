"""R16 end to end: the Cloud PBX password changed in the portal while cloudcti had it stored as
``valid``. Over four server restarts the stored password is sent at most three times in
total (one profile GET per restart), then ``suspended``: the line shows ``needs_user_auth``,
the user's stream has ``pbx_credentials_required``, the simulator account is never locked,
explicit tries stop before they could lock it, and new credentials make everything valid."""

from __future__ import annotations

import asyncio
import json
import time
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

from cloudcti.app import CloudCti
from cloudcti.app.demo import set_up_demo
from cloudcti.sim.server import SimServer
from tests.e2e.e2e_rig import ANNA, BEN, demo_company, demo_site, frames_until, recv, until
from tests.web.server import login, serve, settings_for

PORTAL_PASSWORD = "Im-Portal-Geaendert-4u"
PATH = "/api/v1/users/me/pbx-credentials"


def _requests(control: httpx.Client, since: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = control.get(
        "/sim/v1/requests", params={"user_id": ANNA, "since": since}
    ).json()
    return found


def _me(api: httpx.Client, headers: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = api.get("/api/v1/users/me", headers=headers).json()
    return found


def _has_failed(count: int, me: dict[str, Any]) -> bool:
    return bool(me["pbx_credentials"]["failed_attempts"] == count)


def _anna(control: httpx.Client) -> dict[str, Any]:
    users = control.get("/sim/v1/state").json()["users"]
    found: dict[str, Any] = next(u for u in users if u["user_id"] == ANNA)
    return found


def test_a_password_changed_in_the_portal_is_tried_three_times_over_four_restarts(
    sim: SimServer, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path)
    company = demo_company(sim)

    async def setup() -> None:
        cti = await CloudCti.open(settings, start_runtimes=False)
        try:
            await set_up_demo(cti, company)
        finally:
            await cti.close()

    asyncio.run(setup())
    with httpx.Client(base_url=sim.urls[0], timeout=15) as control:
        assert control.patch(f"/sim/v1/users/{ANNA}", json={"password": PORTAL_PASSWORD}).is_success
        seq = control.get("/sim/v1/requests").json()[-1]["seq"]
        for restart in range(1, 5):
            with serve(settings) as running, httpx.Client(base_url=running.url) as api:
                headers = login(api, "anna.schmidt", company.user_password)

                want = min(restart, 3)
                until(
                    f"restart {restart}: {want} failed attempts",
                    partial(_me, api, headers),
                    partial(_has_failed, want),
                )
                if restart == 4:
                    time.sleep(1.0)  # the check would have run at once: nothing is sent
                    assert _me(api, headers)["pbx_credentials"] == {
                        "state": "suspended",
                        "failed_attempts": 3,
                    }
                sent = _requests(control, seq)
                assert [(r["method"], r["status"]) for r in sent] == [("GET", 401)] * want
                assert all(r["path"].endswith("/profile") for r in sent)
        assert not _anna(control)["locked"]

        with serve(settings) as running, httpx.Client(base_url=running.url) as api:
            headers = login(api, "anna.schmidt", company.user_password)
            me = until(
                "the line needs the user's login",
                lambda: api.get("/api/v1/users/me", headers=headers).json(),
                lambda m: m["lines"][0]["state"] == "needs_user_auth",
            )
            assert me["pbx_credentials"]["state"] == "suspended"
            ws_url = running.url.replace("http://", "ws://") + "/api/v1/events"
            token = headers["Authorization"].removeprefix("Bearer ")
            with connect(f"{ws_url}?token={token}", open_timeout=5) as ws:
                assert recv(ws)["type"] == "hello"
                ws.send(json.dumps({"op": "resume", "since": 0}))
                replayed = frames_until(
                    ws,
                    lambda f: (
                        f.get("type") == "pbx_credentials_required"
                        and f["data"]["state"] == "suspended"
                    ),
                )
                asked = [f for f in replayed if f.get("type") == "pbx_credentials_required"]
                assert [f["data"]["state"] for f in asked] == ["invalid", "invalid", "suspended"]

                # explicit tries with other wrong passwords: counted; never the locking one
                before = control.get("/sim/v1/requests").json()[-1]["seq"]
                wrong = api.put(PATH, headers=headers, json={"username": ANNA, "password": "a-1"})
                assert wrong.status_code == 422, wrong.text
                refused = api.put(PATH, headers=headers, json={"username": ANNA, "password": "b-2"})
                assert refused.status_code == 409, refused.text
                assert "lock" in refused.json()["detail"]
                assert len(_requests(control, before)) == 1
                assert not _anna(control)["locked"]

                # the admin clears the login; the user enters the portal's password
                admin = login(api, company.admin_username, company.admin_password)
                me = api.get("/api/v1/users/me", headers=headers).json()
                cleared = api.delete(
                    f"/api/v1/admin/users/{me['id']}/pbx-credentials", headers=admin
                )
                assert cleared.status_code == 204, cleared.text
                right = api.put(
                    PATH, headers=headers, json={"username": ANNA, "password": PORTAL_PASSWORD}
                )
                assert right.status_code == 204, right.text
                me = api.get("/api/v1/users/me", headers=headers).json()
                assert me["pbx_credentials"] == {"state": "valid", "failed_attempts": 0}
                updated = frames_until(
                    ws,
                    lambda f: (
                        f.get("type") == "line_updated" and f["data"]["state"] == "in_service"
                    ),
                )
                line = updated[-1]["data"]
                assert line["id"] == me["lines"][0]["id"]
                assert set(line) == {
                    "id",
                    "number",
                    "extension",
                    "display_name",
                    "state",
                    "state_reason",
                }

                # a line restart (disabled, enabled) is one implicit check: one profile GET
                lines = f"/api/v1/admin/lines/{line['id']}"
                assert api.patch(lines, headers=admin, json={"disabled": True}).is_success
                frames_until(ws, lambda f: f.get("data", {}).get("state") == "disabled")
                before = control.get("/sim/v1/requests").json()[-1]["seq"]
                assert api.patch(lines, headers=admin, json={"disabled": False}).is_success
                frames_until(ws, lambda f: f.get("data", {}).get("state") == "in_service")
                checks = until(
                    "the line restart's check",
                    lambda: [
                        r for r in _requests(control, before) if r["path"].endswith("/profile")
                    ],
                    lambda found: len(found) >= 1,
                )
                assert [(r["method"], r["status"]) for r in checks] == [("GET", 200)]
        assert not _anna(control)["locked"]


def test_a_colleagues_login_is_refused_naming_both_pbx_users(tmp_path: Path) -> None:
    with demo_site(tmp_path, without_pbx_login=("anna.schmidt",)) as site:
        assert site.company is not None
        headers = site.headers["anna.schmidt"]
        body = {"username": BEN, "password": site.company.pbx_password}
        refused = site.api.put(PATH, headers=headers, json=body)
        assert refused.status_code == 422, refused.text
        detail = refused.json()["detail"]
        assert BEN in detail
        assert ANNA in detail
        me = site.api.get("/api/v1/users/me", headers=headers).json()
        assert me["pbx_credentials"] == {"state": "missing", "failed_attempts": 0}
