"""Transactions that read, then write, while another connection commits a write in between
(SQLite: BEGIN IMMEDIATE, so the second waits instead of failing with "database is locked")."""

from __future__ import annotations

import asyncio
import contextlib

from cloudcti.store import Store


async def test_interleaved_read_then_write_transactions_both_commit(store: Store) -> None:
    first_read = asyncio.Event()
    other_done = asyncio.Event()

    async def reader_then_writer() -> None:
        async with store.transaction() as tx:
            await tx.processed_events.mark("g", [], 0)
            await tx.frames.latest_seq("u1")
            first_read.set()
            # Deferred BEGIN: the other commits meanwhile. IMMEDIATE: it waits for us.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(other_done.wait(), 0.5)
            await tx.processed_events.mark("g", ["a"], 1)

    async def other_writer() -> None:
        await first_read.wait()
        async with store.transaction() as tx:
            await tx.processed_events.mark("g", ["b"], 2)
        other_done.set()

    await asyncio.wait_for(asyncio.gather(reader_then_writer(), other_writer()), 10)
    async with store.transaction() as tx:
        assert await tx.processed_events.mark("g", ["a", "b", "c"], 3) == {"c"}
