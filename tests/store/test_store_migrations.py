"""Migrations: empty → head equals step by step, and both equal the tables in ``tables.py``."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from cloudcti.store import create_engine, upgrade
from cloudcti.store.migrate import current_revision, head_revision
from cloudcti.store.tables import metadata
from tests.store.store_postgres import create_postgres_database, drop_postgres_database


def _schema(conn: Connection) -> dict[str, Any]:
    """Tables with their columns, keys, indexes and constraints, in a comparable form."""
    inspector = inspect(conn)
    schema: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        schema[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("autoincrement"))
                for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table),
            "fks": sorted(
                (f["name"] or "", f["constrained_columns"], f["referred_table"], f["options"])
                for f in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"] or "", i["column_names"], i["unique"])
                for i in inspector.get_indexes(table)
            ),
            "uniques": sorted(
                (u["name"] or "", u["column_names"])
                for u in inspector.get_unique_constraints(table)
            ),
        }
    return schema


async def _migrated_schema(url: str, *steps: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        for step in steps:
            await upgrade(engine, step)
        assert await current_revision(engine) == head_revision()
        async with engine.connect() as conn:
            schema = await conn.run_sync(_schema)
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
        assert diff == [], f"migrations and tables.py disagree: {diff}"
        return schema
    finally:
        await engine.dispose()


async def test_empty_to_head_equals_step_by_step(backend: str, database_url: str) -> None:
    if backend == "sqlite":
        stepwise_url = database_url.replace("cloudcti.sqlite3", "stepwise.sqlite3")
    else:
        stepwise_url = await create_postgres_database()
    try:
        direct = await _migrated_schema(database_url, "head")
        stepwise = await _migrated_schema(stepwise_url, "0001", "0002", "0003")
    finally:
        if backend == "postgresql":
            await drop_postgres_database(stepwise_url)
    assert direct == stepwise
    assert set(direct) == {t.name for t in metadata.sorted_tables} | {"alembic_version"}


async def test_migrating_twice_changes_nothing(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            before = await conn.run_sync(_schema)
        await upgrade(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_schema) == before
    finally:
        await engine.dispose()
