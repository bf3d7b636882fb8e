"""A call as users see it (CONTRACT.md §2.1 ``Call``), derived from the PBX's call leg.

The functions here read one Xsi leg (``cloudcti.xsi`` ``Call``) and say what it means:
direction, state, remote party, device, voicemail, and which actions are possible now.
Times are epoch milliseconds, as BroadWorks sends them; the API renders ISO-8601.

Choices the contract leaves open:
- ``id`` is the leg's Xsi ``callId``: stable for the call on this line, also across a
  resync (the PBX keeps it); ``tracking_id`` (``extTrackingId``) is the same on both legs of
  an internal call and correlates them across lines.
- ``device``: a ``follow-me`` redirect of the leg means ``parallel`` (Simultaneous Ring: a
  parallel-ringing number answered, and the user's leg, still showing the desk phone's
  endpoint, is detached); otherwise the endpoint type decides (access device → ``primary``,
  Remote Office → ``remote_office``, BroadWorks Mobility → ``mobile``, BroadWorks
  Anywhere → ``parallel``); otherwise the last known device stays, else ``unknown``.
- ``voicemail``: the leg was redirected to voicemail (reason ``voicemail``), its redirection
  history shows voicemail, or the redirect target or the remote party is one of the line's
  voicemail numbers (e.g. DND or no-answer forwarding to the voice portal).
- ``dialing`` covers every outbound leg that is alerting (also click-to-dial ringing the own
  phone first); ``Remote Held`` is ``active`` with ``remote_held``.
- ``answer`` is offered on every ringing call (the PBX refuses where the device cannot
  answer remotely), ``relocate`` on every active call except on Remote Office (R20, R21).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from cloudcti.domain.numbers import (
    Context,
    DialingParameters,
    Directory,
    NumberError,
    PhoneNumber,
    display,
    normalise,
)
from cloudcti.xsi import Call as XsiCall
from cloudcti.xsi import CallState as XsiCallState
from cloudcti.xsi import EndpointKind, PartyInfo, Personality, RedirectReason

__all__ = [
    "Call",
    "CallState",
    "Device",
    "Direction",
    "Feature",
    "Remote",
    "device_of",
    "direction_of",
    "ended",
    "features_of",
    "is_terminal",
    "is_voicemail",
    "remote_of",
    "state_of",
]


class Direction(StrEnum):
    """Who started the call."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallState(StrEnum):
    """A call's state on this line (CONTRACT.md §2.1)."""

    DIALING = "dialing"
    RINGING = "ringing"
    ACTIVE = "active"
    HELD = "held"
    ENDED = "ended"


class Device(StrEnum):
    """Where the user takes part in the call."""

    PRIMARY = "primary"
    REMOTE_OFFICE = "remote_office"
    PARALLEL = "parallel"
    MOBILE = "mobile"
    UNKNOWN = "unknown"


class Feature(StrEnum):
    """An action the user may take on a call now (listed in this order)."""

    ANSWER = "answer"
    REJECT = "reject"
    DROP = "drop"
    HOLD = "hold"
    UNHOLD = "unhold"
    TRANSFER = "transfer"
    CONSULT = "consult"
    CONFERENCE = "conference"
    SWAP = "swap"
    RELOCATE = "relocate"


@dataclass(frozen=True, slots=True)
class Remote:
    """The other party: ``number`` in E.164 (``None`` if unknown or withheld), ``display``
    for people (CONTRACT.md §0; empty if nothing is known), ``name`` as the PBX gave it."""

    number: str | None
    display: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Call:
    """One call on one line (CONTRACT.md §2.1); times are epoch milliseconds."""

    id: str
    line_id: str
    direction: Direction
    state: CallState
    remote: Remote
    device: Device
    created_at: int
    tracking_id: str
    voicemail: bool = False
    remote_held: bool = False
    consult_of: str | None = None
    conference_id: str | None = None
    answered_at: int | None = None
    ended_at: int | None = None
    features: tuple[Feature, ...] = ()


_TERMINAL = frozenset({XsiCallState.DETACHED, XsiCallState.RELEASED, XsiCallState.IDLE})
_CONNECTED = frozenset({CallState.ACTIVE, CallState.HELD})
_ENDPOINT_DEVICES: dict[str, Device] = {
    EndpointKind.ACCESS: Device.PRIMARY,
    EndpointKind.REMOTE_OFFICE: Device.REMOTE_OFFICE,
    EndpointKind.BROADWORKS_MOBILITY: Device.MOBILE,
    EndpointKind.BROADWORKS_ANYWHERE: Device.PARALLEL,
}


def is_terminal(leg: XsiCall) -> bool:
    """The leg is gone for this line (released, detached or idle)."""
    return leg.state in _TERMINAL


def direction_of(leg: XsiCall) -> Direction:
    """Outbound for originator and click-to-dial legs, inbound for terminator legs."""
    if leg.personality is Personality.TERMINATOR:
        return Direction.INBOUND
    return Direction.OUTBOUND


