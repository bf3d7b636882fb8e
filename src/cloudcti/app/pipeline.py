"""The event pipeline: PBX events → de-duplicated by ``eventID`` → the line's reducer →
durable effects (journal) → published on the bus, with group commit.

``handle`` queues the event and returns only once its transaction committed (or raises), so
the runtime acks after that (DESIGN.md). One background task takes the queued events in
arrival order (so per line in order) and applies up to ``max_batch`` of them in one
transaction. The wait for company is bounded and only under load: when the previous batch
held more than one event it waits up to ``max_wait_s`` for more; a lone event is never held
back. If a batch's commit fails, each of its events is applied again in a transaction of its
own, so one failing event cannot fail the others; an event whose transaction fails makes its
``handle`` raise (unacked, the PBX redelivers it).

Line state lives in memory and is rebuilt from the PBX's snapshots after a restart; the
reduced state is kept only once its transaction committed, so a failed commit changes
nothing and a redelivery is applied afresh. The one part the PBX cannot give back — the
conversation a live leg carries on from earlier legs (call pull, relocate:
``LineState.carried``) — is stored in the transaction of the event that changed it and
handed back to the line's state when it is first built after a restart
(``LineState.with_carried``), so the journal still has that conversation once, whole."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from cloudcti.app.bus import EventBus, LineEvents
from cloudcti.app.clock import Clock
from cloudcti.app.line_book import LineBook, LineInfo
from cloudcti.app.views import journal_record
from cloudcti.domain.events import DomainEvent, JournalEntryCreated
from cloudcti.domain.forwarding import ServiceInfo
from cloudcti.domain.journal import CallHistory, history_from_data, history_to_data
from cloudcti.domain.lines import LineState
from cloudcti.store import Store, Transaction
from cloudcti.xsi import SubscriptionEvent

__all__ = ["MAX_BATCH", "MAX_WAIT_S", "EventPipeline"]

PRUNE_EVERY = 500
KEEP_EVENT_IDS = 10_000
KEEP_EVENT_IDS_MS = 3_600_000
MAX_BATCH = 100
MAX_WAIT_S = 0.005
_log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Pending:
    gateway_id: str
    event: SubscriptionEvent
    done: asyncio.Future[None]


class EventPipeline:
    """Applies PBX events to the in-memory line states, in arrival order, in group commits."""

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        clock: Clock,
        *,
        max_batch: int = MAX_BATCH,
        max_wait_s: float = MAX_WAIT_S,
    ) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self.book = LineBook(store)
        self._states: dict[str, LineState] = {}
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._handled = 0
        self._busy = False
        self._lock = asyncio.Lock()  # a batch and a service feed never interleave
        self.batches: list[int] = []
        """Sizes of the last committed batches (at most 100 kept), for tests and benchmarks."""

    @property
    def states(self) -> Mapping[str, LineState]:
        """The current state of every line that has seen an event, by line id."""
        return self._states

    def gateway_changed(self, gateway_id: str) -> None:
        """Reload the gateway's lines on its next event (lines added, removed, reassigned)."""
        self.book.invalidate(gateway_id)

    async def handle(self, gateway_id: str, event: SubscriptionEvent) -> None:
        """Apply ``event`` durably, then publish what it did; a duplicate does nothing.
        Raises what made its transaction fail (the event was not applied)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="cloudcti event pipeline")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(gateway_id, event, done))
        await done

    async def stop(self) -> None:
        """End the background task; events still queued fail (they stay unacked)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        while not self._queue.empty():
            pending = self._queue.get_nowait()
            if not pending.done.done():
                pending.done.set_exception(RuntimeError("the event pipeline stopped"))

    async def _run(self) -> None:
        while True:
            batch = await self._next_batch()
            try:
                await self._commit(batch)
            except asyncio.CancelledError:
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(RuntimeError("the event pipeline stopped"))
                raise
            await asyncio.sleep(0)  # the database does not yield (inline SQLite): others run

    async def _next_batch(self) -> list[_Pending]:
        batch = [await self._queue.get()]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self._max_wait_s if self._busy else 0.0)
        while len(batch) < self._max_batch:
            if self._queue.empty():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    batch.append(await asyncio.wait_for(self._queue.get(), remaining))
                continue
            batch.append(self._queue.get_nowait())
        self._busy = len(batch) > 1
        return batch

    async def _commit(self, batch: list[_Pending]) -> None:
        try:
            messages = await self._apply_all(batch)
        except Exception as error:
            if len(batch) == 1:
                if not batch[0].done.done():  # its caller may have been cancelled
                    batch[0].done.set_exception(error)
                return
            for pending in batch:  # one by one: a failing event must not fail the others
                await self._commit([pending])
            return
        for message in messages:
            if message.events:
                self._bus.publish(message)
        self.batches = [*self.batches[-99:], len(batch)]
        for pending in batch:
            if not pending.done.done():
                pending.done.set_result(None)

    async def _apply_all(self, batch: list[_Pending]) -> list[LineEvents]:
        """Apply the batch in one transaction; the states are kept once it committed."""
        scratch: dict[str, LineState] = {}
        messages: list[LineEvents] = []
        now = self._clock()
        async with self._lock:
            async with self._store.transaction() as tx:
                fresh = await _mark_processed(tx, batch, now)
                for pending in batch:
                    new_ids = fresh[pending.gateway_id]
                    if pending.event.event_id not in new_ids:
                        continue  # seen before, or earlier in this batch
                    new_ids.discard(pending.event.event_id)
                    message = await self._apply(tx, pending.gateway_id, pending.event, scratch, now)
                    if message is not None:
                        messages.append(message)
                await self._prune(tx, {p.gateway_id for p in batch}, now, len(batch))
            self._states.update(scratch)
        return messages

    async def apply_services(
        self, gateway_id: str, pbx_user_id: str, infos: Sequence[ServiceInfo], now: int
    ) -> tuple[LineState, LineEvents] | None:
        """Apply service settings read from the PBX (Xsi-Actions ``GET services/…``) to the
        line of ``pbx_user_id`` as if an event had carried them, never interleaved with a
        batch; the new state and what changed. ``None`` if the gateway has no such line."""
        async with self._lock:
            async with self._store.transaction() as tx:
                info = await self.book.find(tx, gateway_id, pbx_user_id)
                if info is None:
                    return None
                state = await self._state_of(tx, info, {})
            events: list[DomainEvent] = []
            for service in infos:
                state, found = state.with_service(service, now)
                events.extend(found)
            self._states[info.line_id] = state
        return state, LineEvents(info.line_id, info.user_id, tuple(events))

    async def _apply(
        self,
        tx: Transaction,
        gateway_id: str,
        event: SubscriptionEvent,
        scratch: dict[str, LineState],
        now: int,
    ) -> LineEvents | None:
        envelope = event.envelope
        target = envelope.target_id or envelope.user_id
        info = await self.book.find(tx, gateway_id, target)
        if info is None:
            return None
        state = await self._state_of(tx, info, scratch)
        new_state, events = state.apply(event, now)
        await _journal(tx, events, info.user_id)
        await _keep_carried(tx, info.line_id, state.carried, new_state.carried, now)
        scratch[info.line_id] = new_state
        return LineEvents(info.line_id, info.user_id, tuple(events))

    async def _state_of(
        self, tx: Transaction, info: LineInfo, scratch: Mapping[str, LineState]
    ) -> LineState:
        state = scratch.get(info.line_id) or self._states.get(info.line_id)
        if state is None:  # first seen since the start: with what an earlier run stored
            return LineState.new(info.config).with_carried(await _stored_carried(tx, info))
        if state.config != info.config:
            return replace(state, config=info.config)
        return state

    async def _prune(self, tx: Transaction, gateway_ids: set[str], now: int, count: int) -> None:
        before, self._handled = self._handled, self._handled + count
        if before // PRUNE_EVERY != self._handled // PRUNE_EVERY:
            for gateway_id in sorted(gateway_ids):
                await tx.processed_events.prune(
                    gateway_id, keep=KEEP_EVENT_IDS, older_than=now - KEEP_EVENT_IDS_MS
                )


