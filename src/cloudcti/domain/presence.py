"""Presence of a line or user (CONTRACT.md §2.1 ``Presence``) and who may see what (R13).

Precedence: busy (a call connected or held, or an outbound call being dialled) > ringing >
dnd > forwarded > available; ``offline`` when the line is not monitored. "Forwarded" means
calls do not reach the user: call forwarding always, or the voicemail redirect. When both
are on, call forwarding always wins, as on the PBX ("Call Forwarding Always to Voicemail
does not override Call Forwarding Always"); a CFA destination that is a voicemail number
counts as a voicemail redirect.

Rights: a viewer sees the forwarding **target** of a colleague only if allowed; the
``kind`` is always visible. Default (``Rights()``): a user sees their own targets and those
of members of a team they share; further targets only by an explicit grant, or for
everyone when ``everyone_sees_targets`` is set.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from cloudcti.domain.calls import Call, CallState
from cloudcti.domain.forwarding import Forwarding

__all__ = [
    "ForwardingKind",
    "Presence",
    "PresenceForwarding",
    "PresenceState",
    "Rights",
    "combine",
    "presence_for_viewer",
    "presence_of",
]

VOICEMAIL_TARGET = "voicemail"


class PresenceState(StrEnum):
    """How reachable someone is, in precedence order (highest first, ``offline`` apart)."""

    BUSY = "busy"
    RINGING = "ringing"
    DND = "dnd"
    FORWARDED = "forwarded"
    AVAILABLE = "available"
    OFFLINE = "offline"


class ForwardingKind(StrEnum):
    """Where forwarded calls go."""

    VOICEMAIL = "voicemail"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class PresenceForwarding:
    """The active forwarding: ``target`` is E.164, ``"voicemail"``, or ``None`` (none, or
    the viewer may not see it)."""

    kind: ForwardingKind | None = None
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Presence:
    """State plus the forwarding shown with it."""

    state: PresenceState
    forwarding: PresenceForwarding = PresenceForwarding()


OFFLINE = Presence(PresenceState.OFFLINE)
_ORDER = (
    PresenceState.BUSY,
    PresenceState.RINGING,
    PresenceState.DND,
    PresenceState.FORWARDED,
    PresenceState.AVAILABLE,
    PresenceState.OFFLINE,
)


def _forwarded(forwarding: Forwarding, voicemail_numbers: Collection[str]) -> PresenceForwarding:
    always = forwarding.always
    if always.enabled:
        if always.destination is None or always.destination in voicemail_numbers:
            return PresenceForwarding(ForwardingKind.VOICEMAIL, VOICEMAIL_TARGET)
        return PresenceForwarding(ForwardingKind.NUMBER, always.destination)
    if forwarding.voicemail.enabled:
        return PresenceForwarding(ForwardingKind.VOICEMAIL, VOICEMAIL_TARGET)
    return PresenceForwarding()


def presence_of(
    calls: Iterable[Call],
    forwarding: Forwarding,
    *,
    monitored: bool = True,
    voicemail_numbers: Collection[str] = (),
) -> Presence:
    """A line's presence from its current calls and forwarding (unfiltered)."""
    if not monitored:
        return OFFLINE
    forwarded = _forwarded(forwarding, voicemail_numbers)
    states = {c.state for c in calls}
    if states & {CallState.ACTIVE, CallState.HELD, CallState.DIALING}:
        state = PresenceState.BUSY
    elif CallState.RINGING in states:
        state = PresenceState.RINGING
    elif forwarding.dnd.enabled:
        state = PresenceState.DND
    elif forwarded.kind is not None:
        state = PresenceState.FORWARDED
    else:
        state = PresenceState.AVAILABLE
    return Presence(state, forwarded)


def combine(presences: Iterable[Presence]) -> Presence:
    """A user's presence over all their lines: the highest state; ``offline`` only if every
    line is (or there is none). The forwarding shown is the first line's that has one."""
    known = [p for p in presences if p.state is not PresenceState.OFFLINE]
    if not known:
        return OFFLINE
    state = min((p.state for p in known), key=_ORDER.index)
    forwarding = next((p.forwarding for p in known if p.forwarding.kind), PresenceForwarding())
    return Presence(state, forwarding)


@dataclass(frozen=True, slots=True)
class Rights:
    """Teams (name → member user ids) and explicit grants (viewer id → subject ids)."""

    teams: Mapping[str, frozenset[str]] = field(default_factory=dict)
    grants: Mapping[str, frozenset[str]] = field(default_factory=dict)
    everyone_sees_targets: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "teams", MappingProxyType(dict(self.teams)))
        object.__setattr__(self, "grants", MappingProxyType(dict(self.grants)))

    def may_see_target(self, viewer: str, subject: str) -> bool:
        """Whether ``viewer`` may see where ``subject``'s calls are forwarded to."""
        if viewer == subject or self.everyone_sees_targets:
            return True
        if subject in self.grants.get(viewer, frozenset()):
            return True
        return any(viewer in members and subject in members for members in self.teams.values())


def presence_for_viewer(presence: Presence, viewer: str, subject: str, rights: Rights) -> Presence:
    """``subject``'s presence as ``viewer`` may see it: the target hidden unless allowed."""
    if presence.forwarding.target is None or rights.may_see_target(viewer, subject):
        return presence
    return replace(presence, forwarding=replace(presence.forwarding, target=None))
