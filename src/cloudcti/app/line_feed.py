"""Feeding service settings read from the PBX (Xsi-Actions ``GET services/…``) into the
pipeline's line state, as if an event had carried them.

``EventPipeline.apply_services`` does the applying, never interleaved with a batch of events;
this module keeps one change per read."""

from __future__ import annotations

from collections.abc import Sequence

from cloudcti.app.bus import LineEvents
from cloudcti.app.pipeline import EventPipeline
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
    applied = await pipeline.apply_services(gateway_id, pbx_user_id, infos, now)
    if applied is None:
        return None
    state, message = applied
    last = {type(e): e for e in message.events}
    return FedLine(state, LineEvents(message.line_id, message.user_id, tuple(last.values())))
