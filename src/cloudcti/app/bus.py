"""The event bus port and its in-process implementation (Redis can take its place later).

Messages are what one PBX event did to one line (``LineEvents``) or a frame for one user that
no line event carries (``UserFrame``); subscribers must not block (they queue)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cloudcti.domain.events import DomainEvent

__all__ = ["BusMessage", "EventBus", "InProcessBus", "LineEvents", "UserFrame"]


@dataclass(frozen=True, slots=True)
class LineEvents:
    """Domain events of one line, in order, with the user the line belongs to (if any)."""

    line_id: str
    user_id: str | None
    events: tuple[DomainEvent, ...]


@dataclass(frozen=True, slots=True)
class UserFrame:
    """One frame for one user (CONTRACT.md §3 ``type`` and ``data``), e.g.
    ``pbx_credentials_required``, ``forwarding_updated``, ``presence_updated``, ``line_updated``."""

    user_id: str
    type: str
    data: dict[str, Any]


BusMessage = LineEvents | UserFrame
Subscriber = Callable[[BusMessage], None]


class EventBus(Protocol):
    """Publish line events to every subscriber, in publishing order."""

    def publish(self, message: BusMessage) -> None:
        """Hand ``message`` to every subscriber; returns without waiting for them."""
        ...

    def subscribe(self, subscriber: Subscriber) -> None:
        """Receive every message published from now on."""
        ...


class InProcessBus:
    """The bus of a single process: subscribers are called synchronously, in order."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def publish(self, message: BusMessage) -> None:
        """Call every subscriber with ``message``."""
        for subscriber in self._subscribers:
            subscriber(message)

    def subscribe(self, subscriber: Subscriber) -> None:
        """Add a subscriber."""
        self._subscribers.append(subscriber)
