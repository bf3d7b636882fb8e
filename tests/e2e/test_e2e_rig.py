"""The end-to-end rig: the demo company is up, every person is logged in with a valid PBX
login stored (except those left without), and a simulator call reaches the called user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.e2e_rig import ANNA, CALLER, Site, demo_site, frames_until, recv


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with demo_site(Path(tmp_path_factory.mktemp("rig")), without_pbx_login=("eva.wagner",)) as s:
        yield s


def test_every_person_has_a_line_and_the_pbx_login_state_the_setup_gave(site: Site) -> None:
    for person, state in (("anna.schmidt", "valid"), ("eva.wagner", "missing")):
        me = site.api.get("/api/v1/users/me", headers=site.headers[person]).json()
        assert len(me["lines"]) == 1
        assert me["pbx_credentials"]["state"] == state


def test_a_call_from_outside_reaches_the_called_users_stream(site: Site) -> None:
    with site.socket("anna.schmidt") as ws:
        assert recv(ws)["type"] == "hello"
        call = site.sim_call(CALLER, ANNA)
        created = frames_until(ws, lambda f: f["type"] == "call_created")[-1]
        assert created["data"]["remote"]["number"] == CALLER
        site.sim.post(f"/sim/v1/calls/{call}/hangup", json={"side": "caller"})
        frames_until(ws, lambda f: f["type"] == "call_ended")
