"""The pipeline learns a line's user from the cached ``LineBook`` (no read per event), and a
line given to another user in any committed transaction is seen by the very next event."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cloudcti.app.bus import BusMessage, InProcessBus, LineEvents
from cloudcti.app.pipeline import EventPipeline
from cloudcti.domain.events import JournalEntryCreated
from cloudcti.store import (
    DialingParametersRecord,
    GatewayRecord,
    LineRecord,
    Store,
    UserRecord,
    load_keyring,
)
from cloudcti.xsi import CallReleasedEvent
from tests.domain.domain_factories import T0, Subscription, answered, leg, released
from tests.store.store_fixtures import FAST_HASHING

GATEWAY = "gw-1"
LINE = "l-1"


async def _store(tmp_path: Path) -> Store:
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
        await tx.users.add(UserRecord("u-bob", "bob", "Bob"), password="bob-login-1")
        await tx.lines.add(
            LineRecord(LINE, GATEWAY, "alice@example.net", "+4989887766771", "L", user_id="u-alice")
        )
    return store


async def test_a_reassigned_line_publishes_and_journals_for_its_new_user(tmp_path: Path) -> None:
    store = await _store(tmp_path)
    published: list[BusMessage] = []
    bus = InProcessBus()
    bus.subscribe(published.append)
    pipeline = EventPipeline(store, bus, lambda: T0 + 60_000)
    try:
        s = Subscription()
        first = leg("callhalf-1:0")
        await pipeline.handle(GATEWAY, s.snapshot(first))
        assert isinstance(published[-1], LineEvents)
        assert published[-1].user_id == "u-alice"

        async with store.transaction() as tx:
            line = await tx.lines.get(LINE)
            assert line is not None
            await tx.lines.update(replace(line, user_id="u-bob"))

        talk = answered(first, T0 + 5_000)
        await pipeline.handle(GATEWAY, s.call(CallReleasedEvent, released(talk, T0 + 9_000)))
        last = published[-1]
        assert isinstance(last, LineEvents)
        assert last.user_id == "u-bob"
        assert any(isinstance(e, JournalEntryCreated) for e in last.events)
        async with store.transaction() as tx:
            assert len(await tx.journal.newest_for_user("u-bob", 10)) == 1
            assert await tx.journal.newest_for_user("u-alice", 10) == []
    finally:
        await pipeline.stop()
        await store.close()


async def test_a_transaction_that_changes_no_line_keeps_the_book(tmp_path: Path) -> None:
    store = await _store(tmp_path)
    try:
        before = store.lines_version
        async with store.transaction() as tx:
            await tx.lines.all()
        assert store.lines_version == before
        async with store.transaction() as tx:
            user = await tx.users.get("u-bob")
            assert user is not None
            await tx.users.update(replace(user, display_name="Robert"))
        assert store.lines_version == before + 1
    finally:
        await store.close()
