"""Issue 8's end-to-end setup, through the HTTP API only: a real server on a loopback port
with the real PBX runtime, against the simulator's demo company."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cloudcti.app import CloudCti
from cloudcti.app.users import UserSpec
from cloudcti.sim.server import SimServer
from tests.web.server import ADMIN_PASSWORD, login, serve, settings_for

A = "/api/v1/admin"
MONITOR = "cti.monitor@deutschland-lan.de"
MONITOR_PASSWORD = "Monitor-Passw0rd"
WRONG_PASSWORD = "Wrong-Passw0rd-42"
USERS = ("anna.schmidt", "ben.mueller", "clara.weber", "david.fischer")  # eva stays unassigned


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    server = SimServer(host="127.0.0.1", ports=[0], scenario="demo")
    server.start()
    yield server
    server.stop()


def until(
    what: str, fetch: Callable[[], Any], ok: Callable[[Any], bool], timeout: float = 10.0
) -> Any:
    """Poll ``fetch`` until ``ok`` holds for its result; fail naming ``what`` and the last one."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {value!r} after {timeout} s")
        time.sleep(0.05)


def test_an_admin_sets_up_the_demo_company_from_nothing(sim: SimServer, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)

    async def first_admin() -> None:  # what `cloudcti admin create-user` does
        cti = await CloudCti.open(settings, start_runtimes=False)
        try:
            await cti.users.create(UserSpec("admin", "Admin", ADMIN_PASSWORD, role="admin"))
        finally:
            await cti.close()

    asyncio.run(first_admin())
    with serve(settings) as running, httpx.Client(base_url=running.url, timeout=30) as c:
        h = login(c, "admin", ADMIN_PASSWORD)

        dp = c.post(
            f"{A}/dialing-parameters", json={"name": "München", "area_code": "89"}, headers=h
        )
        assert dp.status_code == 201, dp.text
        assert dp.json()["outside_line_prefix"] == ""
        assert dp.json()["dial_format"] == "e164"

        gateway = {
            "name": "Cloud PBX München",
            "xsi_urls": sim.urls,
            "dialing_parameters_id": dp.json()["id"],
            "monitoring": {"username": MONITOR, "password": WRONG_PASSWORD},
        }
        gw = c.post(f"{A}/gateways", json=gateway, headers=h)
        assert gw.status_code == 201, gw.text
        gw_url = f"{A}/gateways/{gw.json()['id']}"

        test = c.post(f"{gw_url}/test", headers=h).json()
        assert test["ok"] is False
        failed = [check for check in test["checks"] if not check["ok"]]
        assert failed[0]["name"] == "authentication", test
        until(
            "gateway state with a wrong password",
            lambda: c.get(gw_url, headers=h).json(),
            lambda g: g["state"] == "auth_failed",
        )
        auth_failed = c.get(gw_url, headers=h).json()
        assert "password" in auth_failed["state_reason"]
        assert MONITOR in auth_failed["state_reason"]

        patched = c.patch(gw_url, json={"monitoring": {"password": MONITOR_PASSWORD}}, headers=h)
        assert patched.status_code == 200, patched.text
        test = c.post(f"{gw_url}/test", headers=h).json()
        assert test["ok"] is True, test
        assert [check["name"] for check in test["checks"]][-1] == "subscription"
        until(
            "gateway state",
            lambda: c.get(gw_url, headers=h).json(),
            lambda g: g["state"] == "connected",
        )

        imported = c.post(f"{gw_url}/import-lines", headers=h)
        assert imported.status_code == 200, imported.text
        lines = {line["pbx_user_id"].split("@")[0]: line for line in imported.json()["created"]}
        assert sorted(lines) == sorted((*USERS, "eva.wagner"))
        assert lines["anna.schmidt"]["number"] == "+4989887766771"
        assert [s["pbx_user_id"] for s in imported.json()["skipped"]] == [MONITOR]

        derived = c.post(
            f"{A}/dialing-parameters/{dp.json()['id']}/derive-internal-length", headers=h
        )
        assert derived.status_code == 200, derived.text
        assert derived.json()["internal_number_length"] == 4
        assert "771" in derived.json()["extensions_considered"]

        for login_name in USERS:
            user = c.post(
                f"{A}/users",
                json={
                    "username": login_name,
                    "password": f"{login_name}-passwort",
                    "line_ids": [lines[login_name]["id"]],
                },
                headers=h,
            )
            assert user.status_code == 201, user.text
            assert user.json()["line_ids"] == [lines[login_name]["id"]]

        def settled(found: list[dict[str, Any]]) -> bool:
            return len(found) == 5 and all(
                line["state"] in ("in_service", "needs_user_auth") for line in found
            )

        final = until("line states", lambda: c.get(f"{A}/lines", headers=h).json(), settled)
        states = {line["pbx_user_id"].split("@")[0]: line for line in final}
        assert states["eva.wagner"]["state"] == "in_service"
        for login_name in USERS:
            assert states[login_name]["state"] == "needs_user_auth"
        assert all(line["state_reason"] for line in final)
        assert c.get(gw_url, headers=h).json()["state"] == "connected"

        log = c.get(f"{gw_url}/log", params={"limit": 1000}, headers=h)
        assert log.status_code == 200
        entries = log.json()
        summaries = [e["summary"] for e in entries]
        assert any(s.startswith("GET /com.broadsoft.xsi-actions") for s in summaries)
        assert any("→ 401" in s for s in summaries)
        assert all(e["at"].endswith("Z") for e in entries)
        anna = c.get(
            f"{gw_url}/log", params={"line_id": lines["anna.schmidt"]["id"]}, headers=h
        ).json()
        assert anna
        assert all(e["seq"] in {x["seq"] for x in entries} for e in anna)
        everything = json.dumps(entries) + json.dumps(final) + c.get(gw_url, headers=h).text
        for secret in (MONITOR_PASSWORD, WRONG_PASSWORD, "Basic "):
            assert secret not in everything
        log_files = list((tmp_path / "pbx-log").glob("*.log"))
        assert log_files
        for path in log_files:
            text = path.read_text("utf-8")
            assert MONITOR_PASSWORD not in text
            assert WRONG_PASSWORD not in text
