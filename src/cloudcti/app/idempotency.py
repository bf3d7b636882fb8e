"""``IdempotencyKeys``: what a request with an ``Idempotency-Key`` header produced, per user,
so that a retry returns the same result instead of doing it again.

Kept in memory for ``KEEP_MS`` (24 h): a server restart forgets the keys, so a retry sent
across a restart dials again (documented in the README). A request with a key waits for an
earlier one with the same key still running; a key reused for a different request is a
conflict."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from cloudcti.app.clock import Clock
from cloudcti.app.errors import ConflictError

__all__ = ["KEEP_MS", "IdempotencyKeys"]

KEEP_MS = 24 * 3600 * 1000
"""How long a key's result is remembered."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Entry(Generic[T]):
    request: Hashable
    result: T
    at: int


class IdempotencyKeys(Generic[T]):
    """Results of keyed requests by ``(user_id, key)``, remembered for ``KEEP_MS``."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[tuple[str, str], _Entry[T]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def run(
        self,
        user_id: str,
        key: str,
        request: Hashable,
        do: Callable[[], Awaitable[T]],
    ) -> tuple[T, bool]:
        """``(do(), False)`` the first time; ``(the first result, True)`` on a retry with the
        same key and ``request``. ``ConflictError`` if the key was used for another request.
        A failed ``do`` is not remembered, so a retry tries again."""
        slot = (user_id, key)
        lock = self._locks.setdefault(slot, asyncio.Lock())
        async with lock:
            self._forget_old()
            entry = self._entries.get(slot)
            if entry is not None:
                if entry.request != request:
                    raise ConflictError(
                        "this Idempotency-Key was already used for a different request"
                    )
                return entry.result, True
            result = await do()
            self._entries[slot] = _Entry(request, result, self._clock())
            return result, False

    def _forget_old(self) -> None:
        cutoff = self._clock() - KEEP_MS
        for slot in [s for s, e in self._entries.items() if e.at < cutoff]:
            del self._entries[slot]
            lock = self._locks.get(slot)
            if lock is not None and not lock.locked():
                del self._locks[slot]
