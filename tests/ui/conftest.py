"""Browser fixtures: Playwright driving Debian's Chromium (``/usr/bin/chromium``, installed by
``scripts/ensure-debian-packages.sh``), headless, with a fresh profile per test session.

Playwright cannot download its own browser here, so ``executable_path`` points at Debian's;
the flags keep Chromium off the (closed) network. Screenshots go to ``CLOUDCTI_ARTIFACTS``
(default ``test-artifacts/``), which is git-ignored.

Playwright's sync API keeps an asyncio loop running in the main thread while it is started, so
``asyncio.run`` (and pytest-asyncio tests) cannot run there meanwhile: the driver is
module-scoped so it is gone before the next module, and rigs run their async setup in a worker
thread (``tests.e2e.e2e_rig.run_async``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

CHROMIUM = os.environ.get("CLOUDCTI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where screenshots of the browser tests are saved."""
    path = Path(os.environ.get("CLOUDCTI_ARTIFACTS", "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """One Playwright driver per test module (see the module docstring why not per session)."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/ensure-debian-packages.sh")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Debian Chromium, shared by the module's tests."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context (own cookies, German locale as in a German office)."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 720})
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A new page in the test's context."""
    return context.new_page()
