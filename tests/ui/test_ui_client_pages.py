"""The web client's pages beyond calls: the help page with the known PBX restrictions (R23) in
German and English, a ``tel:`` link's number taken into the dial box, the login screen in the
browser's language, nothing loaded from another origin, and a narrow window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Request, expect

from tests.e2e.e2e_rig import ANNA, CALLER, Site, until
from tests.ui.client_pages import client_site, open_client


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with client_site(Path(tmp_path_factory.mktemp("ui-pages"))) as s:
        yield s


def test_the_help_page_lists_the_known_pbx_restrictions_in_both_languages(
    context: BrowserContext, site: Site
) -> None:
    page = open_client(context, site, "clara.weber")
    page.locator("#tab-help").click()
    items = page.locator("ul.restrictions li")
    expect(items.filter(has_text="Ihre eigene Rufnummer")).to_have_count(1)
    expect(items.filter(has_text="78811")).to_have_count(1)
    expect(items.filter(has_text="Konferenzbrücke")).to_have_count(1)
    expect(items.filter(has_text="Voice-Box")).to_have_count(1)
    page.locator("#language").select_option("en")
    page.locator("#tab-help").click()
    expect(items.filter(has_text="your own number")).to_have_count(1)
    expect(items.filter(has_text="conference bridge")).to_have_count(1)
    page.locator("#language").select_option("de")
    expect(page.locator("#tab-help")).to_have_text("Hilfe")


def test_a_tel_link_opens_the_client_with_the_number_in_the_dial_box(
    context: BrowserContext, site: Site
) -> None:
    open_client(context, site, "clara.weber").close()
    page = context.new_page()
    page.goto(site.url + "/?dial=tel%3A%2B49%2030%201234567")
    expect(page.locator("#dial-input")).to_have_value("tel:+49 30 1234567")
    expect(page.locator("#dial-preview")).to_have_text("Wählt: +49301234567 (international)")
    expect(page.locator("form.dial .hint")).to_contain_text("tel:-Link")


def test_the_login_screen_speaks_the_browsers_language(browser: Browser, site: Site) -> None:
    english = browser.new_context(locale="en-GB")
    try:
        page = english.new_page()
        page.goto(site.url + "/")
        expect(page.get_by_role("button", name="Log in")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    finally:
        english.close()


def test_nothing_is_loaded_from_another_origin(context: BrowserContext, site: Site) -> None:
    origins: set[str] = set()

    def seen(request: Request) -> None:
        parts = urlsplit(request.url)
        origins.add(f"{parts.scheme}://{parts.netloc}")

    context.on("request", seen)
    page = open_client(context, site, "anna.schmidt")
    for tab in ("contacts", "forwarding", "help", "journal"):
        page.locator(f"#tab-{tab}").click()
    page.wait_for_load_state("networkidle")
    assert origins == {site.url}, origins


def test_a_narrow_window_shows_the_pop_up_without_sideways_scrolling(
    browser: Browser, site: Site
) -> None:
    phone = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 740})
    try:
        page = open_client(phone, site, "anna.schmidt")
        call = site.sim_call(CALLER, ANNA)
        answer = page.locator("#popup [data-action=answer]")
        expect(answer).to_be_in_viewport()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        answer.click()
        expect(page.locator("#calls li.call")).to_have_attribute("data-state", "active")
        site.sim.post(f"/sim/v1/calls/{call}/hangup", json={"side": "caller"})
        until("call over", lambda: site.sim_state()["calls"], lambda calls: not calls)
    finally:
        phone.close()
