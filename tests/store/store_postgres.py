"""PostgreSQL for the storage tests: where it is, and a throw-away database per test."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from cloudcti.store import create_engine

DEFAULT_POSTGRES_URL = "postgresql://cloudcti_test:cloudcti_test@127.0.0.1:5432/postgres"


def postgres_url() -> str:
    """The server the tests use (``CLOUDCTI_TEST_POSTGRES_URL``)."""
    return os.environ.get("CLOUDCTI_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


async def admin(*statements: str) -> None:
    """Run ``statements`` outside a transaction in the server's maintenance database."""
    engine = create_engine(
        postgres_url(),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"timeout": 5},
    )
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def create_postgres_database() -> str:
    """A new empty database; its URL (asyncpg driver)."""
    name = f"cloudcti_test_{uuid.uuid4().hex[:16]}"
    await admin(f'CREATE DATABASE "{name}"')
    return make_url(postgres_url()).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    """Drop a database made by ``create_postgres_database``."""
    name = make_url(url).database
    await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
