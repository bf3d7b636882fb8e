"""What the PBX cannot give back after a restart survives one (issue #9), with ``cloudcti
serve`` as a real process killed with SIGKILL and started again on the same data dir:

- a call answered on the desk phone and relocated to the mobile, the server killed and
  restarted, the call then ended: exactly one journal entry, with the first leg's id, start
  and answer and the status ``answered`` (without the stored history the restarted server
  would journal the mobile leg alone);
- the voice portal number learnt from a ``*21`` redirect before the restart: after it, a
  call that do-not-disturb sends to voicemail is marked voicemail and journalled ``dnd``
  (what ``test_e2e_presence_live`` asserts without a restart)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

from cloudcti.sim.server import SimServer
from tests.e2e.e2e_rig import ANNA, CALLER, frames_until, recv, until
from tests.e2e.process_rig import kill, serve_process, set_up_company
from tests.web.server import login

ME = "/api/v1/users/me"


def _get(api: httpx.Client, headers: dict[str, str], path: str) -> Any:
    response = api.get(f"{ME}{path}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _dial(control: httpx.Client, digits: str) -> None:
    response = control.post(f"/sim/v1/users/{ANNA}/dial", json={"digits": digits})
    assert response.status_code in (200, 201, 204), response.text


def _forwarding(api: httpx.Client, headers: dict[str, str], what: str, ok: Any) -> None:
    until(what, lambda: _get(api, headers, "/forwarding"), ok)


def test_a_call_relocated_before_a_sigkill_is_one_whole_journal_entry(
    sim: SimServer, tmp_path: Path
) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "serve.log"
    company = set_up_company(sim, data_dir)
    control = httpx.Client(base_url=sim.urls[0], timeout=15)
    with serve_process(data_dir, log) as (url, process), httpx.Client(base_url=url) as api:
        headers = login(api, "anna.schmidt", company.user_password)
        sim_id = control.post("/sim/v1/calls", json={"from": CALLER, "to": ANNA}).json()["id"]
        until("the call rings", lambda: _get(api, headers, "/calls"), lambda c: len(c) == 1)
        control.post(f"/sim/v1/calls/{sim_id}/answer", json={"at": "primary"})
        (first,) = until(
            "the call is active on the desk phone",
            lambda: _get(api, headers, "/calls"),
            lambda c: len(c) == 1 and c[0]["state"] == "active",
        )
        time.sleep(1)
        moved = api.post(
            f"{ME}/relocates",
            json={"call_id": first["id"], "destination": "mobile"},
            headers=headers,
        )
        assert moved.status_code == 201, moved.text
        on_mobile = moved.json()["new_call_id"]
        until(  # the desk leg ended: its history is now carried by the mobile leg
            "only the mobile leg is left",
            lambda: _get(api, headers, "/calls"),
            lambda c: [x["id"] for x in c] == [on_mobile] and c[0]["state"] == "active",
        )
        assert _get(api, headers, "/journal") == []
        kill(process)

    with serve_process(data_dir, log) as (url, _), httpx.Client(base_url=url) as api:
        headers = login(api, "anna.schmidt", company.user_password)
        until(
            "the mobile leg is shown again after the resync",
            lambda: _get(api, headers, "/calls"),
            lambda c: [x["id"] for x in c] == [on_mobile],
        )
        time.sleep(1)
        control.post(f"/sim/v1/calls/{sim_id}/hangup", json={"side": "caller"})
        until("the call ended", lambda: _get(api, headers, "/calls"), lambda c: c == [])
        until("journalled", lambda: _get(api, headers, "/journal"), lambda j: len(j) >= 1)
        time.sleep(1.0)  # a second entry (a leg of its own) would show up now
        (entry,) = _get(api, headers, "/journal")
    control.close()
    assert entry["call_id"] == first["id"]
    assert (entry["status"], entry["device"], entry["direction"]) == (
        "answered",
        "primary",
        "inbound",
    )
    assert entry["remote"]["number"] == CALLER
    assert entry["started_at"] == first["created_at"]
    assert entry["answered_at"] == first["answered_at"]
    assert 2 <= entry["duration_s"] <= 15  # both legs: about a second each, plus the restart


def test_the_voice_portal_learnt_before_a_sigkill_marks_dnd_to_voicemail_after_it(
    sim: SimServer, tmp_path: Path
) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "serve.log"
    company = set_up_company(sim, data_dir)
    control = httpx.Client(base_url=sim.urls[0], timeout=15)
    with serve_process(data_dir, log) as (url, process), httpx.Client(base_url=url) as api:
        headers = login(api, "anna.schmidt", company.user_password)
        _dial(control, "*21")
        _forwarding(api, headers, "voicemail on", lambda f: f["voicemail"]["enabled"])
        call = control.post("/sim/v1/calls", json={"from": CALLER, "to": ANNA}).json()["id"]
        (entry,) = until(  # redirected to the voice portal: its number is learnt
            "journalled", lambda: _get(api, headers, "/journal"), lambda j: len(j) == 1
        )
        assert entry["status"] == "voicemail", entry
        control.post(f"/sim/v1/calls/{call}/hangup", json={"side": "caller"})
        _dial(control, "#21")
        _forwarding(api, headers, "voicemail off", lambda f: not f["voicemail"]["enabled"])
        kill(process)

    with serve_process(data_dir, log) as (url, _), httpx.Client(base_url=url) as api:
        headers = login(api, "anna.schmidt", company.user_password)
        _dial(control, "*78")
        _forwarding(api, headers, "dnd on", lambda f: f["dnd"]["enabled"])
        token = headers["Authorization"].removeprefix("Bearer ")
        ws_url = url.replace("http://", "ws://") + f"/api/v1/events?token={token}"
        with connect(ws_url, open_timeout=5) as own:
            assert recv(own)["type"] == "hello"
            call = control.post("/sim/v1/calls", json={"from": CALLER, "to": ANNA}).json()["id"]
            ended = frames_until(
                own, lambda f: f["type"] == "call_ended" and f["data"]["direction"] == "inbound"
            )[-1]["data"]
            entry = frames_until(
                own,
                lambda f: (
                    f["type"] == "journal_entry_created" and f["data"]["call_id"] == ended["id"]
                ),
            )[-1]["data"]
        control.post(f"/sim/v1/calls/{call}/hangup", json={"side": "caller"})
        _dial(control, "*79")
    control.close()
    assert ended["voicemail"] is True, ended
    assert entry["status"] == "dnd", entry
