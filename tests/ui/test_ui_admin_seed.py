"""The seed chapter walked in a real browser on a fresh installation: dialing parameters from
the preset, the gateway with a wrong then the right monitoring password ("Verbindung
prüfen"), line import, deriving the internal number length, a line given to a user, the
voicemail number of a location, the live PBX log, and English and back."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from cloudcti.sim import scenarios
from tests.ui.admin_rig import Fresh, fresh_installation, log_in

MONITOR = f"{scenarios.MONITOR_LOGIN[0]}@{scenarios.DOMAIN}"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fresh]:
    with fresh_installation(tmp_path_factory.mktemp("admin-seed")) as installation:
        yield installation


def shot(page: Page, artifacts: Path, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(artifacts / f"admin-{name}.png"), full_page=full_page)


def test_an_admin_follows_the_seed_chapter(fresh: Fresh, page: Page, artifacts_dir: Path) -> None:
    log_in(page, fresh.url)

    # Wahlparameter from the preset: no outside-line prefix, E.164.
    page.get_by_role("link", name="Wahlparameter").first.click()
    page.get_by_role("link", name="Neue Wahlparameter").click()
    expect(page.get_by_label("Vorwahl für Amt")).to_have_value("")
    expect(page.get_by_label("Interne Rufnummernlänge")).to_have_value("4")
    page.get_by_label("Name", exact=True).fill("München")
    page.get_by_label("Ortsnetzkennzahl").fill("89")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".flash")).to_have_text("Gespeichert.")
    dialing_url = page.url.split("?")[0]

    # The gateway with a wrong monitoring password: the test names authentication on top.
    page.get_by_role("link", name="Festnetz-Gateways").click()
    page.get_by_role("link", name="Neues Festnetz-Gateway").click()
    page.get_by_label("Name", exact=True).fill("Musterfirma Cloud PBX")
    expect(page.get_by_label("Wahlparameter")).to_have_value(re.compile(".+"))
    page.get_by_label("Xsi-URLs").fill(fresh.sim.urls[0])
    expect(page.get_by_label("Proxy-URL")).to_be_hidden()
    page.get_by_role("link", name="Proxy-Einstellungen").click()  # R2: the proxy settings
    expect(page.get_by_label("Proxy-URL")).to_be_focused()
    page.get_by_label("Benutzername (Monitoring-Benutzer)").fill(MONITOR)
    page.get_by_label("Passwort (Monitoring-Benutzer)").fill("Falsches-Passwort-1")
    page.get_by_role("button", name="Verbindung prüfen").click()
    top = page.locator("#system-message")
    expect(top).to_be_visible()
    expect(top).to_contain_text("Authentifizierung")
    expect(page.locator("#check-result")).to_contain_text("fehlgeschlagen")
    failed = page.locator("#check-list li.failed details").first
    expect(failed.locator("summary")).to_have_text("✗ Authentifizierung")
    expect(failed.locator("p")).to_contain_text("401")  # the expanded detail: the PBX's reason
    expect(page.locator("#check-list li.ok")).to_have_count(4)  # url, dns, tcp_tls, proxy
    shot(page, artifacts_dir, "gateway-check-failed")

    page.get_by_label("Passwort (Monitoring-Benutzer)").fill(scenarios.MONITOR_PASSWORD)
    page.get_by_role("button", name="Verbindung prüfen").click()
    expect(page.locator("#check-result")).to_have_text("✓ Verbindung in Ordnung")
    expect(top).to_be_hidden()
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".flash")).to_have_text("Gespeichert.")
    password = page.get_by_label("Passwort (Monitoring-Benutzer)")
    expect(password).to_have_value("")
    expect(password).to_have_attribute("placeholder", "unverändert")
    gateway_url = page.url.split("?")[0]

    page.get_by_role("link", name="Festnetz-Gateways").click()
    expect(page.get_by_role("cell", name=re.compile("verbunden"))).to_be_visible(timeout=15_000)
    shot(page, artifacts_dir, "gateways")

    # Leitungen aus der Cloud PBX importieren.
    page.get_by_role("link", name="Leitungen").click()
    page.get_by_role("button", name=re.compile("Aus der Cloud PBX importieren")).click()
    expect(page.locator(".flash")).to_have_text("5 Leitungen importiert, 1 übersprungen.")
    expect(page.locator("tr", has_text="7770")).to_contain_text("Ben")
    shot(page, artifacts_dir, "lines")

    # The internal number length derived from the lines' extensions (the seed's example: 4).
    page.goto(dialing_url)
    page.get_by_label("Interne Rufnummernlänge").fill("3")
    page.get_by_role("button", name="Aus den Leitungen ableiten").click()
    expect(page.get_by_label("Interne Rufnummernlänge")).to_have_value("4")
    expect(page.locator("#derive-result")).to_contain_text("7770")
    page.get_by_label("Nummer", exact=True).fill("7770")
    page.get_by_role("button", name="Testen", exact=True).click()
    expect(page.locator("#explain-result")).to_contain_text("Ergebnis: 7770")
    shot(page, artifacts_dir, "dialing")

    # A user with Anna's line (771).
    page.get_by_role("link", name="Benutzer").click()
    page.get_by_role("link", name="Neuer Benutzer").click()
    page.get_by_label("Benutzername", exact=True).fill("anna")
    page.get_by_label("Anzeigename").fill("Anna Schmidt")
    page.get_by_label("Passwort", exact=True).fill("Anna-Passw0rd-1")
    page.get_by_label(re.compile(r"^771 ")).check()
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".flash")).to_have_text("Gespeichert.")
    expect(page.get_by_label(re.compile(r"^771 "))).to_be_checked()
    expect(page.locator(".pbx-state")).to_contain_text("fehlt")
    page.get_by_role("link", name="Leitungen").click()
    expect(page.locator("tr", has_text="+4989887766771")).to_contain_text("Anna Schmidt")
    expect(page.locator("tr", has_text="+4989887766771")).to_contain_text("Benutzeranmeldung fehlt")

    # A location with Telephony.VoiceMailNumber.
    page.get_by_role("link", name="Standorte").click()
    page.get_by_role("link", name="Neuer Standort").click()
    page.get_by_label("Name", exact=True).fill("München")
    page.get_by_label("Telephony.VoiceMailNumber").fill("*86")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("tr", has_text="München")).to_contain_text("*86")

    # A call on the simulator shows in the PBX log within 2 s.
    page.goto(gateway_url + "/log")
    expect(page.locator("#log-rows tr").first).to_be_visible()
    with httpx.Client(base_url=fresh.sim.urls[0], timeout=10) as sim:
        started = time.monotonic()
        response = sim.post("/sim/v1/calls", json={"from": "+4930224455", "to": "771"})
        assert response.status_code in (200, 201), response.text
    expect(page.locator("#log-rows")).to_contain_text("CallReceivedEvent", timeout=2_000)
    assert time.monotonic() - started < 2.5
    assert scenarios.MONITOR_PASSWORD not in page.content()
    shot(page, artifacts_dir, "log", full_page=False)

    # English and back; the choice is stored with the admin.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name=re.compile("^PBX log"))).to_be_visible()
    page.get_by_role("link", name="Lines").click()
    expect(page.get_by_role("heading", name="Lines")).to_be_visible()
    page.get_by_role("button", name="Deutsch").click()
    expect(page.get_by_role("heading", name="Leitungen")).to_be_visible()


def test_a_failed_import_says_why_at_the_top(fresh: Fresh, page: Page) -> None:
    """After the walk (lines exist): the PBX answering 503 makes the import fail visibly."""
    log_in(page, fresh.url)
    page.get_by_role("link", name="Leitungen").click()
    with httpx.Client(base_url=fresh.sim.urls[0], timeout=10) as sim:
        fault = sim.post("/sim/v1/faults", json={"kind": "http_errors", "seconds": 5})
        assert fault.status_code in (200, 201, 204), fault.text
        try:
            page.get_by_role("button", name=re.compile("Aus der Cloud PBX importieren")).click()
            top = page.locator("#system-message")
            expect(top).to_be_visible()
            expect(top).to_contain_text("Import fehlgeschlagen")
            expect(page.locator("tbody tr")).to_have_count(5)  # the lines are still listed
        finally:
            sim.delete("/sim/v1/faults")
