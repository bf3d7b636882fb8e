"""The web client's login and first start (R18): the credentials dialog for a person without a
stored Cloud PBX login, the PBX's reason for wrong ones, the portal link, then the line in
service; German by default, English switchable and kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.e2e_rig import EVA, Site
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
