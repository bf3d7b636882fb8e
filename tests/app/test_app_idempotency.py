"""``IdempotencyKeys``: a retry with the same key gets the first result, for 24 hours, per
user; a failed first attempt is not remembered."""

from __future__ import annotations

import asyncio

import pytest

from cloudcti.app.errors import ConflictError
from cloudcti.app.idempotency import KEEP_MS, IdempotencyKeys


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000_000

    def __call__(self) -> int:
        return self.now


def test_a_key_is_remembered_for_24_hours_per_user() -> None:
    clock = Clock()
    keys: IdempotencyKeys[int] = IdempotencyKeys(clock)
    done: list[int] = []

    async def dial() -> int:
        done.append(len(done) + 1)
        return done[-1]

    async def scenario() -> None:
        assert await keys.run("anna", "k", "030 1", dial) == (1, False)
        clock.now += KEEP_MS - 1
        assert await keys.run("anna", "k", "030 1", dial) == (1, True)
        assert await keys.run("ben", "k", "030 1", dial) == (2, False)
        with pytest.raises(ConflictError):
            await keys.run("anna", "k", "030 2", dial)
        clock.now += 2
        assert await keys.run("anna", "k", "030 1", dial) == (3, False)

    asyncio.run(scenario())
    assert done == [1, 2, 3]


def test_concurrent_requests_with_one_key_run_once_and_a_failure_is_not_kept() -> None:
    keys: IdempotencyKeys[str] = IdempotencyKeys(Clock())
    attempts: list[str] = []

    async def failing() -> str:
        attempts.append("failed")
        raise RuntimeError("PBX down")

    async def slow() -> str:
        attempts.append("dialled")
        await asyncio.sleep(0.01)
        return "call-1"

    async def scenario() -> None:
        with pytest.raises(RuntimeError):
            await keys.run("anna", "k", "x", failing)
        both = await asyncio.gather(
            keys.run("anna", "k", "x", slow), keys.run("anna", "k", "x", slow)
        )
        assert sorted(both) == [("call-1", False), ("call-1", True)]

    asyncio.run(scenario())
    assert attempts == ["failed", "dialled"]
