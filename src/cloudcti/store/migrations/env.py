"""Alembic environment: migrations run on a connection handed over by ``cloudcti.store.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from cloudcti.store.tables import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through cloudcti.store.migrate.upgrade()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
