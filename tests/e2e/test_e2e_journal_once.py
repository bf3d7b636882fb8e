"""The journal has each call exactly once (issue #9), end to end on the simulator: a call
relocated to the mobile and back, or pulled with ``78811``, is one entry and one
``journal_entry_created`` frame over the whole conversation; a plain answered call, a missed
call and a blind-transferred call journal as before."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.connection import Connection

from tests.e2e.calls_rig import (
    act,
    answered_inbound,
    call_where,
    calls,
    hang_up_everything,
    no_calls,
)
from tests.e2e.e2e_rig import ANNA, CALLER, Site, demo_site, recv

SETTLE_S = 1.5
"""How long no second journal frame may come after the first."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with demo_site(Path(tmp_path_factory.mktemp("journal-once"))) as s:
        yield s


@pytest.fixture(autouse=True)
def _clean(site: Site) -> Iterator[None]:
    yield
    hang_up_everything(site)
    for person in ("anna.schmidt", "ben.mueller"):
        no_calls(site, person)


def journal_frames(ws: Connection) -> list[dict[str, Any]]:
    """Every ``journal_entry_created`` frame: read until the first, then until the socket
    stayed quiet for ``SETTLE_S``."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + 15
    while not found:
        assert time.monotonic() < deadline, "no journal_entry_created frame"
        frame = recv(ws)
        if frame.get("type") == "journal_entry_created":
            found.append(frame["data"])
    while True:
        try:
            frame = recv(ws, timeout=SETTLE_S)
        except TimeoutError:
            return found
        if frame.get("type") == "journal_entry_created":
            found.append(frame["data"])


def journal_ids(site: Site) -> set[str]:
    response = act(site, "anna.schmidt", "GET", "/journal?limit=500")
    assert response.status_code == 200, response.text
    return {e["id"] for e in response.json()}


def new_entries(site: Site, before: set[str]) -> list[dict[str, Any]]:
    entries = act(site, "anna.schmidt", "GET", "/journal?limit=500").json()
    return [e for e in entries if e["id"] not in before]


def hang_up(site: Site, sim_id: str) -> None:
    response = site.sim.post(f"/sim/v1/calls/{sim_id}/hangup", json={"side": "caller"})
    assert response.status_code in (200, 204), response.text


def relocate(site: Site, call_id: str, destination: str) -> str:
    body = {"call_id": call_id, "destination": destination}
    response = act(site, "anna.schmidt", "POST", "/relocates", body)
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "completed"
    return str(response.json()["new_call_id"])


def test_relocated_to_the_mobile_and_back_is_one_entry_over_the_whole_call(site: Site) -> None:
    before = journal_ids(site)
    with site.socket("anna.schmidt") as ws:
        assert recv(ws)["type"] == "hello"
        sim_id, first_id = answered_inbound(site, "anna.schmidt", ANNA, CALLER)
        (first,) = calls(site, "anna.schmidt")
        time.sleep(1)
        on_mobile = relocate(site, first_id, "mobile")
        call_where(site, "anna.schmidt", "on the mobile", lambda c: c["id"] == on_mobile)
        time.sleep(1)
        on_desk = relocate(site, on_mobile, "primary")
        call_where(site, "anna.schmidt", "back on the desk", lambda c: c["id"] == on_desk)
        time.sleep(1)
        hang_up(site, sim_id)
        (frame,) = journal_frames(ws)
    (entry,) = new_entries(site, before)
    assert entry == frame
    assert entry["call_id"] == first_id
    assert entry["direction"] == "inbound"
    assert entry["status"] == "answered"
    assert entry["device"] == "primary"
    assert entry["remote"]["number"] == CALLER
    assert entry["started_at"] == first["created_at"]
    assert entry["answered_at"] == first["answered_at"]
    assert 3 <= entry["duration_s"] <= 10  # three legs of about a second each


def test_a_call_pulled_to_the_mobile_with_78811_is_one_entry(site: Site) -> None:
    before = journal_ids(site)
    with site.socket("anna.schmidt") as ws:
        assert recv(ws)["type"] == "hello"
        sim_id, first_id = answered_inbound(site, "anna.schmidt", ANNA, CALLER)
        time.sleep(1)
        pulled = site.sim.post(
            f"/sim/v1/users/{ANNA}/dial", json={"digits": "78811", "device": "mobile"}
        )
        assert pulled.status_code in (200, 201), pulled.text
        call_where(site, "anna.schmidt", "on the mobile", lambda c: c["device"] == "mobile")
        time.sleep(1)
        hang_up(site, sim_id)
        (frame,) = journal_frames(ws)
    (entry,) = new_entries(site, before)
    assert entry == frame
    assert (entry["call_id"], entry["status"], entry["device"]) == (first_id, "answered", "primary")
    assert 2 <= entry["duration_s"] <= 10


def test_a_plain_answered_call_is_one_entry(site: Site) -> None:
    before = journal_ids(site)
    with site.socket("anna.schmidt") as ws:
        assert recv(ws)["type"] == "hello"
        sim_id, call_id = answered_inbound(site, "anna.schmidt", ANNA, CALLER)
        hang_up(site, sim_id)
        (frame,) = journal_frames(ws)
    (entry,) = new_entries(site, before)
    assert entry == frame
    assert (entry["call_id"], entry["status"], entry["direction"]) == (
        call_id,
        "answered",
        "inbound",
    )


def test_a_missed_call_is_one_entry(site: Site) -> None:
    before = journal_ids(site)
    with site.socket("anna.schmidt") as ws:
        assert recv(ws)["type"] == "hello"
        sim_id = site.sim_call(CALLER, ANNA)
        ringing = call_where(site, "anna.schmidt", "ringing", lambda c: c["state"] == "ringing")
        hang_up(site, sim_id)
        (frame,) = journal_frames(ws)
    (entry,) = new_entries(site, before)
    assert entry == frame
    assert (entry["call_id"], entry["status"], entry["answered_at"]) == (
        ringing["id"],
        "missed",
        None,
    )


def test_a_blind_transferred_call_is_one_entry(site: Site) -> None:
    before = journal_ids(site)
    with site.socket("anna.schmidt") as ws:
        assert recv(ws)["type"] == "hello"
        _, call_id = answered_inbound(site, "anna.schmidt", ANNA, CALLER)
        body = {"call_id": call_id, "destination": "7770", "flow": "blind"}
        response = act(site, "anna.schmidt", "POST", "/transfers", body)
        assert response.status_code == 201, response.text
        (frame,) = journal_frames(ws)
    call_where(site, "ben.mueller", "Ben rings", lambda c: c["state"] == "ringing")
    (entry,) = new_entries(site, before)
    assert entry == frame
    assert (entry["call_id"], entry["status"]) == (call_id, "answered")


def test_the_openapi_document_declares_calls_and_journal_entries(site: Site) -> None:
    document = site.api.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    paths = document["paths"]
    for path, model in (
        ("/api/v1/users/me/calls", "Call"),
        ("/api/v1/users/me/journal", "JournalEntry"),
    ):
        content = paths[path]["get"]["responses"]["200"]["content"]["application/json"]
        assert content["schema"]["items"] == {"$ref": f"#/components/schemas/{model}"}
    entry = schemas["JournalEntry"]
    assert (
        set(entry["properties"])
        == set(entry["required"])
        == {
            "id",
            "call_id",
            "line_id",
            "direction",
            "remote",
            "status",
            "device",
            "started_at",
            "answered_at",
            "ended_at",
            "duration_s",
        }
    )
    assert "not_reached" in entry["properties"]["status"]["enum"]
