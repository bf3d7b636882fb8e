"""The call journal: batched appends, "a user's / a line's newest N", retention purge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.records import JournalRecord
from cloudcti.store.tables import journal_entries as t
from cloudcti.store.tables import locations, users

__all__ = ["JournalRepository"]

_COLUMNS = [c for c in t.c if c.name != "seq"]
_FIELDS = tuple(f.name for f in fields(JournalRecord))
_DAY_MS = 86_400_000


class JournalRepository:
    """Append journal entries and read them newest first."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, records: Sequence[JournalRecord]) -> None:
        """Append ``records`` in one statement (executemany); ids must be new."""
        if records:
            rows = [{name: getattr(r, name) for name in _FIELDS} for r in records]
            await self._conn.execute(t.insert(), rows)

    async def get(self, id: str) -> JournalRecord | None:
        """The entry with this id, if any."""
        row = (await self._conn.execute(select(*_COLUMNS).where(t.c.id == id))).mappings().first()
        return None if row is None else JournalRecord(**row)

    async def newest_for_user(
        self,
        user_id: str,
        limit: int,
        *,
        before: str | None = None,
        direction: str | None = None,
        status: str | None = None,
    ) -> list[JournalRecord]:
        """The user's newest ``limit`` entries, newest first, older than entry ``before``."""
        return await self._newest(t.c.user_id == user_id, limit, before, direction, status)

    async def newest_for_line(
        self,
        line_id: str,
        limit: int,
        *,
        before: str | None = None,
        direction: str | None = None,
        status: str | None = None,
    ) -> list[JournalRecord]:
        """The line's newest ``limit`` entries, newest first, older than entry ``before``."""
        return await self._newest(t.c.line_id == line_id, limit, before, direction, status)

    async def purge_older_than(self, cutoff: int, *, user_ids: Sequence[str] | None = None) -> int:
        """Delete entries that ended before ``cutoff`` (only these users' if given)."""
        where = [t.c.ended_at < cutoff]
        if user_ids is not None:
            where.append(t.c.user_id.in_(user_ids))
        return (await self._conn.execute(delete(t).where(*where))).rowcount

    async def purge_by_retention(self, now: int, default_days: int) -> int:
        """Apply each location's ``journal_retention_days`` to its users' entries, and
        ``default_days`` to all other entries; how many were deleted."""
        deleted = 0
        located = select(users.c.id).where(users.c.location_id.is_not(None))
        for location_id, days in await self._conn.execute(
            select(locations.c.id, locations.c.journal_retention_days)
        ):
            in_location = select(users.c.id).where(users.c.location_id == location_id)
            deleted += (
                await self._conn.execute(
                    delete(t).where(
                        t.c.ended_at < now - days * _DAY_MS, t.c.user_id.in_(in_location)
                    )
                )
            ).rowcount
        rest = (t.c.user_id.is_(None)) | (t.c.user_id.not_in(located))
        deleted += (
            await self._conn.execute(
                delete(t).where(t.c.ended_at < now - default_days * _DAY_MS, rest)
            )
        ).rowcount
        return deleted

    async def count(self) -> int:
        """How many entries are stored."""
        return int(await self._conn.scalar(select(func.count()).select_from(t)) or 0)

    async def _newest(
        self,
        owner: ColumnElement[bool],
        limit: int,
        before: str | None,
        direction: str | None,
        status: str | None,
    ) -> list[JournalRecord]:
        query: Select[Any] = select(*_COLUMNS).where(owner)
        if before is not None:
            query = query.where(t.c.seq < select(t.c.seq).where(t.c.id == before).scalar_subquery())
        if direction is not None:
            query = query.where(t.c.direction == direction)
        if status is not None:
            query = query.where(t.c.status == status)
        rows = await self._conn.execute(query.order_by(t.c.seq.desc()).limit(limit))
        return [JournalRecord(**r) for r in rows.mappings()]
