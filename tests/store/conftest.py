"""Fixtures of the storage tests: every test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``CLOUDCTI_TEST_POSTGRES_URL`` (default: the role that
``scripts/start-postgres.sh`` creates). Each test gets a database of its own, dropped after.
Unreachable: the PostgreSQL cases are skipped with the reason, except under CI, where they fail.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from cloudcti.store import KeyRing, SecretKey, Store
from tests.store.store_fixtures import FAST_HASHING
from tests.store.store_postgres import (
    admin,
    create_postgres_database,
    drop_postgres_database,
    postgres_url,
)


@pytest.fixture(scope="session")
def postgres_available() -> None:
    """Nothing, once PostgreSQL answered; otherwise skip (fail under CI) with the reason."""
    try:
        asyncio.run(admin("SELECT 1"))
    except (OSError, SQLAlchemyError, TimeoutError) as error:
        reason = (
            f"PostgreSQL not reachable at {make_url(postgres_url()).render_as_string()} "
            f"({error}); run scripts/start-postgres.sh or set CLOUDCTI_TEST_POSTGRES_URL"
        )
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must run the PostgreSQL tests")
        pytest.skip(reason)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database kind under test."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres_available")
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of ``backend`` for this test alone."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'cloudcti.sqlite3'}"
        return
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture
def keyring() -> KeyRing:
    """A fresh random key."""
    return KeyRing(SecretKey.generate())


@pytest.fixture
async def store(database_url: str, keyring: KeyRing) -> AsyncIterator[Store]:
    """A migrated store on ``database_url``."""
    opened = await Store.open(keyring, database_url=database_url, hashing=FAST_HASHING)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def no_secret_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run without ``CLOUDCTI_SECRET_KEY`` / ``CLOUDCTI_NEW_SECRET_KEY`` from the outside."""
    monkeypatch.delenv("CLOUDCTI_SECRET_KEY", raising=False)
    monkeypatch.delenv("CLOUDCTI_NEW_SECRET_KEY", raising=False)
