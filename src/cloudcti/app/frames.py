"""Per-user WebSocket frames (CONTRACT.md §3): domain events from the bus become frames
``{seq, type, data}`` with a per-user ``seq``, kept in the store's frame log for resume, then
handed to the user's live connections (``FrameHub``).

Calls come first: ``presence_updated`` frames (one per colleague for every change) are
written in slices of at most ``MAX_BULK_FRAMES``, only after everything else queued and at
most ``BULK_FRAMES_PER_S``, so a wave of presence never holds back a call frame for longer
than one slice. A frame's data
is encoded to JSON once and shared by every viewer who gets the same data."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
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

PRUNE_STEP = 100
"""A user's old frames are pruned each time their ``seq`` passes a multiple of this."""
MAX_WRITE_BATCH = 200
"""Bus messages whose frames are stored in one transaction (those queued meanwhile)."""
MAX_BULK_FRAMES = 100
"""Presence frames stored in one transaction, after the other frames queued."""
BULK_FRAMES_PER_S = 4000.0
"""Presence frames are written and sent at most this fast, evenly: a wave of them takes the
event loop in short slices between call events instead of all at once."""
BULK_TYPES = frozenset({"presence_updated"})
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame of a user's stream; ``data`` is the JSON object of its type."""

    seq: int
    type: str
    data: dict[str, Any]
    encoded: str = ""
    """``data`` as JSON, if already encoded."""

    def to_json(self) -> dict[str, Any]:
        """The frame as sent on the WebSocket."""
        return {"seq": self.seq, "type": self.type, "data": self.data}

    def to_text(self) -> str:
        """The frame as JSON text, reusing ``encoded``."""
        data = self.encoded or encode(self.data)
        return f'{{"seq":{self.seq},"type":{encode(self.type)},"data":{data}}}'


def encode(value: Any) -> str:
    """Compact JSON, as Starlette's ``send_json`` writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


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
    """Numbers, stores and delivers frames from one background task: per user in bus order,
    except that presence frames wait behind the others (module docstring)."""

    def __init__(self, store: Store, hub: FrameHub, clock: Clock) -> None:
        self._store = store
        self.hub = hub
        self._clock = clock
        self._latest: dict[str, int] = {}
        self._urgent: deque[BusMessage] = deque()
        self._bulk: deque[BusMessage] = deque()
        self._next_bulk = 0.0  # loop time from which the next presence slice may go
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.writes = 0
        """Transactions written so far (for tests and benchmarks)."""

    def on_message(self, message: BusMessage) -> None:
        """The bus subscriber: queue the message for the background task."""
        if message.user_id is None:
            return
        if isinstance(message, UserFrame) and message.type in BULK_TYPES:
            self._bulk.append(message)
        else:
            self._urgent.append(message)
        self._idle.clear()
        self._wake.set()

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
        await self._idle.wait()

    @property
    def backlog(self) -> int:
        """Messages queued and not written yet."""
        return len(self._urgent) + len(self._bulk)

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
        return [Frame(r.seq, r.type, json.loads(r.data), r.data) for r in records]

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._urgent and not self._bulk:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            messages = self._take(loop.time())
            if not messages:  # only presence frames, and their next slice is not due yet
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._next_bulk - loop.time())
                continue
            try:
                await self._write(messages)
            except Exception:  # one failed write must not end the stream; clients resync
                _log.exception("writing frames failed")
            await asyncio.sleep(0)  # let the connections send this slice before the next

    def _take(self, now: float) -> list[BusMessage]:
        """The next slice: what is urgent, then presence frames if their slice is due."""
        messages: list[BusMessage] = []
        while self._urgent and len(messages) < MAX_WRITE_BATCH:
            messages.append(self._urgent.popleft())
        if self._bulk and now >= self._next_bulk:
            bulk = 0
            while self._bulk and bulk < MAX_BULK_FRAMES:
                messages.append(self._bulk.popleft())
                bulk += 1
            self._next_bulk = now + bulk / BULK_FRAMES_PER_S
        return messages

    async def _write(self, messages: list[BusMessage]) -> None:
        """Number the messages' frames per user, store them in one transaction, then hand
        them to the connections (so a frame is only seen once it can be resumed from)."""
        unknown = {m.user_id for m in messages if m.user_id is not None} - self._latest.keys()
        if unknown:  # one read for every user new to this process, not one each
            async with self._store.read() as tx:
                for newcomer in sorted(unknown):
                    self._latest[newcomer] = await tx.frames.latest_seq(newcomer)
        numbered: dict[str, list[Frame]] = {}
        encoded: dict[int, tuple[object, str]] = {}  # viewers share presence data objects
        for message in messages:
            user_id = message.user_id
            if user_id is None:
                continue
            frames = numbered.setdefault(user_id, [])
            seq = frames[-1].seq if frames else await self.latest_seq(user_id)
            for type, data in _frames_of(message, user_id):
                known = encoded.get(id(data))
                if known is not None and known[0] is data:
                    text = known[1]
                else:
                    text = encode(data)
                    encoded[id(data)] = (data, text)
                seq += 1
                frames.append(Frame(seq, type, data, text))
        numbered = {user_id: frames for user_id, frames in numbered.items() if frames}
        if not numbered:
            return
        now = self._clock()
        async with self._store.transaction() as tx:
            await tx.frames.append_all(
                {
                    user_id: [FrameRecord(f.seq, f.type, f.encoded, now) for f in frames]
                    for user_id, frames in numbered.items()
                }
            )
            self.writes += 1
            for user_id, frames in numbered.items():
                if frames[-1].seq // PRUNE_STEP != (frames[0].seq - 1) // PRUNE_STEP:
                    await tx.frames.prune_user(user_id, frames[-1].seq, now)
        for user_id, frames in numbered.items():
            self._latest[user_id] = frames[-1].seq
            self.hub.deliver(user_id, frames)


def _frames_of(message: BusMessage, user_id: str) -> list[tuple[str, dict[str, Any]]]:
    """``(type, data)`` of every frame a bus message makes for ``user_id``."""
    if isinstance(message, UserFrame):
        return [(message.type, message.data)]
    found = ((event.type, frame_data(event, user_id)) for event in message.events)
    return [(type, data) for type, data in found if data is not None]
