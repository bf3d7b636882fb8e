"""Blind, consultative and voicemail transfer and Reconnect (PROTOCOL.md §5 flows 7-8).

The transferring user's legs are ``Detached`` with ``redirect`` (reason ``transfer`` after
answer, ``deflection`` before) and released; a PBX user left on the call sees
``CallTransferred`` with its new remote party.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from cloudcti.sim import routing
from cloudcti.sim.calls import (
    ACTIVE,
    HELD,
    REMOTE_HELD,
    Call,
    ModelError,
    Notice,
    Side,
    User,
    network_number,
    tel,
)

if TYPE_CHECKING:
    from cloudcti.sim.model import Pbx


def blind(
    pbx: Pbx, call: Call, side: Side, address: str, now_ms: int, no_answer_s: float
) -> list[Notice]:
    """``side``'s user hands ``call`` to ``address`` (a number, extension or user)."""
    if call.phase == "alerting" and side is call.callee:
        return routing.redirect(pbx, call, address, "deflection", now_ms, no_answer_s)
    if call.phase != "active":
        raise ModelError("conflict", "only a ringing or answered call can be transferred")
    target_user = pbx.find_user(address)
    if target_user is not None and target_user.user_id == side.user_id:
        raise ModelError("invalid", "a call cannot be transferred to the transferring user")
    if target_user is None:
        new = Side(number=network_number(address))
    else:
        new = Side(user_id=target_user.user_id)
    return _hand_over(pbx, call, side, new, now_ms, no_answer_s)


def to_voicemail(pbx: Pbx, call: Call, side: Side, now_ms: int, no_answer_s: float) -> list[Notice]:
    """``VmTransfer``: the far end of ``call`` goes to voicemail (answered at once)."""
    if call.phase == "alerting" and side is call.callee:
        return routing.redirect(pbx, call, routing.VOICEMAIL, "deflection", now_ms, no_answer_s)
    if call.phase != "active":
        raise ModelError("conflict", "only a ringing or answered call can be transferred")
    new = Side(number=pbx.voice_portal, voicemail=True)
    return _hand_over(pbx, call, side, new, now_ms, no_answer_s)


def _hand_over(
    pbx: Pbx, call: Call, side: Side, new: Side, now_ms: int, no_answer_s: float
) -> list[Notice]:
    user = pbx.user_of(side)
    assert user is not None
    assert side.half is not None
    remaining = call.other(side)
    before = pbx.hook_status(user.user_id)
    detached, released = routing.detach(side.half, _address(pbx, new), "transfer", now_ms)
    side.half = released
    notices = [
        Notice(user.user_id, "CallRedirectedEvent", halves=(detached,)),
        Notice(user.user_id, "CallReleasedEvent", released),
    ]
    if before == "Off-Hook" and pbx.hook_status(user.user_id) == "On-Hook":
        notices.append(Notice(user.user_id, "HookStatusEvent", hook_status="On-Hook"))
    call.caller, call.callee = remaining, new
    call.phase = "alerting"
    remaining_user = pbx.user_of(remaining)
    if remaining.half is not None and remaining_user is not None:
        target_user = pbx.user_of(new)
        party = pbx.party_for(target_user, new.number or "")
        state = ACTIVE if remaining.half.state == REMOTE_HELD else remaining.half.state
        remaining.half = replace(remaining.half, remote=party, state=state)
        notices.append(Notice(remaining_user.user_id, "CallTransferredEvent", remaining.half))
    if new.voicemail:
        return notices + pbx.answer(call, now_ms, no_answer_s)
    return notices + pbx.alert_callee(call, now_ms, no_answer_s)


def consultative(pbx: Pbx, user: User, first_id: str, second_id: str, now_ms: int) -> list[Notice]:
    """``ConsultTransfer``: connect the far ends of the user's calls ``first_id`` and
    ``second_id``; both of the user's legs are detached and released."""
    first, mine1 = pbx.find_half(user.user_id, first_id)
    second, mine2 = pbx.find_half(user.user_id, second_id)
    if first is second:
        raise ModelError("invalid", "two different calls are needed")
    if first.phase != "active" or second.phase not in ("active", "alerting"):
        raise ModelError("conflict", "the calls are not in a state that can be transferred")
    assert mine1.half is not None
    assert mine2.half is not None
    far1, far2 = first.other(mine1), second.other(mine2)
    before = pbx.hook_status(user.user_id)
    detached1, released1 = routing.detach(mine1.half, _address(pbx, far2), "transfer", now_ms)
    detached2, released2 = routing.detach(mine2.half, _address(pbx, far1), "transfer", now_ms)
    mine1.half, mine2.half = released1, released2
    notices = [
        Notice(user.user_id, "CallRedirectedEvent", halves=(detached1, detached2)),
        Notice(user.user_id, "CallReleasedEvent", released1),
        Notice(user.user_id, "CallReleasedEvent", released2),
    ]
    phase = second.phase
    first.caller, first.callee = far1, far2
    first.phase = phase
    first.no_answer_deadline = second.no_answer_deadline
    first.alerting_at, first.on_no_answer = second.alerting_at, second.on_no_answer
    second.phase = "released"
    second.no_answer_deadline = None
    if before == "Off-Hook" and pbx.hook_status(user.user_id) == "On-Hook":
        notices.append(Notice(user.user_id, "HookStatusEvent", hook_status="On-Hook"))
    for side, other in ((far1, far2), (far2, far1)):
        side_user = pbx.user_of(side)
        if side.half is None or side_user is None:
            continue
        state = ACTIVE if side.half.state == REMOTE_HELD else side.half.state
        side.half = replace(
            side.half,
            remote=pbx.party_for(pbx.user_of(other), other.number or ""),
            state=state,
            ext_tracking_id=first.ext_tracking_id,
        )
        notices.append(Notice(side_user.user_id, "CallTransferredEvent", side.half))
    return notices


def reconnect(pbx: Pbx, user: User, call_id: str, now_ms: int) -> list[Notice]:
    """``Reconnect``: retrieve the held ``call_id`` and release every other call of the user."""
    call, side = pbx.find_half(user.user_id, call_id)
    assert side.half is not None
    if side.half.state != HELD:
        raise ModelError("conflict", f"call {call_id} is {side.half.state}, not Held")
    notices: list[Notice] = []
    for half in pbx.halves_of(user.user_id):
        if half.call_id != call_id:
            other_call, other_side = pbx.find_half(user.user_id, half.call_id)
            notices += pbx.release_call(other_call, other_side, now_ms, cause=None)
    return notices + pbx.talk(call, side, now_ms, 0.0)


def _address(pbx: Pbx, side: Side) -> str:
    user = pbx.user_of(side)
    if user is not None:
        return f"tel:{user.extension}"
    return tel(side.number or "")
