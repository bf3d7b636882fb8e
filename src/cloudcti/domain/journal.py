"""Journal entries (CONTRACT.md §2.1 ``JournalEntry``, R13): one per ended call per line.

The status is decided from the call's whole history (``CallHistory``), not from its last
event. For an inbound call, in this order:
answered here → ``answered`` (on a parallel-ringing number or the mobile:
``answered_elsewhere``); redirected with reason ``do-not-disturb`` → ``dnd`` (also when DND
sends it on to voicemail: the cause wins, the call keeps ``voicemail``, R14); redirected to
or answered by voicemail → ``voicemail``; reason ``follow-me`` (taken by a parallel-ringing
location) → ``answered_elsewhere``; any other redirect (forwarding, deflection) →
``forwarded``; released while DND was on → ``dnd`` (DND without voicemail is a ``Busy``
release); release cause ``Busy`` → ``busy``; detached without a redirect (no longer
presented to the user: a colleague picked it up) → ``answered_elsewhere``; released by the
user → ``rejected``; otherwise ``missed``.
For an outbound call: voicemail → ``voicemail``; answered → ``answered``; handed on by a
transfer before it was answered → ``forwarded``; otherwise ``not_reached``.
Feature-code "calls" (``*72…``) get no entry, except calls to a voicemail number.

One conversation, one entry (issue #9): when the call is moved to another of the user's
devices (relocate = Xsi ``CallRetrieve``, or ``78811``/``*11`` dialled on the mobile), the
PBX originates a new leg there and releases the old one. The old leg then writes no entry;
its history is carried into the new leg (``continued``) and the conversation is journalled
once, when its last leg ends: the first leg's id, direction, remote party and start, the
first answer (time and device: "where it was answered first" decides ``answered`` versus
``answered_elsewhere``), the last leg's end, and the duration from the first answer to that
end (the handovers are part of the conversation). Which leg continues which is decided in
``domain.lines``. What a live leg carries on (``carried``) is stored by the app as
``history_to_data`` with the event that made it, so a restart mid-conversation still
journals the whole conversation once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from cloudcti.domain.calls import Call, Device, Direction, Remote
from cloudcti.xsi import RedirectReason, ReleasingParty

__all__ = [
    "CallHistory",
    "JournalEntry",
    "JournalStatus",
    "carried",
    "continued",
    "continued_from",
    "entry_for",
    "history_from_data",
    "history_to_data",
    "status_of",
]


class JournalStatus(StrEnum):
    """How a call ended for this line (CONTRACT.md §2.1)."""

    ANSWERED = "answered"
    MISSED = "missed"
    ANSWERED_ELSEWHERE = "answered_elsewhere"
    VOICEMAIL = "voicemail"
    FORWARDED = "forwarded"
    REJECTED = "rejected"
    DND = "dnd"
    BUSY = "busy"
    NOT_REACHED = "not_reached"


@dataclass(frozen=True, slots=True)
class CallHistory:
    """What happened to one call leg over its life, accumulated event by event."""

    direction: Direction
    started_at: int
    answered_at: int | None = None
    answered_device: Device | None = None
    redirect_reasons: tuple[str, ...] = ()
    voicemail: bool = False
    dnd_when_received: bool = False
    release_cause: str | None = None
    releasing_party: ReleasingParty | None = None
    feature_code: bool = False
    detached: bool = False
    first_call_id: str | None = None
    """Set on a leg that continues an earlier one: the conversation's first leg's id."""
    first_remote: Remote | None = None
    """Set on a leg that continues an earlier one: the remote party of the first leg."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One ended call as the journal shows it; times are epoch milliseconds."""

    id: str
    call_id: str
    line_id: str
    direction: Direction
    remote: Remote
    status: JournalStatus
    device: Device
    started_at: int
    answered_at: int | None
    ended_at: int
    duration_s: int


_ELSEWHERE = frozenset({Device.PARALLEL, Device.MOBILE})
_HANDED_ON = frozenset({RedirectReason.TRANSFER, RedirectReason.DEFLECTION})


def status_of(history: CallHistory) -> JournalStatus:
    """The journal status of a call with this history (rules in the module docstring)."""
    answered = history.answered_at is not None
    reasons = history.redirect_reasons
    if history.direction is Direction.OUTBOUND:
        if history.voicemail:
            return JournalStatus.VOICEMAIL
        if answered:
            return JournalStatus.ANSWERED
        if any(r in _HANDED_ON for r in reasons):
            return JournalStatus.FORWARDED
        return JournalStatus.NOT_REACHED
    if answered:
        if history.answered_device in _ELSEWHERE:
            return JournalStatus.ANSWERED_ELSEWHERE
        return JournalStatus.ANSWERED
    if RedirectReason.DO_NOT_DISTURB in reasons:
        return JournalStatus.DND
    if history.voicemail:
        return JournalStatus.VOICEMAIL
    if RedirectReason.FOLLOW_ME in reasons:
        return JournalStatus.ANSWERED_ELSEWHERE
    if reasons:
        return JournalStatus.FORWARDED
    if history.dnd_when_received:
        return JournalStatus.DND
    if history.release_cause == "Busy":
        return JournalStatus.BUSY
    if history.detached:
        return JournalStatus.ANSWERED_ELSEWHERE
    if history.releasing_party is ReleasingParty.LOCAL:
        return JournalStatus.REJECTED
    return JournalStatus.MISSED


