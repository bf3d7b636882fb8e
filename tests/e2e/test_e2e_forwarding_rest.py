"""``GET``/``PATCH /users/me/forwarding`` against the simulated Cloud PBX: what the API
writes is what the PBX stores (read back through the PBX's own Xsi), what is switched on
the phone shows in ``GET``, destinations are stored as E.164, and bad input is a 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cloudcti.sim import scenarios
from cloudcti.xsi import parse_call_forwarding_always, parse_voice_messaging
from tests.e2e.e2e_rig import ANNA, Site, demo_site, until

FORWARDING = "/api/v1/users/me/forwarding"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with demo_site(Path(tmp_path_factory.mktemp("fwd")), without_pbx_login=("eva.wagner",)) as s:
        yield s


def pbx_service(site: Site, user: str, service: str) -> bytes:
    """The service's settings as the simulated PBX answers its own user (Xsi-Actions)."""
    url = f"{site.sim.base_url}/com.broadsoft.xsi-actions/v2.0/user/{user}/services/{service}"
    response = httpx.get(url, auth=(user, scenarios.DEMO_PASSWORD), timeout=10)
    assert response.status_code == 200, response.text
    return response.content


def get(site: Site, person: str = "anna.schmidt") -> dict[str, Any]:
    response = site.api.get(FORWARDING, headers=site.headers[person])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def patch(site: Site, body: Any, person: str = "anna.schmidt") -> httpx.Response:
    return site.api.patch(FORWARDING, json=body, headers=site.headers[person])


def dial(site: Site, user: str, digits: str) -> None:
    response = site.sim.post(f"/sim/v1/users/{user}/dial", json={"digits": digits})
    assert response.status_code in (200, 201, 204), response.text


def test_at_start_the_voicemail_redirect_is_read_with_the_users_own_login(site: Site) -> None:
    def reads() -> list[dict[str, Any]]:
        requests = site.sim.get("/sim/v1/requests", params={"user_id": ANNA}).json()
        return [r for r in requests if r["path"].endswith("/services/VoiceMessaging")]

    # no API call has been made yet: the server read it on its own, as Anna
    found = until("VoiceMessaging read", reads, bool)
    assert {(r["method"], r["status"]) for r in found} == {("GET", 200)}


def test_a_login_entered_later_gets_the_voicemail_redirect_read(site: Site) -> None:
    eva = f"eva.wagner@{scenarios.DOMAIN}"

    def reads() -> list[dict[str, Any]]:
        requests = site.sim.get("/sim/v1/requests", params={"user_id": eva}).json()
        return [r for r in requests if r["path"].endswith("/services/VoiceMessaging")]

    assert reads() == []  # nothing is sent without Eva's own login
    response = site.api.get(FORWARDING, headers=site.headers["eva.wagner"])
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("pbx-credentials-required")
    login = {"username": eva, "password": scenarios.DEMO_PASSWORD}
    response = site.api.put(
        "/api/v1/users/me/pbx-credentials", json=login, headers=site.headers["eva.wagner"]
    )
    assert response.status_code == 204, response.text
    found = until("VoiceMessaging read as Eva", reads, bool)
    assert found[0]["method"] == "GET"


def test_get_shows_every_section_with_the_lines_voicemail_number(site: Site) -> None:
    body = get(site)
    assert set(body) == {
        "voicemail",
        "always",
        "busy",
        "no_answer",
        "dnd",
        "remote_office",
        "parallel_ring",
    }
    assert body["voicemail"] == {"enabled": False, "number": "*86"}
    assert body["always"] == {"enabled": False, "destination": None}
    assert body["dnd"] == {"enabled": False}


def test_voicemail_switched_on_by_the_api_is_on_in_the_pbx_and_hash21_flips_it_back(
    site: Site,
) -> None:
    response = patch(site, {"voicemail": {"enabled": True}})
    assert response.status_code == 200, response.text
    assert response.json()["voicemail"]["enabled"] is True
    vm = parse_voice_messaging(pbx_service(site, ANNA, "VoiceMessaging"))
    assert vm.always_redirect_to_voice_mail is True

    dial(site, ANNA, "#21")
    vm = parse_voice_messaging(pbx_service(site, ANNA, "VoiceMessaging"))
    assert vm.always_redirect_to_voice_mail is False
    assert get(site)["voicemail"]["enabled"] is False


