"""The web client's login and first start (R18): the credentials dialog for a person without a
stored Cloud PBX login, the PBX's reason for wrong ones, the portal link, then the line in
service; German by default, English switchable and kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.e2e_rig import DAVID, EVA, Site, until
from tests.ui.client_pages import DEMO_PASSWORD, client_site, open_client


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data_dir = Path(tmp_path_factory.mktemp("ui-login"))
    with client_site(data_dir, without_pbx_login=("eva.wagner",)) as s:
        yield s


def test_wrong_password_stays_on_the_login_screen(page: Page, site: Site) -> None:
    page.goto(site.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_label("Benutzername").fill("anna.schmidt")
    page.get_by_label("Kennwort").fill("falsch")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_contain_text("Anmeldung fehlgeschlagen")
    expect(page.locator("#user-name")).to_have_count(0)


def test_first_start_asks_for_the_pbx_login_and_stores_only_what_the_pbx_accepts(
    context: BrowserContext, site: Site
) -> None:
    page = open_client(context, site, "eva.wagner")
    dialog = page.locator("#creds-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("dieselben wie für das Cloud-PBX-Portal")
    reset = dialog.get_by_role("link", name="Kennwort zurücksetzen")
    expect(reset).to_have_attribute("href", "https://cpbx-hilfe.deutschland-lan.de/")

    dialog.get_by_label("Benutzername der Cloud PBX").fill(EVA)
    dialog.get_by_label("Kennwort der Cloud PBX").fill("wrong-password")
    dialog.get_by_role("button", name="Speichern").click()
    expect(dialog.get_by_role("alert")).to_contain_text("the Cloud PBX rejected these credentials")
    expect(dialog).to_be_visible()
    me = site.api.get("/api/v1/users/me", headers=site.headers["eva.wagner"]).json()
    assert me["pbx_credentials"]["state"] == "missing"

    dialog.get_by_label("Kennwort der Cloud PBX").fill(DEMO_PASSWORD)
    dialog.get_by_role("button", name="Speichern").click()
    expect(dialog).to_have_count(0)
    me = site.api.get("/api/v1/users/me", headers=site.headers["eva.wagner"]).json()
    assert me["pbx_credentials"]["state"] == "valid"
    page.reload()
    expect(page.locator("#user-name")).to_have_text("Eva Wagner")
    expect(page.locator("#creds-dialog")).to_have_count(0)


def test_a_person_with_a_stored_login_is_not_asked(context: BrowserContext, site: Site) -> None:
    page = open_client(context, site, "anna.schmidt")
    expect(page.locator("#line-state")).to_contain_text("771")
    expect(page.locator("#creds-dialog")).to_have_count(0)


def test_english_is_switchable_and_kept_for_the_next_login(
    context: BrowserContext, site: Site
) -> None:
    page = open_client(context, site, "ben.mueller")
    page.locator("#language").select_option("en")
    expect(page.locator("#logout")).to_have_text("Log out")
    expect(page.locator("#tab-journal")).to_have_text("Journal")
    page.locator("#logout").click()
    expect(page.get_by_role("button", name="Anmelden")).to_be_visible()
    page.get_by_label("Benutzername").fill("ben.mueller")
    page.get_by_label("Kennwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#logout")).to_have_text("Log out")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    me = site.api.get("/api/v1/users/me", headers=site.headers["ben.mueller"]).json()
    assert me["language"] == "en"


def test_after_three_rejected_implicit_logins_the_client_asks_again_by_itself(
    context: BrowserContext, site: Site
) -> None:
    token = site.api.post(
        "/api/v1/auth/token", json={"username": "admin", "password": "Demo-Admin-Passw0rd"}
    ).json()["token"]
    admin = {"Authorization": f"Bearer {token}"}
    line_id = site.api.get("/api/v1/users/me", headers=site.headers["david.fischer"]).json()[
        "lines"
    ][0]["id"]
    page = open_client(context, site, "david.fischer")
    changed = site.sim.patch(f"/sim/v1/users/{DAVID}", json={"password": "Portal-Neu-1"})
    assert changed.status_code < 300, changed.text

    def restart_line(attempt: int) -> None:  # each start of the line: one implicit check (R16)
        for disabled in (True, False):
            response = site.api.patch(
                f"/api/v1/admin/lines/{line_id}", headers=admin, json={"disabled": disabled}
            )
            assert response.status_code == 200, response.text
        until(  # a restart while a check runs joins it: wait until this one is counted
            f"implicit check {attempt} counted",
            lambda: site.api.get("/api/v1/users/me", headers=site.headers["david.fischer"]),
            lambda r: r.json()["pbx_credentials"]["failed_attempts"] >= attempt,
        )

    restart_line(1)
    expect(page.locator(".banner", has_text="abgelehnt")).to_be_visible()
    expect(page.locator("#creds-dialog")).to_have_count(0)
    restart_line(2)
    restart_line(3)
    dialog = page.locator("#creds-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("dreimal abgelehnt")
    me = site.api.get("/api/v1/users/me", headers=site.headers["david.fischer"]).json()
    assert me["pbx_credentials"] == {"state": "suspended", "failed_attempts": 3}

    dialog.get_by_label("Benutzername der Cloud PBX").fill(DAVID)
    dialog.get_by_label("Kennwort der Cloud PBX").fill("Portal-Neu-1")
    dialog.get_by_role("button", name="Speichern").click()
    expect(dialog).to_have_count(0)
    expect(page.locator(".banner", has_text="abgelehnt")).to_have_count(0)
    me = site.api.get("/api/v1/users/me", headers=site.headers["david.fischer"]).json()
    assert me["pbx_credentials"]["state"] == "valid"


def test_a_session_ended_elsewhere_leads_back_to_the_login(
    context: BrowserContext, site: Site
) -> None:
    page = open_client(context, site, "clara.weber")
    token = next(c["value"] for c in context.cookies() if c["name"] == "cloudcti_token")
    response = site.api.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 204, response.text
    page.locator("#tab-forwarding").click()
    page.locator("#fwd-dnd").click()  # the next request finds the session gone
    expect(page.get_by_role("button", name="Anmelden")).to_be_visible()
    expect(page.locator("#user-name")).to_have_count(0)
