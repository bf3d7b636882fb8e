"""A server per module with an admin and a user, on a fake PBX unless a test needs the sim."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from cloudcti.app import CloudCti, Settings
from cloudcti.app.users import UserSpec
from tests.web.fake_pbx import FakePbx
from tests.web.server import ADMIN_PASSWORD, USER_PASSWORD, login, serve, settings_for


async def _create_accounts(settings: Settings) -> None:
    cti = await CloudCti.open(settings, start_runtimes=False)
    try:
        await cti.users.create(UserSpec("admin", "Admin", ADMIN_PASSWORD, role="admin"))
        await cti.users.create(UserSpec("user", "User", USER_PASSWORD))
    finally:
        await cti.close()


@dataclass
class Site:
    """A running server with an admin's and a user's Authorization headers."""

    url: str
    client: httpx.Client
    admin: dict[str, str]
    user: dict[str, str]
    pbx: FakePbx
    data_dir: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server on a fake PBX with the accounts ``admin`` and ``user``."""
    data_dir = tmp_path_factory.mktemp("cloudcti")
    settings = settings_for(data_dir, login_failures_per_user=3)
    asyncio.run(_create_accounts(settings))
    pbx = FakePbx()
    with serve(settings, pbx) as running, httpx.Client(base_url=running.url) as client:
        yield Site(
            running.url,
            client,
            login(client, "admin", ADMIN_PASSWORD),
            login(client, "user", USER_PASSWORD),
            pbx,
            data_dir,
        )
