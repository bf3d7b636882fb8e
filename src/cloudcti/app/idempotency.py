"""``IdempotencyKeys``: what a request with an ``Idempotency-Key`` header produced, per user,
so that a retry returns the same outcome instead of doing it again.

Outcomes are stored in the database (``idempotency_keys``) for ``IDEMPOTENCY_KEEP_MS``
(24 h; the retention job purges older ones), so a retry after a server restart is still
recognised. In one process a request waits for an earlier one with the same key still
running; a key reused for a different request is a conflict; a failed request is not
remembered, so its retry tries again."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable

from cloudcti.app.clock import Clock
from cloudcti.app.errors import ConflictError
from cloudcti.app.retention import IDEMPOTENCY_KEEP_MS
from cloudcti.store import IdempotencyRecord, Store

__all__ = ["IdempotencyKeys"]


def _hash(request: str) -> str:
    return hashlib.sha256(request.encode()).hexdigest()


class IdempotencyKeys:
    """Outcomes of keyed requests by ``(user_id, key)``: an HTTP status and a text body."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    async def run(
        self,
        user_id: str,
        key: str,
        request: str,
        do: Callable[[], Awaitable[tuple[int, str]]],
    ) -> tuple[int, str, bool]:
        """``(*do(), False)`` the first time; ``(*the first outcome, True)`` on a retry with
        the same key and ``request`` (a text naming what was asked) within 24 h.
        ``ConflictError`` if the key was used for another request."""
        slot = (user_id, key)
        lock, users = self._locks.get(slot, (asyncio.Lock(), 0))
        self._locks[slot] = (lock, users + 1)
        try:
            async with lock:
                return await self._run(user_id, key, _hash(request), do)
        finally:
            lock, users = self._locks[slot]
            if users == 1:
                del self._locks[slot]
            else:
                self._locks[slot] = (lock, users - 1)

    async def _run(
        self,
        user_id: str,
        key: str,
        request_hash: str,
        do: Callable[[], Awaitable[tuple[int, str]]],
    ) -> tuple[int, str, bool]:
        cutoff = self._clock() - IDEMPOTENCY_KEEP_MS
        async with self._store.transaction() as tx:
            found = await tx.idempotency.get(user_id, key)
        if found is not None and found.created_at >= cutoff:
            if found.request_hash != request_hash:
                raise ConflictError("this Idempotency-Key was already used for another request")
            return found.status, found.response, True
        status, response = await do()
        record = IdempotencyRecord(user_id, key, request_hash, status, response, self._clock())
        async with self._store.transaction() as tx:
            if found is not None:  # expired, not yet purged by the retention job
                await tx.idempotency.purge_older_than(cutoff)
            await tx.idempotency.remember(record)
        return status, response, False
