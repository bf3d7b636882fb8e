"""``IdempotencyKeys`` on a real store with a fake clock: a retry with the same key gets the
first outcome for 24 hours, per user, also through a fresh instance (a server restart); a
key reused for another request is a conflict; a failed first attempt is not remembered;
concurrent requests with one key run once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cloudcti.app.errors import ConflictError
from cloudcti.app.idempotency import IdempotencyKeys
from cloudcti.app.retention import IDEMPOTENCY_KEEP_MS
from cloudcti.store import Store, UserRecord, load_keyring
from tests.store.store_fixtures import FAST_HASHING


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000_000

    def __call__(self) -> int:
        return self.now


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    keyring = load_keyring(tmp_path, {"CLOUDCTI_SECRET_KEY": "A" * 43})
    opened = await Store.open(keyring, data_dir=tmp_path, hashing=FAST_HASHING)
    async with opened.transaction() as tx:
        for name in ("anna", "ben"):
            await tx.users.add(UserRecord(name, name, name.title()), password="x" * 8)
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_key_is_remembered_for_24_hours_per_user_and_across_restarts(
    store: Store,
) -> None:
    clock = FakeClock()
    done: list[str] = []

    async def dial() -> tuple[int, str]:
        done.append(f"call-{len(done) + 1}")
        return 201, done[-1]

    keys = IdempotencyKeys(store, clock)
    assert await keys.run("anna", "k", "030 1", dial) == (201, "call-1", False)
    clock.now += IDEMPOTENCY_KEEP_MS - 1
    restarted = IdempotencyKeys(store, clock)
    assert await restarted.run("anna", "k", "030 1", dial) == (201, "call-1", True)
    assert await restarted.run("ben", "k", "030 1", dial) == (201, "call-2", False)
    with pytest.raises(ConflictError):
        await restarted.run("anna", "k", "030 2", dial)
    clock.now += 2
    assert await restarted.run("anna", "k", "030 1", dial) == (201, "call-3", False)
    assert done == ["call-1", "call-2", "call-3"]


async def test_concurrent_requests_with_one_key_run_once_and_a_failure_is_not_kept(
    store: Store,
) -> None:
    keys = IdempotencyKeys(store, FakeClock())
    attempts: list[str] = []

    async def failing() -> tuple[int, str]:
        attempts.append("failed")
        raise RuntimeError("PBX down")

    async def slow() -> tuple[int, str]:
        attempts.append("dialled")
        await asyncio.sleep(0.01)
        return 201, "call-1"

    with pytest.raises(RuntimeError):
        await keys.run("anna", "k", "x", failing)
    both = await asyncio.gather(keys.run("anna", "k", "x", slow), keys.run("anna", "k", "x", slow))
    assert sorted(both) == [(201, "call-1", False), (201, "call-1", True)]
    assert attempts == ["failed", "dialled"]
