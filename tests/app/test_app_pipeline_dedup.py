"""The event pipeline applies each PBX ``eventID`` once: a redelivered event (the runtime
acks only after the commit, so the PBX may send it again) publishes nothing and writes no
second journal entry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cloudcti.app.bus import BusMessage, InProcessBus, LineEvents
from cloudcti.app.pipeline import EventPipeline
from cloudcti.domain.events import JournalEntryCreated
from cloudcti.store import (
    Store,
)
from cloudcti.xsi import (
    CallAnsweredEvent,
    CallHeldEvent,
    CallReleasedEvent,
    SubscriptionEvent,
)
from tests.app.one_line_store import GATEWAY, LINE, USER, one_line_store
from tests.domain.domain_factories import T0, Subscription, answered, held, leg, released


@dataclass
class Rig:
    store: Store
    pipeline: EventPipeline
    published: list[BusMessage] = field(default_factory=list)
    now: int = T0

    async def deliver(self, event: SubscriptionEvent) -> None:
        self.now += 1_000
        await self.pipeline.handle(GATEWAY, event)

    async def journal_size(self) -> int:
        async with self.store.transaction() as tx:
            return len(await tx.journal.newest_for_user(USER, 500))


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    store = await one_line_store(tmp_path)
    bus = InProcessBus()
    found = Rig(store, EventPipeline(store, bus, lambda: found.now))
    bus.subscribe(found.published.append)
    try:
        yield found
    finally:
        await store.close()


async def test_a_redelivered_event_publishes_nothing_and_journals_nothing(rig: Rig) -> None:
    s = Subscription()
    ringing = leg("callhalf-1:0")
    talk = answered(ringing, T0 + 5_000)
    snapshot = s.snapshot(ringing)  # the PBX's picture: applied again it would revive the call
    answer = s.call(CallAnsweredEvent, talk)
    hold = s.call(CallHeldEvent, held(talk, T0 + 8_000))
    ended = s.call(CallReleasedEvent, released(talk, T0 + 20_000))
    for event in (snapshot, answer, hold, ended):
        await rig.deliver(event)
    last = rig.published[-1]
    assert isinstance(last, LineEvents)
    assert any(isinstance(e, JournalEntryCreated) for e in last.events)
    assert await rig.journal_size() == 1
    assert rig.pipeline.states[LINE].calls == ()
    published = list(rig.published)

    for event in (snapshot, answer, hold, ended):  # every one delivered again, same eventID
        await rig.deliver(event)
    assert rig.published == published
    assert await rig.journal_size() == 1
    assert rig.pipeline.states[LINE].calls == ()


async def test_an_event_twice_in_one_batch_is_applied_once(rig: Rig) -> None:
    s = Subscription()
    ringing = leg("callhalf-1:0")
    talk = answered(ringing, T0 + 5_000)
    snapshot = s.snapshot(ringing)  # applied again after the hang-up it would revive the call
    answer = s.call(CallAnsweredEvent, talk)
    ended = s.call(CallReleasedEvent, released(talk, T0 + 20_000))
    rig.now += 1_000
    await asyncio.gather(
        *(rig.pipeline.handle(GATEWAY, e) for e in (snapshot, answer, ended, snapshot))
    )
    assert rig.pipeline.batches[-1] == 4  # all in one transaction
    assert rig.pipeline.states[LINE].calls == ()
    assert await rig.journal_size() == 1
