"""The store on SQLite files runs through the inline driver (``store/inline_sqlite.py``): a
read transaction keeps one snapshot while a writer commits, a write that fails halfway leaves
nothing behind, a second process holding the write lock makes our write wait (then succeed,
or fail with SQLite's "database is locked" after the busy timeout), and
``Store.config_version`` counts exactly the commits that change what a line's state
depends on (lines, users and their PBX credentials, gateways)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from cloudcti.store import (
    ConflictError,
    DatabaseBusyError,
    FrameRecord,
    KeyRing,
    Store,
    Transaction,
)
from cloudcti.store import engine as engine_module
from cloudcti.store.engine import DATABASE_FILE_NAME
from cloudcti.store.inline_sqlite import InlineConnection
from tests.store.store_fixtures import (
    ANNA,
    BEN,
    FAST_HASHING,
    GATEWAY,
    LINE_ANNA,
    journal_record,
    seed_company,
)

BEN_LINE = replace(
    LINE_ANNA, id="l-ben", pbx_user_id="ben.meyer@deutschland-lan.de", number="+4989887766772"
)


@pytest.fixture
async def sqlite_store(tmp_path: Path, keyring: KeyRing) -> AsyncIterator[Store]:
    """A seeded store on an SQLite file (the inline driver's case)."""
    opened = await Store.open(keyring, data_dir=tmp_path, hashing=FAST_HASHING)
    try:
        async with opened.transaction() as tx:
            await seed_company(tx)
        yield opened
    finally:
        await opened.close()


async def test_sqlite_files_go_through_the_inline_driver_without_threads(
    sqlite_store: Store,
) -> None:
    async with sqlite_store.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, InlineConnection)
    threads = threading.active_count()

    async def work(k: int) -> None:
        async with sqlite_store.transaction() as tx:
            await tx.processed_events.mark("g", [f"e-{k}"], k)
        async with sqlite_store.read() as tx:
            await tx.users.all()

    await asyncio.gather(*(work(k) for k in range(20)))
    assert threading.active_count() == threads  # aiosqlite would run a thread per connection