async def _mark_processed(
    tx: Transaction, batch: Sequence[_Pending], now: int
) -> dict[str, set[str]]:
    """Record the batch's event ids as processed, one query per gateway; per gateway the ids
    not seen before."""
    ids: dict[str, list[str]] = {}
    for pending in batch:
        ids.setdefault(pending.gateway_id, []).append(pending.event.event_id)
    return {
        gateway_id: await tx.processed_events.mark(gateway_id, event_ids, now)
        for gateway_id, event_ids in ids.items()
    }


async def _stored_carried(tx: Transaction, info: LineInfo) -> dict[str, CallHistory]:
    """The carried conversations stored for the line (unreadable ones are skipped)."""
    found: dict[str, CallHistory] = {}
    for call_id, data in (await tx.carried_calls.for_line(info.line_id)).items():
        try:
            found[call_id] = history_from_data(data)
        except ValueError:
            _log.warning("skipping the unreadable carried history of call %s", call_id)
    return found


async def _keep_carried(
    tx: Transaction,
    line_id: str,
    old: Mapping[str, CallHistory],
    new: Mapping[str, CallHistory],
    now: int,
) -> None:
    """Store what changed between the line's carried conversations ``old`` and ``new``."""
    if not old and not new:
        return
    changed = {cid: history_to_data(h) for cid, h in new.items() if old.get(cid) != h}
    await tx.carried_calls.put(line_id, changed, now)
    await tx.carried_calls.delete(line_id, [cid for cid in old if cid not in new])


async def _journal(tx: Transaction, events: Sequence[DomainEvent], user_id: str | None) -> None:
    """Store each new journal entry once (an id already stored is skipped)."""
    entries = [e.entry for e in events if isinstance(e, JournalEntryCreated)]
    records = [
        journal_record(entry, user_id)
        for entry in entries
        if await tx.journal.get(entry.id) is None
    ]
    await tx.journal.add_many(records)
