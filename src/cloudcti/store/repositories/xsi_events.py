"""Xsi event ids already processed, per gateway, for de-duplicating redeliveries; bounded."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.repositories._sql import insert_ignoring_duplicates
from cloudcti.store.tables import processed_xsi_events as t

__all__ = ["ProcessedEventsRepository"]


class ProcessedEventsRepository:
    """Mark event ids processed and say which were new; prune to a bound."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def mark(self, gateway_id: str, event_ids: Iterable[str], now: int) -> set[str]:
        """Record ``event_ids`` as processed at ``now``; those not seen before."""
        ids = set(event_ids)
        if not ids:
            return set()
        seen = set(
            (
                await self._conn.scalars(
                    select(t.c.event_id).where(t.c.gateway_id == gateway_id, t.c.event_id.in_(ids))
                )
            ).all()
        )
        new = ids - seen
        await insert_ignoring_duplicates(
            self._conn,
            t,
            [{"gateway_id": gateway_id, "event_id": e, "seen_at": now} for e in sorted(new)],
        )
        return new

    async def prune(self, gateway_id: str, *, keep: int, older_than: int) -> int:
        """Delete the gateway's ids seen before ``older_than`` that are not among its newest
        ``keep``; how many were deleted."""
        newest = (
            select(t.c.event_id)
            .where(t.c.gateway_id == gateway_id)
            .order_by(t.c.seen_at.desc(), t.c.event_id.desc())
            .limit(keep)
        )
        result = await self._conn.execute(
            delete(t).where(
                t.c.gateway_id == gateway_id,
                t.c.seen_at < older_than,
                t.c.event_id.not_in(newest),
            )
        )
        return result.rowcount
