"""Live forwarding and presence: what is switched on the desk phone reaches the user's own
stream (``forwarding_updated``) within a second and colleagues' streams
(``presence_updated``) with the forwarding target only for those allowed to see it; a call
then goes to voicemail and the journal says so; a burst of changes is one frame per viewer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.connection import Connection

from tests.e2e.e2e_rig import ANNA, CALLER, Site, demo_site, frames_until, recv, until
from tests.web.server import login


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with demo_site(Path(tmp_path_factory.mktemp("presence"))) as s:
        admin = s.company
        assert admin is not None
        s.headers["admin"] = login(s.api, admin.admin_username, admin.admin_password)
        yield s


@pytest.fixture(scope="module")
def ids(site: Site) -> dict[str, str]:
    """User ids by login; Anna and Ben are one team, Clara is in none."""
    found = {
        person: site.api.get("/api/v1/users/me", headers=site.headers[person]).json()["id"]
        for person in ("anna.schmidt", "ben.mueller", "clara.weber", "david.fischer")
    }
    team = {"name": "Vertrieb", "member_ids": [found["anna.schmidt"], found["ben.mueller"]]}
    response = site.api.post("/api/v1/admin/teams", json=team, headers=site.headers["admin"])
    assert response.status_code == 201, response.text
    return found


def dial(site: Site, digits: str, user: str = ANNA) -> None:
    response = site.sim.post(f"/sim/v1/users/{user}/dial", json={"digits": digits})
    assert response.status_code in (200, 201, 204), response.text


def hello(ws: Connection) -> Connection:
    assert recv(ws)["type"] == "hello"
    return ws


def drain(ws: Connection, quiet: float = 0.4) -> list[dict[str, Any]]:
    """Every frame until none came for ``quiet`` seconds."""
    frames = []
    while True:
        try:
            frames.append(recv(ws, quiet))
        except TimeoutError:
            return frames
        except ConnectionClosed:  # pragma: no cover - the server went away
            raise


def presence_of(subject: str, state: str | None = None) -> Any:
    """Matches a ``presence_updated`` frame about ``subject`` (in ``state``, if given)."""
    return lambda f: (
        f["type"] == "presence_updated"
        and f["data"]["user_id"] == subject
        and state in (None, f["data"]["presence"]["state"])
    )


def contact(site: Site, viewer: str, subject_id: str) -> dict[str, Any]:
    response = site.api.get("/api/v1/contacts", headers=site.headers[viewer])
    assert response.status_code == 200, response.text
    found: dict[str, Any] = next(c for c in response.json() if c["user_id"] == subject_id)
    return found


def test_star21_on_the_desk_phone_reaches_the_user_and_colleagues_within_a_second(
    site: Site, ids: dict[str, str]
) -> None:
    anna = ids["anna.schmidt"]
    with (
        site.socket("anna.schmidt") as own,
        site.socket("ben.mueller") as teammate,
        site.socket("clara.weber") as other,
    ):
        for ws in (own, teammate, other):
            hello(ws)
        started = time.monotonic()
        dial(site, "*21")
        updated = frames_until(
            own,
            lambda f: f["type"] == "forwarding_updated" and f["data"]["voicemail"]["enabled"],
        )[-1]
        assert time.monotonic() - started < 1.0
        assert updated["data"]["voicemail"] == {"enabled": True, "number": "*86"}
        seen = frames_until(teammate, presence_of(anna, "forwarded"))[-1]["data"]["presence"]
        assert seen == {
            "state": "forwarded",
            "forwarding": {"kind": "voicemail", "target": "voicemail"},
        }
        hidden = frames_until(other, presence_of(anna, "forwarded"))[-1]["data"]["presence"]
        assert hidden == {"state": "forwarded", "forwarding": {"kind": "voicemail", "target": None}}
        assert time.monotonic() - started < 2.0

    # a call now goes to voicemail, and the journal says so
    call = site.sim_call(CALLER, ANNA)
    entry = until(
        "journal entry",
        lambda: site.api.get(
            "/api/v1/users/me/journal", headers=site.headers["anna.schmidt"]
        ).json(),
        lambda entries: bool(entries),
    )[0]
    assert entry["status"] == "voicemail", entry
    assert entry["remote"]["number"] == CALLER
    site.sim.post(f"/sim/v1/calls/{call}/hangup", json={"side": "caller"})

    dial(site, "#21")
    until(
        "available again",
        lambda: contact(site, "ben.mueller", anna)["presence"]["state"],
        lambda state: state == "available",
    )


def test_dnd_to_voicemail_is_marked_voicemail_once_the_voice_portal_is_known(
    site: Site, ids: dict[str, str]
) -> None:
    # the *21 call above went to the voice portal with reason "voicemail": its number is
    # known now, so a call that DND sends there is a voicemail call too
    dial(site, "*78")
    with site.socket("anna.schmidt") as own:
        hello(own)
        call = site.sim_call(CALLER, ANNA)
        ended = frames_until(
            own, lambda f: f["type"] == "call_ended" and f["data"]["direction"] == "inbound"
        )[-1]["data"]
        assert ended["voicemail"] is True, ended
        entry = frames_until(  # an earlier call's entry may still be on its way
            own,
            lambda f: f["type"] == "journal_entry_created" and f["data"]["call_id"] == ended["id"],
        )[-1]["data"]
        assert entry["status"] == "dnd"
        site.sim.post(f"/sim/v1/calls/{call}/hangup", json={"side": "caller"})
    dial(site, "*79")
    until(
        "not dnd",
        lambda: contact(site, "clara.weber", ids["anna.schmidt"])["presence"]["state"],
        lambda state: state == "available",
    )


def test_a_forwarding_number_is_shown_to_a_teammate_and_a_grantee_only(
    site: Site, ids: dict[str, str]
) -> None:
    anna, david = ids["anna.schmidt"], ids["david.fischer"]
    grant = {"viewer_id": david, "subject_id": anna}
    response = site.api.post("/api/v1/admin/grants", json=grant, headers=site.headers["admin"])
    assert response.status_code == 201, response.text
    with site.socket("clara.weber") as other, site.socket("david.fischer") as grantee:
        hello(other)
        hello(grantee)
        dial(site, "*72+4915199998888")
        seen = frames_until(grantee, presence_of(anna, "forwarded"))[-1]["data"]["presence"]
        hidden = frames_until(other, presence_of(anna, "forwarded"))[-1]["data"]["presence"]
    expected = {"state": "forwarded", "forwarding": {"kind": "number", "target": "+4915199998888"}}
    assert seen == expected
    assert hidden == {"state": "forwarded", "forwarding": {"kind": "number", "target": None}}
    assert contact(site, "ben.mueller", anna)["presence"] == expected
    assert contact(site, "clara.weber", anna)["presence"]["forwarding"]["target"] is None
    own = site.api.get("/api/v1/contacts", headers=site.headers["anna.schmidt"]).json()
    assert anna not in [c["user_id"] for c in own]  # not her own contact
    dial(site, "*73")
    until(
        "forwarding off",
        lambda: contact(site, "ben.mueller", anna)["presence"]["state"],
        lambda state: state == "available",
    )


def test_dnd_shows_as_presence_dnd(site: Site, ids: dict[str, str]) -> None:
    anna = ids["anna.schmidt"]
    dial(site, "*78")
    until(
        "dnd",
        lambda: contact(site, "clara.weber", anna)["presence"],
        lambda p: p == {"state": "dnd", "forwarding": {"kind": None, "target": None}},
    )
    dial(site, "*79")
    until(
        "not dnd",
        lambda: contact(site, "clara.weber", anna)["presence"]["state"],
        lambda state: state == "available",
    )


def test_a_burst_of_five_changes_is_one_presence_frame_per_viewer(
    site: Site, ids: dict[str, str]
) -> None:
    anna = ids["anna.schmidt"]
    # five switches at once on Anna's phone; whatever their order, DND wins in the end
    burst = ("*78", "*72+4915199998888", "*21", "*90+4930111111", "*92+4930222222")
    with site.socket("ben.mueller") as ben, site.socket("clara.weber") as clara:
        hello(ben)
        hello(clara)
        drain(ben)
        drain(clara)
        with ThreadPoolExecutor(len(burst)) as pool:
            list(pool.map(lambda digits: dial(site, digits), burst))
        try:
            counts = []
            for ws, target in ((ben, "+4915199998888"), (clara, None)):
                about_anna = [f for f in drain(ws, quiet=1.0) if presence_of(anna)(f)]
                counts.append(len(about_anna))
                assert about_anna[-1]["data"]["presence"] == {
                    "state": "dnd",
                    "forwarding": {"kind": "number", "target": target},
                }
            # one frame per viewer per flush; the PBX's events of the burst arrive within
            # ~100 ms on an idle machine (one frame), a loaded one may spread them (the exact
            # count is proven in tests/app/test_app_presence_coalescing.py)
            assert counts[0] == counts[1]
            assert 1 <= counts[0] < len(burst), counts
        finally:
            for digits in ("*79", "*73", "#21", "*91", "*93"):
                dial(site, digits)
    until(
        "back to available",
        lambda: contact(site, "ben.mueller", anna)["presence"]["state"],
        lambda state: state == "available",
    )


def test_contacts_search_by_name_extension_and_number(site: Site, ids: dict[str, str]) -> None:
    headers = site.headers["clara.weber"]

    def search(q: str) -> list[str]:
        response = site.api.get("/api/v1/contacts", params={"q": q}, headers=headers)
        assert response.status_code == 200, response.text
        return [c["display_name"] for c in response.json()]

    everyone = site.api.get("/api/v1/contacts", headers=headers).json()
    assert [c["display_name"] for c in everyone] == sorted(
        (c["display_name"] for c in everyone), key=str.casefold
    )
    anna = next(c for c in everyone if c["user_id"] == ids["anna.schmidt"])
    assert anna["numbers"] == ["+4989887766771", "+4915123456771"]
    assert anna["extension"] == "771"
    assert search("schmidt") == ["Anna Schmidt"]
    assert search("MÜLLER") == ["Ben Müller"]
    assert search("7770") == ["Ben Müller"]
    assert search("0151 23456771") == ["Anna Schmidt"]
    assert search("nobody-here") == []
    assert site.api.get("/api/v1/contacts").status_code == 401
    response = site.api.get("/api/v1/contacts", params={"q": "x" * 101}, headers=headers)
    assert response.status_code == 422


def test_a_line_no_longer_monitored_is_offline_and_back(site: Site, ids: dict[str, str]) -> None:
    anna = ids["anna.schmidt"]
    admin = site.headers["admin"]
    me = site.api.get("/api/v1/users/me", headers=site.headers["anna.schmidt"]).json()
    line = f"/api/v1/admin/lines/{me['lines'][0]['id']}"
    with site.socket("ben.mueller") as ben:
        hello(ben)
        drain(ben)
        assert site.api.patch(line, json={"disabled": True}, headers=admin).status_code == 200
        offline = frames_until(ben, presence_of(anna, "offline"), timeout=5)[-1]
        assert offline["data"]["presence"]["forwarding"] == {"kind": None, "target": None}
        assert contact(site, "ben.mueller", anna)["presence"]["state"] == "offline"
        assert site.api.patch(line, json={"disabled": False}, headers=admin).status_code == 200
        back = frames_until(
            ben,
            lambda f: presence_of(anna)(f) and f["data"]["presence"]["state"] != "offline",
            timeout=20,
        )[-1]
        assert back["data"]["presence"]["state"] == "available"
