"""``LineWatch``: a ``line_updated`` frame (CONTRACT.md ``Line``) to a line's user whenever the
line's state changes.

A line's state comes from several places (the gateway's runtime, the line's subscription,
the user's PBX credentials, the admin's settings), so the watch compares every assigned
line's state with the last one seen: at start, once a second, and at once when ``poke``d
(credentials changed). The first state seen of a line (at start, or for its new user) is the
baseline and sends nothing; clients read it with ``GET /users/me``.

A tick costs little at 500 lines: the lines, gateways and users are read from the database
only when this process changed them (``Store.config_version``), when poked, and every
``RELOAD_S`` (changes by another process, e.g. ``cloudcti admin``); the runtime's part of
the state is asked for every line each tick."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from cloudcti.app.bus import EventBus, UserFrame
from cloudcti.app.lines import LinesService, LineView, view_of
from cloudcti.store import GatewayRecord, LineRecord, Store, UserRecord

__all__ = ["LineWatch", "line_json"]

INTERVAL_S = 1.0
RELOAD_S = 30.0
_log = logging.getLogger(__name__)


def line_json(view: LineView) -> dict[str, Any]:
    """The user's view of a line (CONTRACT.md ``Line``)."""
    return {
        "id": view.id,
        "number": view.number,
        "extension": view.extension,
        "display_name": view.display_name,
        "state": view.state,
        "state_reason": view.state_reason,
    }


@dataclass(frozen=True, slots=True)
class _Config:
    """What the line states depend on in the database, as read at ``loaded_at``."""

    version: int
    loaded_at: float
    records: list[LineRecord]
    gateways: dict[str, GatewayRecord]
    users: dict[str, UserRecord]


class LineWatch:
    """Publishes ``line_updated`` user frames for line state changes, from a background task."""

    def __init__(
        self, store: Store, lines: LinesService, bus: EventBus, interval_s: float = INTERVAL_S
    ) -> None:
        self._store = store
        self._lines = lines
        self._bus = bus
        self._interval_s = interval_s
        self._seen: dict[tuple[str, str], str] = {}  # (line id, user id) → state
        self._poked = asyncio.Event()
        self._config: _Config | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start watching."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="cloudcti line watch")

    async def stop(self) -> None:
        """Stop watching."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def poke(self) -> None:
        """Compare the line states now rather than at the next tick."""
        self._poked.set()

    async def scan(self) -> int:
        """Compare every assigned line's state with the last seen; publish the changed ones.
        The number of frames published."""
        config = await self._current_config()
        seen: dict[tuple[str, str], str] = {}
        published = 0
        for record in config.records:
            assert record.user_id is not None
            gateway = config.gateways[record.gateway_id]
            status = self._lines.status_of(record, gateway, config.users.get(record.user_id))
            key = (record.id, record.user_id)
            seen[key] = status.state
            before = self._seen.get(key)
            if before is not None and before != status.state:
                view = view_of(record, status)
                self._bus.publish(UserFrame(record.user_id, "line_updated", line_json(view)))
                published += 1
        self._seen = seen
        return published

    async def _current_config(self) -> _Config:
        loop = asyncio.get_running_loop()
        config = self._config
        version = self._store.config_version
        if (
            config is None
            or config.version != version
            or self._poked.is_set()
            or loop.time() - config.loaded_at > RELOAD_S
        ):
            async with self._store.read() as tx:
                records = [r for r in await tx.lines.all() if r.user_id is not None]
                gateways = {g.id: g for g in await tx.gateways.all()}
                users = {u.id: u for u in await tx.users.all()}
            config = self._config = _Config(version, loop.time(), records, gateways, users)
        return config

    async def _run(self) -> None:
        while True:
            try:
                await self.scan()
            except Exception as error:  # e.g. the database busy: the next tick tries again
                _log.warning("comparing line states failed: %r", error)
            self._poked.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poked.wait(), self._interval_s)
