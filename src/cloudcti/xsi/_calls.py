"""The ``call`` and ``conference`` elements of Xsi (PROTOCOL.md §3.6), as frozen values.

Closed sets whose unknown value means a broken document (call state, personality, hook
status, releasing party) are enums: the decoder rejects other values. Open sets that new
BroadWorks releases extend (redirect reason, call type, release cause) stay strings, with
the known values as constants, so a newer PBX cannot take the channel down.

``Call`` and ``PartyInfo`` are frozen dataclasses *without* slots: the decoder builds them
from a dict in one step (``_read.build``), which a slotted class does not allow. They are as
immutable as the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CallState(StrEnum):
    """State of one call leg as the PBX reports it."""

    ALERTING = "Alerting"
    ACTIVE = "Active"
    HELD = "Held"
    REMOTE_HELD = "Remote Held"
    DETACHED = "Detached"
    RELEASED = "Released"
    IDLE = "Idle"


class Personality(StrEnum):
    """Which side of the call the monitored user is on."""

    ORIGINATOR = "Originator"
    TERMINATOR = "Terminator"
    CLICK_TO_DIAL = "Click-to-Dial"


class HookStatus(StrEnum):
    """Whether the user's device is off hook."""

    OFF_HOOK = "Off-Hook"
    ON_HOOK = "On-Hook"


class ReleasingParty(StrEnum):
    """Who ended the call."""

    LOCAL = "localRelease"
    REMOTE = "remoteRelease"


class EndpointKind(StrEnum):
    """The device a call leg is on (the ``xsi1:type`` of the ``endpoint`` element)."""

    ACCESS = "AccessEndpoint"
    REMOTE_OFFICE = "RemoteOfficeEndpoint"
    BROADWORKS_ANYWHERE = "BroadWorksAnywhereEndpoint"
    BROADWORKS_MOBILITY = "BroadWorksMobilityEndpoint"


class RedirectReason:
    """Known values of ``RedirectReason`` (an open set: compare with these constants)."""

    USER_BUSY = "user-busy"
    NO_ANSWER = "no-answer"
    UNAVAILABLE = "unavailable"
    UNCONDITIONAL = "unconditional"  # call forwarding always
    TIME_OF_DAY = "time-of-day"
    DO_NOT_DISTURB = "do-not-disturb"
    DEFLECTION = "deflection"  # blind transfer before answer
    FOLLOW_ME = "follow-me"  # simultaneous ring, sequential ring, BroadWorks Anywhere
    OUT_OF_SERVICE = "out-of-service"
    AWAY = "away"
    TRANSFER = "transfer"  # blind or consultative transfer after answer
    VOICEMAIL = "voicemail"  # call forwarding to voice mail
    HUNT_GROUP = "hunt-group"
    CALL_CENTER = "call-center"
    ROUTE_POINT = "route-point"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PartyInfo:
    """A party of a call (``remoteParty``, a redirection's ``party``)."""

    name: str | None = None
    address: str | None = None
    user_id: str | None = None
    user_dn: str | None = None
    country_code: str | None = None
    call_type: str | None = None
    privacy: bool = False


@dataclass(frozen=True, slots=True)
class Endpoint:
    """The device of a call leg: an access device (``address`` = its SIP address of record)
    or a network endpoint (``address`` = the number used, e.g. the Remote Office number)."""

    kind: EndpointKind | str
    address: str


@dataclass(frozen=True, slots=True)
class Redirection:
    """One entry of an incoming call's redirection history."""

    party: PartyInfo | None = None
    reason: str | None = None
    counter: int | None = None


@dataclass(frozen=True, slots=True)
class Redirect:
    """Why and where this leg was redirected away (set on a redirected, detached leg)."""

    reason: str
    redirect_time: int
    address: str | None = None


@dataclass(frozen=True, slots=True)
class ReleaseCause:
    """Why BroadWorks released or is releasing a call."""

    internal_release_cause: str
    q850_cause: int | None = None
    sip_status: int | None = None
    cdr_termination_cause: str | None = None


@dataclass(frozen=True)
class Call:
    """One call leg of the monitored user; all times are epoch milliseconds."""

    call_id: str
    ext_tracking_id: str
    personality: Personality
    state: CallState
    start_time: int
    network_call_id: str | None = None
    remote_party: PartyInfo | None = None
    endpoint: Endpoint | None = None
    appearance: int | None = None
    redirections: tuple[Redirection, ...] = ()
    redirect: Redirect | None = None
    release_cause: ReleaseCause | None = None
    releasing_party: ReleasingParty | None = None
    allow_answer: bool = False
    allow_retrieve: bool = False
    diversion_inhibited: bool = False
    recall_type: str | None = None
    hunt_group_user_id: str | None = None
    answer_time: int | None = None
    held_time: int | None = None
    total_held_time: int | None = None
    detached_time: int | None = None
    release_time: int | None = None


@dataclass(frozen=True, slots=True)
class ConferenceParticipant:
    """One call leg that takes part in the user's conference."""

    call_id: str
    muted: bool = False
    deaf: bool = False


@dataclass(frozen=True, slots=True)
class Conference:
    """The user's conference (three-way or N-way), as in events and ``GET calls/Conference``."""

    state: str | None = None
    endpoint: Endpoint | None = None
    appearance: int | None = None
    muted: bool = False
    conference_type: str | None = None
    participants: tuple[ConferenceParticipant, ...] = ()
