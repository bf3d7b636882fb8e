"""``PUT``/``DELETE /users/me/pbx-credentials`` against the simulator (CONTRACT.md §2.1):
stored only once the PBX accepted them, one profile GET per attempt, a rejected credential
not sent again after three rejections, the password in no response and no PBX log."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from cloudcti.app import CloudCti
from cloudcti.app.demo import DemoCompany, DemoUser, set_up_demo
from cloudcti.sim import scenarios
from cloudcti.sim.server import SimServer
from tests.web.server import login, serve, settings_for

ANNA = f"anna.schmidt@{scenarios.DOMAIN}"
PBX_PASSWORD = "Anna-PBX-Kennwort-7q"
WRONG_PASSWORD = "Anna-Falsch-3z"
PATH = "/api/v1/users/me/pbx-credentials"


@dataclass
class Rig:
    sim: httpx.Client
    api: httpx.Client
    anna: dict[str, str]
    admin: dict[str, str]
    seen: list[httpx.Response] = field(default_factory=list)

    def call(self, method: str, path: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
        response = self.api.request(method, path, headers=headers, **kw)
        self.seen.append(response)
        return response

    def credentials(self) -> dict[str, Any]:
        me = self.call("GET", "/api/v1/users/me", self.anna)
        assert me.status_code == 200, me.text
        found: dict[str, Any] = me.json()["pbx_credentials"]
        return found

    def requests_as_anna(self, since: int) -> list[dict[str, Any]]:
        """Anna's requests except the voicemail-redirect read that follows valid credentials
        (app/service_reads.py); the credential checks are what this module counts."""
        found: list[dict[str, Any]] = self.sim.get(
            "/sim/v1/requests", params={"user_id": ANNA, "since": since}
        ).json()
        return [r for r in found if not r["path"].endswith("/services/VoiceMessaging")]

    def last_seq(self) -> int:
        entries = self.sim.get("/sim/v1/requests").json()
        return int(entries[-1]["seq"]) if entries else 0


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    sim = SimServer(host="127.0.0.1", ports=[0], scenario="demo")
    sim.start()
    settings = settings_for(Path(tmp_path_factory.mktemp("credentials")))
    company = DemoCompany(
        xsi_urls=tuple(sim.urls),
        monitoring_username=f"{scenarios.MONITOR_LOGIN[0]}@{scenarios.DOMAIN}",
        monitoring_password=scenarios.MONITOR_PASSWORD,
        area_code="89",
        users=(DemoUser("anna.schmidt", "Anna Schmidt", ANNA),),
    )

    async def setup() -> None:
        cti = await CloudCti.open(settings, start_runtimes=False)
        try:
            await set_up_demo(cti, company)
        finally:
            await cti.close()

    asyncio.run(setup())
    try:
        with (
            serve(settings) as running,
            httpx.Client(base_url=running.url) as api,
            httpx.Client(base_url=sim.urls[0]) as control,
        ):
            changed = control.patch(f"/sim/v1/users/{ANNA}", json={"password": PBX_PASSWORD})
            assert changed.status_code < 300, changed.text
            anna = login(api, "anna.schmidt", company.user_password)
            admin = login(api, company.admin_username, company.admin_password)
            yield Rig(control, api, anna, admin)
    finally:
        sim.stop()


def test_wrong_then_right_then_deleted(rig: Rig) -> None:
    assert rig.credentials() == {"state": "missing", "failed_attempts": 0}

    before = rig.last_seq()
    wrong = rig.call("PUT", PATH, rig.anna, json={"username": ANNA, "password": WRONG_PASSWORD})
    assert wrong.status_code == 422, wrong.text
    problem = wrong.json()
    assert "Invalid user id or password" in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["password"]
    assert rig.credentials() == {"state": "missing", "failed_attempts": 1}  # counted (R16)
    sent = rig.requests_as_anna(before)
    assert len(sent) == 1, sent
    assert sent[0]["method"] == "GET"
    assert sent[0]["status"] == 401

    before = rig.last_seq()
    right = rig.call("PUT", PATH, rig.anna, json={"username": ANNA, "password": PBX_PASSWORD})
    assert right.status_code == 204, right.text
    assert rig.credentials() == {"state": "valid", "failed_attempts": 0}
    sent = rig.requests_as_anna(before)
    assert [(r["method"], r["status"]) for r in sent] == [("GET", 200)]

    again = rig.call("PUT", PATH, rig.anna, json={"username": ANNA, "password": WRONG_PASSWORD})
    assert again.status_code == 422, again.text
    assert rig.credentials() == {"state": "valid", "failed_attempts": 1}  # nothing stored

    gone = rig.call("DELETE", PATH, rig.anna)
    assert gone.status_code == 204, gone.text
    assert rig.credentials() == {"state": "missing", "failed_attempts": 1}  # the count stays

    users = rig.call("GET", "/api/v1/admin/users", rig.admin)
    assert users.status_code == 200, users.text
    for gateway in rig.call("GET", "/api/v1/admin/gateways", rig.admin).json():
        log = rig.call("GET", f"/api/v1/admin/gateways/{gateway['id']}/log?limit=500", rig.admin)
        assert log.status_code == 200, log.text
        assert "profile" in log.text.lower()
    for response in rig.seen:
        assert PBX_PASSWORD not in response.text
        assert WRONG_PASSWORD not in response.text


def test_a_rejected_password_is_sent_at_most_three_times(rig: Rig) -> None:
    other = "Anna-Auch-Falsch-9k"
    users = rig.call("GET", "/api/v1/admin/users", rig.admin).json()
    anna_id = next(u["id"] for u in users if u["username"] == "anna.schmidt")
    cleared = rig.call("DELETE", f"/api/v1/admin/users/{anna_id}/pbx-credentials", rig.admin)
    assert cleared.status_code == 204, cleared.text  # the admin clears the count too
    assert rig.credentials() == {"state": "missing", "failed_attempts": 0}
    before = rig.last_seq()
    for _ in range(4):
        response = rig.call("PUT", PATH, rig.anna, json={"username": ANNA, "password": other})
        assert response.status_code == 422, response.text
    assert len(rig.requests_as_anna(before)) == 3
    assert "not tried again" in response.json()["detail"]
    assert all(other not in r.text for r in rig.seen)


def test_the_fields_are_checked_and_a_user_without_line_has_no_pbx(rig: Rig) -> None:
    empty = rig.call("PUT", PATH, rig.anna, json={"username": "", "password": "x"})
    assert empty.status_code == 422, empty.text
    assert [e["field"] for e in empty.json()["errors"]] == ["username"]
    nobody = rig.call("PUT", PATH, rig.admin, json={"username": ANNA, "password": PBX_PASSWORD})
    assert nobody.status_code == 409, nobody.text
