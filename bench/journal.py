"""Journal at scale on SQLite: batched insert rate, and "a user's newest 100" latency.

Run: ``.venv/bin/python bench/journal.py [--rows 1000000] [--users 500] [--batch 1000]``.
Fills a fresh SQLite file (WAL, synchronous=NORMAL, as the server runs it) through
``JournalRepository.add_many``, one commit per batch, then reads random users' newest 100
entries. Target (issue 7): newest 100 in <= 20 ms at p99 over 10^6 rows. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from cloudcti.store import JournalRecord, KeyRing, SecretKey, Store

_START = 1_780_000_000_000


def _record(n: int, users: int) -> JournalRecord:
    user = n % users
    started = _START + n * 1_000
    return JournalRecord(
        id=f"l{user}/c{n}/{started}",
        call_id=f"c{n}",
        line_id=f"l{user}",
        user_id=f"u{user}",
        direction="inbound" if n % 2 else "outbound",
        remote_number=f"+49302244{n % 10_000:04d}",
        remote_display=f"030 2244{n % 10_000:04d}",
        remote_name="Max Mustermann" if n % 7 == 0 else None,
        status=("answered", "missed", "voicemail", "forwarded")[n % 4],
        device="primary",
        started_at=started,
        answered_at=started + 4_000 if n % 4 == 0 else None,
        ended_at=started + 60_000,
        duration_s=56 if n % 4 == 0 else 0,
    )


async def _insert(store: Store, first: int, count: int, batch: int, users: int) -> float:
    """Insert ``count`` rows from ``first`` in commits of ``batch``; rows per second."""
    began = time.perf_counter()
    for start in range(first, first + count, batch):
        records = [_record(n, users) for n in range(start, min(start + batch, first + count))]
        async with store.transaction() as tx:
            await tx.journal.add_many(records)
    return count / (time.perf_counter() - began)


async def _newest(store: Store, users: int, queries: int) -> list[float]:
    """Milliseconds per "newest 100 of a random user" read, each in its own transaction."""
    rng = random.Random(7)
    timings = []
    for _ in range(queries):
        user = f"u{rng.randrange(users)}"
        began = time.perf_counter()
        async with store.transaction() as tx:
            entries = await tx.journal.newest_for_user(user, 100)
        timings.append((time.perf_counter() - began) * 1000)
        assert len(entries) == 100
    return timings


async def main(rows: int, users: int, batch: int, queries: int) -> None:
    """Run the benchmark and print its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(KeyRing(SecretKey.generate()), data_dir=Path(tmp))
        try:
            for small_batch in (1, 100):
                n = 2_000 if small_batch == 1 else 20_000
                rate = await _insert(store, rows + 10**7 * small_batch, n, small_batch, users)
                print(f"insert, {small_batch:>5} rows/commit: {rate:>10,.0f} rows/s ({n:,} rows)")
            rate = await _insert(store, 0, rows, batch, users)
            print(f"insert, {batch:>5} rows/commit: {rate:>10,.0f} rows/s ({rows:,} rows)")
            async with store.transaction() as tx:
                total = await tx.journal.count()
            timings = await _newest(store, users, queries)
            timings.sort()
            p99 = timings[int(len(timings) * 0.99) - 1]
            print(
                f"newest 100 of a user ({total:,} rows, {users} users, {queries} reads): "
                f"median {statistics.median(timings):.2f} ms, p99 {p99:.2f} ms, "
                f"max {timings[-1]:.2f} ms  (target p99 <= 20 ms: "
                f"{'met' if p99 <= 20 else 'MISSED'})"
            )
            size = sum(p.stat().st_size for p in Path(tmp).glob("cloudcti.sqlite3*"))
            print(f"database size: {size / 2**20:,.0f} MiB")
        finally:
            await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.users, args.batch, args.queries))
