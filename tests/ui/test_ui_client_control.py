"""Call control from the web client against the simulated PBX: the dial box, hold and unhold,
consultation (Rückfrage) completed and cancelled, a three-way conference, and "An anderes
Gerät" moving a call to the mobile. The buttons shown are the call's ``features``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.e2e_rig import ANNA, BEN, CLARA, DAVID, Site, until
from tests.ui.client_pages import client_site, open_client


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with client_site(Path(tmp_path_factory.mktemp("ui-control"))) as s:
        yield s


@pytest.fixture
def anna(context: BrowserContext, site: Site) -> Iterator[Page]:
    page = open_client(context, site, "anna.schmidt")
    yield page
    for call in site.sim_state()["calls"]:  # leave no call behind for the next test
        site.sim.post(f"/sim/v1/calls/{call['id']}/hangup", json={"side": "caller"})
    until("no calls left", lambda: site.sim_state()["calls"], lambda calls: not calls)


def _party(call: dict[str, Any], who: str) -> dict[str, Any] | None:
    return next((p for p in call["parties"] if who in (p.get("user_id"), p.get("number"))), None)


def _sim_call_with(site: Site, who: str, state: str | None = None) -> dict[str, Any]:
    def find(calls: list[dict[str, Any]]) -> dict[str, Any] | None:
        for call in calls:
            party = _party(call, who)
            if party and (state is None or party["state"].lower() == state):
                return call
        return None

    return until(  # type: ignore[no-any-return]
        f"a sim call with {who} ({state})",
        lambda: find(site.sim_state()["calls"]),
        lambda call: call is not None,
    )


def _answer(site: Site, who: str) -> None:
    call = _sim_call_with(site, who, "alerting")
    response = site.sim.post(f"/sim/v1/calls/{call['id']}/answer", json={"at": "primary"})
    assert response.status_code < 300, response.text


def _connected_call_with_ben(page: Page, site: Site) -> Locator:
    """Anna's desk phone calls Ben, Ben answers: Anna's card of that call, active."""
    site.sim_call(ANNA, BEN)
    _answer(site, BEN)
    card = page.locator("#calls li.call", has_text="Ben Müller")
    expect(card).to_have_attribute("data-state", "active")
    return card


def _consult(page: Page, card: Locator, destination: str) -> None:
    card.locator("[data-action=consult]").click()
    card.locator(".transfer-input").fill(destination)
    card.get_by_role("button", name="Los").click()


def test_the_dial_box_shows_what_it_dials_and_places_the_call(anna: Page, site: Site) -> None:
    box = anna.locator("#dial-input")
    box.fill("030 1234567")
    expect(anna.locator("#dial-preview")).to_have_text("Wählt: 0301234567 (national)")
    box.fill("+49 30 1234567")
    expect(anna.locator("#dial-preview")).to_have_text("Wählt: +49301234567 (international)")
    box.fill("+49 (0)30 123 45-67")
    expect(anna.locator("#dial-preview")).to_have_text("Wählt: +49301234567 (international)")
    box.fill("7770")
    expect(anna.locator("#dial-preview")).to_have_text("Wählt: 7770 (intern)")
    anna.get_by_role("button", name="Wählen").dblclick()
    card = anna.locator("#calls li.call", has_text="Ben Müller")
    expect(card).to_be_visible()
    anna.wait_for_timeout(500)
    expect(card).to_have_count(1)  # a double click dials once
    expect(card.locator(".direction")).to_have_text("ausgehend")
    expect(box).to_have_value("")
    _sim_call_with(site, BEN, "alerting")  # Ben's phone rings: the PBX placed the call


def test_hold_and_unhold_follow_the_features(anna: Page, site: Site) -> None:
    card = _connected_call_with_ben(anna, site)
    expect(card.locator("[data-action=unhold]")).to_have_count(0)
    card.locator("[data-action=hold]").click()
    expect(card).to_have_attribute("data-state", "held")
    expect(card.locator("[data-action=hold]")).to_have_count(0)
    card.locator("[data-action=unhold]").click()
    expect(card).to_have_attribute("data-state", "active")


def test_consultation_then_complete_connects_the_two_others(anna: Page, site: Site) -> None:
    card = _connected_call_with_ben(anna, site)
    _consult(anna, card, "7701")
    expect(card).to_have_attribute("data-state", "held")
    consult = anna.locator("#calls li.call", has_text="Clara Weber")
    expect(consult.locator(".badge", has_text="Rückfrage")).to_be_visible()
    _answer(site, CLARA)
    expect(consult).to_have_attribute("data-state", "active")
    consult.locator("[data-action=complete]").click()
    expect(anna.locator("#calls li.call")).to_have_count(0)
    joined = _sim_call_with(site, CLARA, "active")
    assert _party(joined, BEN) is not None, joined


def test_consultation_then_cancel_returns_to_the_first_call(anna: Page, site: Site) -> None:
    card = _connected_call_with_ben(anna, site)
    _consult(anna, card, "7702")
    consult = anna.locator("#calls li.call", has_text="David Fischer")
    expect(consult).to_be_visible()
    _answer(site, DAVID)
    expect(consult).to_have_attribute("data-state", "active")
    consult.locator("[data-action=cancel]").click()
    expect(consult).to_have_count(0)
    expect(card).to_have_attribute("data-state", "active")


def test_conference_joins_the_held_and_the_active_call(anna: Page, site: Site) -> None:
    card = _connected_call_with_ben(anna, site)
    _consult(anna, card, "7701")
    second = anna.locator("#calls li.call", has_text="Clara Weber")
    _answer(site, CLARA)
    expect(second).to_have_attribute("data-state", "active")
    second.locator("[data-action=conference]").click()
    expect(anna.locator("#calls li.call .badge", has_text="Konferenz")).to_have_count(2)


def test_to_another_device_moves_the_call_to_the_mobile(anna: Page, site: Site) -> None:
    card = _connected_call_with_ben(anna, site)
    card.locator("[data-action=relocate]").click()
    until(
        "Anna's side of the call on her mobile",
        lambda: _party(_sim_call_with(site, BEN), ANNA),
        lambda party: party is not None and party["device"] == "mobile",
    )
    cards = anna.locator("#calls li.call", has_text="Ben Müller")
    # the PBX's new call (on the mobile) replaces the old one; briefly both are on screen
    expect(cards.locator(".device-mobile")).to_have_text("Mobiltelefon")
    expect(cards).to_have_count(1)
    expect(cards.locator(".device")).to_have_text("Mobiltelefon")
    expect(cards).to_have_attribute("data-state", "active")


def test_swap_alternates_between_the_two_calls(anna: Page, site: Site) -> None:
    first = _connected_call_with_ben(anna, site)
    _consult(anna, first, "7701")
    second = anna.locator("#calls li.call", has_text="Clara Weber")
    _answer(site, CLARA)
    expect(second).to_have_attribute("data-state", "active")
    second.locator("[data-action=swap]").click()
    expect(first).to_have_attribute("data-state", "active")
    expect(second).to_have_attribute("data-state", "held")
