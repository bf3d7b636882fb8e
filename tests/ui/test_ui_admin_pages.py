"""Every admin page in a real browser on the demo company: each form field has a label, the
gateway form works by keyboard alone, lines, users (clearing the Cloud PBX login), rights,
and the login page in the browser's language. Screenshots of each page go to the artifacts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from tests.e2e.e2e_rig import Site, demo_site
from tests.ui.admin_rig import entered_off_loop, log_in
from tests.web.server import login

ADMIN_PASSWORD = "Demo-Admin-Passw0rd"

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter((el) => el.type !== 'hidden' && !el.closest('template'))
  .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
  .map((el) => el.outerHTML)"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with entered_off_loop(demo_site(tmp_path_factory.mktemp("admin-pages"))) as running:
        yield running


@pytest.fixture(scope="module")
def admin(site: Site) -> dict[str, str]:
    return login(site.api, "admin", ADMIN_PASSWORD)


def _ids(site: Site, admin: dict[str, str], what: str) -> list[str]:
    return [x["id"] for x in site.api.get(f"/api/v1/admin/{what}", headers=admin).json()]


def test_every_page_labels_every_field(
    site: Site, admin: dict[str, str], page: Page, artifacts_dir: Path
) -> None:
    site.api.post("/api/v1/admin/locations", json={"name": "Zentrale"}, headers=admin)
    gateway = _ids(site, admin, "gateways")[0]
    dialing = _ids(site, admin, "dialing-parameters")[0]
    line = _ids(site, admin, "lines")[0]
    user = _ids(site, admin, "users")[0]
    location = _ids(site, admin, "locations")[0]
    pages = {
        "gateways-demo": "/admin/gateways",
        "gateway": f"/admin/gateways/{gateway}",
        "gateway-new": "/admin/gateways/new",
        "log-demo": f"/admin/gateways/{gateway}/log",
        "dialing-list": "/admin/dialing",
        "dialing-form": f"/admin/dialing/{dialing}",
        "dialing-new": "/admin/dialing/new",
        "lines-demo": "/admin/lines",
        "line": f"/admin/lines/{line}",
        "users": "/admin/users",
        "user": f"/admin/users/{user}",
        "user-new": "/admin/users/new",
        "locations": "/admin/locations",
        "location": f"/admin/locations/{location}",
        "location-new": "/admin/locations/new",
        "rights": "/admin/rights",
    }
    page.goto(f"{site.url}/admin/login")
    assert page.evaluate(UNLABELLED) == []
    page.screenshot(path=str(artifacts_dir / "admin-login.png"))
    log_in(page, site.url, "admin", ADMIN_PASSWORD)
    for name, path in pages.items():
        response = page.goto(site.url + path)
        assert response is not None
        assert response.status == 200, path
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate(UNLABELLED) == [], path
        page.screenshot(path=str(artifacts_dir / f"admin-{name}.png"))


def test_the_gateway_form_works_by_keyboard_alone(
    site: Site, admin: dict[str, str], page: Page
) -> None:
    gateway = _ids(site, admin, "gateways")[0]
    log_in(page, site.url, "admin", ADMIN_PASSWORD)
    page.goto(f"{site.url}/admin/gateways/{gateway}")

    def tab_to(selector: str) -> None:
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("#f-name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Musterfirma per Tastatur")
    tab_to("#check-button")
    page.keyboard.press("Enter")
    expect(page.locator("#check-result")).to_have_text("✓ Verbindung in Ordnung", timeout=15_000)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Speichern"
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_have_text("Gespeichert.")
    name = site.api.get(f"/api/v1/admin/gateways/{gateway}", headers=admin).json()["name"]
    assert name == "Musterfirma per Tastatur"


def test_a_line_parameter_and_a_user_s_pbx_login_are_edited(
    site: Site, admin: dict[str, str], page: Page
) -> None:
    lines = site.api.get("/api/v1/admin/lines", headers=admin).json()
    eva = next(x for x in lines if x["extension"] == "7703")
    log_in(page, site.url, "admin", ADMIN_PASSWORD)
    page.goto(f"{site.url}/admin/lines/{eva['id']}")
    expect(page.get_by_label("BSVoiceMailNumber")).to_have_value("*86")
    page.get_by_label("BSVoiceMailNumber").fill("")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".flash")).to_have_text("Gespeichert.")
    stored = site.api.get(f"/api/v1/admin/lines/{eva['id']}", headers=admin).json()
    assert stored["parameters"]["BSVoiceMailNumber"] == ""

    users = site.api.get("/api/v1/admin/users", headers=admin).json()
    anna = next(u for u in users if u["username"] == "anna.schmidt")
    assert anna["pbx_credentials"]["state"] == "valid"
    page.goto(f"{site.url}/admin/users/{anna['id']}")
    expect(page.locator(".pbx-state")).to_contain_text("gültig")
    page.get_by_role("button", name="Anmeldedaten zurücksetzen").click()
    expect(page.locator(".flash")).to_contain_text("gelöscht")
    expect(page.locator(".pbx-state")).to_contain_text("fehlt")
    after = site.api.get(f"/api/v1/admin/users/{anna['id']}", headers=admin).json()
    assert after["pbx_credentials"]["state"] == "missing"
    page.goto(f"{site.url}/admin/lines")
    expect(page.locator("tr", has_text="+4989887766771")).to_contain_text("Benutzeranmeldung fehlt")


def test_teams_and_grants_decide_who_sees_forwarding_targets(
    site: Site, admin: dict[str, str], page: Page
) -> None:
    log_in(page, site.url, "admin", ADMIN_PASSWORD)
    page.goto(f"{site.url}/admin/rights")
    form = page.locator("form.new-team")
    form.get_by_label("Teamname").fill("Vertrieb")
    form.get_by_label("Anna Schmidt").check()
    form.get_by_label("Ben Müller").check()
    form.get_by_role("button", name="Team anlegen").click()
    expect(page.locator("details.team summary")).to_have_text("Vertrieb: Anna Schmidt, Ben Müller")
    page.get_by_label("Betrachter").select_option(label="Clara Weber")
    page.get_by_label("sieht Umleitungsziel von").select_option(label="David Fischer")
    page.get_by_role("button", name="Freigeben").click()
    expect(page.locator("tr", has_text="Clara Weber")).to_contain_text("David Fischer")
    teams = site.api.get("/api/v1/admin/teams", headers=admin)
    assert [t["name"] for t in teams.json()] == ["Vertrieb"]


def test_the_login_page_speaks_the_browser_s_language(site: Site, browser: Browser) -> None:
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{site.url}/admin/login")
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert").filter(has_text=re.compile("Wrong"))).to_be_visible()
    finally:
        context.close()
    with httpx.Client(base_url=site.url) as client:
        german = client.get("/admin/login", headers={"Accept-Language": "fr, de;q=0.5"})
    assert "<h1>Anmelden</h1>" in german.text


def test_invalid_fields_are_shown_at_the_fields(
    site: Site, admin: dict[str, str], page: Page
) -> None:
    log_in(page, site.url, "admin", ADMIN_PASSWORD)
    page.goto(f"{site.url}/admin/gateways/new")
    page.get_by_label("Name", exact=True).fill("Zweites Gateway")
    page.get_by_label("Xsi-URLs").fill("ftp://pbx.example")
    page.get_by_label("Benutzername (Monitoring-Benutzer)").fill("x@example.de")
    page.get_by_label("Passwort (Monitoring-Benutzer)").fill("Getippt-Passw0rd")
    page.get_by_role("button", name="Speichern").click()
    urls = page.get_by_label("Xsi-URLs")
    expect(urls).to_have_value("ftp://pbx.example")  # what was typed stays …
    expect(page.get_by_label("Passwort (Monitoring-Benutzer)")).to_have_value(
        ""
    )  # … but no password
    expect(page.locator(".field.invalid")).to_have_count(1)
    expect(page.locator(".field.invalid")).to_contain_text(
        "Muss eine http://- oder https://-Adresse mit Hostnamen sein."
    )
    expect(urls).to_have_attribute("aria-invalid", "true")
    assert "Getippt-Passw0rd" not in page.content()
    names = [g["name"] for g in site.api.get("/api/v1/admin/gateways", headers=admin).json()]
    assert "Zweites Gateway" not in names


def test_deleting_asks_first(site: Site, admin: dict[str, str], page: Page) -> None:
    created = site.api.post("/api/v1/admin/locations", json={"name": "Filiale"}, headers=admin)
    location = created.json()["id"]
    log_in(page, site.url, "admin", ADMIN_PASSWORD)
    page.goto(f"{site.url}/admin/locations/{location}")
    questions: list[str] = []

    def answer(dialog: Dialog, accept: bool) -> None:
        questions.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.get_by_role("button", name="Löschen").click()
    expect(page.get_by_role("heading", name="Filiale")).to_be_visible()
    assert site.api.get(f"/api/v1/admin/locations/{location}", headers=admin).status_code == 200
    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.get_by_role("button", name="Löschen").click()
    expect(page.locator(".flash")).to_have_text("Gelöscht.")
    assert site.api.get(f"/api/v1/admin/locations/{location}", headers=admin).status_code == 404
    assert questions == ["Wirklich löschen? Das lässt sich nicht rückgängig machen."] * 2


def test_the_pbx_log_filters_pauses_and_downloads(
    site: Site, admin: dict[str, str], page: Page, tmp_path: Path
) -> None:
    gateway = _ids(site, admin, "gateways")[0]
    log_in(page, site.url, "admin", ADMIN_PASSWORD)
    page.goto(f"{site.url}/admin/gateways/{gateway}/log")
    rows = page.locator("#log-rows tr")
    expect(rows.first).to_be_visible()
    page.get_by_label("Richtung").select_option("state")
    expect(rows.first).to_contain_text("gateway connected")
    for text in rows.all_inner_texts():
        assert "●" in text, text  # only state entries

    page.get_by_role("button", name="Anhalten").click()
    expect(page.get_by_role("button", name="Fortsetzen")).to_be_visible()
    expect(page.locator("#log-status")).to_have_text("angehalten")
    page.get_by_label("Richtung").select_option("in")  # a new filter: the rows start over …
    site.sim_call("+4930224455", "7702")
    page.wait_for_timeout(1_500)
    expect(rows).to_have_count(0)  # … but nothing is fetched while paused
    page.get_by_role("button", name="Fortsetzen").click()
    expect(page.locator("#log-rows")).to_contain_text("CallReceivedEvent", timeout=3_000)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Als Datei herunterladen").click()
    download = download_info.value
    assert download.suggested_filename.startswith("pbx-log-")
    target = tmp_path / "log.txt"
    download.save_as(target)
    text = target.read_text()
    assert "CallReceivedEvent" in text
    assert "\tin\t" in text
    assert "\tout\t" not in text  # the page's direction filter applies to the file
    assert site.company is not None
    assert site.company.monitoring_password not in text


def test_a_rejected_monitoring_password_warns_on_the_gateway_list(
    site: Site, admin: dict[str, str], page: Page
) -> None:
    """Last in the module: the demo gateway is broken and then repaired."""
    gateway = _ids(site, admin, "gateways")[0]
    url = f"/api/v1/admin/gateways/{gateway}"
    assert site.company is not None
    site.api.patch(url, json={"monitoring": {"password": "Geaendert-1"}}, headers=admin)
    try:
        log_in(page, site.url, "admin", ADMIN_PASSWORD)
        row = page.locator("tbody tr").first
        for _ in range(50):
            if "Anmeldung abgelehnt" in row.inner_text():
                break
            page.wait_for_timeout(200)
            page.reload()
        expect(row).to_contain_text("Anmeldung abgelehnt")
        expect(row.locator(".warning")).to_contain_text("funktioniert keine Leitung mehr")
    finally:
        password = site.company.monitoring_password
        site.api.patch(url, json={"monitoring": {"password": password}}, headers=admin)
