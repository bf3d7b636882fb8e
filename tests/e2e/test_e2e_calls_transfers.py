"""Two calls at once, end to end: swap (Makeln), blind transfer, consultation completed and
cancelled, three-way conference; ``transfer_updated`` frames on the user's WebSocket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.calls_rig import (
    act,
    answered_inbound,
    call_state,
    call_where,
    calls,
    consultation,
    hang_up_everything,
    no_calls,
    party,
    sim_calls,
    sim_id_of,
)
from tests.e2e.e2e_rig import ANNA, BEN, CALLER, Site, demo_site, frames_until, recv, until


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with demo_site(Path(tmp_path_factory.mktemp("transfers"))) as s:
        yield s


@pytest.fixture(autouse=True)
def _clean(site: Site) -> Iterator[None]:
    yield
    hang_up_everything(site)
    for person in ("anna.schmidt", "ben.mueller"):
        no_calls(site, person)


def ben_answers(site: Site, anna_call_id: str) -> str:
    """Ben picks up Anna's call to him on his desk phone; Ben's call id."""
    sim_id = sim_id_of(site, anna_call_id)
    site.sim.post(f"/sim/v1/calls/{sim_id}/answer", json={"at": "primary"})
    call_state(site, "anna.schmidt", anna_call_id, "active")
    bens = call_where(site, "ben.mueller", "Ben's call active", lambda c: c["state"] == "active")
    return str(bens["id"])


def transfer_frame(ws: Any, state: str) -> dict[str, Any]:
    frames = frames_until(
        ws, lambda f: f["type"] == "transfer_updated" and f["data"]["state"] == state
    )
    data: dict[str, Any] = frames[-1]["data"]
    return data


def transfer_to_ben(site: Site, flow: str) -> tuple[str, dict[str, Any]]:
    """A caller answered by Anna, then Anna's transfer of it to Ben (7770): ``(call id,
    Transfer)``; the transfer was created (201)."""
    _, call_id = answered_inbound(site, "anna.schmidt", ANNA, CALLER)
    body = {"call_id": call_id, "destination": "7770", "flow": flow}
    response = act(site, "anna.schmidt", "POST", "/transfers", body)
    assert response.status_code == 201, response.text
    transfer: dict[str, Any] = response.json()
    return call_id, transfer


def test_swap_alternates_between_two_calls_without_releasing_either(site: Site) -> None:
    first, second = consultation(site, "anna.schmidt", ANNA, "7770")
    ben_answers(site, second)
    consult = call_state(site, "anna.schmidt", second, "active")
    assert consult["consult_of"] == first
    assert "swap" in consult["features"]

    assert act(site, "anna.schmidt", "POST", f"/calls/{second}/swap").status_code == 204
    call_state(site, "anna.schmidt", first, "active")
    call_state(site, "anna.schmidt", second, "held")
    assert act(site, "anna.schmidt", "POST", f"/calls/{first}/swap").status_code == 204
    call_state(site, "anna.schmidt", second, "active")
    call_state(site, "anna.schmidt", first, "held")
    assert len(sim_calls(site)) == 2
    states = {c["id"]: c["state"] for c in calls(site, "anna.schmidt")}
    assert states == {first: "held", second: "active"}

    refused = act(site, "anna.schmidt", "POST", f"/calls/{first}/swap")
    assert refused.status_code == 409


def test_blind_transfer_hands_the_caller_to_the_destination(site: Site) -> None:
    with site.socket("anna.schmidt") as ws:
        assert recv(ws)["type"] == "hello"
        _, transfer = transfer_to_ben(site, "blind")
        assert transfer["flow"] == "blind"
        assert transfer["state"] == "completed"
        assert transfer["consult_call_id"] is None
        assert transfer_frame(ws, "completed")["id"] == transfer["id"]
    no_calls(site, "anna.schmidt")
    ringing = call_where(site, "ben.mueller", "Ben rings", lambda c: c["state"] == "ringing")
    assert ringing["remote"]["number"] == CALLER
    (sim_call,) = sim_calls(site)
    assert party(sim_call, CALLER)["state"] == "Active"
    assert party(sim_call, BEN)["state"] == "Alerting"


def test_consultation_completed_connects_the_caller_with_the_consulted(site: Site) -> None:
    with site.socket("anna.schmidt") as ws:
        assert recv(ws)["type"] == "hello"
        call_id, transfer = transfer_to_ben(site, "attended")
        assert transfer["state"] == "ringing"
        consult_id = transfer["consult_call_id"]
        call_state(site, "anna.schmidt", call_id, "held")
        consult = call_state(site, "anna.schmidt", consult_id, "dialing")
        assert consult["consult_of"] == call_id

        ben_answers(site, consult_id)
        assert transfer_frame(ws, "answered")["consult_call_id"] == consult_id
        shown = act(site, "anna.schmidt", "GET", f"/transfers/{transfer['id']}").json()
        assert shown["state"] == "answered"

        done = act(site, "anna.schmidt", "PUT", f"/transfers/{transfer['id']}/complete")
        assert done.status_code == 204, done.text
        assert transfer_frame(ws, "completed")["id"] == transfer["id"]
    no_calls(site, "anna.schmidt")
    bens = call_where(
        site, "ben.mueller", "Ben talks to the caller", lambda c: c["remote"]["number"] == CALLER
    )
    assert bens["state"] == "active"
    (sim_call,) = sim_calls(site)
    assert {party(sim_call, CALLER)["state"], party(sim_call, BEN)["state"]} == {"Active"}
    again = act(site, "anna.schmidt", "DELETE", f"/transfers/{transfer['id']}")
    assert again.status_code == 409


def test_consultation_cancelled_returns_to_the_first_call(site: Site) -> None:
    call_id, transfer = transfer_to_ben(site, "attended")
    consult_id = transfer["consult_call_id"]
    ben_answers(site, consult_id)
    cancelled = act(site, "anna.schmidt", "DELETE", f"/transfers/{transfer['id']}")
    assert cancelled.status_code == 204, cancelled.text
    until(
        "only the first call, active again",
        lambda: [(c["id"], c["state"]) for c in calls(site, "anna.schmidt")],
        lambda cs: cs == [(call_id, "active")],
    )
    no_calls(site, "ben.mueller")
    (sim_call,) = sim_calls(site)
    assert party(sim_call, CALLER)["state"] == "Active"
    assert party(sim_call, ANNA)["state"] == "Active"
    state = act(site, "anna.schmidt", "GET", f"/transfers/{transfer['id']}").json()["state"]
    assert state == "cancelled"


def test_a_consultation_the_destination_hangs_up_on_fails_and_leaves_the_call_held(
    site: Site,
) -> None:
    call_id, transfer = transfer_to_ben(site, "attended")
    ben_answers(site, transfer["consult_call_id"])
    site.sim.post(
        f"/sim/v1/calls/{sim_id_of(site, transfer['consult_call_id'])}/hangup",
        json={"party": BEN},
    )
    until(
        "the transfer failed",
        lambda: act(site, "anna.schmidt", "GET", f"/transfers/{transfer['id']}").json(),
        lambda t: t["state"] == "failed",
    )
    assert [(c["id"], c["state"]) for c in calls(site, "anna.schmidt")] == [(call_id, "held")]
    refused = act(site, "anna.schmidt", "PUT", f"/transfers/{transfer['id']}/complete")
    assert refused.status_code == 409


def test_three_way_conference_and_its_end(site: Site) -> None:
    first, second = consultation(site, "anna.schmidt", ANNA, "7770")
    ben_answers(site, second)
    assert "conference" in call_state(site, "anna.schmidt", second, "active")["features"]
    response = act(site, "anna.schmidt", "POST", "/conferences", {"call_ids": [first, second]})
    assert response.status_code == 201, response.text
    conference = response.json()
    assert sorted(conference["call_ids"]) == sorted([first, second])
    joined = until(
        "both calls in the conference",
        lambda: calls(site, "anna.schmidt"),
        lambda cs: (
            len(cs) == 2
            and all(c["conference_id"] == conference["id"] and c["state"] == "active" for c in cs)
        ),
    )
    assert all("conference" not in c["features"] for c in joined)

    ended = act(site, "anna.schmidt", "DELETE", f"/conferences/{conference['id']}")
    assert ended.status_code == 204, ended.text
    no_calls(site, "anna.schmidt")
    no_calls(site, "ben.mueller")
    assert sim_calls(site) == []
    gone = act(site, "anna.schmidt", "DELETE", f"/conferences/{conference['id']}")
    assert gone.status_code == 404


def test_a_held_call_is_transferred_blind_but_not_consulted(site: Site) -> None:
    _, call_id = answered_inbound(site, "anna.schmidt", ANNA, CALLER)
    assert act(site, "anna.schmidt", "PUT", f"/calls/{call_id}/hold").status_code == 204
    held = call_state(site, "anna.schmidt", call_id, "held")
    assert "transfer" in held["features"]
    assert "consult" not in held["features"]
    body = {"call_id": call_id, "destination": "7770", "flow": "attended"}
    assert act(site, "anna.schmidt", "POST", "/transfers", body).status_code == 409
    body["flow"] = "blind"
    assert act(site, "anna.schmidt", "POST", "/transfers", body).status_code == 201
    no_calls(site, "anna.schmidt")
    call_where(site, "ben.mueller", "Ben rings", lambda c: c["remote"]["number"] == CALLER)
