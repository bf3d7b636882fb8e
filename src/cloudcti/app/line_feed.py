"""Feeding service settings read from the PBX (Xsi-Actions ``GET services/…``) into the
pipeline's line state, as if an event had carried them.

This is a hook into ``EventPipeline`` from outside (it belongs there as a public method; it
lives here because another module owns the pipeline). The pipeline applies a batch of events
to copies of the line states and stores them when the batch committed, so a feed landing
while a batch for the same line is in flight would be overwritten. Hence: the feed remembers
what it applied until the next commit; when that commit published the line and left its
forwarding as it was before the feed (the batch did not know of the feed), the feed is
applied again on top."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from cloudcti.app.bus import BusMessage, EventBus, LineEvents
from cloudcti.app.pipeline import EventPipeline
from cloudcti.domain.events import DomainEvent
from cloudcti.domain.forwarding import Forwarding, ServiceInfo
from cloudcti.domain.lines import LineConfig, LineState

__all__ = ["FedLine", "FeedTarget", "LineFeed"]


@dataclass(frozen=True, slots=True)
class FeedTarget:
    """A monitored line to feed: its id, its user and its reducer's configuration."""

    line_id: str
    user_id: str | None
    config: LineConfig


@dataclass(frozen=True, slots=True)
class FedLine:
    """A line's state after the feed and what changed (``message.events`` may be empty)."""

    state: LineState
    message: LineEvents


@dataclass(frozen=True, slots=True)
class _Fed:
    batches: object  # the pipeline's ``batches`` list at feed time: replaced on every commit
    before: Forwarding
    infos: tuple[ServiceInfo, ...]
    now: int
    user_id: str | None


def _apply(
    state: LineState, infos: Sequence[ServiceInfo], now: int
) -> tuple[LineState, tuple[DomainEvent, ...]]:
    """``infos`` applied in turn; one ``ForwardingUpdated``/``PresenceUpdated`` at most."""
    events: list[DomainEvent] = []
    for service in infos:
        state, found = state.with_service(service, now)
        events.extend(found)
    last = {type(e): e for e in events}
    return state, tuple(last.values())


class LineFeed:
    """Applies read service settings to the pipeline's line states, surviving a batch in
    flight (see the module docstring). Subscribe ``on_message`` to the bus."""

    def __init__(self, pipeline: EventPipeline, bus: EventBus) -> None:
        self._pipeline = pipeline
        self._bus = bus
        self._fed: dict[str, _Fed] = {}

    async def target(self, gateway_id: str, pbx_user_id: str) -> FeedTarget | None:
        """The monitored line of ``pbx_user_id``; ``None`` if the gateway monitors no such
        enabled line."""
        pipeline = self._pipeline
        async with pipeline._store.transaction() as tx:
            info = await pipeline.book.find(tx, gateway_id, pbx_user_id)
            if info is None:
                return None
            line = await tx.lines.get(info.line_id)
        user_id = line.user_id if line is not None else None
        return FeedTarget(info.line_id, user_id, info.config)

    def apply(self, target: FeedTarget, infos: Sequence[ServiceInfo], now: int) -> FedLine:
        """Apply ``infos`` to the line's state now (no await: the states cannot change under
        it). The caller publishes ``message`` if it has events."""
        pipeline = self._pipeline
        state = _current(pipeline, target.line_id, target.config)
        new_state, events = _apply(state, infos, now)
        pipeline._states[target.line_id] = new_state
        self._fed[target.line_id] = _Fed(
            pipeline.batches, state.forwarding, tuple(infos), now, target.user_id
        )
        return FedLine(new_state, LineEvents(target.line_id, target.user_id, events))

    def on_message(self, message: BusMessage) -> None:
        """Bus subscriber: re-apply a feed a committed batch overwrote."""
        batches = self._pipeline.batches
        for line_id in [k for k, fed in self._fed.items() if fed.batches is not batches]:
            del self._fed[line_id]
        if not isinstance(message, LineEvents):
            return
        fed = self._fed.get(message.line_id)
        current = self._pipeline.states.get(message.line_id)
        if fed is None or current is None or current.forwarding != fed.before:
            return
        new_state, events = _apply(current, fed.infos, fed.now)
        if new_state.forwarding == current.forwarding:
            return
        self._pipeline._states[message.line_id] = new_state
        if events:
            self._bus.publish(LineEvents(message.line_id, fed.user_id, events))


def _current(pipeline: EventPipeline, line_id: str, config: LineConfig) -> LineState:
    state = pipeline.states.get(line_id)
    if state is None:
        return LineState.new(config)
    if state.config != config:
        return replace(state, config=config)
    return state
