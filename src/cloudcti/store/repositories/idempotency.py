"""Idempotency keys: a retried request with the same key gets the first outcome back."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.records import IdempotencyRecord
from cloudcti.store.repositories._sql import insert_ignoring_duplicates
from cloudcti.store.tables import idempotency_keys as t

__all__ = ["IdempotencyRepository"]


class IdempotencyRepository:
    """Remember outcomes by (user, key) and purge old ones."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, user_id: str, key: str) -> IdempotencyRecord | None:
        """The remembered outcome, if any."""
        row = (
            (await self._conn.execute(select(t).where(t.c.user_id == user_id, t.c.key == key)))
            .mappings()
            .first()
        )
        return None if row is None else IdempotencyRecord(**row)

    async def remember(self, record: IdempotencyRecord) -> IdempotencyRecord:
        """Store ``record`` unless the key is taken; the outcome that is now stored."""
        await insert_ignoring_duplicates(
            self._conn,
            t,
            [
                {
                    "user_id": record.user_id,
                    "key": record.key,
                    "request_hash": record.request_hash,
                    "status": record.status,
                    "response": record.response,
                    "created_at": record.created_at,
                }
            ],
        )
        stored = await self.get(record.user_id, record.key)
        assert stored is not None
        return stored

    async def purge_older_than(self, cutoff: int) -> int:
        """Delete outcomes created before ``cutoff``; how many."""
        return (await self._conn.execute(delete(t).where(t.c.created_at < cutoff))).rowcount
