"""The event pipeline: one PBX event → de-duplicated by ``eventID`` → the line's reducer →
durable effects (journal) in one transaction → published on the bus.

``handle`` returns only once the effects are committed, so the runtime acks after that
(DESIGN.md). Line state lives in memory and is rebuilt from the PBX's snapshots after a
restart; the reduced state is kept only once its transaction committed, so a failed commit
leaves the event unacked and a redelivery is applied afresh."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace

from cloudcti.app.bus import EventBus, LineEvents
from cloudcti.app.clock import Clock
from cloudcti.app.line_book import LineBook, LineInfo
from cloudcti.app.views import journal_record
from cloudcti.domain.events import DomainEvent, JournalEntryCreated
from cloudcti.domain.lines import LineState
from cloudcti.store import Store, Transaction
from cloudcti.xsi import SubscriptionEvent

__all__ = ["EventPipeline"]

PRUNE_EVERY = 500
KEEP_EVENT_IDS = 10_000
KEEP_EVENT_IDS_MS = 3_600_000


class EventPipeline:
    """Applies PBX events to the in-memory line states; one event at a time per gateway."""

    def __init__(self, store: Store, bus: EventBus, clock: Clock) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        self.book = LineBook(store)
        self._states: dict[str, LineState] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._handled = 0

    @property
    def states(self) -> Mapping[str, LineState]:
        """The current state of every line that has seen an event, by line id."""
        return self._states

    def gateway_changed(self, gateway_id: str) -> None:
        """Reload the gateway's lines on its next event (lines added, removed, reassigned)."""
        self.book.invalidate(gateway_id)

    async def handle(self, gateway_id: str, event: SubscriptionEvent) -> None:
        """Apply ``event`` durably, then publish what it did; a duplicate does nothing."""
        lock = self._locks.setdefault(gateway_id, asyncio.Lock())
        async with lock:
            message = await self._apply(gateway_id, event)
        if message is not None and message.events:
            self._bus.publish(message)

    async def _apply(self, gateway_id: str, event: SubscriptionEvent) -> LineEvents | None:
        envelope = event.envelope
        target = envelope.target_id or envelope.user_id
        now = self._clock()
        async with self._store.transaction() as tx:
            if not await tx.processed_events.mark(gateway_id, [event.event_id], now):
                return None
            info = await self.book.find(tx, gateway_id, target)
            if info is None:
                return None
            new_state, events = self._state_of(info).apply(event, now)
            line = await tx.lines.get(info.line_id)
            user_id = line.user_id if line is not None else None
            await _journal(tx, events, user_id)
            await self._prune(tx, gateway_id, now)
        self._states[info.line_id] = new_state
        return LineEvents(info.line_id, user_id, tuple(events))

    def _state_of(self, info: LineInfo) -> LineState:
        state = self._states.get(info.line_id)
        if state is None:
            return LineState.new(info.config)
        if state.config != info.config:
            return replace(state, config=info.config)
        return state

    async def _prune(self, tx: Transaction, gateway_id: str, now: int) -> None:
        self._handled += 1
        if self._handled % PRUNE_EVERY == 0:
            await tx.processed_events.prune(
                gateway_id, keep=KEEP_EVENT_IDS, older_than=now - KEEP_EVENT_IDS_MS
            )


async def _journal(tx: Transaction, events: Sequence[DomainEvent], user_id: str | None) -> None:
    """Store each new journal entry once (an id already stored is skipped)."""
    entries = [e.entry for e in events if isinstance(e, JournalEntryCreated)]
    records = [
        journal_record(entry, user_id)
        for entry in entries
        if await tx.journal.get(entry.id) is None
    ]
    await tx.journal.add_many(records)
