"""Calls on the user's other devices, end to end: relocate to the mobile and back (the
simulator shows where the call is), parallel ringing answered on the other number, Remote
Office (no relocate there), and a relocate the PBX refuses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.calls_rig import (
    act,
    answered_inbound,
    call_where,
    calls,
    hang_up_everything,
    no_calls,
    party,
    sim_calls,
)
from tests.e2e.e2e_rig import ANNA, CALLER, EVA, Site, demo_site, until

PARALLEL = "+4917011122233"
REMOTE_OFFICE = "+4922155566677"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with demo_site(Path(tmp_path_factory.mktemp("devices"))) as s:
        yield s


@pytest.fixture(autouse=True)
def _clean(site: Site) -> Iterator[None]:
    yield
    hang_up_everything(site)
    site.sim.patch(f"/sim/v1/users/{ANNA}", json={"parallel_ring": [], "remote_office": None})
    for person in ("anna.schmidt", "eva.wagner"):
        no_calls(site, person)


def relocate(site: Site, call_id: str, destination: str) -> dict[str, str]:
    response = act(
        site, "anna.schmidt", "POST", "/relocates", {"call_id": call_id, "destination": destination}
    )
    assert response.status_code == 201, response.text
    moved: dict[str, str] = response.json()
    return moved


def test_relocate_to_the_mobile_and_back(site: Site) -> None:
    _, call_id = answered_inbound(site, "anna.schmidt", ANNA, CALLER)
    moved = relocate(site, call_id, "mobile")
    assert moved["call_id"] == call_id
    assert moved["destination"] == "mobile"
    assert moved["state"] == "completed"
    (on_mobile,) = calls(site, "anna.schmidt")
    assert on_mobile["id"] == moved["new_call_id"]
    assert on_mobile["device"] == "mobile"
    assert on_mobile["state"] == "active"
    assert on_mobile["remote"]["number"] == CALLER
    assert "relocate" in on_mobile["features"]
    (sim_call,) = sim_calls(site)
    assert party(sim_call, ANNA)["device"] == "mobile"
    assert party(sim_call, CALLER)["state"] == "Active"

    again = act(
        site,
        "anna.schmidt",
        "POST",
        "/relocates",
        {"call_id": on_mobile["id"], "destination": "mobile"},
    )
    assert again.status_code == 409

    back = relocate(site, on_mobile["id"], "primary")
    assert back["state"] == "completed"
    (on_desk,) = calls(site, "anna.schmidt")
    assert on_desk["id"] == back["new_call_id"]
    assert on_desk["device"] == "primary"
    (sim_call,) = sim_calls(site)
    assert party(sim_call, ANNA)["device"] == "primary"


def test_a_relocate_the_pbx_refuses_is_409_with_its_reason(site: Site) -> None:
    _, call_id = answered_inbound(site, "eva.wagner", EVA, CALLER)  # Eva has no mobile
    response = act(
        site, "eva.wagner", "POST", "/relocates", {"call_id": call_id, "destination": "mobile"}
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "/problems/pbx-refused"
    assert "mobile" in problem["detail"]
    assert calls(site, "eva.wagner")[0]["device"] == "primary"


def test_parallel_ringing_answered_on_the_other_number_is_answered_elsewhere(site: Site) -> None:
    site.sim.patch(f"/sim/v1/users/{ANNA}", json={"parallel_ring": [PARALLEL]})
    sim_id = site.sim_call(CALLER, ANNA)
    ringing = call_where(site, "anna.schmidt", "ringing", lambda c: c["state"] == "ringing")
    answered = site.sim.post(f"/sim/v1/calls/{sim_id}/answer", json={"at": "parallel"})
    assert answered.status_code == 200, answered.text
    site.sim.post(f"/sim/v1/calls/{sim_id}/hangup", json={"side": "caller"})
    entry = until(
        "journal entry",
        lambda: act(site, "anna.schmidt", "GET", "/journal").json(),
        lambda js: bool(js) and js[0]["call_id"] == ringing["id"],
    )[0]
    assert entry["status"] == "answered_elsewhere"
    assert entry["device"] == "parallel"
    missed = act(site, "anna.schmidt", "GET", "/journal?status=missed").json()
    assert ringing["id"] not in [e["call_id"] for e in missed]


def test_remote_office_calls_show_the_device_and_offer_no_relocate(site: Site) -> None:
    site.sim.patch(f"/sim/v1/users/{ANNA}", json={"remote_office": REMOTE_OFFICE})
    sim_id = site.sim_call(CALLER, ANNA)
    call_where(site, "anna.schmidt", "ringing", lambda c: c["state"] == "ringing")
    answered = site.sim.post(f"/sim/v1/calls/{sim_id}/answer", json={"at": "remote_office"})
    assert answered.status_code == 200, answered.text
    call = call_where(site, "anna.schmidt", "active", lambda c: c["state"] == "active")
    assert call["device"] == "remote_office"
    assert "relocate" not in call["features"]
    assert "hold" in call["features"]
    response = act(
        site, "anna.schmidt", "POST", "/relocates", {"call_id": call["id"], "destination": "mobile"}
    )
    assert response.status_code == 409
    assert "Remote Office" in response.json()["detail"]
    (sim_call,) = sim_calls(site)
    assert party(sim_call, ANNA)["device"] == "remote_office"
