"""Runtime repositories on SQLite and PostgreSQL: journal, frame log, event ids, tokens,
idempotency keys and the installation identity."""

from __future__ import annotations

import asyncio

from cloudcti.store import FrameRecord, IdempotencyRecord, Store, TokenRecord, Transaction
from tests.store.store_fixtures import journal_record, seed_company

_DAY = 86_400_000


async def test_journal_newest_first_with_paging_and_filters(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        await tx.journal.add_many([journal_record(n) for n in range(1, 31)])
        await tx.journal.add_many(
            [journal_record(n, user_id="u-ben", line_id="l-ben") for n in range(1, 6)]
        )
    async with store.transaction() as tx:
        newest = await tx.journal.newest_for_user("u-anna", 10)
        assert [e.call_id for e in newest] == [f"call{n}" for n in range(30, 20, -1)]
        page2 = await tx.journal.newest_for_user("u-anna", 10, before=newest[-1].id)
        assert [e.call_id for e in page2] == [f"call{n}" for n in range(20, 10, -1)]
        inbound = await tx.journal.newest_for_user("u-anna", 100, direction="inbound")
        assert {e.direction for e in inbound} == {"inbound"}
        assert len(inbound) == 15
        assert len(await tx.journal.newest_for_line("l-ben", 100)) == 5
        assert await tx.journal.newest_for_user("u-anna", 5, status="missed") == []
        assert await tx.journal.get(newest[0].id) == journal_record(30)


async def test_journal_retention_per_location_and_default(store: Store) -> None:
    now = 1_790_000_000_000
    async with store.transaction() as tx:
        await seed_company(tx)  # Anna's location keeps 30 days; Ben has no location
        await tx.journal.add_many(
            [
                journal_record(1, ended_at=now - 31 * _DAY),  # Anna, gone
                journal_record(2, ended_at=now - 29 * _DAY),  # Anna, kept
                journal_record(3, user_id="u-ben", line_id="l-b", ended_at=now - 31 * _DAY),
                journal_record(4, user_id=None, line_id="l-x", ended_at=now - 91 * _DAY),
            ]
        )
        assert await tx.journal.purge_by_retention(now, default_days=90) == 2
        left = {e.call_id for e in await tx.journal.newest_for_user("u-anna", 10)}
        assert left == {"call2"}
        assert [e.call_id for e in await tx.journal.newest_for_user("u-ben", 10)] == ["call3"]
        assert await tx.journal.purge_older_than(now, user_ids=["u-ben"]) == 1
        assert await tx.journal.count() == 1


async def test_frame_log_replays_after_a_seq_and_says_when_it_cannot(store: Store) -> None:
    frames = [FrameRecord(seq, "call_updated", f'{{"n":{seq}}}', 1000 + seq) for seq in (1, 2, 3)]
    async with store.transaction() as tx:
        assert await tx.frames.latest_seq("u-anna") == 0
        assert await tx.frames.since("u-anna", 0) == []
        await tx.frames.append("u-anna", frames)
        await tx.frames.append("u-ben", [FrameRecord(1, "pong", "{}", 5)])
        assert await tx.frames.latest_seq("u-anna") == 3
        assert await tx.frames.since("u-anna", 1) == frames[1:]
        assert await tx.frames.since("u-anna", 3) == []
        assert await tx.frames.since("u-anna", 4) is None  # a seq this server never sent


NOW = 10_000_000
OLD, FRESH = NOW - 11 * 60_000, NOW - 60_000


async def _old_frames_of_anna_and_ben(tx: Transaction) -> None:
    """Anna: 1,200 old frames -> the newest 1,000 stay. Ben: 1,100 frames, the last 300
    fresh -> the newest 1,000 stay (more than 300)."""
    await tx.frames.append("u-anna", [FrameRecord(s, "t", "{}", OLD) for s in range(1, 1201)])
    await tx.frames.append(
        "u-ben", [FrameRecord(s, "t", "{}", OLD if s <= 800 else FRESH) for s in range(1, 1101)]
    )


async def test_frame_log_keeps_ten_minutes_or_a_thousand_frames_whichever_is_more(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        await _old_frames_of_anna_and_ben(tx)
        # Carla: 1,500 fresh frames -> all stay (ten minutes is more).
        await tx.frames.append(
            "u-carla", [FrameRecord(s, "t", "{}", FRESH) for s in range(1, 1501)]
        )
        assert await tx.frames.prune(NOW) == 200 + 100
        assert await tx.frames.since("u-anna", 199) is None
        assert len(await tx.frames.since("u-anna", 200) or []) == 1000
        assert len(await tx.frames.since("u-ben", 100) or []) == 1000
        assert len(await tx.frames.since("u-carla", 0) or []) == 1500


async def test_pruning_one_user_keeps_the_same_frames_as_the_sweep(store: Store) -> None:
    async with store.transaction() as tx:
        await _old_frames_of_anna_and_ben(tx)
        assert await tx.frames.prune_user("u-anna", 1200, NOW) == 200
        assert await tx.frames.prune_user("u-anna", 1200, NOW) == 0
        assert len(await tx.frames.since("u-anna", 200) or []) == 1000
        assert await tx.frames.since("u-ben", 0) is not None  # Ben's untouched
        assert await tx.frames.prune_user("u-ben", 1100, NOW) == 100
        assert len(await tx.frames.since("u-ben", 100) or []) == 1000


async def test_processed_event_ids_deduplicate_and_stay_bounded(store: Store) -> None:
    async with store.transaction() as tx:
        assert await tx.processed_events.mark("gw-1", ["e1", "e2"], now=1) == {"e1", "e2"}
        assert await tx.processed_events.mark("gw-1", ["e2", "e3"], now=2) == {"e3"}
        assert await tx.processed_events.mark("gw-2", ["e2"], now=2) == {"e2"}
        await tx.processed_events.mark("gw-1", [f"x{n}" for n in range(100)], now=3)
        await tx.processed_events.mark("gw-1", [f"y{n}" for n in range(10)], now=4)
        # keep the newest 10 (by time) of those older than 4: e1..e3 and x* go
        assert await tx.processed_events.prune("gw-1", keep=10, older_than=4) == 103
        assert await tx.processed_events.mark("gw-1", ["y1", "x1"], now=5) == {"x1"}
        assert await tx.processed_events.mark("gw-2", ["e2"], now=5) == set()


async def test_tokens_are_stored_hashed_and_expire(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        await tx.tokens.add(TokenRecord("t1", "u-anna", 100, 200), "tok-secret-1")
        await tx.tokens.add(TokenRecord("t2", "u-anna", 100, 900), "tok-secret-2")
        assert await tx.tokens.find("tok-secret-1", now=150) == TokenRecord(
            "t1", "u-anna", 100, 200
        )
        assert await tx.tokens.find("tok-secret-1", now=200) is None
        assert await tx.tokens.find("nope", now=150) is None
        assert await tx.tokens.purge_expired(now=500) == 1
        await tx.tokens.revoke_user("u-anna")
        assert await tx.tokens.find("tok-secret-2", now=150) is None


async def test_idempotency_keys_return_the_first_outcome(store: Store) -> None:
    first = IdempotencyRecord("u-anna", "k1", "h1", 201, '{"id":"c1"}', 10)
    async with store.transaction() as tx:
        await seed_company(tx)
        assert await tx.idempotency.remember(first) == first
        again = IdempotencyRecord("u-anna", "k1", "h1", 201, '{"id":"c2"}', 11)
        assert await tx.idempotency.remember(again) == first
        assert await tx.idempotency.get("u-ben", "k1") is None
        assert await tx.idempotency.purge_older_than(11) == 1


async def test_installation_identity_is_created_once(store: Store) -> None:
    async with store.transaction() as tx:
        first = await tx.installation.identity()
        await tx.installation.set("everyone_sees_targets", "false")
        await tx.installation.set("everyone_sees_targets", "true")
    identities = []
    for _ in range(2):
        async with store.transaction() as tx:
            identities.append(await tx.installation.identity())
            assert await tx.installation.get("everyone_sees_targets") == "true"
    assert identities == [first, first]
    assert first.channel_set_id != first.application_id


async def test_concurrent_transactions_on_one_store(store: Store) -> None:
    """Writers in parallel all land (SQLite serialises them through its busy timeout)."""

    async def write(n: int) -> None:
        async with store.transaction() as tx:
            await tx.journal.add_many([journal_record(n, user_id="u-x")])

    await asyncio.gather(*(write(n) for n in range(20)))
    async with store.transaction() as tx:
        assert len(await tx.journal.newest_for_user("u-x", 100)) == 20
