"""Every admin route: 401 without a token, 403 with a user's, 422 naming the field; the
company set up through the API on a fake PBX; passwords never in any response."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.web.conftest import Site

A = "/api/v1/admin"
LONG = "x" * 65  # longer than any id


@pytest.fixture(scope="module")
def ids(site: Site) -> dict[str, str]:
    """One of each resource, created by the admin."""
    c, h = site.client, site.admin
    dp = c.post(f"{A}/dialing-parameters", json={"name": "Preset", "area_code": "89"}, headers=h)
    gw = c.post(
        f"{A}/gateways",
        json={
            "name": "GW",
            "xsi_urls": ["http://127.0.0.1:9"],
            "dialing_parameters_id": dp.json()["id"],
            "monitoring": {"username": "mon@firma.de", "password": "right"},
        },
        headers=h,
    )
    line = c.post(
        f"{A}/lines",
        json={"gateway_id": gw.json()["id"], "pbx_user_id": "x@firma.de", "number": "+4989111"},
        headers=h,
    )
    loc = c.post(f"{A}/locations", json={"name": "Berlin"}, headers=h)
    user = c.post(f"{A}/users", json={"username": "zoe", "password": "zoe-passwort"}, headers=h)
    team = c.post(f"{A}/teams", json={"name": "Team"}, headers=h)
    for response in (dp, gw, line, loc, user, team):
        assert response.status_code == 201, response.text
    return {
        "dp": dp.json()["id"],
        "gw": gw.json()["id"],
        "line": line.json()["id"],
        "loc": loc.json()["id"],
        "user": user.json()["id"],
        "team": team.json()["id"],
    }


# (method, path, JSON body or None, field a bad request names)
ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/dialing-parameters", None, ""),
    ("POST", "/dialing-parameters", {"name": "x", "country_code": "abc"}, "country_code"),
    ("GET", "/dialing-parameters/{dp}", None, ""),
    ("PATCH", "/dialing-parameters/{dp}", {"internal_number_length": 99}, "internal_number_length"),
    ("DELETE", "/dialing-parameters/" + LONG, None, "id"),
    ("GET", "/dialing-parameters/{dp}/explain?context=phone&number=1", None, "context"),
    ("POST", "/dialing-parameters/" + LONG + "/derive-internal-length", None, "id"),
    ("GET", "/gateways", None, ""),
    ("POST", "/gateways", {"name": "g", "xsi_urls": []}, "xsi_urls"),
    ("GET", "/gateways/" + LONG, None, "id"),
    ("PATCH", "/gateways/{gw}", {"monitoring": {"username": ""}}, "monitoring.username"),
    ("PATCH", "/gateways/{gw}", {"xsi_urls": ["ftp://x"]}, "xsi_urls.0"),
    ("DELETE", "/gateways/" + LONG, None, "id"),
    ("POST", "/gateways/" + LONG + "/test", None, "id"),
    ("GET", "/gateways/{gw}/log?limit=0", None, "limit"),
    ("POST", "/gateways/" + LONG + "/import-lines", None, "id"),
    ("GET", "/lines?gateway_id=" + LONG, None, "gateway_id"),
    ("POST", "/lines", {"gateway_id": "nope", "pbx_user_id": "a", "number": "1"}, "gateway_id"),
    ("GET", "/lines/" + LONG, None, "id"),
    ("PATCH", "/lines/{line}", {"extension": "abc"}, "extension"),
    ("PATCH", "/lines/{line}", {"number": "hello"}, "number"),
    ("DELETE", "/lines/" + LONG, None, "id"),
    ("GET", "/users", None, ""),
    ("POST", "/users", {"username": "ok", "password": "short"}, "password"),
    ("GET", "/users/" + LONG, None, "id"),
    ("PATCH", "/users/{user}", {"role": "boss"}, "role"),
    ("PATCH", "/users/{user}", {"line_ids": ["nope"]}, "line_ids.0"),
    ("DELETE", "/users/" + LONG, None, "id"),
    ("DELETE", "/users/" + LONG + "/pbx-credentials", None, "id"),
    ("GET", "/locations", None, ""),
    ("POST", "/locations", {"name": ""}, "name"),
    ("GET", "/locations/" + LONG, None, "id"),
    ("PATCH", "/locations/{loc}", {"journal_retention_days": 0}, "journal_retention_days"),
    ("DELETE", "/locations/" + LONG, None, "id"),
    ("GET", "/teams", None, ""),
    ("POST", "/teams", {"name": "t", "member_ids": ["nobody"]}, "member_ids.0"),
    ("GET", "/teams/" + LONG, None, "id"),
    ("PATCH", "/teams/{team}", {"name": ""}, "name"),
    ("DELETE", "/teams/" + LONG, None, "id"),
    ("GET", "/grants", None, ""),
    ("POST", "/grants", {"viewer_id": "nobody", "subject_id": "{user}"}, "viewer_id"),
    ("DELETE", "/grants/" + LONG + "/x", None, "viewer_id"),
]


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _call(site: Site, route: tuple[str, str, Any, str], ids: dict[str, str], **kw: Any):  # type: ignore[no-untyped-def]
    method, path, body, _ = route
    return site.client.request(method, A + _fill(path, ids), json=_fill(body, ids), **kw)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r[0]} {r[1]} {r[3]}")
def test_without_a_token_every_admin_route_is_401(site: Site, ids: dict[str, str], route) -> None:  # type: ignore[no-untyped-def]
    response = _call(site, route, ids)
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/not-authenticated"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r[0]} {r[1]} {r[3]}")
def test_with_a_user_token_every_admin_route_is_403(site: Site, ids: dict[str, str], route) -> None:  # type: ignore[no-untyped-def]
    response = _call(site, route, ids, headers=site.user)
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"


@pytest.mark.parametrize("route", [r for r in ROUTES if r[3]], ids=lambda r: f"{r[0]} {r[1]}")
def test_bad_input_is_422_naming_the_field(site: Site, ids: dict[str, str], route) -> None:  # type: ignore[no-untyped-def]
    response = _call(site, route, ids, headers=site.admin)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert route[3] in [e["field"] for e in problem["errors"]], problem


def _everything(site: Site) -> Iterator[httpx.Response]:
    for collection in ("dialing-parameters", "gateways", "lines", "users", "locations", "teams"):
        listed = site.client.get(f"{A}/{collection}", headers=site.admin)
        yield listed
        for item in listed.json():
            yield site.client.get(f"{A}/{collection}/{item['id']}", headers=site.admin)


def test_a_company_set_up_through_the_api(site: Site, ids: dict[str, str]) -> None:
    c, h = site.client, site.admin
    secrets = ["wrong-monitor-pw", "right", "proxy-pw-1234", "anna-passwort-7"]
    seen: list[httpx.Response] = []
    dp = c.post(
        f"{A}/dialing-parameters",
        json={"name": "München", "area_code": "89", "base_number": "887766"},
        headers=h,
    ).json()
    assert dp["outside_line_prefix"] == ""
    assert dp["dial_format"] == "e164"
    gateway = c.post(
        f"{A}/gateways",
        json={
            "name": "Firma GmbH",
            "xsi_urls": ["https://xsi1.example.net/", "https://xsi2.example.net"],
            "dialing_parameters_id": dp["id"],
            "monitoring": {"username": "cti@firma.de", "password": secrets[0]},
            "proxy": {"url": "http://proxy:3128", "username": "p", "password": secrets[2]},
        },
        headers=h,
    )
    seen.append(gateway)
    assert gateway.status_code == 201, gateway.text
    gw = gateway.json()
    assert gw["xsi_urls"] == ["https://xsi1.example.net", "https://xsi2.example.net"]
    assert gw["state"] == "connected"
    assert "password" not in gw["monitoring"]
    assert "password" not in gw["proxy"]

    test = c.post(f"{A}/gateways/{gw['id']}/test", headers=h).json()
    assert test["ok"] is False
    assert [ch["name"] for ch in test["checks"] if not ch["ok"]] == ["authentication"]

    patched = c.patch(
        f"{A}/gateways/{gw['id']}", json={"monitoring": {"password": secrets[1]}}, headers=h
    )
    seen.append(patched)
    assert patched.json()["monitoring"]["username"] == "cti@firma.de"
    assert c.post(f"{A}/gateways/{gw['id']}/test", headers=h).json()["ok"] is True
    # a PATCH without passwords keeps both
    seen.append(c.patch(f"{A}/gateways/{gw['id']}", json={"event_timeout_s": 60}, headers=h))
    c.post(f"{A}/gateways/{gw['id']}/test", headers=h)
    config = site.pbx.configs[-1]
    assert config.monitoring.password.reveal() == secrets[1]
    assert config.proxy is not None
    assert config.proxy.credentials is not None
    assert config.proxy.credentials.password.reveal() == secrets[2]
    assert config.event_timeout_s == 60

    imported = c.post(f"{A}/gateways/{gw['id']}/import-lines", headers=h).json()
    assert sorted(line["extension"] for line in imported["created"]) == ["7701", "771", "7770"]
    assert {s["pbx_user_id"] for s in imported["skipped"]} == {"fax@firma.de", "cti@firma.de"}
    again = c.post(f"{A}/gateways/{gw['id']}/import-lines", headers=h).json()
    assert again["created"] == []
    derived = c.post(f"{A}/dialing-parameters/{dp['id']}/derive-internal-length", headers=h)
    assert derived.json() == {
        "internal_number_length": 4,
        "extensions_considered": ["7701", "771", "7770"],
    }
    explained = c.get(
        f"{A}/dialing-parameters/{dp['id']}/explain",
        params={"number": "7770", "context": "dial"},
        headers=h,
    ).json()
    assert explained["result"] == "7770"
    assert any(step["rule"] == "known extension" for step in explained["steps"])

    anna_line = next(x for x in imported["created"] if x["extension"] == "771")
    user = c.post(
        f"{A}/users",
        json={
            "username": "anna",
            "display_name": "Anna Schmidt",
            "password": secrets[3],
            "line_ids": [anna_line["id"]],
            "mobile_number": "0170 1234567",
        },
        headers=h,
    )
    seen.append(user)
    assert user.json()["line_ids"] == [anna_line["id"]]
    assert user.json()["mobile_number"] == "+491701234567"
    line = c.get(f"{A}/lines/{anna_line['id']}", headers=h).json()
    assert line["user_id"] == user.json()["id"]
    assert line["state"] == "needs_user_auth"
    assert "credentials" in line["state_reason"]
    assert line["parameters"] == {"BSVoiceMailNumber": "*86"}

    log = c.get(f"{A}/gateways/{gw['id']}/log", params={"direction": "in"}, headers=h).json()
    assert [entry["seq"] for entry in log] == [2]
    assert log[0]["at"].endswith("Z")

    seen.extend(_everything(site))
    for response in seen:
        for secret in secrets:
            assert secret not in response.text


def test_deleting_what_is_in_use_is_a_conflict(site: Site, ids: dict[str, str]) -> None:
    response = site.client.delete(f"{A}/dialing-parameters/{ids['dp']}", headers=site.admin)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/conflict"
    taken = site.client.post(f"{A}/locations", json={"name": "Berlin"}, headers=site.admin)
    assert taken.status_code == 409


def test_a_line_delete_and_a_grant_round_trip(site: Site, ids: dict[str, str]) -> None:
    c, h = site.client, site.admin
    grant = {"viewer_id": ids["user"], "subject_id": ids["user"]}
    assert c.post(f"{A}/grants", json=grant, headers=h).status_code == 201
    assert grant in c.get(f"{A}/grants", headers=h).json()
    path = f"{A}/grants/{ids['user']}/{ids['user']}"
    assert c.delete(path, headers=h).status_code == 204
    assert c.delete(path, headers=h).status_code == 404
    team = c.patch(f"{A}/teams/{ids['team']}", json={"member_ids": [ids["user"]]}, headers=h)
    assert team.json()["member_ids"] == [ids["user"]]
    cleared = c.delete(f"{A}/users/{ids['user']}/pbx-credentials", headers=h)
    assert cleared.status_code == 204
