"""The per-user WebSocket frame log for resume (CONTRACT.md §3), bounded by ``prune``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.records import FrameRecord
from cloudcti.store.tables import ws_frames as t

__all__ = ["KEEP_FRAMES", "KEEP_MS", "FramesRepository"]

KEEP_MS = 10 * 60 * 1000
KEEP_FRAMES = 1000


class FramesRepository:
    """Append a user's frames, replay those after a ``seq``, and prune old ones."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def append(self, user_id: str, frames: Sequence[FrameRecord]) -> None:
        """Append frames; their ``seq`` must be greater than ``latest_seq(user_id)``."""
        await self.append_all({user_id: frames})

    async def append_all(self, frames: Mapping[str, Sequence[FrameRecord]]) -> None:
        """Append the frames of many users in one statement (user id → frames, as ``append``)."""
        rows = [
            {"user_id": user_id, "seq": f.seq, "type": f.type, "data": f.data, "at": f.at}
            for user_id, records in frames.items()
            for f in records
        ]
        if rows:
            await self._conn.execute(t.insert(), rows)

    async def latest_seq(self, user_id: str) -> int:
        """The user's last ``seq`` (0 if none is kept), where a restarted server continues."""
        return int(
            await self._conn.scalar(select(func.max(t.c.seq)).where(t.c.user_id == user_id)) or 0
        )

    async def since(self, user_id: str, seq: int) -> list[FrameRecord] | None:
        """Every frame after ``seq``, oldest first; ``None`` if some were already pruned or
        ``seq`` is unknown (the client must resync)."""
        oldest, latest = (
            await self._conn.execute(
                select(func.min(t.c.seq), func.max(t.c.seq)).where(t.c.user_id == user_id)
            )
        ).one()
        if latest is None:
            return [] if seq == 0 else None
        if seq > latest or seq + 1 < oldest:
            return None
        rows = await self._conn.execute(
            select(t.c.seq, t.c.type, t.c.data, t.c.at)
            .where(t.c.user_id == user_id, t.c.seq > seq)
            .order_by(t.c.seq)
        )
        return [FrameRecord(*r) for r in rows]

    async def prune(
        self, now: int, *, keep_ms: int = KEEP_MS, keep_frames: int = KEEP_FRAMES
    ) -> int:
        """Delete frames older than ``keep_ms`` that are also not among their user's newest
        ``keep_frames`` (kept: whichever is more); how many were deleted. Reads the whole
        log (the periodic sweep); ``prune_user`` is the cheap one for a user being written."""
        inner = t.alias("newer")
        newest = select(func.max(inner.c.seq)).where(inner.c.user_id == t.c.user_id)
        result = await self._conn.execute(
            delete(t).where(
                t.c.at < now - keep_ms, t.c.seq <= newest.scalar_subquery() - keep_frames
            )
        )
        return result.rowcount

    async def prune_user(
        self,
        user_id: str,
        latest_seq: int,
        now: int,
        *,
        keep_ms: int = KEEP_MS,
        keep_frames: int = KEEP_FRAMES,
    ) -> int:
        """``prune`` for one user whose newest frame is ``latest_seq`` (a user's seqs have
        no gaps): an index range, not a scan of the log. How many were deleted."""
        result = await self._conn.execute(
            delete(t).where(
                t.c.user_id == user_id,
                t.c.seq <= latest_seq - keep_frames,
                t.c.at < now - keep_ms,
            )
        )
        return result.rowcount
