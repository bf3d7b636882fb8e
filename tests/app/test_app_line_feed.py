"""``feed_services`` (``EventPipeline.apply_services``): service settings read from the PBX
land in the pipeline's line state even when a batch of events for the same line is in
flight (the feed waits for it, so the batch cannot overwrite the read), and a feed never
undoes a later event. Real SQLite store; the in-flight batch is held at its commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pytest

from cloudcti.app.bus import BusMessage, InProcessBus, LineEvents
from cloudcti.app.line_feed import feed_services
from cloudcti.app.pipeline import EventPipeline
from cloudcti.domain.events import ForwardingUpdated
from cloudcti.store import (
    DialingParametersRecord,
    GatewayRecord,
    LineRecord,
    Store,
    Transaction,
    UserRecord,
    load_keyring,
)
from cloudcti.xsi import CallAnsweredEvent, DoNotDisturb, DoNotDisturbEvent, VoiceMessaging
from tests.domain.domain_factories import T0, Subscription, answered, leg
from tests.store.store_fixtures import FAST_HASHING

GATEWAY = "gw-1"
LINE = "l-alice"
PBX_USER = "alice@example.net"


class HeldCommit:
    """The real store; while ``hold`` is set, the next transaction waits before committing
    (``entered`` tells when it got there) until ``release`` is set."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.hold = False
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    @property
    def lines_version(self) -> int:
        return self.store.lines_version

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        held, self.hold = self.hold, False
        async with self.store.transaction() as tx:
            yield tx
            if held:
                self.entered.set()
                await self.release.wait()


@dataclass
class Rig:
    store: HeldCommit
    pipeline: EventPipeline
    sub: Subscription = field(default_factory=Subscription)
    published: list[BusMessage] = field(default_factory=list)

    def forwarding_events(self) -> list[ForwardingUpdated]:
        return [
            e
            for m in self.published
            if isinstance(m, LineEvents)
            for e in m.events
            if isinstance(e, ForwardingUpdated)
        ]


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    keyring = load_keyring(tmp_path, {"CLOUDCTI_SECRET_KEY": "A" * 43})
    store = await Store.open(keyring, data_dir=tmp_path, hashing=FAST_HASHING)
    async with store.transaction() as tx:
        await tx.dialing_parameters.add(
            DialingParametersRecord(id="dp-1", name="München", country_code="49", area_code="89")
        )
        await tx.gateways.add(
            GatewayRecord(
                id=GATEWAY,
                name="PBX",
                xsi_urls=("https://xsi.example.net",),
                dialing_parameters_id="dp-1",
                monitoring_username="monitor@example.net",
            ),
            monitoring_password="monitor-password",
        )
        await tx.users.add(UserRecord("u-alice", "alice", "Alice"), password="alice-login-1")
        await tx.lines.add(
            LineRecord(LINE, GATEWAY, PBX_USER, "+4989887766771", "Alice", user_id="u-alice")
        )
    held = HeldCommit(store)
    bus = InProcessBus()
    pipeline = EventPipeline(cast(Store, held), bus, lambda: T0 + 30_000)
    found = Rig(held, pipeline)
    bus.subscribe(found.published.append)
    try:
        await pipeline.handle(GATEWAY, found.sub.snapshot(leg("callhalf-1:0")))
        yield found
    finally:
        await pipeline.stop()
        await store.close()


async def feed_during_a_held_batch(rig: Rig, *infos: DoNotDisturb | VoiceMessaging) -> None:
    """A call event's batch is held at its commit while ``infos`` are fed; then it commits."""
    rig.store.hold = True
    event = rig.sub.call(CallAnsweredEvent, answered(leg("callhalf-1:0"), T0 + 5_000))
    batch = asyncio.create_task(rig.pipeline.handle(GATEWAY, event))
    await rig.store.entered.wait()
    feed = asyncio.create_task(
        feed_services(rig.pipeline, GATEWAY, PBX_USER, list(infos), T0 + 6_000)
    )
    await asyncio.sleep(0.05)
    assert not feed.done()  # it waits for the batch
    rig.store.release.set()
    await batch
    fed = await feed
    assert fed is not None
    rig.published.append(fed.message)


async def test_a_feed_during_a_batch_in_flight_is_applied_after_it(rig: Rig) -> None:
    await feed_during_a_held_batch(rig, DoNotDisturb(True))
    state = rig.pipeline.states[LINE]
    assert state.forwarding.dnd.enabled is True
    assert state.calls[0].state.value == "active"  # the batch's own change is kept too
    assert rig.forwarding_events()[-1].forwarding.dnd.enabled is True


async def test_a_feed_does_not_undo_a_later_event(rig: Rig) -> None:
    await feed_during_a_held_batch(rig, VoiceMessaging(True, always_redirect_to_voice_mail=True))
    assert rig.pipeline.states[LINE].forwarding.voicemail.enabled is True
    dnd_on = rig.sub.service(DoNotDisturbEvent, info=DoNotDisturb(True))
    await rig.pipeline.handle(GATEWAY, dnd_on)
    dnd_off = rig.sub.service(DoNotDisturbEvent, info=DoNotDisturb(False))
    await rig.pipeline.handle(GATEWAY, dnd_off)
    forwarding = rig.pipeline.states[LINE].forwarding
    assert forwarding.dnd.enabled is False
    assert forwarding.voicemail.enabled is True


async def test_an_unknown_line_is_none(rig: Rig) -> None:
    unknown = await feed_services(rig.pipeline, GATEWAY, "nobody@example.net", [], T0)
    assert unknown is None
