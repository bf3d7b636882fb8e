"""Digits dialled on a user's device: feature access codes, call pull, ordinary numbers.

A service code "call" is CallOriginated(``tel:<digits>``, callType ``Unknown``) → CallReleased
plus the service event (PROTOCOL.md §6); ``*86`` calls the voicemail, which answers by
itself; ``78811`` (on the mobile) and ``*11`` pull the user's active call to the device
that dialled (§5 flow 11).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from cloudcti.sim.calls import (
    ACTIVE,
    ALERTING,
    ORIGINATOR,
    RELEASED,
    REMOTE_HELD,
    Call,
    Half,
    ModelError,
    Notice,
    Party,
    User,
)
from cloudcti.sim.services import ServiceSettings, ServiceState

if TYPE_CHECKING:
    from cloudcti.sim.model import Pbx

VOICEMAIL_CODE = "*86"
PULL_CODES = ("78811", "*11")

Change = Callable[[ServiceSettings, str], ServiceState]


def _number(rest: str) -> str:
    if not rest:
        raise ModelError("invalid", "this feature code needs a number after it")
    return rest


# Longest codes first: ``*72…`` takes the rest of the digits as the forwarding number.
SERVICE_CODES: tuple[tuple[str, Change], ...] = (
    ("*72", lambda s, rest: replace(s.cfa, active=True, forward_to=_number(rest))),
    ("*73", lambda s, rest: replace(s.cfa, active=False)),
    ("*90", lambda s, rest: replace(s.cfb, active=True, forward_to=_number(rest))),
    ("*91", lambda s, rest: replace(s.cfb, active=False)),
    ("*92", lambda s, rest: replace(s.cfna, active=True, forward_to=_number(rest))),
    ("*93", lambda s, rest: replace(s.cfna, active=False)),
    ("*78", lambda s, rest: replace(s.dnd, active=True)),
    ("*79", lambda s, rest: replace(s.dnd, active=False)),
    ("*21", lambda s, rest: replace(s.voice_messaging, always_redirect=True)),
    ("#21", lambda s, rest: replace(s.voice_messaging, always_redirect=False)),
)


def dial(
    pbx: Pbx, user: User, digits: str, device: str, now_ms: int, no_answer_s: float
) -> tuple[Call | None, list[Notice]]:
    """The user dials ``digits`` on ``device`` (``primary`` or ``mobile``)."""
    if device == "mobile" and not user.mobile:
        raise ModelError("invalid", f"{user.user_id} has no mobile")
    if digits in PULL_CODES:
        return pull(pbx, user, device, now_ms)
    if digits == VOICEMAIL_CODE:
        return _call_voicemail(pbx, user, device, now_ms, no_answer_s)
    for code, change in SERVICE_CODES:
        if digits.startswith(code):
            return None, _service_code(pbx, user, digits, device, now_ms, change, code)
    if digits[0] in "*#":
        raise ModelError("invalid", f"unknown feature access code {digits}")
    return pbx.start_call(user.user_id, digits, now_ms, no_answer_s, device=device)


def _service_code(
    pbx: Pbx, user: User, digits: str, device: str, now_ms: int, change: Change, code: str
) -> list[Notice]:
    state = change(user.services, digits[len(code) :])
    endpoint_type, endpoint = pbx.endpoint_of(user, device)
    half = Half(
        call_id=pbx.next_call_id(user),
        ext_tracking_id=pbx.next_tracking_id(),
        user_id=user.user_id,
        personality=ORIGINATOR,
        state=ALERTING,
        remote=Party(address=f"tel:{digits}", call_type="Unknown"),
        start_time=now_ms,
        endpoint=endpoint,
        endpoint_type=endpoint_type,
    )
    seize = device == "primary" and pbx.hook_status(user.user_id) == "On-Hook"
    released = replace(half, state=RELEASED, release_time=now_ms, releasing_party="remoteRelease")
    notices = [Notice(user.user_id, "HookStatusEvent", hook_status="Off-Hook")] if seize else []
    notices.append(Notice(user.user_id, "CallOriginatedEvent", half))
    notices += pbx.change_service(user, state)
    notices.append(Notice(user.user_id, "CallReleasedEvent", released))
    if seize:
        notices.append(Notice(user.user_id, "HookStatusEvent", hook_status="On-Hook"))
    return notices


def _call_voicemail(
    pbx: Pbx, user: User, device: str, now_ms: int, no_answer_s: float
) -> tuple[Call, list[Notice]]:
    call, notices = pbx.start_call(
        user.user_id, pbx.voice_portal, now_ms, no_answer_s, device=device
    )
    call.callee.voicemail = True
    assert call.caller.half is not None
    party = Party(address=f"tel:{VOICEMAIL_CODE}", call_type="Unknown", name="Voice Mail")
    call.caller.half = replace(call.caller.half, remote=party)
    notices = [
        replace(n, half=call.caller.half) if n.event_type == "CallOriginatedEvent" else n
        for n in notices
    ]
    return call, notices + pbx.answer(call, now_ms, no_answer_s)


def pull(pbx: Pbx, user: User, device: str, now_ms: int) -> tuple[Call, list[Notice]]:
    """Move the user's answered call from another device to ``device``: a new leg is
    originated there with the same remote party, the old leg is released."""
    for call in pbx.calls.values():
        for side in call.sides():
            half = side.half
            if side.user_id != user.user_id or half is None or call.phase != "active":
                continue
            if half.state in (ACTIVE, REMOTE_HELD) and side.device != device:
                return call, _move(pbx, user, call, side.device, device, now_ms)
    raise ModelError("conflict", f"{user.user_id} has no answered call on another device")


def _move(
    pbx: Pbx, user: User, call: Call, from_device: str, device: str, now_ms: int
) -> list[Notice]:
    side = call.caller if call.caller.user_id == user.user_id else call.callee
    old = side.half
    assert old is not None
    before = pbx.hook_status(user.user_id)
    endpoint_type, endpoint = pbx.endpoint_of(user, device)
    new = replace(
        old,
        call_id=pbx.next_call_id(user),
        personality=ORIGINATOR,
        state=ALERTING,
        start_time=now_ms,
        answer_time=None,
        endpoint=endpoint,
        endpoint_type=endpoint_type,
        redirections=(),
    )
    released = replace(old, state=RELEASED, release_time=now_ms, releasing_party="localRelease")
    notices: list[Notice] = []
    if device == "primary" and before == "On-Hook":
        notices.append(Notice(user.user_id, "HookStatusEvent", hook_status="Off-Hook"))
    notices.append(Notice(user.user_id, "CallOriginatedEvent", new))
    side.device = device
    side.half = replace(new, state=ACTIVE, answer_time=now_ms)
    notices.append(Notice(user.user_id, "CallReleasedEvent", released))
    notices.append(Notice(user.user_id, "CallAnsweredEvent", side.half))
    if from_device == "primary" and pbx.hook_status(user.user_id) == "On-Hook":
        notices.append(Notice(user.user_id, "HookStatusEvent", hook_status="On-Hook"))
    return notices