async def test_a_read_keeps_its_snapshot_while_a_write_commits(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
    async with store.read() as reader:
        users_before = [u.id for u in await reader.users.all()]
        # another task commits a new user and their line while the read is open
        async with store.transaction() as writer:
            await writer.users.add(replace(BEN, id="u-cem", username="cem"), password="cem-1")
            await writer.lines.add(replace(BEN_LINE, user_id="u-cem"))
            await writer.frames.append("u-cem", [FrameRecord(1, "pong", "{}", 1)])
        assert [u.id for u in await reader.users.all()] == users_before
        assert "l-ben" not in [line.id for line in await reader.lines.all()]
        assert await reader.frames.latest_seq("u-cem") == 0
    async with store.read() as after:
        assert "u-cem" in [u.id for u in await after.users.all()]
        assert "l-ben" in [line.id for line in await after.lines.all()]
        assert await after.frames.latest_seq("u-cem") == 1


async def test_a_write_failing_halfway_leaves_nothing_and_the_store_goes_on(
    sqlite_store: Store,
) -> None:
    store = sqlite_store
    version = store.config_version

    async def conflicting_write() -> None:
        async with store.transaction() as tx:
            await tx.journal.add_many([journal_record(1)])
            await tx.lines.add(BEN_LINE)
            await tx.users.set_pbx_state(ANNA.id, "invalid", 1)
            await tx.users.add(replace(BEN, id="u-ben-2"), password="x-1")  # username taken

    async def failing_write() -> None:
        async with store.transaction() as tx:
            await tx.lines.add(BEN_LINE)
            raise RuntimeError("halfway")

    with pytest.raises(ConflictError):
        await conflicting_write()
    async with store.read() as tx:
        assert await tx.journal.count() == 0
        assert await tx.lines.get("l-ben") is None
        anna = await tx.users.get(ANNA.id)
    assert anna is not None
    assert (anna.pbx_state, anna.pbx_failed_attempts) == ("valid", 0)
    assert store.config_version == version  # nothing committed, nothing to reread

    with pytest.raises(RuntimeError, match="halfway"):
        await failing_write()
    async with store.transaction() as tx:  # the connection is clean: the next write commits
        await tx.lines.add(BEN_LINE)
    async with store.read() as tx:
        assert await tx.lines.get("l-ben") is not None


def _hold_write_lock(path: Path, hold_s: float) -> subprocess.Popen[str]:
    """Another process (plain ``sqlite3``) that takes the write lock, says so, holds it for
    ``hold_s`` seconds, then commits a row."""
    script = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        'c.execute("INSERT INTO processed_xsi_events (gateway_id, event_id, seen_at) '
        "VALUES ('g', 'other-process', 1)\")\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "c.execute('COMMIT')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(path), str(hold_s)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    return holder


def _finished(holder: subprocess.Popen[str]) -> int:
    """Wait for the lock holder to end; its exit code."""
    holder.communicate(timeout=10)
    return holder.returncode


async def _mark(store: Store, event_id: str) -> set[str]:
    async with store.transaction() as tx:
        return await tx.processed_events.mark("g", [event_id], 2)


async def _columns_of_processed_events(store: Store) -> list[str]:
    async with store.read() as tx:
        result = await tx.connection.exec_driver_sql("PRAGMA table_info(processed_xsi_events)")
        return [str(row["name"]) for row in result.mappings()]


async def test_a_write_waits_for_another_process_and_commits_once_it_released(
    tmp_path: Path, keyring: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "_SQLITE_BUSY_TIMEOUT_MS", 5000)
    store = await Store.open(keyring, data_dir=tmp_path, hashing=FAST_HASHING)
    try:
        assert await _columns_of_processed_events(store) == ["gateway_id", "event_id", "seen_at"]
        holder = _hold_write_lock(tmp_path / DATABASE_FILE_NAME, 0.8)
        try:
            started = time.monotonic()
            assert await _mark(store, "ours") == {"ours"}
            waited = time.monotonic() - started
        finally:
            assert _finished(holder) == 0
        assert 0.5 <= waited < 4.5, waited
        async with store.read() as tx:  # both writes are there
            assert await tx.processed_events.mark("g", ["ours", "other-process", "new"], 3) == {
                "new"
            }
    finally:
        await store.close()


async def test_a_write_fails_clearly_after_the_busy_timeout_and_the_store_recovers(
    tmp_path: Path, keyring: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "_SQLITE_BUSY_TIMEOUT_MS", 300)
    store = await Store.open(keyring, data_dir=tmp_path, hashing=FAST_HASHING)
    try:
        holder = _hold_write_lock(tmp_path / DATABASE_FILE_NAME, 3.0)
        try:
            started = time.monotonic()
            with pytest.raises(DatabaseBusyError, match="database is busy") as raised:
                await _mark(store, "ours")
            waited = time.monotonic() - started
            assert isinstance(raised.value.__cause__, OperationalError)
            assert "database is locked" in str(raised.value.__cause__)
            assert 0.2 <= waited < 2.5, waited  # the short timeout, not the default 5 s
            async with store.read() as tx:  # reads go on meanwhile (WAL)
                assert await tx.users.all() == []
        finally:
            assert _finished(holder) == 0
        assert await _mark(store, "ours") == {"ours"}  # the lock is free again: it commits
    finally:
        await store.close()


Change = Callable[[Transaction], Awaitable[object]]


async def _update_gateway(tx: Transaction) -> None:
    await tx.gateways.update(replace(GATEWAY, disabled=True))


async def _update_anna(tx: Transaction) -> None:
    await tx.users.update(replace(ANNA, display_name="Anna S."))


async def _update_line(tx: Transaction) -> None:
    await tx.lines.update(replace(LINE_ANNA, disabled=True))


BUMPS: dict[str, Change] = {
    "line added": lambda tx: tx.lines.add(BEN_LINE),
    "line updated": _update_line,
    "line deleted": lambda tx: tx.lines.delete("l-anna-2"),
    "user updated": _update_anna,
    "user deleted": lambda tx: tx.users.delete(BEN.id),
    "PBX credentials set": lambda tx: tx.users.set_pbx_credentials(BEN.id, "ben@pbx", "pw-1"),
    "PBX state set": lambda tx: tx.users.set_pbx_state(ANNA.id, "invalid", 1),
    "PBX credentials cleared": lambda tx: tx.users.clear_pbx_credentials(ANNA.id),
    "gateway updated": _update_gateway,
    "gateway deleted": lambda tx: tx.gateways.delete(GATEWAY.id),
}
NO_BUMPS: dict[str, Change] = {
    "journal": lambda tx: tx.journal.add_many([journal_record(1)]),
    "frames": lambda tx: tx.frames.append(ANNA.id, [FrameRecord(1, "pong", "{}", 1)]),
    "processed events": lambda tx: tx.processed_events.mark("g", ["e-1"], 1),
    "password": lambda tx: tx.users.set_password(ANNA.id, "new-login-1"),
    "nothing": lambda tx: tx.users.all(),
}


CASES = [(name, change, 1) for name, change in BUMPS.items()] + [
    (name, change, 0) for name, change in NO_BUMPS.items()
]


@pytest.mark.parametrize(("name", "change", "bump"), CASES, ids=[c[0] for c in CASES])
async def test_config_version_counts_line_user_and_gateway_changes_only(
    store: Store, name: str, change: Change, bump: int
) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
    before = store.config_version
    async with store.transaction() as tx:
        await change(tx)
    async with store.read() as tx:  # reading bumps nothing
        await tx.lines.all()
    assert store.config_version == before + bump, name


async def test_concurrent_reads_and_writes_on_one_loop_stay_consistent(
    sqlite_store: Store,
) -> None:
    """Writers of frames and readers of them interleave on the loop; every read sees whole
    transactions (a user's frames come in pairs), never half of one."""
    store = sqlite_store

    async def writer(user: str) -> None:
        for n in range(30):
            async with store.transaction() as tx:
                await tx.frames.append(
                    user,
                    [FrameRecord(2 * n + 1, "a", "{}", 1), FrameRecord(2 * n + 2, "b", "{}", 1)],
                )
            await asyncio.sleep(0)

    seen: list[int] = []

    async def reader() -> None:
        for _ in range(60):
            async with store.read() as tx:
                seen.append(await tx.frames.latest_seq("u-x"))
                seen.append(await tx.frames.latest_seq("u-y"))
            await asyncio.sleep(0)

    await asyncio.wait_for(asyncio.gather(writer("u-x"), writer("u-y"), reader()), 30)
    assert all(seq % 2 == 0 for seq in seen), seen
    async with store.read() as tx:
        assert await tx.frames.latest_seq("u-x") == 60
        assert await tx.frames.latest_seq("u-y") == 60