def continued(earlier: CallHistory, earlier_call: Call, later: CallHistory) -> CallHistory:
    """The history of leg ``later`` once it continues the conversation of the ended leg
    ``earlier_call`` (history ``earlier``): origin and first answer from the earlier leg,
    how it ends from the later one."""
    return continued_from(carried(earlier, earlier_call), later)


def carried(earlier: CallHistory, earlier_call: Call) -> CallHistory:
    """What a leg continuing the ended leg ``earlier_call`` (history ``earlier``) carries
    on: the conversation so far, naming its first leg and that leg's remote party."""
    return replace(
        earlier,
        first_call_id=earlier.first_call_id or earlier_call.id,
        first_remote=earlier.first_remote or earlier_call.remote,
    )


def continued_from(before: CallHistory, later: CallHistory) -> CallHistory:
    """The history of leg ``later`` continuing the conversation ``before`` (made by
    ``carried``): origin and first answer from before, how it ends from the later leg."""
    first_answer = (before.answered_at, before.answered_device)
    if before.answered_at is None:
        first_answer = (later.answered_at, later.answered_device)
    reasons = (*before.redirect_reasons, *later.redirect_reasons)
    return CallHistory(
        direction=before.direction,
        started_at=before.started_at,
        answered_at=first_answer[0],
        answered_device=first_answer[1],
        redirect_reasons=tuple(dict.fromkeys(reasons)),
        voicemail=before.voicemail or later.voicemail,
        dnd_when_received=before.dnd_when_received,
        release_cause=later.release_cause,
        releasing_party=later.releasing_party,
        feature_code=before.feature_code,
        detached=later.detached,
        first_call_id=before.first_call_id,
        first_remote=before.first_remote,
    )


def history_to_data(history: CallHistory) -> dict[str, Any]:
    """``history`` as JSON-compatible data (what is stored of a carried conversation, so
    that it survives a restart); ``history_from_data`` reads it back."""
    remote, device, party = history.first_remote, history.answered_device, history.releasing_party
    return {
        "direction": history.direction.value,
        "started_at": history.started_at,
        "answered_at": history.answered_at,
        "answered_device": None if device is None else device.value,
        "redirect_reasons": list(history.redirect_reasons),
        "voicemail": history.voicemail,
        "dnd_when_received": history.dnd_when_received,
        "release_cause": history.release_cause,
        "releasing_party": None if party is None else party.value,
        "feature_code": history.feature_code,
        "detached": history.detached,
        "first_call_id": history.first_call_id,
        "first_remote": None
        if remote is None
        else {"number": remote.number, "display": remote.display, "name": remote.name},
    }


def history_from_data(data: Mapping[str, Any]) -> CallHistory:
    """The history that ``history_to_data`` wrote; ``ValueError`` if ``data`` is not one."""
    try:
        remote = data.get("first_remote")
        device = data.get("answered_device")
        party = data.get("releasing_party")
        return CallHistory(
            direction=Direction(data["direction"]),
            started_at=_int(data["started_at"]),
            answered_at=_optional_int(data.get("answered_at")),
            answered_device=None if device is None else Device(device),
            redirect_reasons=tuple(str(r) for r in data.get("redirect_reasons", ())),
            voicemail=bool(data.get("voicemail", False)),
            dnd_when_received=bool(data.get("dnd_when_received", False)),
            release_cause=_optional_str(data.get("release_cause")),
            releasing_party=None if party is None else ReleasingParty(party),
            feature_code=bool(data.get("feature_code", False)),
            detached=bool(data.get("detached", False)),
            first_call_id=_optional_str(data.get("first_call_id")),
            first_remote=None
            if remote is None
            else Remote(
                number=_optional_str(remote.get("number")),
                display=str(remote["display"]),
                name=_optional_str(remote.get("name")),
            ),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise ValueError(f"not a stored call history: {error!r}") from None


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"not an integer: {value!r}")
    return value


def _optional_int(value: object) -> int | None:
    return None if value is None else _int(value)


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def entry_for(call: Call, history: CallHistory) -> JournalEntry | None:
    """The journal entry of an ended call (``None`` for feature-code calls); for a leg that
    continued earlier ones, the entry of the whole conversation."""
    if history.feature_code and not history.voicemail:
        return None
    ended_at = call.ended_at if call.ended_at is not None else history.started_at
    answered_at = history.answered_at
    duration_ms = max(0, ended_at - answered_at) if answered_at is not None else 0
    call_id = history.first_call_id or call.id
    return JournalEntry(
        id=f"{call.line_id}/{call_id}/{history.started_at}",
        call_id=call_id,
        line_id=call.line_id,
        direction=history.direction,
        remote=history.first_remote or call.remote,
        status=status_of(history),
        device=history.answered_device or call.device,
        started_at=history.started_at,
        answered_at=answered_at,
        ended_at=ended_at,
        duration_s=round(duration_ms / 1000),
    )
