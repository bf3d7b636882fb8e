"""Per-user WebSocket frames (CONTRACT.md §3): domain events from the bus become frames
``{seq, type, data}`` with a per-user ``seq``, kept in the store's frame log for resume, then
handed to the user's live connections (``FrameHub``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cloudcti.app.bus import BusMessage, UserFrame
from cloudcti.app.clock import Clock
from cloudcti.app.views import call_json, journal_json, journal_record
from cloudcti.domain.events import (
    CallCreated,
    CallEnded,
    CallUpdated,
    DomainEvent,
    JournalEntryCreated,
)
from cloudcti.store import FrameRecord, Store

__all__ = ["MAX_PENDING_FRAMES", "Connection", "Frame", "FrameHub", "FrameLog", "frame_data"]

PRUNE_EVERY = 200
MAX_WRITE_BATCH = 200
"""Bus messages whose frames are stored in one transaction (those queued meanwhile)."""
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame of a user's stream; ``data`` is the JSON object of its type."""

    seq: int
    type: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The frame as sent on the WebSocket."""
        return {"seq": self.seq, "type": self.type, "data": self.data}


def frame_data(event: DomainEvent, user_id: str) -> dict[str, Any] | None:
    """The frame data of a domain event a user sees; ``None`` for events not sent (yet)."""
    if isinstance(event, CallCreated | CallUpdated | CallEnded):
        return call_json(event.call)
    if isinstance(event, JournalEntryCreated):
        return journal_json(journal_record(event.entry, user_id))
    return None


MAX_PENDING_FRAMES = 1000
"""Frames a connection may have waiting to be sent; beyond that it is ``overflowed``."""


class Connection:
    """One live connection of a user: its frames not yet sent, and whether it fell too far
    behind (then it receives nothing more and should be closed; the client resumes)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Frame] = asyncio.Queue()
        self.overflowed = asyncio.Event()

    def overflow(self) -> None:
        """Drop the waiting frames and mark the connection as fallen behind."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.overflowed.set()


class FrameHub:
    """The live connections of every user; each holds at most ``max_pending`` unsent frames,
    so a client that does not read costs bounded memory."""

    def __init__(self, max_pending: int | None = None) -> None:
        self.max_pending = MAX_PENDING_FRAMES if max_pending is None else max_pending
        self._connections: dict[str, set[Connection]] = {}

    @contextlib.contextmanager
    def connect(self, user_id: str) -> Iterator[Connection]:
        """A connection receiving the user's frames from now on, for the block's duration."""
        connection = Connection()
        self._connections.setdefault(user_id, set()).add(connection)
        try:
            yield connection
        finally:
            self._drop(user_id, connection)

    def connections(self, user_id: str) -> int:
        """How many live connections the user has."""
        return len(self._connections.get(user_id, ()))

    def deliver(self, user_id: str, frames: list[Frame]) -> None:
        """Hand frames to every live connection of the user; a connection that would hold
        more than ``max_pending`` is overflowed and dropped instead."""
        for connection in list(self._connections.get(user_id, ())):
            if connection.queue.qsize() + len(frames) > self.max_pending:
                connection.overflow()
                self._drop(user_id, connection)
                continue
            for frame in frames:
                connection.queue.put_nowait(frame)

    def _drop(self, user_id: str, connection: Connection) -> None:
        connections = self._connections.get(user_id, set())
        connections.discard(connection)
        if not connections:
            self._connections.pop(user_id, None)


class FrameLog:
    """Numbers, stores and delivers frames, in bus order, from one background task."""

    def __init__(self, store: Store, hub: FrameHub, clock: Clock) -> None:
        self._store = store
        self.hub = hub
        self._clock = clock
        self._latest: dict[str, int] = {}
        self._inbox: asyncio.Queue[BusMessage] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.writes = 0
        """Transactions written so far (for tests and benchmarks)."""

    def on_message(self, message: BusMessage) -> None:
        """The bus subscriber: queue the message for the background task."""
        if message.user_id is not None:
            self._inbox.put_nowait(message)

    def start(self) -> None:
        """Start writing frames in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="cloudcti frames")

    async def stop(self) -> None:
        """Stop the background task (queued messages are dropped; clients resync)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def idle(self) -> None:
        """Return once every queued message is written and delivered."""
        await self._inbox.join()

    async def latest_seq(self, user_id: str) -> int:
        """The user's latest ``seq`` (0 before the first frame)."""
        if user_id not in self._latest:
            async with self._store.read() as tx:
                self._latest.setdefault(user_id, await tx.frames.latest_seq(user_id))
        return self._latest[user_id]

    async def since(self, user_id: str, seq: int) -> list[Frame] | None:
        """The user's frames after ``seq``; ``None`` if some are no longer kept."""
        async with self._store.read() as tx:
            records = await tx.frames.since(user_id, seq)
        if records is None:
            return None
        return [Frame(r.seq, r.type, json.loads(r.data)) for r in records]

    async def _run(self) -> None:
        while True:
            messages = [await self._inbox.get()]
            while len(messages) < MAX_WRITE_BATCH and not self._inbox.empty():
                messages.append(self._inbox.get_nowait())
            try:
                await self._write(messages)
            except Exception:  # one failed write must not end the stream; clients resync
                _log.exception("writing frames failed")
            finally:
                for _ in messages:
                    self._inbox.task_done()

    async def _write(self, messages: list[BusMessage]) -> None:
        """Number the messages' frames per user, store them in one transaction, then hand
        them to the connections (so a frame is only seen once it can be resumed from)."""
        unknown = {m.user_id for m in messages if m.user_id is not None} - self._latest.keys()
        if unknown:  # one read for every user new to this process, not one each
            async with self._store.read() as tx:
                for newcomer in sorted(unknown):
                    self._latest[newcomer] = await tx.frames.latest_seq(newcomer)
        numbered: dict[str, list[Frame]] = {}
        for message in messages:
            user_id = message.user_id
            if user_id is None:
                continue
            frames = numbered.setdefault(user_id, [])
            seq = frames[-1].seq if frames else await self.latest_seq(user_id)
            for type, data in _frames_of(message, user_id):
                seq += 1
                frames.append(Frame(seq, type, data))
        numbered = {user_id: frames for user_id, frames in numbered.items() if frames}
        if not numbered:
            return
        now = self._clock()
        async with self._store.transaction() as tx:
            await tx.frames.append_all(
                {
                    user_id: [FrameRecord(f.seq, f.type, json.dumps(f.data), now) for f in frames]
                    for user_id, frames in numbered.items()
                }
            )
            self.writes += 1
            if self.writes % PRUNE_EVERY == 0:
                await tx.frames.prune(now)
        for user_id, frames in numbered.items():
            self._latest[user_id] = frames[-1].seq
            self.hub.deliver(user_id, frames)


def _frames_of(message: BusMessage, user_id: str) -> list[tuple[str, dict[str, Any]]]:
    """``(type, data)`` of every frame a bus message makes for ``user_id``."""
    if isinstance(message, UserFrame):
        return [(message.type, message.data)]
    found = ((event.type, frame_data(event, user_id)) for event in message.events)
    return [(type, data) for type, data in found if data is not None]
