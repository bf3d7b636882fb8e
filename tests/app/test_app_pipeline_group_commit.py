"""Group commit in the event pipeline: events arriving together are applied in one
transaction, in arrival order, each ``handle`` returning only after that commit. A commit that
fails leaves every event of the batch unapplied (``handle`` raises, so the runtime does not ack
it: nothing published, nothing journaled, no state changed) and the PBX's redelivery of them
is then applied exactly once. Real SQLite store; the failure is injected at commit time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pytest

from cloudcti.app.bus import BusMessage, InProcessBus, LineEvents
from cloudcti.app.pipeline import EventPipeline
from cloudcti.domain.events import CallEnded, JournalEntryCreated
from cloudcti.store import (
    Store,
    Transaction,
)
from cloudcti.xsi import (
    CallAnsweredEvent,
    CallHeldEvent,
    CallReleasedEvent,
    SubscriptionEvent,
)
from tests.app.one_line_store import GATEWAY, LINE, USER, one_line_store
from tests.domain.domain_factories import T0, Subscription, answered, held, leg, released


class FailingCommits:
    """The real store whose transactions fail at commit (rolled back) while ``failing``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.failing = False
        self.failed = 0

    @property
    def lines_version(self) -> int:
        return self.store.lines_version

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self.store.transaction() as tx:
            yield tx
            if self.failing:
                self.failed += 1
                raise OSError("disk I/O error (injected at commit)")


@dataclass
class Rig:
    store: Store
    faults: FailingCommits
    pipeline: EventPipeline
    published: list[BusMessage] = field(default_factory=list)

    async def together(self, events: list[SubscriptionEvent]) -> list[BaseException | None]:
        """Deliver the events at once (as several channels would); each one's outcome."""
        calls: list[Awaitable[None]] = [self.pipeline.handle(GATEWAY, e) for e in events]
        return list(await asyncio.gather(*calls, return_exceptions=True))

    async def journal_size(self) -> int:
        async with self.store.transaction() as tx:
            return len(await tx.journal.newest_for_user(USER, 500))


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    store = await one_line_store(tmp_path)
    faults = FailingCommits(store)
    bus = InProcessBus()
    clock: Callable[[], int] = lambda: T0 + 30_000  # noqa: E731
    found = Rig(store, faults, EventPipeline(cast(Store, faults), bus, clock))
    bus.subscribe(found.published.append)
    try:
        yield found
    finally:
        await found.pipeline.stop()
        await store.close()


def _call() -> list[SubscriptionEvent]:
    s = Subscription()
    ringing = leg("callhalf-1:0")
    talk = answered(ringing, T0 + 5_000)
    return [
        s.snapshot(ringing),
        s.call(CallAnsweredEvent, talk),
        s.call(CallHeldEvent, held(talk, T0 + 8_000)),
        s.call(CallReleasedEvent, released(talk, T0 + 20_000)),
    ]


async def test_events_arriving_together_are_one_transaction_in_order(rig: Rig) -> None:
    outcomes = await rig.together(_call())
    assert outcomes == [None, None, None, None]
    assert rig.pipeline.batches == [4]
    assert await rig.journal_size() == 1
    assert rig.pipeline.states[LINE].calls == ()  # applied in order: released last
    kinds = [type(e) for m in rig.published if isinstance(m, LineEvents) for e in m.events]
    assert CallEnded in kinds
    assert JournalEntryCreated in kinds


async def test_a_batch_is_bounded(rig: Rig) -> None:
    small = EventPipeline(rig.store, InProcessBus(), lambda: T0, max_batch=3)
    try:
        calls = [small.handle(GATEWAY, e) for e in _call()]
        assert await asyncio.gather(*calls) == [None, None, None, None]
        assert small.batches == [3, 1]
    finally:
        await small.stop()


async def test_a_failed_commit_leaves_the_whole_batch_unapplied_and_redelivery_works(
    rig: Rig,
) -> None:
    events = _call()
    rig.faults.failing = True
    outcomes = await rig.together(events)
    assert all(isinstance(o, OSError) for o in outcomes), outcomes
    assert rig.faults.failed == 5  # the batch, then each event on its own
    assert rig.published == []
    assert rig.pipeline.states == {}
    assert await rig.journal_size() == 0

    rig.faults.failing = False
    assert await rig.together(events) == [None, None, None, None]  # the PBX redelivers
    assert await rig.journal_size() == 1
    assert rig.pipeline.states[LINE].calls == ()
    published = list(rig.published)
    assert published

    assert await rig.together(events) == [None, None, None, None]  # and again: duplicates
    assert rig.published == published
    assert await rig.journal_size() == 1
