"""What the domain tells the rest of the system (CONTRACT.md §3 frame types).

``type`` is the name the WebSocket frame carries. ``ServiceReadRequired`` is internal: the
application must re-read a service with the user's credentials (e.g. VoiceMessaging after
``*21``/``#21``, whose state no event carries — R11, R12).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cloudcti.domain.calls import Call
from cloudcti.domain.forwarding import Forwarding
from cloudcti.domain.journal import JournalEntry
from cloudcti.domain.presence import Presence

__all__ = [
    "CallCreated",
    "CallEnded",
    "CallUpdated",
    "DomainEvent",
    "ForwardingUpdated",
    "JournalEntryCreated",
    "PresenceUpdated",
    "ServiceReadRequired",
]


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Base of everything the domain reports."""

    type: ClassVar[str] = "domain_event"


@dataclass(frozen=True, slots=True)
class CallCreated(DomainEvent):
    """A call appeared on a line."""

    type: ClassVar[str] = "call_created"
    call: Call


@dataclass(frozen=True, slots=True)
class CallUpdated(DomainEvent):
    """Something users can see of a call changed (state, remote, features, …)."""

    type: ClassVar[str] = "call_updated"
    call: Call


@dataclass(frozen=True, slots=True)
class CallEnded(DomainEvent):
    """A call ended on a line (released, redirected away, or gone after a resync)."""

    type: ClassVar[str] = "call_ended"
    call: Call


@dataclass(frozen=True, slots=True)
class ForwardingUpdated(DomainEvent):
    """A line's forwarding or voicemail settings changed."""

    type: ClassVar[str] = "forwarding_updated"
    line_id: str
    forwarding: Forwarding


@dataclass(frozen=True, slots=True)
class PresenceUpdated(DomainEvent):
    """A line's presence changed (unfiltered: apply rights before showing it)."""

    type: ClassVar[str] = "presence_updated"
    line_id: str
    presence: Presence


@dataclass(frozen=True, slots=True)
class JournalEntryCreated(DomainEvent):
    """A call ended and has its journal entry."""

    type: ClassVar[str] = "journal_entry_created"
    entry: JournalEntry


@dataclass(frozen=True, slots=True)
class ServiceReadRequired(DomainEvent):
    """Re-read ``service`` (an Xsi service name) of the line with the user's credentials."""

    type: ClassVar[str] = "service_read_required"
    line_id: str
    service: str
