"""``cloudcti serve`` as a real process, killed with SIGKILL in the middle of a call and
started again: after the PBX resync the call is shown as it is (same id, active, same caller),
its end is seen, and the journal has every call exactly once — the one finished before the
kill and the one that spanned it — whatever the PBX redelivers of what was never acked."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from cloudcti.sim.server import SimServer
from tests.e2e.e2e_rig import ANNA, CALLER, until
from tests.e2e.process_rig import kill, serve_process, set_up_company
from tests.web.server import login

OTHER_CALLER = "+4940112233445"


def _calls(api: httpx.Client, headers: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get("/api/v1/users/me/calls", headers=headers).json()
    return found


def _journal(api: httpx.Client, headers: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get("/api/v1/users/me/journal", headers=headers).json()
    return found


def test_a_call_survives_a_sigkill_and_is_journaled_once(sim: SimServer, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    log = tmp_path / "serve.log"
    company = set_up_company(sim, data_dir)
    control = httpx.Client(base_url=sim.urls[0], timeout=15)
    with (
        serve_process(data_dir, log) as (url, process),
        httpx.Client(base_url=url, timeout=15) as api,
    ):
        headers = login(api, "anna.schmidt", company.user_password)
        first = control.post("/sim/v1/calls", json={"from": OTHER_CALLER, "to": ANNA}).json()["id"]
        until("the first call rings", lambda: _calls(api, headers), lambda c: len(c) == 1)
        control.post(f"/sim/v1/calls/{first}/answer", json={"at": "primary"})
        control.post(f"/sim/v1/calls/{first}/hangup", json={"side": "caller"})
        until("the first call journaled", lambda: _journal(api, headers), lambda j: len(j) == 1)

        second = control.post("/sim/v1/calls", json={"from": CALLER, "to": ANNA}).json()["id"]
        until("the second call rings", lambda: _calls(api, headers), lambda c: len(c) == 1)
        control.post(f"/sim/v1/calls/{second}/answer", json={"at": "primary"})
        before = until(
            "the second call is active",
            lambda: _calls(api, headers),
            lambda c: len(c) == 1 and c[0]["state"] == "active",
        )[0]
        kill(process)

    with serve_process(data_dir, log) as (url, _), httpx.Client(base_url=url, timeout=15) as api:
        headers = login(api, "anna.schmidt", company.user_password)
        after = until(
            "the call is shown again after the resync",
            lambda: _calls(api, headers),
            lambda c: len(c) == 1 and c[0]["state"] == "active",
        )[0]
        assert after["id"] == before["id"]
        assert after["remote"]["number"] == CALLER
        assert after["direction"] == "inbound"
        control.post(f"/sim/v1/calls/{second}/hangup", json={"side": "caller"})
        until("the call ended", lambda: _calls(api, headers), lambda c: c == [])
        journal = until(
            "both calls journaled", lambda: _journal(api, headers), lambda j: len(j) >= 2
        )
        time.sleep(1.0)  # late redeliveries would add entries now
        journal = _journal(api, headers)
        assert sorted(e["remote"]["number"] for e in journal) == sorted([CALLER, OTHER_CALLER])
        assert len({e["call_id"] for e in journal}) == 2
    control.close()