def state_of(leg: XsiCall) -> CallState:
    """The contract state of a leg."""
    if leg.state is XsiCallState.ALERTING:
        return CallState.RINGING if direction_of(leg) is Direction.INBOUND else CallState.DIALING
    if leg.state is XsiCallState.HELD:
        return CallState.HELD
    if leg.state in _TERMINAL:
        return CallState.ENDED
    return CallState.ACTIVE


def device_of(leg: XsiCall, previous: Device = Device.UNKNOWN) -> Device:
    """The device of a leg (see the module docstring); ``previous`` when the leg says none."""
    if leg.redirect is not None and leg.redirect.reason == RedirectReason.FOLLOW_ME:
        return Device.PARALLEL
    if leg.endpoint is not None:
        return _ENDPOINT_DEVICES.get(str(leg.endpoint.kind), previous)
    return previous


_K = TypeVar("_K")
_V = TypeVar("_V")
_MEMO_SIZE = 4096
_reads: dict[tuple[str, DialingParameters, int], tuple[Directory, PhoneNumber | None]] = {}
_remotes: dict[tuple[PartyInfo, DialingParameters, int], tuple[Directory, Remote]] = {}
"""Parsing a number (``phonenumbers``) is most of the reducer's time, and every event views
every call of the line again: results are kept per (input, parameters, directory), the
directory by identity (the line's configuration holds it), at most ``_MEMO_SIZE`` each."""


def _remember(memo: dict[_K, tuple[Directory, _V]], key: _K, directory: Directory, value: _V) -> _V:
    if len(memo) >= _MEMO_SIZE:
        del memo[next(iter(memo))]  # the oldest
    memo[key] = (directory, value)
    return value


def _read(
    address: str | None, params: DialingParameters, directory: Directory
) -> PhoneNumber | None:
    if not address:
        return None
    key = (address, params, id(directory))
    known = _reads.get(key)
    if known is not None and known[0] is directory:
        return known[1]
    try:
        number = normalise(address, params, directory, context=Context.INCOMING)
    except NumberError:
        number = None
    return _remember(_reads, key, directory, number)


def remote_of(party: PartyInfo | None, params: DialingParameters, directory: Directory) -> Remote:
    """The remote party as people and programs see it: E.164 from ``userDN`` or the address."""
    if party is None:
        return Remote(number=None, display="")
    key = (party, params, id(directory))
    known = _remotes.get(key)
    if known is not None and known[0] is directory:
        return known[1]
    return _remember(_remotes, key, directory, _remote_of(party, params, directory))


def _remote_of(party: PartyInfo, params: DialingParameters, directory: Directory) -> Remote:
    address = _read(party.address, params, directory)
    user_dn = _read(party.user_dn, params, directory)
    number = (user_dn.e164 if user_dn else None) or (address.e164 if address else None)
    if party.privacy and address is None and user_dn is None:
        return Remote(number=None, display=party.name or "", name=party.name)
    shown_from = address or user_dn
    if shown_from is not None:
        shown = display(shown_from, params, directory)
    else:
        shown = party.address or party.name or ""
    return Remote(number=number, display=shown, name=party.name)


def is_voicemail(
    leg: XsiCall,
    voicemail_numbers: Iterable[str],
    params: DialingParameters,
    directory: Directory,
) -> bool:
    """The leg was redirected to, or talks to, voicemail (R13)."""
    if leg.redirect is not None and leg.redirect.reason == RedirectReason.VOICEMAIL:
        return True
    if any(r.reason == RedirectReason.VOICEMAIL for r in leg.redirections):
        return True
    numbers = set(voicemail_numbers)
    target = leg.redirect.address if leg.redirect else None
    party = leg.remote_party
    return any(
        _is_one_of(address, numbers, params, directory)
        for address in (target, party.address if party else None)
    )


def _is_one_of(
    address: str | None, numbers: set[str], params: DialingParameters, directory: Directory
) -> bool:
    number = _read(address, params, directory)
    if number is None:
        return False
    return number.value in numbers or (number.e164 is not None and number.e164 in numbers)


def features_of(call: Call, others: Sequence[Call]) -> tuple[Feature, ...]:
    """What may be done with ``call`` now, given the line's other calls."""
    if call.state is CallState.ENDED:
        return ()
    if call.state is CallState.RINGING:
        return (Feature.ANSWER, Feature.REJECT)
    if call.state is CallState.DIALING:
        return (Feature.DROP,)
    connected = [o for o in others if o.id != call.id and o.state in _CONNECTED]
    joinable = [
        o for o in connected if call.conference_id is None or o.conference_id != call.conference_id
    ]
    features = {Feature.DROP, Feature.TRANSFER}
    if call.state is CallState.ACTIVE:
        features |= {Feature.HOLD, Feature.CONSULT}
        if any(o.state is CallState.HELD for o in connected):
            features.add(Feature.SWAP)
        if call.device is not Device.REMOTE_OFFICE:
            features.add(Feature.RELOCATE)
    else:
        features.add(Feature.UNHOLD)
    if joinable:
        features.add(Feature.CONFERENCE)
    return tuple(f for f in Feature if f in features)


def ended(call: Call, at: int) -> Call:
    """The same call, ended at ``at``: nothing can be done with it any more."""
    return replace(call, state=CallState.ENDED, ended_at=at, features=())
