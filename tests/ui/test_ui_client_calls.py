"""Calls in the web client, driven by the simulated PBX: the incoming pop-up with name and
number, answering on the desk phone, the journal with missed calls marked and counted, a call
while forwarded to voicemail, and a dropped WebSocket resumed with nothing lost."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, WebSocketRoute, expect

from tests.e2e.e2e_rig import ANNA, BEN, CALLER, CLARA, DAVID, EVA, Site, until
from tests.ui.client_pages import client_site, open_client


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with client_site(Path(tmp_path_factory.mktemp("ui-calls"))) as s:
        yield s


def _sim(site: Site, path: str, body: dict[str, object]) -> None:
    response = site.sim.post(path, json=body)
    assert response.status_code < 300, response.text


def test_an_incoming_call_pops_up_with_name_and_number_then_is_answered_on_the_desk_phone(
    context: BrowserContext, site: Site
) -> None:
    page = open_client(context, site, "anna.schmidt")
    started = time.monotonic()
    call = site.sim_call(BEN, ANNA)
    popup = page.locator("#popup .incoming")
    expect(popup).to_be_visible(timeout=1000)
    shown_after = time.monotonic() - started
    expect(popup.locator(".name")).to_have_text("Ben Müller")
    expect(popup.locator(".number")).to_have_text("7770")
    expect(popup.locator("[data-action=answer]")).to_be_visible()
    assert shown_after < 1.0, shown_after
    card = page.locator("#calls li.call")
    expect(card).to_have_attribute("data-state", "ringing")
    expect(card.locator(".device")).to_have_text("Tischtelefon")

    _sim(site, f"/sim/v1/calls/{call}/answer", {"at": "primary"})
    expect(card).to_have_attribute("data-state", "active")
    expect(page.locator("#popup")).to_have_count(0)
    expect(card.locator(".state")).to_have_text("verbunden")

    _sim(site, f"/sim/v1/calls/{call}/hangup", {"side": "caller"})
    expect(page.locator("#calls li.call")).to_have_count(0)
    entry = page.locator("ul.journal li").first
    expect(entry).to_have_attribute("data-status", "answered")
    expect(entry.locator(".name")).to_have_text("Ben Müller")
    expect(entry.locator(".status")).to_have_text("angenommen")


def test_a_missed_call_is_marked_and_counted_and_can_be_called_back(
    context: BrowserContext, site: Site
) -> None:
    page = open_client(context, site, "clara.weber")
    call = site.sim_call(CALLER, CLARA)
    expect(page.locator("#popup .incoming .name")).to_have_text("030 223344556")
    _sim(site, f"/sim/v1/calls/{call}/hangup", {"side": "caller"})
    expect(page.locator("#popup")).to_have_count(0)
    entry = page.locator("ul.journal li").first
    expect(entry).to_have_attribute("data-status", "missed")
    expect(entry.locator(".status")).to_have_text("verpasst")
    expect(page.locator("#tab-missed")).to_have_text("1")
    expect(page.locator("#journal-missed")).to_have_text("1 verpasst")
    expect(entry.get_by_role("button", name="Zurückrufen")).to_be_visible()

    page.locator("#journal-filter-missed").check()
    expect(page.locator("ul.journal li")).to_have_count(1)

    page.reload()  # the mark survives a reload until the journal is looked at
    expect(page.locator("#tab-missed")).to_have_text("1")
    page.locator("#tab-journal").click()
    expect(page.locator("#tab-missed")).to_have_count(0)


def test_a_call_while_redirected_to_voicemail_is_journalled_as_voicemail(
    context: BrowserContext, site: Site
) -> None:
    page = open_client(context, site, "ben.mueller")
    _sim(site, f"/sim/v1/users/{BEN}/dial", {"digits": "*21", "device": "primary"})
    call = site.sim_call(CALLER, BEN)
    entry = page.locator("ul.journal li").first
    try:
        expect(entry).to_have_attribute("data-status", "voicemail")
        expect(entry.locator(".status")).to_have_text("Mailbox")
    finally:
        site.sim.post(f"/sim/v1/calls/{call}/hangup", json={"side": "caller"})
        _sim(site, f"/sim/v1/users/{BEN}/dial", {"digits": "#21", "device": "primary"})


def test_a_dropped_websocket_shows_the_banner_and_resumes_without_losing_a_missed_call(
    context: BrowserContext, site: Site
) -> None:
    sockets: list[WebSocketRoute] = []
    sent: list[dict[str, Any]] = []
    received: list[dict[str, Any]] = []
    blocked = [False]

    def route(ws: WebSocketRoute) -> None:  # a proxy that can play the server going away
        if blocked[0]:
            ws.close(code=1013, reason="try again later")
            return
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            sent.append(json.loads(message))
            server.send(message)

        def to_page(message: str | bytes) -> None:
            received.append(json.loads(message))
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)
        sockets.append(ws)

    context.route_web_socket(re.compile(r"/api/v1/events"), route)
    page = open_client(context, site, "david.fischer")
    page.wait_for_timeout(300)  # let the proxy see what the server has sent so far

    blocked[0] = True
    sockets[-1].close(code=1001, reason="server going away")
    # the last seq the page knows: hello's, or its last frame's (colleagues' presence frames
    # may be stored before it connects and arrive until the close)
    seqs = [m["data"]["seq"] if m["type"] == "hello" else m.get("seq", 0) for m in received]
    seq_before = max([0, *seqs])
    expect(page.locator("#reconnect-banner")).to_have_text("Verbindung wird wiederhergestellt …")

    call = site.sim_call(CALLER, DAVID)
    _sim(site, f"/sim/v1/calls/{call}/hangup", {"side": "caller"})
    until(
        "the missed call journalled",
        lambda: site.api.get("/api/v1/users/me/journal", headers=site.headers["david.fischer"]),
        lambda r: len(r.json()) == 1,
    )
    page.wait_for_timeout(300)
    expect(page.locator("#reconnect-banner")).to_be_visible()
    expect(page.locator("ul.journal li")).to_have_count(0)

    blocked[0] = False
    expect(page.locator("#reconnect-banner")).to_have_count(0, timeout=15_000)
    entry = page.locator("ul.journal li").first
    expect(entry).to_have_attribute("data-status", "missed")
    expect(page.locator("#tab-missed")).to_have_text("1")
    expect(page.locator("#popup")).to_have_count(0)
    assert {"op": "resume", "since": seq_before} in sent, sent


def test_resync_required_reloads_everything_from_the_server(
    context: BrowserContext, site: Site
) -> None:
    sockets: list[WebSocketRoute] = []
    blocked = [False]

    def route(ws: WebSocketRoute) -> None:  # answers resume as a server that kept too little
        if blocked[0]:
            ws.close(code=1013, reason="try again later")
            return
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            if json.loads(message).get("op") == "resume":
                ws.send(json.dumps({"type": "resync_required"}))
            else:
                server.send(message)

        ws.on_message(to_server)
        sockets.append(ws)

    context.route_web_socket(re.compile(r"/api/v1/events"), route)
    page = open_client(context, site, "eva.wagner")
    blocked[0] = True
    sockets[-1].close(code=1001, reason="server going away")
    expect(page.locator("#reconnect-banner")).to_be_visible()
    call = site.sim_call(CALLER, EVA)
    _sim(site, f"/sim/v1/calls/{call}/hangup", {"side": "caller"})
    until(
        "the missed call journalled",
        lambda: site.api.get("/api/v1/users/me/journal", headers=site.headers["eva.wagner"]),
        lambda r: len(r.json()) == 1,
    )
    blocked[0] = False
    expect(page.locator("#reconnect-banner")).to_have_count(0, timeout=15_000)
    expect(page.locator("ul.journal li").first).to_have_attribute("data-status", "missed")
    expect(page.locator("#tab-missed")).to_have_text("1")

    second = site.sim_call(CALLER, EVA)  # and the stream goes on after the reload
    expect(page.locator("#popup .incoming")).to_be_visible()
    _sim(site, f"/sim/v1/calls/{second}/hangup", {"side": "caller"})
    expect(page.locator("#tab-missed")).to_have_text("2")
