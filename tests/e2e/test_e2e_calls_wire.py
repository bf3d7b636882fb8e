"""What call control sends to the PBX: every request body is valid against the official Xsi
schema, dialled numbers go out as the dialing parameters say, and swap never uses
``Reconnect``. The server's real PBX adapter records each user request before sending it to
the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from cloudcti.app import CloudCti
from cloudcti.app.demo import set_up_demo
from cloudcti.app.pbx_adapter import PbxAdapter
from cloudcti.app.ports import Credentials, GatewayConfig
from cloudcti.sim.server import SimServer
from cloudcti.xsi import XsiRequest
from tests.e2e.calls_rig import act, answered_inbound, call_state, consultation, sim_id_of
from tests.e2e.e2e_rig import ANNA, PEOPLE, Site, demo_company, until
from tests.web.server import login, serve, settings_for


@dataclass
class RecordingPbx(PbxAdapter):
    """The real adapter, remembering every request sent with a user's credentials."""

    sent: list[XsiRequest] = field(default_factory=list)

    async def user_request(
        self, config: GatewayConfig, credentials: Credentials, request: XsiRequest
    ) -> bytes:
        self.sent.append(request)
        return await super().user_request(config, credentials, request)


@pytest.fixture(scope="module")
def wired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, RecordingPbx]]:
    data_dir = Path(tmp_path_factory.mktemp("wire"))
    sim = SimServer(host="127.0.0.1", ports=[0], scenario="demo")
    sim.start()
    settings = settings_for(data_dir)
    company = demo_company(sim)

    async def setup() -> None:
        cti = await CloudCti.open(settings, start_runtimes=False)
        try:
            await set_up_demo(cti, company)
        finally:
            await cti.close()

    pbx = RecordingPbx(data_dir)
    try:
        asyncio.run(setup())
        with (
            serve(settings, pbx=pbx) as running,
            httpx.Client(base_url=running.url, timeout=15) as api,
            httpx.Client(base_url=sim.urls[0], timeout=15) as control,
        ):
            site = Site(running.url, api, control, "", company=company)
            for person in PEOPLE:
                site.headers[person] = login(api, person, company.user_password)
            until("gateway connected", lambda: api.get("/readyz").text, lambda t: "connected" in t)
            yield site, pbx
    finally:
        sim.stop()


def test_what_call_control_sends_is_schema_valid_and_never_reconnect(
    wired: tuple[Site, RecordingPbx], assert_xsd_valid: Callable[[bytes], None]
) -> None:
    site, pbx = wired
    first, second = consultation(site, "anna.schmidt", ANNA, "0221 9876543")
    dial = next(r for r in pbx.sent if r.path.endswith("/calls/new"))
    assert dict(dial.query)["address"] == "+492219876543"
    site.sim.post(f"/sim/v1/calls/{sim_id_of(site, second)}/answer", json={})
    call_state(site, "anna.schmidt", second, "active")
    assert act(site, "anna.schmidt", "POST", f"/calls/{second}/swap").status_code == 204
    call_state(site, "anna.schmidt", first, "active")
    joined = act(site, "anna.schmidt", "POST", "/conferences", {"call_ids": [first, second]})
    assert joined.status_code == 201, joined.text
    assert (
        act(site, "anna.schmidt", "DELETE", f"/conferences/{joined.json()['id']}").status_code
        == 204
    )
    _, call_id = answered_inbound(site, "anna.schmidt", ANNA, "+4930111222")
    moved = act(
        site, "anna.schmidt", "POST", "/relocates", {"call_id": call_id, "destination": "mobile"}
    )
    assert moved.status_code == 201, moved.text
    assert (
        act(site, "anna.schmidt", "DELETE", f"/calls/{moved.json()['new_call_id']}").status_code
        == 204
    )

    actions = [(r.method, r.path.rsplit("/calls", 1)[-1]) for r in pbx.sent]
    assert ("POST", "/Conference") in actions
    assert ("POST", "/CallRetrieve") in actions
    assert not any(path.endswith("/Reconnect") for _, path in actions)
    bodies = [r.body for r in pbx.sent if r.body is not None]
    assert bodies  # the conference request has one
    for body in bodies:
        assert_xsd_valid(body)
    retrieve = next(r for r in pbx.sent if r.path.endswith("/CallRetrieve"))
    assert dict(retrieve.query) == {"location": "Mobility"}
