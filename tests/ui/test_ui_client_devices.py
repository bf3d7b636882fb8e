"""Devices and transfers in the web client on the simulated PBX: a Remote Office call is shown
as such and offers no "An anderes Gerät" (R21), a call answered on the parallel-ringing number
is journalled as answered elsewhere on that device (R22), a contact dragged onto a call
transfers it, and a journal entry is called back with one click."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.e2e_rig import ANNA, BEN, CALLER, CLARA, DAVID, Site, until
from tests.ui.client_pages import client_site, open_client

REMOTE_OFFICE = "+4930555666777"
PARALLEL = "+4917012345678"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with client_site(Path(tmp_path_factory.mktemp("ui-devices"))) as s:
        yield s


@pytest.fixture(autouse=True)
def no_calls_left(site: Site) -> Iterator[None]:
    yield
    for call in site.sim_state()["calls"]:
        site.sim.post(f"/sim/v1/calls/{call['id']}/hangup", json={"side": "caller"})
    until("no calls left", lambda: site.sim_state()["calls"], lambda calls: not calls)


def _sim(site: Site, method: str, path: str, body: dict[str, object]) -> None:
    response = site.sim.request(method, path, json=body)
    assert response.status_code < 300, response.text


def test_a_remote_office_call_is_shown_as_such_without_to_another_device(
    context: BrowserContext, site: Site
) -> None:
    _sim(site, "PATCH", f"/sim/v1/users/{CLARA}", {"remote_office": REMOTE_OFFICE})
    try:
        page = open_client(context, site, "clara.weber")
        call = site.sim_call(CALLER, CLARA)
        card = page.locator("#calls li.call")
        expect(card.locator(".device")).to_have_text("Remote Office")
        _sim(site, "POST", f"/sim/v1/calls/{call}/answer", {"at": "remote_office"})
        expect(card).to_have_attribute("data-state", "active")
        expect(card.locator("[data-action=hold]")).to_be_visible()
        expect(card.locator("[data-action=relocate]")).to_have_count(0)
    finally:
        _sim(site, "PATCH", f"/sim/v1/users/{CLARA}", {"remote_office": None})


def test_a_call_answered_on_the_parallel_number_is_shown_as_such(
    context: BrowserContext, site: Site
) -> None:
    _sim(site, "PATCH", f"/sim/v1/users/{BEN}", {"parallel_ring": [PARALLEL]})
    try:
        page = open_client(context, site, "ben.mueller")
        call = site.sim_call(CALLER, BEN)
        expect(page.locator("#popup .incoming")).to_be_visible()
        _sim(site, "POST", f"/sim/v1/calls/{call}/answer", {"at": "parallel"})
        # the server ends the call on the line and journals where it was taken
        expect(page.locator("#popup")).to_have_count(0)
        entry = page.locator("ul.journal li").first
        expect(entry).to_have_attribute("data-status", "answered_elsewhere")
        expect(entry.locator(".status")).to_have_text("anderswo angenommen")
        expect(entry.locator(".device")).to_have_text("Parallelruf")
    finally:
        _sim(site, "PATCH", f"/sim/v1/users/{BEN}", {"parallel_ring": []})


def test_a_contact_dragged_onto_the_call_takes_it_over(context: BrowserContext, site: Site) -> None:
    anna = open_client(context, site, "anna.schmidt")
    call = site.sim_call(CALLER, ANNA)
    _sim(site, "POST", f"/sim/v1/calls/{call}/answer", {"at": "primary"})
    card = anna.locator("#calls li.call")
    expect(card).to_have_attribute("data-state", "active")
    anna.locator("#tab-contacts").click()
    contact = anna.locator("li.contact:has(.name:text-is('Clara Weber'))")
    expect(contact.locator(".transfer-here")).to_be_visible()  # rendered with the active call
    contact.drag_to(card)

    def clara_party_state() -> str | None:
        for sim_call in site.sim_state()["calls"]:
            for party in sim_call["parties"]:
                if party.get("user_id") == CLARA:
                    return str(party["state"]).lower()
        return None

    until("Clara's phone rings with the transferred call", clara_party_state, bool)
    expect(card).to_have_count(0)


def test_a_journal_entry_is_called_back_with_one_click(context: BrowserContext, site: Site) -> None:
    page = open_client(context, site, "david.fischer")
    call = site.sim_call(CALLER, DAVID)
    expect(page.locator("#popup")).to_be_visible()
    _sim(site, "POST", f"/sim/v1/calls/{call}/hangup", {"side": "caller"})
    entry = page.locator("ul.journal li").first
    expect(entry).to_have_attribute("data-status", "missed")
    entry.get_by_role("button", name="Zurückrufen").click()
    card = page.locator("#calls li.call")
    expect(card.locator(".direction")).to_have_text("ausgehend")
    expect(card.locator(".name")).to_have_text("030 223344556")