def test_a_destination_typed_nationally_is_stored_as_e164(site: Site) -> None:
    response = patch(site, {"always": {"enabled": True, "destination": "0171 1234567"}})
    assert response.status_code == 200, response.text
    assert response.json()["always"] == {"enabled": True, "destination": "+491711234567"}
    cfa = parse_call_forwarding_always(pbx_service(site, ANNA, "CallForwardingAlways"))
    assert cfa.active is True
    assert cfa.forward_to_phone_number is not None
    assert cfa.forward_to_phone_number.removeprefix("tel:") == "+491711234567"

    response = patch(site, {"always": {"enabled": False}})
    assert response.json()["always"] == {"enabled": False, "destination": "+491711234567"}
    cfa = parse_call_forwarding_always(pbx_service(site, ANNA, "CallForwardingAlways"))
    assert cfa.active is False


def test_an_extension_is_stored_as_the_colleagues_e164_number(site: Site) -> None:
    response = patch(site, {"busy": {"enabled": True, "destination": "7770"}})
    assert response.status_code == 200, response.text
    assert response.json()["busy"] == {"enabled": True, "destination": "+49898877667770"}
    response = patch(site, {"busy": {"enabled": False, "destination": None}})
    assert response.json()["busy"] == {"enabled": False, "destination": "+49898877667770"}


def test_no_answer_dnd_and_parallel_ring_round_trip(site: Site) -> None:
    response = patch(
        site,
        {
            "no_answer": {"enabled": True, "destination": "+49 30 1234567", "rings": 4},
            "dnd": {"enabled": True},
            "parallel_ring": {"enabled": True, "numbers": ["0151 11112222"]},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["no_answer"] == {"enabled": True, "destination": "+49301234567", "rings": 4}
    assert body["dnd"] == {"enabled": True}
    assert body["parallel_ring"] == {"enabled": True, "numbers": ["+4915111112222"]}
    state = site.sim_state()
    anna = next(u for u in state["users"] if u["user_id"] == ANNA)
    assert anna["parallel_ring"] == ["+4915111112222"]
    response = patch(
        site,
        {
            "no_answer": {"enabled": False},
            "dnd": {"enabled": False},
            "parallel_ring": {"enabled": False, "numbers": []},
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["dnd"] == {"enabled": False}


def test_dnd_switched_on_the_phone_shows_in_get(site: Site) -> None:
    dial(site, ANNA, "*78")
    until("dnd on", lambda: get(site)["dnd"]["enabled"], bool)
    dial(site, ANNA, "*79")
    until("dnd off", lambda: get(site)["dnd"]["enabled"], lambda on: on is False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"always": {"enabled": "yes"}}, "always.enabled"),
        ({"always": {"destination": "not a number"}}, "always.destination"),
        ({"always": {"enabled": True, "destination": None}}, "always.destination"),
        ({"no_answer": {"rings": 1}}, "no_answer.rings"),
        ({"parallel_ring": {"numbers": ["*21"]}}, "parallel_ring.numbers.0"),
        ({"voicemail": {"number": "*99"}}, "voicemail.number"),
        ({"holiday": {"enabled": True}}, "holiday"),
    ],
)
def test_invalid_values_are_422_naming_the_field(site: Site, body: Any, field: str) -> None:
    response = patch(site, body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in problem["errors"]], problem


def test_malformed_json_unknown_line_and_no_token_are_4xx(site: Site) -> None:
    headers = {**site.headers["anna.schmidt"], "Content-Type": "application/json"}
    assert site.api.patch(FORWARDING, content=b"{", headers=headers).status_code in (400, 422)
    response = site.api.get(FORWARDING, params={"line_id": "nope"}, headers=headers)
    assert response.status_code == 404, response.text
    assert site.api.get(FORWARDING).status_code == 401


def test_openapi_names_forwarding_contact_and_presence(site: Site) -> None:
    doc = site.api.get("/api/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert set(schemas["Forwarding"]["properties"]) == {
        "voicemail",
        "always",
        "busy",
        "no_answer",
        "dnd",
        "remote_office",
        "parallel_ring",
    }
    assert set(schemas["Contact"]["properties"]) >= {
        "user_id",
        "display_name",
        "numbers",
        "presence",
    }
    assert set(schemas["Presence"]["properties"]) == {"state", "forwarding"}
    get = doc["paths"]["/api/v1/users/me/forwarding"]["get"]["responses"]["200"]
    assert get["content"]["application/json"]["schema"]["$ref"].endswith("/Forwarding")
