"""The retention job on a real store with a fake clock: journal entries by their location's
``journal_retention_days`` (90 days without a location), the frame log beyond its resume
window, processed event ids beyond the de-duplication window, expired tokens and old
idempotency outcomes go; everything younger stays. ``CloudCti`` runs the job at start."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cloudcti.app import CloudCti
from cloudcti.app.pipeline import KEEP_EVENT_IDS, KEEP_EVENT_IDS_MS
from cloudcti.app.retention import IDEMPOTENCY_KEEP_MS, RetentionJob
from cloudcti.store import (
    DialingParametersRecord,
    FrameRecord,
    GatewayRecord,
    IdempotencyRecord,
    JournalRecord,
    LocationRecord,
    Store,
    TokenRecord,
    UserRecord,
    load_keyring,
)
from cloudcti.store.repositories.frames import KEEP_FRAMES, KEEP_MS
from tests.store.store_fixtures import FAST_HASHING
from tests.web.server import settings_for

DAY = 86_400_000
NOW = 1_800_000_000_000


class FakeClock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def _entry(id: str, user_id: str, ended_days_ago: float) -> JournalRecord:
    ended = NOW - int(ended_days_ago * DAY)
    return JournalRecord(
        id=id,
        call_id=f"call-{id}",
        line_id="l-1",
        user_id=user_id,
        direction="inbound",
        remote_number="+4930223344556",
        remote_display="+49 30 223344556",
        remote_name=None,
        status="answered",
        device="primary",
        started_at=ended - 60_000,
        answered_at=ended - 50_000,
        ended_at=ended,
        duration_s=50,
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    keyring = load_keyring(tmp_path, {"CLOUDCTI_SECRET_KEY": "A" * 43})
    opened = await Store.open(keyring, data_dir=tmp_path, hashing=FAST_HASHING)
    async with opened.transaction() as tx:
        await tx.locations.add(LocationRecord("loc-b", "Berlin", journal_retention_days=30))
        await tx.users.add(
            UserRecord("berlin", "berlin", "B", location_id="loc-b"), password="x" * 8
        )
        await tx.users.add(UserRecord("nowhere", "nowhere", "N"), password="x" * 8)
        await tx.dialing_parameters.add(
            DialingParametersRecord(id="dp-1", name="München", country_code="49", area_code="89")
        )
        await tx.gateways.add(
            GatewayRecord(
                id="gw-1",
                name="PBX",
                xsi_urls=("https://xsi.example.net",),
                dialing_parameters_id="dp-1",
                monitoring_username="monitor@example.net",
            ),
            monitoring_password="monitor-password",
        )
    try:
        yield opened
    finally:
        await opened.close()


async def test_one_run_purges_what_is_past_its_retention_and_keeps_the_rest(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.journal.add_many(
            [
                _entry("b-old", "berlin", 31),
                _entry("b-young", "berlin", 29),
                _entry("n-old", "nowhere", 91),
                _entry("n-young", "nowhere", 89),
            ]
        )
        old = NOW - KEEP_MS - 1
        frames = [FrameRecord(seq, "pong", "{}", old) for seq in range(1, KEEP_FRAMES + 6)]
        await tx.frames.append("berlin", frames)
        await tx.tokens.add(TokenRecord("t-old", "berlin", NOW - 2 * DAY, NOW - 1), "old-token")
        await tx.tokens.add(TokenRecord("t-new", "berlin", NOW - 1000, NOW + DAY), "new-token")
        for key, created in (("k-old", NOW - IDEMPOTENCY_KEEP_MS - 1), ("k-new", NOW - 1000)):
            await tx.idempotency.remember(IdempotencyRecord("berlin", key, "h", 201, "{}", created))
        ids = [f"ev-{i}" for i in range(KEEP_EVENT_IDS + 7)]
        await tx.processed_events.mark("gw-1", ids, NOW - KEEP_EVENT_IDS_MS - 1)

    purged = await RetentionJob(store, FakeClock(NOW)).run_once()

    assert (purged.journal, purged.frames, purged.event_ids) == (2, 5, 7)
    assert (purged.tokens, purged.idempotency) == (1, 1)
    async with store.transaction() as tx:
        kept = {r.id for u in ("berlin", "nowhere") for r in await tx.journal.newest_for_user(u, 9)}
        assert kept == {"b-young", "n-young"}
        replay = await tx.frames.since("berlin", KEEP_FRAMES)
        assert replay is not None
        assert len(replay) == 5
        assert await tx.idempotency.get("berlin", "k-old") is None
        assert await tx.idempotency.get("berlin", "k-new") is not None

    again = await RetentionJob(store, FakeClock(NOW)).run_once()
    assert again == type(again)(0, 0, 0, 0, 0)


async def test_time_passing_on_the_clock_purges_more(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.journal.add_many([_entry("b-young", "berlin", 29)])
    clock = FakeClock(NOW)
    job = RetentionJob(store, clock)
    assert (await job.run_once()).journal == 0
    clock.now += 2 * DAY
    assert (await job.run_once()).journal == 1


async def test_the_installation_runs_the_job_at_start(tmp_path: Path) -> None:
    cti = await CloudCti.open(settings_for(tmp_path), start_runtimes=False)
    try:
        for _ in range(100):
            if cti.retention.runs:
                break
            await asyncio.sleep(0.02)
        assert cti.retention.runs == 1
    finally:
        await cti.close()
