"""The admin pages' and the API's web security over real HTTP: login only for admins, the
CSRF token on every form and on cookie-authenticated API writes, security headers, no open
redirect, no secret in a page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.e2e_rig import Site, demo_site
from tests.ui.admin_rig import entered_off_loop
from tests.web.server import login

ADMIN_PASSWORD = "Demo-Admin-Passw0rd"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with entered_off_loop(demo_site(tmp_path_factory.mktemp("admin-security"))) as running:
        yield running


@pytest.fixture(scope="module")
def admin(site: Site) -> dict[str, str]:
    """The admin's Authorization header (the API as a script uses it)."""
    return login(site.api, "admin", ADMIN_PASSWORD)


@pytest.fixture
def browser_client(site: Site) -> Iterator[httpx.Client]:
    """A client logged in through ``/admin/login`` (cookies as a browser keeps them)."""
    with httpx.Client(base_url=site.url, timeout=15) as client:
        response = admin_login(client)
        assert response.status_code == 303, response.text
        yield client


def admin_login(
    client: httpx.Client, username: str = "admin", password: str = ADMIN_PASSWORD, **extra: str
) -> httpx.Response:
    """Log in as a browser does: load the form (its token), then post it."""
    token = _csrf_field(client.get("/admin/login").text)
    data = {"username": username, "password": password, "csrf": token, **extra}
    return client.post("/admin/login", data=data)


def _csrf_field(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def test_the_login_sets_an_httponly_session_and_a_readable_csrf_cookie(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=15) as client:
        response = admin_login(client, next="/admin/users")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users"
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("cloudcti_token="))
    csrf = next(c for c in cookies if c.startswith("cloudcti_csrf="))
    assert "HttpOnly" in session
    assert "SameSite=lax" in session
    assert "HttpOnly" not in csrf
    assert "SameSite=lax" in csrf


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/api/v1/x"])
def test_the_login_never_redirects_off_the_admin_pages(site: Site, target: str) -> None:
    with httpx.Client(base_url=site.url, timeout=15) as client:
        response = admin_login(client, next=target)
    assert response.headers["location"] == "/admin/gateways"


def test_wrong_password_and_non_admins_stay_on_the_login_page(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=15) as client:
        wrong = admin_login(client, password="nope-nope")
        assert wrong.status_code == 401
        assert "Benutzername oder Passwort ist falsch." in wrong.text
        user = admin_login(client, "anna.schmidt", "Demo-Passw0rd")
        assert user.status_code == 401
        assert "nur mit der Rolle Administrator" in user.text
        assert "cloudcti_token" not in client.cookies
        page = client.get("/admin/gateways")
        assert page.status_code == 303
        assert page.headers["location"] == "/admin/login?next=/admin/gateways"


def test_a_login_form_from_elsewhere_is_refused(site: Site) -> None:
    """Login CSRF: a post without the token of a form this browser loaded logs nobody in."""
    with httpx.Client(base_url=site.url, timeout=15) as client:
        for data in (
            {"username": "admin", "password": ADMIN_PASSWORD},
            {"username": "admin", "password": ADMIN_PASSWORD, "csrf": "guessed"},
        ):
            response = client.post("/admin/login", data=data)
            assert response.status_code == 400
            assert "Anmeldeformular war abgelaufen" in response.text
            assert "cloudcti_token" not in client.cookies
        cookie = client.cookies["cloudcti_login_csrf"]
        assert _csrf_field(response.text) == cookie  # a fresh form to try again
        done = client.post(
            "/admin/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf": cookie}
        )
        assert done.status_code == 303


def test_a_user_logged_in_through_the_api_gets_403_on_the_admin_pages(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=15) as client:
        client.post(
            "/api/v1/auth/token", json={"username": "anna.schmidt", "password": "Demo-Passw0rd"}
        )
        page = client.get("/admin/users")
    assert page.status_code == 403
    assert "nur mit der Rolle Administrator" in page.text


def test_a_form_without_the_csrf_token_changes_nothing(
    site: Site, admin: dict[str, str], browser_client: httpx.Client
) -> None:
    before = site.api.get("/api/v1/admin/locations", headers=admin).json()
    for data in ({"name": "Berlin"}, {"name": "Berlin", "csrf": "forged"}):
        response = browser_client.post("/admin/locations/new", data=data)
        assert response.status_code == 403
        assert "Formular ist abgelaufen" in response.text
    after = site.api.get("/api/v1/admin/locations", headers=admin).json()
    assert after == before
    page = browser_client.get("/admin/locations/new")
    token = _csrf_field(page.text)
    assert token == browser_client.cookies["cloudcti_csrf"]
    response = browser_client.post(
        "/admin/locations/new",
        data={
            "csrf": token,
            "name": "Berlin",
            "voicemail_number": "*86",
            "journal_retention_days": "30",
        },
    )
    assert response.status_code == 303
    names = [x["name"] for x in site.api.get("/api/v1/admin/locations", headers=admin).json()]
    assert "Berlin" in names


def test_cookie_authenticated_api_writes_need_the_csrf_header(
    site: Site, admin: dict[str, str], browser_client: httpx.Client
) -> None:
    token = browser_client.cookies["cloudcti_csrf"]
    body = {"name": "Hamburg"}
    refused = browser_client.post("/api/v1/admin/locations", json=body)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "X-CSRF-Token" in refused.json()["detail"]
    wrong = browser_client.post(
        "/api/v1/admin/locations", json=body, headers={"X-CSRF-Token": token[:-2] + "xx"}
    )
    assert wrong.status_code == 403
    done = browser_client.post(
        "/api/v1/admin/locations", json=body, headers={"X-CSRF-Token": token}
    )
    assert done.status_code == 201
    assert browser_client.get("/api/v1/admin/locations").status_code == 200  # reads need none
    # A bearer token is no ambient authority: no CSRF header needed.
    bearer = site.api.post("/api/v1/admin/locations", json={"name": "Köln"}, headers=admin)
    assert bearer.status_code == 201


def test_every_admin_page_sends_the_security_headers(browser_client: httpx.Client) -> None:
    for path in (
        "/admin/login",
        "/admin/gateways",
        "/admin/lines",
        "/admin/users",
        "/admin/rights",
    ):
        response = browser_client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "<script>" not in response.text
        assert " on" + "click=" not in response.text
    script = browser_client.get("/admin/static/gateway.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


def test_no_page_shows_a_stored_password(
    site: Site, admin: dict[str, str], browser_client: httpx.Client
) -> None:
    gateway = site.api.get("/api/v1/admin/gateways", headers=admin).json()[0]
    page = browser_client.get(f"/admin/gateways/{gateway['id']}")
    assert page.status_code == 200
    assert site.company is not None
    assert site.company.monitoring_password not in page.text
    assert 'placeholder="unverändert"' in page.text
    users = browser_client.get("/admin/users").text
    assert "Demo-Passw0rd" not in users
    assert ADMIN_PASSWORD not in users


def test_unknown_ids_are_404_pages_and_logout_ends_the_session(
    browser_client: httpx.Client,
) -> None:
    missing = browser_client.get("/admin/gateways/no-such-gateway")
    assert missing.status_code == 404
    assert "Nicht gefunden" in missing.text
    api_missing = browser_client.get("/api/v1/admin/gateways/no-such-gateway")
    assert api_missing.headers["content-type"] == "application/problem+json"
    token = _csrf_field(browser_client.get("/admin/users").text)
    out = browser_client.post("/admin/logout", data={"csrf": token})
    assert out.status_code == 303
    assert browser_client.get("/admin/users").status_code == 303
