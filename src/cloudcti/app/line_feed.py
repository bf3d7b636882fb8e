"""Feeding service settings read from the PBX (Xsi-Actions ``GET services/…``) into the
pipeline's line state, as if an event had carried them.

This is a hook into ``EventPipeline`` from outside: it takes the gateway's pipeline lock, so
it never interleaves with an event being applied. (It belongs in ``EventPipeline`` as a
public method; it lives here because another module owns the pipeline.)"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from cloudcti.app.bus import LineEvents
from cloudcti.app.pipeline import EventPipeline
from cloudcti.domain.events import DomainEvent
from cloudcti.domain.forwarding import ServiceInfo
from cloudcti.domain.lines import LineState

__all__ = ["FedLine", "feed_services"]


class FedLine:
    """A line's state after the feed and what changed (``events`` may be empty)."""

    __slots__ = ("message", "state")

    def __init__(self, state: LineState, message: LineEvents) -> None:
        self.state = state
        self.message = message


async def feed_services(
    pipeline: EventPipeline,
    gateway_id: str,
    pbx_user_id: str,
    infos: Sequence[ServiceInfo],
    now: int,
) -> FedLine | None:
    """Apply ``infos`` to the line of ``pbx_user_id`` (``None`` if the gateway monitors no
    such enabled line). The resulting events keep only the last ``ForwardingUpdated`` and
    ``PresenceUpdated``: one read is one change."""
    lock = pipeline._locks.setdefault(gateway_id, asyncio.Lock())
    async with lock:
        async with pipeline._store.transaction() as tx:
            info = await pipeline.book.find(tx, gateway_id, pbx_user_id)
            if info is None:
                return None
            line = await tx.lines.get(info.line_id)
        state = pipeline._state_of(info)
        events: list[DomainEvent] = []
        for service in infos:
            state, found = state.with_service(service, now)
            events.extend(found)
        pipeline._states[info.line_id] = state
    last = {type(e): e for e in events}
    user_id = line.user_id if line is not None else None
    return FedLine(state, LineEvents(info.line_id, user_id, tuple(last.values())))
