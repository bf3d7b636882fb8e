"""The event pipeline and the line book on a real store, "restarted" by opening new ones
on the same database: a relocated call's carried history is stored with the event that
made it and handed back after the restart (one journal entry over the whole call, the row
deleted then); the voice portal number learnt before the restart is known after it; the
retention job purges carried histories a day old."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cloudcti.app.bus import InProcessBus
from cloudcti.app.line_book import LineBook
from cloudcti.app.pipeline import EventPipeline
from cloudcti.app.retention import CARRIED_KEEP_MS, RetentionJob
from cloudcti.app.voice_portal import VoicePortalWatch
from cloudcti.store import Store
from cloudcti.xsi import CallReleasedEvent, RedirectReason, SubscriptionEvent
from tests.app.one_line_store import GATEWAY, LINE, USER, one_line_store
from tests.domain.domain_factories import T0, Subscription, leg, redirected, released
from tests.domain.test_domain_carried_restore import END, relocated

PBX_USER = "alice@example.net"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await one_line_store(tmp_path)
    try:
        yield opened
    finally:
        await opened.close()


def pipeline(store: Store) -> EventPipeline:
    return EventPipeline(store, InProcessBus(), lambda: END + 5_000)


async def deliver(to: EventPipeline, *events: SubscriptionEvent) -> None:
    for event in events:
        await to.handle(GATEWAY, event)


async def stored(store: Store) -> set[str]:
    async with store.read() as tx:
        return set(await tx.carried_calls.for_line(LINE))


async def journal(store: Store) -> list[tuple[str, int, int | None, str]]:
    async with store.read() as tx:
        entries = await tx.journal.newest_for_user(USER, 10)
    return [(e.call_id, e.started_at, e.answered_at, e.status) for e in entries]


async def test_a_relocated_call_is_journalled_whole_across_a_restart(store: Store) -> None:
    s = Subscription()
    events, on_mobile = relocated(s)
    before = pipeline(store)
    await deliver(before, *events)
    assert await stored(store) == {"c:1"}
    assert await journal(store) == []
    await before.stop()  # the process dies; only the database is left

    after = pipeline(store)
    again = Subscription("sub-after-restart")
    await deliver(after, again.snapshot(on_mobile))
    assert await stored(store) == {"c:1"}
    await deliver(after, again.call(CallReleasedEvent, released(on_mobile, END)))
    assert await journal(store) == [("c:0", T0, T0 + 2_000, "answered")]
    assert await stored(store) == set()
    await after.stop()


async def test_a_carried_history_whose_call_ended_meanwhile_is_deleted(store: Store) -> None:
    s = Subscription()
    events, _ = relocated(s)
    before = pipeline(store)
    await deliver(before, *events)
    await before.stop()

    after = pipeline(store)
    await deliver(after, Subscription("sub-after-restart").snapshot())
    assert await stored(store) == set()
    await after.stop()


async def test_a_service_read_first_after_the_restart_keeps_the_history(store: Store) -> None:
    s = Subscription()
    events, on_mobile = relocated(s)
    before = pipeline(store)
    await deliver(before, *events)
    await before.stop()

    after = pipeline(store)
    assert await after.apply_services(GATEWAY, PBX_USER, [], END) is not None
    again = Subscription("sub-after-restart")
    await deliver(after, again.snapshot(on_mobile))
    await deliver(after, again.call(CallReleasedEvent, released(on_mobile, END)))
    assert [e[0] for e in await journal(store)] == ["c:0"]
    await after.stop()


async def test_the_voice_portal_learnt_before_a_restart_is_known_after_it(store: Store) -> None:
    s = Subscription()
    forwarded = redirected(leg("v:0"), RedirectReason.VOICEMAIL, T0 + 1_000, "tel:+4989887766999")
    before = pipeline(store)
    await VoicePortalWatch(before.book, before.handle)(GATEWAY, s.redirected(forwarded))
    await before.stop()

    async with store.read() as tx:
        found = await LineBook(store).find(tx, GATEWAY, PBX_USER)
    assert found is not None
    assert found.config.voice_portal == "+4989887766999"

    changed = redirected(leg("v:1"), RedirectReason.VOICEMAIL, T0 + 9_000, "tel:+4989887766990")
    after = pipeline(store)
    await VoicePortalWatch(after.book, after.handle)(GATEWAY, s.redirected(changed))
    await after.stop()
    async with store.read() as tx:
        assert await tx.voice_portals.get(GATEWAY) == "+4989887766990"
        found = await LineBook(store).find(tx, GATEWAY, PBX_USER)
    assert found is not None
    assert found.config.voice_portal == "+4989887766990"


async def test_the_retention_job_purges_carried_histories_a_day_old(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.carried_calls.put(LINE, {"old": {"n": 1}}, END - CARRIED_KEEP_MS - 1)
        await tx.carried_calls.put(LINE, {"young": {"n": 2}}, END - CARRIED_KEEP_MS + 1)
    purged = await RetentionJob(store, lambda: END).run_once()
    assert purged.carried == 1
    assert await stored(store) == {"young"}
