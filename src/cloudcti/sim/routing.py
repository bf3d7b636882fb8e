"""Terminating services: where an incoming call to a PBX user goes (PROTOCOL.md §5 flows 4-5).

Order: DND, CFA, always-to-voicemail, CFB when busy; otherwise the call rings (Remote
Office alone, or the desk phone plus SimRing locations and the mobile) and, unanswered
after ``no_answer_s``, goes to CFNA or voicemail. Advanced Call sees ``CallReceived``
before any of this, then a ``CallRedirected`` leg that is ``Detached``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from cloudcti.sim.calls import (
    ACTIVE,
    ALERTING,
    DETACHED,
    HELD,
    RELEASED,
    REMOTE_HELD,
    TERMINATOR,
    Call,
    Half,
    Notice,
    Redirect,
    Redirection,
    Side,
    User,
    network_number,
    tel,
)
from cloudcti.sim.services import DO_NOT_RING_IF_ON_CALL

if TYPE_CHECKING:
    from cloudcti.sim.model import Pbx

VOICEMAIL = "voicemail"
MAX_REDIRECTIONS = 5


def route(pbx: Pbx, call: Call, now_ms: int, no_answer_s: float) -> list[Notice]:
    """Present ``call`` to its callee (a PBX user) and apply the user's services."""
    user = pbx.user_of(call.callee)
    assert user is not None
    services = user.services
    busy = is_busy(pbx, user)
    voicemail = services.voice_messaging
    remote_office = services.remote_office.active and bool(services.remote_office.number)
    device = "remote_office" if remote_office else "primary"
    endpoint_type, endpoint = pbx.endpoint_of(user, device)
    caller_user = pbx.user_of(call.caller)
    call.callee.half = Half(
        call_id=pbx.next_call_id(user),
        ext_tracking_id=call.ext_tracking_id,
        user_id=user.user_id,
        personality=TERMINATOR,
        state=ALERTING,
        remote=pbx.party_for(caller_user, call.caller.number or ""),
        start_time=now_ms,
        endpoint=endpoint,
        endpoint_type=endpoint_type,
        allow_answer=not remote_office,
        redirections=call.redirections,
    )
    notices = [Notice(user.user_id, "CallReceivedEvent", call.callee.half)]
    if services.dnd.active:
        if services.cfb.active and services.cfb.forward_to:
            target = services.cfb.forward_to
        elif voicemail.active:
            target = VOICEMAIL
        else:
            return notices + pbx.release_call(call, call.callee, now_ms, cause="Busy")
        return notices + redirect(pbx, call, target, "do-not-disturb", now_ms, no_answer_s)
    if services.cfa.active and services.cfa.forward_to:
        return notices + redirect(
            pbx, call, services.cfa.forward_to, "unconditional", now_ms, no_answer_s
        )
    if voicemail.active and voicemail.always_redirect:
        return notices + redirect(pbx, call, VOICEMAIL, "voicemail", now_ms, no_answer_s)
    if busy and services.cfb.active and services.cfb.forward_to:
        return notices + redirect(
            pbx, call, services.cfb.forward_to, "user-busy", now_ms, no_answer_s
        )
    if busy and voicemail.active and voicemail.busy_redirect:
        return notices + redirect(pbx, call, VOICEMAIL, "voicemail", now_ms, no_answer_s)
    call.alerting_at = _ringing_devices(user, busy, remote_office)
    if services.cfna.active and services.cfna.forward_to:
        call.on_no_answer = (services.cfna.forward_to, "no-answer")
    elif voicemail.active and voicemail.no_answer_redirect:
        call.on_no_answer = (VOICEMAIL, "voicemail")
    else:
        call.on_no_answer = None
    return notices


def is_busy(pbx: Pbx, user: User) -> bool:
    """True while the user takes part in a call (talking or holding)."""
    return any(h.state in (ACTIVE, HELD, REMOTE_HELD) for h in pbx.halves_of(user.user_id))


