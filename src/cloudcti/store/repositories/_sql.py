"""SQL helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.errors import ConflictError

__all__ = ["execute_or_conflict", "insert_ignoring_duplicates", "upsert"]


async def insert_ignoring_duplicates(
    conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Insert ``rows``, silently skipping those whose primary key exists; the number inserted."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(table).on_conflict_do_nothing()
        result = await conn.execute(pg, list(rows))
    else:
        lite = sqlite.insert(table).on_conflict_do_nothing()
        result = await conn.execute(lite, list(rows))
    return max(result.rowcount, 0)


async def execute_or_conflict(conn: AsyncConnection, statement: Any, what: str) -> None:
    """Run a write; a unique or foreign-key violation becomes ``ConflictError`` naming ``what``.

    Runs in a savepoint so the caller's transaction stays usable after the conflict."""
    try:
        async with conn.begin_nested():
            await conn.execute(statement)
    except IntegrityError as error:
        raise ConflictError(f"{what}: {error.orig}") from None


async def upsert(conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows``; a row whose primary key exists has its other columns replaced."""
    if not rows:
        return
    keys = [c.name for c in table.primary_key.columns]
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(table)
        others = {c.name: pg.excluded[c.name] for c in table.columns if c.name not in keys}
        await conn.execute(pg.on_conflict_do_update(index_elements=keys, set_=others), list(rows))
    else:
        lite = sqlite.insert(table)
        updates = {c.name: lite.excluded[c.name] for c in table.columns if c.name not in keys}
        await conn.execute(
            lite.on_conflict_do_update(index_elements=keys, set_=updates), list(rows)
        )
