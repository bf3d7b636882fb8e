"""``Store.read`` never waits for a writer, and the write transactions of one process queue
(on SQLite: an asyncio lock) instead of failing with "database is locked" after the busy
timeout, however long the writers ahead of them take."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from cloudcti.store import FrameRecord, KeyRing, Store, StoreError
from cloudcti.store import store as store_module
from tests.store.store_fixtures import ANNA, FAST_HASHING, seed_company


async def test_a_read_does_not_wait_for_an_open_write_and_sees_the_last_commit(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
    writing = asyncio.Event()
    release = asyncio.Event()

    async def slow_writer() -> None:
        async with store.transaction() as tx:
            await tx.processed_events.mark("g", ["e-1"], 1)
            user = await tx.users.get(ANNA.id)
            assert user is not None
            await tx.users.update(replace(user, display_name="Anna (neu)"))
            writing.set()
            await release.wait()

    writer = asyncio.create_task(slow_writer())
    await asyncio.wait_for(writing.wait(), 10)
    async with asyncio.timeout(2):  # the old BEGIN IMMEDIATE waited the full 5 s here
        async with store.read() as tx:
            user = await tx.users.get(ANNA.id)
    assert user is not None
    assert user.display_name == ANNA.display_name  # the write is not committed yet
    release.set()
    await asyncio.wait_for(writer, 10)
    async with store.read() as tx:
        user = await tx.users.get(ANNA.id)
    assert user is not None
    assert user.display_name == "Anna (neu)"


async def test_writers_queue_longer_than_the_busy_timeout_and_all_commit(store: Store) -> None:
    # 12 writers holding the lock 0.5 s each: the last waits 5.5 s, beyond SQLite's 5 s.
    async def writer(k: int) -> None:
        async with store.transaction() as tx:
            await tx.processed_events.mark("g", [f"e-{k}"], k)
            await asyncio.sleep(0.5)

    await asyncio.wait_for(asyncio.gather(*(writer(k) for k in range(12))), 60)
    async with store.read() as tx:
        fresh = await tx.processed_events.mark("g", [f"e-{k}" for k in range(13)], 99)
    assert fresh == {"e-12"}


async def test_a_write_transaction_inside_another_of_the_same_task_fails_at_once(
    tmp_path: Path, keyring: KeyRing
) -> None:
    """SQLite only: one writer at a time, so nesting would wait for itself."""
    store = await Store.open(keyring, data_dir=tmp_path, hashing=FAST_HASHING)
    try:
        async with store.transaction():
            with pytest.raises(RuntimeError, match="inside another"):
                async with asyncio.timeout(2), store.transaction():
                    pass
        async with store.transaction() as tx:  # the lock was given back
            await tx.processed_events.mark("g", ["e"], 1)
    finally:
        await store.close()


async def test_frames_of_many_users_are_appended_in_one_call(store: Store) -> None:
    anna = [FrameRecord(seq, "call_updated", f'{{"n":{seq}}}', 10 + seq) for seq in (1, 2)]
    ben = [FrameRecord(7, "presence_updated", "{}", 20)]
    async with store.transaction() as tx:
        await tx.frames.append_all({"u-anna": anna, "u-ben": ben, "u-cem": []})
    async with store.read() as tx:
        assert await tx.frames.since("u-anna", 0) == anna
        assert await tx.frames.latest_seq("u-ben") == 7
        assert await tx.frames.latest_seq("u-cem") == 0


async def test_a_writer_that_waits_too_long_fails_instead_of_hanging(
    tmp_path: Path, keyring: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bound on a deadlock (a writer awaiting another task that writes)."""
    monkeypatch.setattr(store_module, "WRITER_WAIT_S", 0.2)
    store = await Store.open(keyring, data_dir=tmp_path, hashing=FAST_HASHING)

    async def second_writer() -> None:
        async with store.transaction():
            pass

    try:
        async with store.transaction():
            with pytest.raises(StoreError, match="write lock"):
                await asyncio.wait_for(second_writer(), 5)
        await second_writer()  # the lock was given back
    finally:
        await store.close()
