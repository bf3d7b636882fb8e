"""``LiveService``: live calls, the journal and the frame stream of the logged-in user,
wired over the event pipeline, the bus and the frame log."""

from __future__ import annotations

from typing import Any

from cloudcti.app.bus import EventBus, InProcessBus
from cloudcti.app.clock import Clock
from cloudcti.app.frames import FrameHub, FrameLog
from cloudcti.app.pipeline import EventPipeline
from cloudcti.app.views import call_json, journal_json
from cloudcti.store import Store

__all__ = ["JOURNAL_MAX_LIMIT", "LiveService"]

JOURNAL_MAX_LIMIT = 500


class LiveService:
    """What users see live: their calls, their journal, their WebSocket frames."""

    def __init__(self, store: Store, clock: Clock, bus: EventBus | None = None) -> None:
        self._store = store
        self.bus = bus or InProcessBus()
        self.pipeline = EventPipeline(store, self.bus, clock)
        self.frames = FrameLog(store, FrameHub(), clock)
        self.bus.subscribe(self.frames.on_message)

    def start(self) -> None:
        """Start the frame writer."""
        self.frames.start()

    async def stop(self) -> None:
        """Stop the event pipeline and the frame writer."""
        await self.pipeline.stop()
        await self.frames.stop()

    async def calls(self, user_id: str) -> list[dict[str, Any]]:
        """The current calls on the user's lines (CONTRACT.md ``Call``), oldest first."""
        async with self._store.read() as tx:
            line_ids = [line.id for line in await tx.lines.all(user_id=user_id)]
        states = self.pipeline.states
        calls = [c for lid in line_ids if lid in states for c in states[lid].calls]
        calls.sort(key=lambda c: (c.created_at, c.id))
        return [call_json(c) for c in calls]

    async def journal(
        self,
        user_id: str,
        limit: int = 50,
        *,
        before: str | None = None,
        direction: str | None = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        """The user's journal entries, newest first, older than entry ``before``."""
        async with self._store.read() as tx:
            records = await tx.journal.newest_for_user(
                user_id,
                min(limit, JOURNAL_MAX_LIMIT),
                before=before,
                direction=direction,
                status=status,
            )
        return [journal_json(r) for r in records]
