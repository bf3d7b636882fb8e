"""A fresh installation for the admin-page browser tests: the simulator's demo PBX and a
real cloudcti server whose only account is the first admin (as after
``cloudcti admin create-user``)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from playwright.sync_api import Page, expect

from cloudcti.app import CloudCti
from cloudcti.app.users import UserSpec
from cloudcti.sim.server import SimServer
from tests.web.server import ADMIN_PASSWORD, serve, settings_for

__all__ = ["ADMIN_PASSWORD", "Fresh", "entered_off_loop", "fresh_installation", "log_in"]


T = TypeVar("T")


@contextmanager
def entered_off_loop(manager: AbstractContextManager[T]) -> Iterator[T]:
    """Enter ``manager`` on a worker thread: its setup may call ``asyncio.run``, which the
    thread of Playwright's sync API (a running event loop) cannot."""
    with ThreadPoolExecutor(1) as pool:
        value = pool.submit(manager.__enter__).result()
    try:
        yield value
    finally:
        manager.__exit__(None, None, None)


@dataclass
class Fresh:
    """The server's base URL and the simulator."""

    url: str
    sim: SimServer


@contextmanager
def fresh_installation(data_dir: Path) -> Iterator[Fresh]:
    """Simulator (demo scenario) and a server with one admin ``admin``."""
    sim = SimServer(host="127.0.0.1", ports=[0], scenario="demo")
    sim.start()
    settings = settings_for(data_dir)

    async def first_admin() -> None:
        cti = await CloudCti.open(settings, start_runtimes=False)
        try:
            await cti.users.create(UserSpec("admin", "Admin", ADMIN_PASSWORD, role="admin"))
        finally:
            await cti.close()

    try:
        with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs on this thread
            pool.submit(asyncio.run, first_admin()).result()
        with serve(settings) as running:
            yield Fresh(running.url, sim)
    finally:
        sim.stop()
        gc.collect()


def log_in(page: Page, url: str, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    """Log in on ``/admin/login`` through the form."""
    page.goto(f"{url}/admin/login")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Festnetz-Gateways")).to_be_visible()
