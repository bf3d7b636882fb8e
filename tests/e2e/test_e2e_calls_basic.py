"""Call control end to end, the basics: answer, hold, unhold, drop, decline, dial (also with
an ``Idempotency-Key``), whose calls a token can touch, bad input, and what happens when the
stored PBX login is wrong. Real server, real simulator."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.calls_rig import (
    act,
    answered_inbound,
    call_state,
    call_where,
    calls,
    hang_up_everything,
    no_calls,
    party,
    sim_calls,
)
from tests.e2e.e2e_rig import ANNA, BEN, CALLER, DAVID, Site, demo_site, until


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with demo_site(Path(tmp_path_factory.mktemp("calls"))) as s:
        yield s


@pytest.fixture(autouse=True)
def _clean(site: Site) -> Iterator[None]:
    yield
    hang_up_everything(site)
    for person in ("anna.schmidt", "ben.mueller"):
        no_calls(site, person)


def test_an_incoming_call_answered_on_the_desk_phone_is_active(site: Site) -> None:
    sim_id = site.sim_call(CALLER, ANNA)
    ringing = call_where(site, "anna.schmidt", "ringing", lambda c: c["state"] == "ringing")
    assert ringing["features"] == ["answer", "reject"]
    assert ringing["remote"]["number"] == CALLER
    site.sim.post(f"/sim/v1/calls/{sim_id}/answer", json={"at": "primary"})
    active = call_state(site, "anna.schmidt", ringing["id"], "active")
    assert active["device"] == "primary"
    assert "hold" in active["features"]
    assert "relocate" in active["features"]
    shown = act(site, "anna.schmidt", "GET", f"/calls/{ringing['id']}")
    assert shown.status_code == 200
    assert shown.json()["state"] == "active"


def test_answer_from_the_api_then_hold_unhold_and_drop(site: Site) -> None:
    sim_id = site.sim_call(CALLER, ANNA)
    ringing = call_where(site, "anna.schmidt", "ringing", lambda c: c["state"] == "ringing")
    call_id = ringing["id"]
    assert act(site, "anna.schmidt", "PUT", f"/calls/{call_id}/answer").status_code == 204
    call_state(site, "anna.schmidt", call_id, "active")
    (sim_call,) = [c for c in sim_calls(site) if c["id"] == sim_id]
    assert party(sim_call, CALLER)["state"] == "Active"

    assert act(site, "anna.schmidt", "PUT", f"/calls/{call_id}/hold").status_code == 204
    held = call_state(site, "anna.schmidt", call_id, "held")
    assert "unhold" in held["features"]
    assert "hold" not in held["features"]
    assert party(sim_calls(site)[0], ANNA)["state"] == "Held"

    assert act(site, "anna.schmidt", "PUT", f"/calls/{call_id}/unhold").status_code == 204
    call_state(site, "anna.schmidt", call_id, "active")

    assert act(site, "anna.schmidt", "DELETE", f"/calls/{call_id}").status_code == 204
    no_calls(site, "anna.schmidt")
    assert sim_calls(site) == []
    journal = act(site, "anna.schmidt", "GET", "/journal").json()
    assert journal[0]["call_id"] == call_id
    assert journal[0]["status"] == "answered"


def test_decline_rejects_a_ringing_call_and_is_refused_on_an_active_one(site: Site) -> None:
    site.sim_call(CALLER, ANNA)
    ringing = call_where(site, "anna.schmidt", "ringing", lambda c: c["state"] == "ringing")
    assert (
        act(site, "anna.schmidt", "DELETE", f"/calls/{ringing['id']}?decline=true").status_code
        == 204
    )
    no_calls(site, "anna.schmidt")
    entry = until(
        "journal entry",
        lambda: act(site, "anna.schmidt", "GET", "/journal").json(),
        lambda js: js and js[0]["call_id"] == ringing["id"],
    )[0]
    assert entry["status"] == "rejected"

    _, call_id = answered_inbound(site, "anna.schmidt", ANNA, CALLER)
    refused = act(site, "anna.schmidt", "DELETE", f"/calls/{call_id}?decline=true")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert calls(site, "anna.schmidt")[0]["state"] == "active"


def test_dial_normalises_what_the_user_typed_and_returns_the_call(site: Site) -> None:
    dialled = act(site, "anna.schmidt", "POST", "/calls", {"destination": "7770"})
    assert dialled.status_code == 201, dialled.text
    call = dialled.json()
    assert call["direction"] == "outbound"
    assert call["state"] == "dialing"
    assert call["remote"]["number"] == "+49898877667770"
    assert call["remote"]["display"] == "7770"
    assert [c["id"] for c in calls(site, "anna.schmidt")] == [call["id"]]
    (sim_call,) = sim_calls(site)
    assert party(sim_call, ANNA)["xsi_call_id"] == call["id"]
    assert party(sim_call, BEN)["state"] == "Alerting"

    outside = act(site, "ben.mueller", "POST", "/calls", {"destination": "030 2233 4455"})
    assert outside.status_code == 201, outside.text
    assert outside.json()["remote"]["number"] == "+493022334455"
    assert any(party_has(c, "+493022334455") for c in sim_calls(site))


def party_has(sim_call: dict[str, object], number: str) -> bool:
    parties = sim_call["parties"]
    assert isinstance(parties, list)
    return any(p.get("number") == number for p in parties)


def test_a_dial_retried_with_the_same_idempotency_key_dials_once(site: Site) -> None:
    key = {"Idempotency-Key": "crm-click-4711"}
    body = {"destination": "+49 30 2233 4455"}
    first = act(site, "anna.schmidt", "POST", "/calls", body, headers=key)
    again = act(site, "anna.schmidt", "POST", "/calls", body, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len(sim_calls(site)) == 1
    other_body = act(site, "anna.schmidt", "POST", "/calls", {"destination": "7770"}, headers=key)
    assert other_body.status_code == 409
    assert len(sim_calls(site)) == 1
    # A double click: two requests with a new key at the same moment dial once.
    twice = {"Idempotency-Key": "crm-click-4712"}
    with ThreadPoolExecutor(2) as pool:
        both = list(
            pool.map(
                lambda _: act(site, "anna.schmidt", "POST", "/calls", body, headers=twice), [1, 2]
            )
        )
    assert [r.status_code for r in both] == [201, 201]
    assert both[0].json()["id"] == both[1].json()["id"]
    assert len(sim_calls(site)) == 2
    # Keys are per user: Ben's request with the same key dials.
    bens = act(site, "ben.mueller", "POST", "/calls", body, headers=key)
    assert bens.status_code == 201
    assert len(sim_calls(site)) == 3


def test_another_users_token_cannot_touch_the_call(site: Site) -> None:
    _, call_id = answered_inbound(site, "anna.schmidt", ANNA, CALLER)
    for method, path in (
        ("GET", f"/calls/{call_id}"),
        ("DELETE", f"/calls/{call_id}"),
        ("PUT", f"/calls/{call_id}/hold"),
        ("PUT", f"/calls/{call_id}/answer"),
        ("POST", f"/calls/{call_id}/swap"),
    ):
        response = act(site, "ben.mueller", method, path)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["type"] == "/problems/not-found"
    for path, body in (
        ("/transfers", {"call_id": call_id, "destination": "7701", "flow": "blind"}),
        ("/relocates", {"call_id": call_id, "destination": "mobile"}),
    ):
        assert act(site, "ben.mueller", "POST", path, body).status_code == 404
    assert call_state(site, "anna.schmidt", call_id, "active")
    assert party(sim_calls(site)[0], ANNA)["state"] == "Active"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/calls", {}),
        ("/calls", {"destination": ""}),
        ("/calls", {"destination": "call my mother"}),
        ("/calls", {"destination": "7770", "colour": "red"}),
        ("/calls", {"destination": 7770}),
        ("/calls", {"destination": "7" * 101}),
        ("/transfers", {"call_id": "x", "destination": "7770", "flow": "sideways"}),
        ("/transfers", {"call_id": "x", "destination": "7770"}),
        ("/conferences", {"call_ids": ["a"]}),
        ("/conferences", {"call_ids": ["a", "b", "c"]}),
        ("/conferences", {"call_ids": "ab"}),
        ("/relocates", {"call_id": "x", "destination": "+4915123456771"}),
        ("/relocates", {"call_id": "x"}),
    ],
)
def test_bad_payloads_are_422(site: Site, path: str, body: object) -> None:
    response = act(site, "anna.schmidt", "POST", path, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]


def test_unknown_calls_transfers_and_conferences_are_404(site: Site) -> None:
    for method, path in (
        ("GET", "/calls/callhalf-999:0"),
        ("PUT", "/calls/nope/unhold"),
        ("PUT", "/transfers/nope/complete"),
        ("DELETE", "/transfers/nope"),
        ("DELETE", "/conferences/conf-nope"),
    ):
        assert act(site, "anna.schmidt", method, path).status_code == 404, (method, path)
    response = act(site, "anna.schmidt", "POST", "/calls", {"destination": "7770", "line_id": "x"})
    assert response.status_code == 404
    assert sim_calls(site) == []


def test_a_wrong_stored_pbx_login_is_409_and_tried_only_once(site: Site) -> None:
    site.sim.patch(f"/sim/v1/users/{DAVID}", json={"password": "Changed-in-the-portal-1"})
    since = site.sim.get("/sim/v1/requests").json()[-1]["seq"]
    for _ in range(3):
        response = act(site, "david.fischer", "POST", "/calls", {"destination": "771"})
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/pbx-credentials-required"
    seen = site.sim.get("/sim/v1/requests", params={"user_id": DAVID, "since": since}).json()
    assert [r["status"] for r in seen] == [401]
    me = site.api.get("/api/v1/users/me", headers=site.headers["david.fischer"]).json()
    assert me["pbx_credentials"]["state"] == "invalid"
    assert sim_calls(site) == []
    # bad input is still 422, not 409
    response = act(site, "david.fischer", "POST", "/calls", {"destination": "ring ring"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "destination"


def test_a_failing_pbx_is_502_and_nothing_is_dialled(site: Site) -> None:
    assert site.sim.post("/sim/v1/faults", json={"kind": "http_errors"}).status_code in (200, 201)
    try:
        response = act(site, "anna.schmidt", "POST", "/calls", {"destination": "7770"})
    finally:
        site.sim.delete("/sim/v1/faults")
    assert response.status_code == 502, response.text
    assert response.json()["type"] == "/problems/pbx-failed"
    assert sim_calls(site) == []
    me = site.api.get("/api/v1/users/me", headers=site.headers["anna.schmidt"]).json()
    assert me["pbx_credentials"]["state"] == "valid"
    until("gateway connected", lambda: site.api.get("/readyz").text, lambda t: "connected" in t)


def test_the_openapi_document_describes_the_call_control_shapes(site: Site) -> None:
    document = site.api.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    for name in ("Call", "Transfer", "Conference", "Relocate"):
        assert name in schemas, name
    assert set(schemas["Call"]["properties"]["state"]["enum"]) == {
        "dialing",
        "ringing",
        "active",
        "held",
        "ended",
    }
    dial = document["paths"]["/api/v1/users/me/calls"]["post"]
    created = dial["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["$ref"].endswith("/Call")
    assert any(p["name"] == "Idempotency-Key" for p in dial["parameters"])
    transfer = document["paths"]["/api/v1/users/me/transfers"]["post"]["responses"]["201"]
    assert transfer["content"]["application/json"]["schema"]["$ref"].endswith("/Transfer")
