"""Forwarding in the web client (R9, R11, R14) and contacts with presence (R13), on the
simulated PBX: the voicemail switch sets the PBX, *21/#21 on the phone flip it on screen,
forwarding always needs a destination, DND is told apart in words, and a colleague's
forwarding target shows for a teammate and is hidden from someone without the right."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.e2e_rig import ANNA, BEN, Site, until
from tests.ui.client_pages import client_site, open_client


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with client_site(Path(tmp_path_factory.mktemp("ui-forwarding"))) as s:
        yield s


def _forwarding_tab(page: Page) -> None:
    page.locator("#tab-forwarding").click()
    expect(page.locator("#fwd-voicemail")).to_be_visible()


def _always_redirect_to_voicemail(site: Site, user: str) -> bool:
    response = site.sim.get(
        f"/com.broadsoft.xsi-actions/v2.0/user/{user}/services/VoiceMessaging",
        auth=(user, "Demo-Passw0rd"),
    )
    assert response.status_code == 200, response.text
    found = re.search(r"<alwaysRedirectToVoiceMail>(\w+)<", response.text)
    assert found, response.text
    return found.group(1) == "true"


def _forwarding(site: Site, person: str) -> dict[str, Any]:
    response = site.api.get("/api/v1/users/me/forwarding", headers=site.headers[person])
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _dial_on_phone(site: Site, user: str, digits: str) -> None:
    response = site.sim.post(f"/sim/v1/users/{user}/dial", json={"digits": digits})
    assert response.status_code < 300, response.text


def test_the_voicemail_switch_sets_the_pbx(context: BrowserContext, site: Site) -> None:
    page = open_client(context, site, "anna.schmidt")
    _forwarding_tab(page)
    switch = page.locator("#fwd-voicemail")
    expect(switch).not_to_be_checked()
    expect(page.locator(".fwd-voicemail .words")).to_contain_text("sofort auf Ihrer Mailbox")
    switch.click()
    until("VoiceMessaging on", lambda: _always_redirect_to_voicemail(site, ANNA), bool)
    expect(switch).to_be_checked()
    switch.click()
    until("VoiceMessaging off", lambda: _always_redirect_to_voicemail(site, ANNA), lambda v: not v)
    expect(switch).not_to_be_checked()


def test_star_21_on_the_phone_flips_the_switch_within_a_second(
    context: BrowserContext, site: Site
) -> None:
    page = open_client(context, site, "ben.mueller")
    _forwarding_tab(page)
    switch = page.locator("#fwd-voicemail")
    expect(switch).not_to_be_checked()
    started = time.monotonic()
    _dial_on_phone(site, BEN, "*21")
    expect(switch).to_be_checked(timeout=1000)
    assert time.monotonic() - started < 1.5
    _dial_on_phone(site, BEN, "#21")
    expect(switch).not_to_be_checked(timeout=1000)


def test_forwarding_always_needs_a_destination_and_dnd_is_explained(
    context: BrowserContext, site: Site
) -> None:
    page = open_client(context, site, "clara.weber")
    _forwarding_tab(page)
    page.locator("#fwd-always").click()
    expect(page.locator(".toast.error")).to_contain_text("Zielrufnummer")
    expect(page.locator("#fwd-always")).not_to_be_checked()

    page.locator("#fwd-always-destination").fill("030 111222")
    page.locator("#fwd-always").click()
    until(
        "forwarding always set on the PBX",
        lambda: _forwarding(site, "clara.weber")["always"],
        lambda always: always == {"enabled": True, "destination": "+4930111222"},
    )
    expect(page.locator("#fwd-always")).to_be_checked()
    expect(page.locator("#fwd-always-destination")).to_have_value("+4930111222")
    page.locator("#fwd-always").click()
    expect(page.locator("#fwd-always")).not_to_be_checked()

    expect(page.locator(".fwd-dnd .words")).to_contain_text("keine Mailbox")
    page.locator("#fwd-dnd").click()
    until("DND on", lambda: _forwarding(site, "clara.weber")["dnd"]["enabled"], bool)
    expect(page.locator("#fwd-dnd")).to_be_checked()
    page.locator("#fwd-dnd").click()
    expect(page.locator("#fwd-dnd")).not_to_be_checked()


def test_a_colleagues_target_shows_for_a_teammate_and_not_for_others(
    context: BrowserContext, browser: Browser, site: Site
) -> None:
    token = site.api.post(
        "/api/v1/auth/token", json={"username": "admin", "password": "Demo-Admin-Passw0rd"}
    ).json()["token"]
    admin = {"Authorization": f"Bearer {token}"}
    me = {
        p: site.api.get("/api/v1/users/me", headers=site.headers[p]).json()["id"]
        for p in ("anna.schmidt", "david.fischer")
    }
    team = site.api.post(
        "/api/v1/admin/teams",
        headers=admin,
        json={"name": "Vertrieb", "member_ids": [me["anna.schmidt"], me["david.fischer"]]},
    )
    assert team.status_code == 201, team.text

    anna = open_client(context, site, "anna.schmidt")
    other = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 720})
    eva = open_client(other, site, "eva.wagner")
    for page in (anna, eva):
        page.locator("#tab-contacts").click()
    row = "li.contact:has(.name:text-is('David Fischer'))"
    expect(anna.locator(row)).to_have_attribute("data-presence", "available")

    response = site.api.patch(
        "/api/v1/users/me/forwarding",
        headers=site.headers["david.fischer"],
        json={"always": {"enabled": True, "destination": "+4930111222"}},
    )
    assert response.status_code == 200, response.text
    try:
        expect(anna.locator(row)).to_have_attribute("data-presence", "forwarded")
        expect(anna.locator(row).locator(".presence")).to_have_text("umgeleitet auf +4930111222")
        expect(eva.locator(row)).to_have_attribute("data-presence", "forwarded")
        expect(eva.locator(row).locator(".presence")).to_have_text("umgeleitet")
        expect(anna.locator(row).locator(".dot")).to_have_class(re.compile("presence-forwarded"))
    finally:
        other.close()
        site.api.patch(
            "/api/v1/users/me/forwarding",
            headers=site.headers["david.fischer"],
            json={"always": {"enabled": False}},
        )


def test_a_contact_is_dialled_with_one_click(context: BrowserContext, site: Site) -> None:
    page = open_client(context, site, "ben.mueller")
    page.locator("#tab-contacts").click()
    page.locator("li.contact:has(.name:text-is('Clara Weber')) .numbers button").first.click()
    card = page.locator("#calls li.call", has_text="Clara Weber")
    expect(card).to_be_visible()
    for call in site.sim_state()["calls"]:
        site.sim.post(f"/sim/v1/calls/{call['id']}/hangup", json={"side": "caller"})
    expect(card).to_have_count(0)
