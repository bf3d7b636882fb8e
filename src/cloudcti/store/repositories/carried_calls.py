"""Carried call histories: what a live call leg carries on from the earlier legs of its
conversation (call pull, relocate), per line and call id, so a restart loses nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.repositories._sql import upsert
from cloudcti.store.tables import carried_calls as t

__all__ = ["CarriedCallsRepository"]


class CarriedCallsRepository:
    """Store, read back and delete carried histories (opaque JSON data of the domain)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def for_line(self, line_id: str) -> dict[str, dict[str, Any]]:
        """The line's stored histories by call id."""
        rows = await self._conn.execute(
            select(t.c.call_id, t.c.history).where(t.c.line_id == line_id)
        )
        return {call_id: dict(history) for call_id, history in rows.all()}

    async def put(self, line_id: str, histories: Mapping[str, Mapping[str, Any]], now: int) -> None:
        """Store (or replace) the line's histories given by call id, as of ``now``."""
        rows = [
            {"line_id": line_id, "call_id": call_id, "history": dict(data), "updated_at": now}
            for call_id, data in histories.items()
        ]
        await upsert(self._conn, t, rows)

    async def delete(self, line_id: str, call_ids: Iterable[str]) -> int:
        """Delete the line's histories of ``call_ids``; how many there were."""
        ids = list(call_ids)
        if not ids:
            return 0
        done = await self._conn.execute(
            delete(t).where(t.c.line_id == line_id, t.c.call_id.in_(ids))
        )
        return done.rowcount

    async def purge_older_than(self, cutoff: int) -> int:
        """Delete histories last stored before ``cutoff`` (their calls are long over)."""
        return (await self._conn.execute(delete(t).where(t.c.updated_at < cutoff))).rowcount