def _ringing_devices(user: User, busy: bool, remote_office: bool) -> tuple[str, ...]:
    if remote_office:
        return ("remote_office",)
    devices = ["primary"]
    sim_ring = user.services.sim_ring
    quiet = busy and sim_ring.incoming_calls == DO_NOT_RING_IF_ON_CALL
    if sim_ring.active and sim_ring.locations and not quiet:
        devices.append("parallel")
    if user.mobile and user.services.mobility.active:
        devices.append("mobile")
    return tuple(devices)


def detach(half: Half, address: str, reason: str, now_ms: int) -> tuple[Half, Half]:
    """The leg as ``CallRedirected`` shows it (``Detached``) and as released right after."""
    detached = replace(
        half,
        state=DETACHED,
        redirect=Redirect(address=address, reason=reason, time=now_ms),
        detached_time=now_ms,
        allow_answer=False,
    )
    released = replace(detached, state=RELEASED, release_time=now_ms)
    return detached, released


def redirect(
    pbx: Pbx, call: Call, target: str, reason: str, now_ms: int, no_answer_s: float
) -> list[Notice]:
    """The callee redirects ``call`` to ``target`` (a number, a user or ``voicemail``).

    The callee's leg is detached and released; a monitored caller sees ``CallForwarded``."""
    old = call.callee
    user = pbx.user_of(old)
    assert user is not None
    target_user = None if target == VOICEMAIL else pbx.find_user(target)
    if target_user is user:
        target, target_user = VOICEMAIL, None
    new = _side_for(pbx, target, target_user)
    notices: list[Notice] = []
    if old.half is not None:
        detached, released = detach(old.half, _address_of(pbx, new), reason, now_ms)
        old.half = released
        notices.append(Notice(user.user_id, "CallRedirectedEvent", halves=(detached,)))
        notices.append(Notice(user.user_id, "CallReleasedEvent", released))
    call.redirections = (*call.redirections, Redirection(pbx.party_for(user, ""), reason))
    call.callee = new
    call.alerting_at = ("primary",)
    call.on_no_answer = None
    if len(call.redirections) > MAX_REDIRECTIONS:
        return notices + pbx.release_call(call, new, now_ms, cause="Request Failure")
    caller = call.caller
    caller_user = pbx.user_of(caller)
    if caller.half is not None and caller_user is not None:
        caller.half = replace(
            caller.half,
            remote=pbx.party_for(target_user, new.number or ""),
            redirections=call.redirections,
        )
        notices.append(Notice(caller_user.user_id, "CallForwardedEvent", caller.half))
    if new.voicemail:
        return notices + pbx.answer(call, now_ms, no_answer_s)
    return notices + pbx.alert_callee(call, now_ms, no_answer_s)


def answered_at_location(pbx: Pbx, call: Call, now_ms: int) -> list[Notice]:
    """A Simultaneous Ring location answered first: the user's leg is redirected (follow-me)."""
    user = pbx.user_of(call.callee)
    assert user is not None
    locations = user.services.sim_ring.locations
    number = locations[0].address if locations else ""
    notices: list[Notice] = []
    old = call.callee
    if old.half is not None:
        detached, released = detach(old.half, tel(number), "follow-me", now_ms)
        old.half = released
        notices.append(Notice(user.user_id, "CallRedirectedEvent", halves=(detached,)))
        notices.append(Notice(user.user_id, "CallReleasedEvent", released))
    call.redirections = (*call.redirections, Redirection(pbx.party_for(user, ""), "follow-me"))
    call.callee = Side(number=number, device="parallel")
    call.alerting_at = ("primary",)
    return notices + pbx.answer(call, now_ms, 0.0)


def _side_for(pbx: Pbx, target: str, target_user: User | None) -> Side:
    if target == VOICEMAIL:
        return Side(number=pbx.voice_portal, voicemail=True)
    if target_user is not None:
        return Side(user_id=target_user.user_id)
    return Side(number=network_number(target))


def _address_of(pbx: Pbx, side: Side) -> str:
    user = pbx.user_of(side)
    if user is not None:
        return f"tel:{user.extension}"
    return tel(side.number or "")
