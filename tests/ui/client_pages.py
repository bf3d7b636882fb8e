"""Helpers for the web client's browser tests: one demo installation per test module and a
page logged in as a demo person through the client's own login screen."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.e2e_rig import Site, demo_site

T = TypeVar("T")

DEMO_PASSWORD = "Demo-Passw0rd"


def _off_loop(fn: Callable[[], T]) -> T:
    # Playwright's sync API runs an event loop in this thread; the rig needs asyncio.run().
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


@contextmanager
def client_site(data_dir: Path, *, without_pbx_login: tuple[str, ...] = ()) -> Iterator[Site]:
    """``demo_site()`` set up and torn down outside Playwright's event loop."""
    rig = demo_site(data_dir, without_pbx_login=without_pbx_login)
    site = _off_loop(rig.__enter__)
    try:
        yield site
    finally:
        _off_loop(lambda: rig.__exit__(None, None, None))


def open_client(context: BrowserContext, site: Site, username: str) -> Page:
    """A new page on the client, logged in as ``username`` via the login form, live."""
    page = context.new_page()
    page.goto(site.url + "/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Kennwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#user-name")).to_be_visible()
    expect(page.locator("#app")).to_have_attribute("data-connection", "live")
    return page
