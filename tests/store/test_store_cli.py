"""``cloudcti admin rotate-key`` from the command line (CONTRACT.md §1)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cloudcti.cli import app
from cloudcti.store import Store, load_keyring
from cloudcti.store.vault import KEY_FILE_NAME
from tests.store.store_fixtures import ANNA_PBX_PASSWORD, FAST_HASHING, seed_company


async def _seed(data_dir: Path) -> None:
    store = await Store.open(load_keyring(data_dir), data_dir=data_dir, hashing=FAST_HASHING)
    async with store.transaction() as tx:
        await seed_company(tx)
    await store.close()


async def _anna_pbx_password(data_dir: Path) -> str | None:
    ring = load_keyring(data_dir, create=False)
    store = await Store.open(ring, data_dir=data_dir, hashing=FAST_HASHING)
    try:
        async with store.transaction() as tx:
            secret = await tx.users.pbx_password("u-anna")
    finally:
        await store.close()
    return None if secret is None else secret.reveal()


@pytest.mark.usefixtures("no_secret_key_env")
def test_rotate_key_replaces_the_key_file_and_keeps_secrets(tmp_path: Path) -> None:
    asyncio.run(_seed(tmp_path))
    before = (tmp_path / KEY_FILE_NAME).read_text()

    result = CliRunner().invoke(app, ["admin", "rotate-key", "--data-dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert "re-encrypted 4 secrets" in result.output
    assert (tmp_path / KEY_FILE_NAME).read_text() != before
    assert ANNA_PBX_PASSWORD not in result.output
    assert asyncio.run(_anna_pbx_password(tmp_path)) == ANNA_PBX_PASSWORD


@pytest.mark.usefixtures("no_secret_key_env")
def test_rotate_key_without_a_key_says_why(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["admin", "rotate-key", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "no secret key" in result.output
