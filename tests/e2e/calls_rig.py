"""Helpers of the call-control end-to-end tests: act through the cloudcti API as a person,
drive the far end through the simulator's control API, and wait for what the user sees."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.e2e_rig import Site, until

API = "/api/v1/users/me"


def calls(site: Site, person: str) -> list[dict[str, Any]]:
    """``GET /users/me/calls`` of ``person``."""
    response = site.api.get(f"{API}/calls", headers=site.headers[person])
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def call_where(site: Site, person: str, what: str, ok: Any, timeout: float = 10) -> dict[str, Any]:
    """The first of ``person``'s calls for which ``ok(call)`` holds, waited for."""
    found = until(
        what,
        lambda: [c for c in calls(site, person) if ok(c)],
        lambda cs: len(cs) > 0,
        timeout,
    )
    first: dict[str, Any] = found[0]
    return first


def call_state(site: Site, person: str, call_id: str, state: str) -> dict[str, Any]:
    """``person``'s call ``call_id`` once it is in ``state``."""
    return call_where(
        site,
        person,
        f"call {call_id} {state}",
        lambda c: c["id"] == call_id and c["state"] == state,
    )


def no_calls(site: Site, person: str) -> None:
    """Wait until ``person`` has no calls any more."""
    until(f"{person} without calls", lambda: calls(site, person), lambda cs: cs == [])


def act(
    site: Site, person: str, method: str, path: str, json: Any = None, **kwargs: Any
) -> httpx.Response:
    """A request of ``person`` under ``/api/v1/users/me``."""
    headers = site.headers[person] | kwargs.pop("headers", {})
    return site.api.request(method, f"{API}{path}", json=json, headers=headers, **kwargs)


def answered_inbound(site: Site, person: str, pbx_user: str, caller: str) -> tuple[str, str]:
    """An outside call to ``pbx_user`` answered on the desk phone: (sim call id, call id)."""
    sim_id = site.sim_call(caller, pbx_user)
    ringing = call_where(site, person, "ringing call", lambda c: c["state"] == "ringing")
    answer = site.sim.post(f"/sim/v1/calls/{sim_id}/answer", json={"at": "primary"})
    assert answer.status_code == 200, answer.text
    call_state(site, person, ringing["id"], "active")
    return sim_id, str(ringing["id"])


def sim_calls(site: Site) -> list[dict[str, Any]]:
    """The simulator's live calls (``GET /sim/v1/state``), released ones left out."""
    return [
        c
        for c in site.sim_state()["calls"]
        if any(p["state"] not in ("Released", "Detached") for p in c["parties"])
    ]


def party(sim_call: dict[str, Any], key: str) -> dict[str, Any]:
    """The party of a simulator call named by user id or number."""
    found: dict[str, Any] = next(
        p for p in sim_call["parties"] if key in (p.get("user_id"), p.get("number"))
    )
    return found


def hang_up_everything(site: Site) -> None:
    """End every call on the simulator (between tests)."""
    for call in site.sim_state()["calls"]:
        site.sim.post(f"/sim/v1/calls/{call['id']}/hangup", json={"side": "caller"})


def sim_id_of(site: Site, xsi_call_id: str) -> str:
    """The simulator's id of the call in which a party has the Xsi call id ``xsi_call_id``."""
    for call in sim_calls(site):
        if any(p["xsi_call_id"] == xsi_call_id for p in call["parties"]):
            return str(call["id"])
    raise AssertionError(f"no simulator call has {xsi_call_id}")


def consultation(site: Site, person: str, pbx_user: str, destination: str) -> tuple[str, str]:
    """``person`` (PBX user ``pbx_user``) on an answered outside call holds it and dials
    ``destination`` themselves: (held call id, new call id), the new call still ringing."""
    _, first = answered_inbound(site, person, pbx_user, "+4940555666")
    assert act(site, person, "PUT", f"/calls/{first}/hold").status_code == 204
    call_state(site, person, first, "held")
    dialled = act(site, person, "POST", "/calls", {"destination": destination})
    assert dialled.status_code == 201, dialled.text
    return first, str(dialled.json()["id"])
