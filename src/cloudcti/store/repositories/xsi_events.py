"""Xsi event ids already processed, per gateway, for de-duplicating redeliveries; bounded."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, delete, or_, select
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
        ``keep`` (by time, then id); how many were deleted. Finds the ``keep``-th newest in
        the index instead of comparing every id with a list of the newest."""
        mine = t.c.gateway_id == gateway_id
        older = t.c.seen_at < older_than
        if keep > 0:
            newest = (
                await self._conn.execute(
                    select(t.c.seen_at, t.c.event_id)
                    .where(mine)
                    .order_by(t.c.seen_at.desc(), t.c.event_id.desc())
                    .limit(1)
                    .offset(keep - 1)
                )
            ).first()
            if newest is None:  # fewer than ``keep`` ids
                return 0
            at, event_id = newest
            older = and_(
                older, or_(t.c.seen_at < at, and_(t.c.seen_at == at, t.c.event_id < event_id))
            )
        result = await self._conn.execute(delete(t).where(mine, older))
        return result.rowcount
