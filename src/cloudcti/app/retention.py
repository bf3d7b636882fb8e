"""``RetentionJob``: the periodic purge of what the store keeps only for a while.

Run at start and then every ``interval_s`` (default hourly), each purge in its own
transaction so one failing does not keep the others from running:

- journal entries by their user's location's ``journal_retention_days`` (users without a
  location: ``DEFAULT_JOURNAL_DAYS``), counted from the call's end;
- the WebSocket frame log beyond its resume window (CONTRACT.md §3: 10 minutes or 1,000
  frames per user, whichever is more);
- processed PBX event ids beyond the de-duplication window (per gateway);
- expired API tokens; remembered ``Idempotency-Key`` outcomes older than a day;
- carried call histories (call pull, relocate) not updated for a day: their calls are over
  (normally deleted when the conversation is journalled; these are left by a line removed
  mid-call or a call that ended while the server was down)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cloudcti.app.clock import Clock
from cloudcti.app.pipeline import KEEP_EVENT_IDS, KEEP_EVENT_IDS_MS
from cloudcti.store import Store, Transaction

__all__ = [
    "CARRIED_KEEP_MS",
    "DEFAULT_JOURNAL_DAYS",
    "IDEMPOTENCY_KEEP_MS",
    "Purged",
    "RetentionJob",
]

DEFAULT_JOURNAL_DAYS = 90
IDEMPOTENCY_KEEP_MS = 24 * 3_600_000
CARRIED_KEEP_MS = 24 * 3_600_000
INTERVAL_S = 3600.0
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Purged:
    """How many rows one run deleted, by kind (``-1``: that purge failed)."""

    journal: int
    frames: int
    event_ids: int
    tokens: int
    idempotency: int
    carried: int = 0


class RetentionJob:
    """Purges on a schedule from a background task; ``run_once`` purges now."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        interval_s: float = INTERVAL_S,
        default_journal_days: int = DEFAULT_JOURNAL_DAYS,
    ) -> None:
        self._store = store
        self._clock = clock
        self._interval_s = interval_s
        self._default_days = default_journal_days
        self._task: asyncio.Task[None] | None = None
        self.runs = 0

    def start(self) -> None:
        """Purge now and then every ``interval_s`` in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="cloudcti retention")

    async def stop(self) -> None:
        """End the background task."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run_once(self) -> Purged:
        """Purge everything past its retention at the clock's now."""
        now = self._clock()
        purged = Purged(
            journal=await self._purge(
                "journal", lambda tx: tx.journal.purge_by_retention(now, self._default_days)
            ),
            frames=await self._purge("frames", lambda tx: tx.frames.prune(now)),
            event_ids=await self._purge("event ids", lambda tx: _prune_event_ids(tx, now)),
            tokens=await self._purge("tokens", lambda tx: tx.tokens.purge_expired(now)),
            idempotency=await self._purge(
                "idempotency keys",
                lambda tx: tx.idempotency.purge_older_than(now - IDEMPOTENCY_KEEP_MS),
            ),
            carried=await self._purge(
                "carried call histories",
                lambda tx: tx.carried_calls.purge_older_than(now - CARRIED_KEEP_MS),
            ),
        )
        self.runs += 1
        return purged

    async def _purge(self, what: str, purge: Callable[[Transaction], Awaitable[int]]) -> int:
        try:
            async with self._store.transaction() as tx:
                return await purge(tx)
        except Exception:  # the next run tries again; the other purges still run
            _log.exception("purging %s failed", what)
            return -1

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.run_once()
            await asyncio.sleep(self._interval_s)


async def _prune_event_ids(tx: Transaction, now: int) -> int:
    deleted = 0
    for gateway in await tx.gateways.all():
        deleted += await tx.processed_events.prune(
            gateway.id, keep=KEEP_EVENT_IDS, older_than=now - KEEP_EVENT_IDS_MS
        )
    return deleted
