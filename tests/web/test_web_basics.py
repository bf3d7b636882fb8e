"""Health, login, tokens, cookies, rate limiting, problem+json for malformed requests."""

from __future__ import annotations

import httpx

from tests.web.conftest import Site
from tests.web.server import ADMIN_PASSWORD


def test_healthz_and_readyz_need_no_login(site: Site) -> None:
    assert site.client.get("/healthz").json() == {"status": "ok"}
    ready = site.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    assert ready.json()["database"] == "reachable"


def test_login_gives_a_bearer_token_and_an_httponly_cookie(site: Site) -> None:
    response = site.client.post(
        "/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["expires_at"].endswith("Z")
    cookie = response.headers["set-cookie"]
    assert "cloudcti_token=" + body["token"] in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    site.client.cookies.clear()
    with httpx.Client(base_url=site.url, cookies={"cloudcti_token": body["token"]}) as browser:
        assert browser.get("/api/v1/users/me").json()["username"] == "admin"
    me = site.client.get("/api/v1/users/me", headers={"Authorization": "Bearer " + body["token"]})
    assert me.json()["role"] == "admin"
    assert me.json()["pbx_credentials"] == {"state": "missing", "failed_attempts": 0}


def test_logout_revokes_the_token(site: Site) -> None:
    response = site.client.post(
        "/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    site.client.cookies.clear()
    headers = {"Authorization": "Bearer " + response.json()["token"]}
    assert site.client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert site.client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_wrong_credentials_are_401_problems(site: Site) -> None:
    response = site.client.post(
        "/api/v1/auth/token", json={"username": "admin", "password": "wrong-password"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/not-authenticated"
    bad_token = site.client.get("/api/v1/users/me", headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401
    assert bad_token.headers["www-authenticate"] == "Bearer"


def test_failed_logins_are_rate_limited_per_username(site: Site) -> None:
    for _ in range(3):
        response = site.client.post(
            "/api/v1/auth/token", json={"username": "mallory", "password": "guess-guess"}
        )
        assert response.status_code == 401
    blocked = site.client.post(
        "/api/v1/auth/token", json={"username": "mallory", "password": "guess-guess"}
    )
    assert blocked.status_code == 429
    assert blocked.json()["type"] == "/problems/too-many-attempts"
    assert int(blocked.headers["retry-after"]) > 0


def test_malformed_json_is_400(site: Site) -> None:
    response = site.client.post(
        "/api/v1/admin/locations",
        content=b'{"name": ',
        headers={**site.admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/malformed-json"


def test_unknown_ids_and_routes_are_404_problems(site: Site) -> None:
    response = site.client.get("/api/v1/admin/gateways/nope", headers=site.admin)
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
    assert site.client.get("/api/v1/nothing-here").json()["status"] == 404


def test_openapi_documents_schemas_examples_and_security(site: Site) -> None:
    document = site.client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert {"GatewayIn", "GatewayOut", "LineOut", "UserIn", "TeamIn", "Problem"} <= set(schemas)
    assert schemas["GatewayIn"]["examples"]
    assert schemas["MonitoringIn"]["properties"]["password"]["writeOnly"] is True
    assert "HTTPBearer" in document["components"]["securitySchemes"]
