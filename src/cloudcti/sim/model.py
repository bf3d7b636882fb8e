"""The PBX call engine: users, desk phones and calls made of call halves. Pure: time is an input.

Every change returns the ``Notice``s it causes, in order, one per user who sees it; the
event layer turns them into Xsi events. Times are epoch milliseconds, as BroadWorks uses.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from cloudcti.sim import conference, routing
from cloudcti.sim.calls import (
    ACCESS,
    ACTIVE,
    ALERTING,
    CLICK_TO_DIAL,
    COUNTRY_CODE,
    DETACHED,
    DEVICES,
    HELD,
    MOBILITY,
    ORIGINATOR,
    RELEASED,
    REMOTE_HELD,
    REMOTE_OFFICE,
    TERMINATOR,
    Call,
    ConferenceView,
    Half,
    ModelError,
    Notice,
    Party,
    Side,
    User,
    network_number,
    tel,
)
from cloudcti.sim.services import ServiceState, check, info_of

__all__ = [
    "ACTIVE",
    "ALERTING",
    "CLICK_TO_DIAL",
    "COUNTRY_CODE",
    "DETACHED",
    "DEVICES",
    "HELD",
    "ORIGINATOR",
    "RELEASED",
    "REMOTE_HELD",
    "TERMINATOR",
    "Call",
    "ConferenceView",
    "Half",
    "ModelError",
    "Notice",
    "Party",
    "Pbx",
    "Side",
    "User",
]

VOICE_PORTAL = "+4989887766999"


class Pbx:
    """One enterprise with one group, its users and their calls."""

    def __init__(self, enterprise_id: str, group_id: str, domain: str) -> None:
        self.enterprise_id = enterprise_id
        self.group_id = group_id
        self.domain = domain
        self.users: dict[str, User] = {}
        self.calls: dict[str, Call] = {}
        self.voice_portal = VOICE_PORTAL
        self.conferences: dict[str, tuple[str, ...]] = {}  # user id → conference leg call ids
        self.held_conferences: set[str] = set()
        self._tracking = itertools.count(1)
        self._prefixes = itertools.count(1001)

    # ---- users -------------------------------------------------------------------------

    def add_user(self, user: User) -> User:
        """Add ``user``; ids, numbers and extensions must be unique (ModelError conflict)."""
        key = user.user_id.lower()
        if key in self.users:
            raise ModelError("conflict", f"user {user.user_id} exists")
        for other in self.users.values():
            if user.number == other.number or user.extension == other.extension:
                raise ModelError("conflict", f"number or extension of {user.user_id} in use")
        user.half_prefix = next(self._prefixes)
        self.users[key] = user
        return user

    def user(self, user_id: str) -> User:
        """The user with this id (case-insensitive), or ModelError not_found."""
        found = self.users.get(user_id.lower())
        if found is None:
            raise ModelError("not_found", f"user {user_id} not found")
        return found

    def find_user(self, address: str) -> User | None:
        """The user an address names: user id, ``sip:``/``tel:`` URI, E.164 number or extension."""
        value = address.strip()
        for scheme in ("sip:", "tel:"):
            if value.lower().startswith(scheme):
                value = value[len(scheme) :]
        value = value.split(";", 1)[0]
        if value.lower() in self.users:
            return self.users[value.lower()]
        for user in self.users.values():
            if value in (user.number, user.extension, user.number.lstrip("+")):
                return user
        return None

    def remove_user(self, user_id: str, now_ms: int) -> list[Notice]:
        """Delete the user; its calls end as if it hung up."""
        user = self.user(user_id)
        notices: list[Notice] = []
        for call in list(self.calls.values()):
            for side in call.sides():
                if side.user_id == user.user_id and call.phase != "released":
                    notices += self.release_call(call, side, now_ms, cause=None)
        del self.users[user.user_id.lower()]
        return [n for n in notices if n.user_id != user.user_id]

    # ---- calls -------------------------------------------------------------------------

    def halves_of(self, user_id: str) -> list[Half]:
        """The user's current (not released) call halves, oldest first."""
        found = []
        for call in self.calls.values():
            for side in call.sides():
                if side.user_id == user_id and side.half and side.half.state != RELEASED:
                    found.append(side.half)
        return found

    def hook_status(self, user_id: str) -> str:
        """``Off-Hook`` while the desk phone is in use (dialling, talking or holding)."""
        for call in self.calls.values():
            for side in call.sides():
                if side.user_id == user_id and _off_hook(call, side):
                    return "Off-Hook"
        return "On-Hook"

    def find_half(self, user_id: str, call_id: str) -> tuple[Call, Side]:
        """The call and side holding the user's half ``call_id``, or ModelError not_found."""
        for call in self.calls.values():
            if call.phase == "released":
                continue
            for side in call.sides():
                if side.user_id == user_id and side.half and side.half.call_id == call_id:
                    return call, side
        raise ModelError("not_found", f"call {call_id} not found")

    def call(self, call_id: str) -> Call:
        """The call with sim id ``call_id`` (not yet released), or ModelError not_found."""
        found = self.calls.get(call_id)
        if found is None or found.phase == "released":
            raise ModelError("not_found", f"call {call_id} not found")
        return found

    def start_call(
        self, caller: str, callee: str, now_ms: int, no_answer_s: float, device: str = "primary"
    ) -> tuple[Call, list[Notice]]:
        """A call starts: ``caller`` is a user (its ``device`` dials) or an outside number."""
        caller_user = self.find_user(caller) if not caller.startswith("+") else None
        if caller_user is None and not caller.startswith("+"):
            raise ModelError("invalid", f"caller {caller!r} is neither a user nor E.164")
        callee_user = self.find_user(callee)
        if callee_user is None and caller_user is None:
            raise ModelError("invalid", f"{callee!r} is no user of this PBX")
        if callee_user is not None and caller_user is callee_user:
            raise ModelError("invalid", "a user cannot call itself")
        if callee_user is None and not _dialable(callee):
            raise ModelError("invalid", f"{callee!r} is no number or user of this PBX")
        if device == "mobile" and (caller_user is None or not caller_user.mobile):
            raise ModelError("invalid", "only a user with a mobile can dial on it")
        before = self.hook_status(caller_user.user_id) if caller_user else "On-Hook"
        call = self._new_call(caller_user, caller, callee_user, callee, now_ms, device)
        notices: list[Notice] = []
        if caller_user is not None:
            assert call.caller.half is not None
            notices += self.went_off_hook(caller_user.user_id, before)
            notices.append(Notice(caller_user.user_id, "CallOriginatedEvent", call.caller.half))
        notices += self.alert_callee(call, now_ms, no_answer_s)
        return call, notices

    def click_to_dial(
        self, user_id: str, address: str, now_ms: int, no_answer_s: float, auto_answer: bool
    ) -> tuple[Call, list[Notice]]:
        """``calls/new``: the user's own desk phone rings first (Click-to-Dial)."""
        user = self.user(user_id)
        callee_user = self.find_user(address)
        if callee_user is user:
            raise ModelError("invalid", "a user cannot call itself")
        call = self._new_call(user, user.user_id, callee_user, address, now_ms)
        call.phase = "ctd_ringing"
        assert call.caller.half is not None
        call.caller.half = replace(call.caller.half, personality=CLICK_TO_DIAL, allow_answer=True)
        call.no_answer_deadline = now_ms / 1000 + no_answer_s
        notices = [Notice(user.user_id, "CallOriginatingEvent", call.caller.half)]
        if auto_answer:
            notices += self.answer(call, now_ms, no_answer_s, device="primary")
        return call, notices

    def answer(
        self, call: Call, now_ms: int, no_answer_s: float, device: str = "primary"
    ) -> list[Notice]:
        """The alerting side picks up: the own phone of a click-to-dial, else the callee."""
        if call.phase == "ctd_ringing":
            caller = call.caller
            assert caller.half is not None
            assert caller.user_id is not None
            before = self.hook_status(caller.user_id)
            caller.half = replace(
                caller.half, personality=ORIGINATOR, allow_answer=False, state=ALERTING
            )
            caller.answered = True
            notices = self.went_off_hook(caller.user_id, before)
            notices.append(Notice(caller.user_id, "CallOriginatedEvent", caller.half))
            return notices + self.alert_callee(call, now_ms, no_answer_s)
        if call.phase != "alerting":
            raise ModelError("conflict", f"call {call.id} is not ringing")
        callee = call.callee
        if callee.user_id and device not in call.alerting_at:
            raise ModelError("conflict", f"call {call.id} does not ring at {device}")
        if callee.user_id and device == "parallel":
            return routing.answered_at_location(self, call, now_ms)
        if callee.user_id:
            callee.device = device
        user = self.users.get((callee.user_id or "").lower())
        if user is not None and callee.half is not None and device != "primary":
            endpoint_type, endpoint = self.endpoint_of(user, device)
            callee.half = replace(callee.half, endpoint_type=endpoint_type, endpoint=endpoint)
        callee.answered = True
        call.phase = "active"
        call.no_answer_deadline = None
        notices = []
        for side in (callee, call.caller):
            if side.half is None or side.user_id is None:
                continue
            before = self.hook_status(side.user_id)
            answer_time = side.half.answer_time or now_ms  # stays at the first answer
            side.half = replace(
                side.half, state=ACTIVE, answer_time=answer_time, allow_answer=False
            )
            notices += self.went_off_hook(side.user_id, before)
            notices.append(Notice(side.user_id, "CallAnsweredEvent", side.half))
        return notices

    def hold(self, call: Call, side: Side, now_ms: int) -> list[Notice]:
        """``side`` holds; an internal far end sees ``Remote Held``."""
        half = side.half
        assert half is not None
        assert side.user_id is not None
        if half.state == HELD:
            return []
        if half.state not in (ACTIVE, REMOTE_HELD) or call.phase != "active":
            raise ModelError("conflict", f"call {half.call_id} is {half.state}, not Active")
        side.half = replace(half, state=HELD, held_time=now_ms)
        notices = [Notice(side.user_id, "CallHeldEvent", side.half)]
        other = call.other(side)
        if other.half is not None and other.user_id and other.half.state == ACTIVE:
            other.half = replace(other.half, state=REMOTE_HELD)
            notices.append(Notice(other.user_id, "CallHeldEvent", other.half))
        return notices

    def talk(self, call: Call, side: Side, now_ms: int, no_answer_s: float) -> list[Notice]:
        """``Talk``: answer an alerting call that allows it, or retrieve a held one."""
        half = side.half
        assert half is not None
        assert side.user_id is not None
        if half.state == ALERTING:
            if not half.allow_answer:
                raise ModelError("conflict", f"call {half.call_id} cannot be answered here")
            if side is call.callee or call.phase == "ctd_ringing":
                return self.answer(call, now_ms, no_answer_s)
            raise ModelError("conflict", f"call {half.call_id} cannot be answered here")
        if half.state == ACTIVE:
            return []
        if half.state != HELD:
            raise ModelError("conflict", f"call {half.call_id} is {half.state}, not Held")
        held_for = now_ms - (half.held_time or now_ms)
        state = ACTIVE
        other = call.other(side)
        side.half = replace(
            half, state=state, held_time=None, total_held_time=half.total_held_time + held_for
        )
        notices = [Notice(side.user_id, "CallRetrievedEvent", side.half)]
        if other.half is not None and other.user_id and other.half.state == REMOTE_HELD:
            other.half = replace(other.half, state=ACTIVE)
            notices.append(Notice(other.user_id, "CallRetrievedEvent", other.half))
        return notices

    def release(self, call: Call, side: Side, now_ms: int, decline: bool = False) -> list[Notice]:
        """``side`` hangs up. An alerting callee without ``decline`` only stops being alerted."""
        if call.phase == "released":
            return []
        if side is call.callee and call.phase == "alerting" and side.half and not decline:
            return self._stop_alerting(side, now_ms)
        cause = "Temporarily Unavailable" if decline and call.phase != "active" else None
        return self.release_call(call, side, now_ms, cause=cause)

    def expire_unanswered(self, now_s: float, no_answer_s: float = 30.0) -> list[Notice]:
        """Release every call still alerting past its no-answer deadline."""
        notices: list[Notice] = []
        for call in list(self.calls.values()):
            deadline = call.no_answer_deadline
            if call.phase in ("alerting", "ctd_ringing") and deadline and now_s >= deadline:
                ringing = call.caller if call.phase == "ctd_ringing" else call.callee
                now_ms = int(now_s * 1000)
                if call.phase == "alerting" and call.on_no_answer is not None:
                    target, reason = call.on_no_answer
                    notices += routing.redirect(self, call, target, reason, now_ms, no_answer_s)
                    continue
                # Nobody answered and nothing forwards: the caller gives up. The ringing
                # user did not hang up, so its leg must not read localRelease (a decline).
                notices += self.release_call(call, call.other(ringing), now_ms, cause=None)
        return notices

    def forget_released(self) -> None:
        """Drop calls that have ended (they no longer show in state or lists)."""
        for key in [k for k, c in self.calls.items() if c.phase == "released"]:
            del self.calls[key]

    # ---- internals ---------------------------------------------------------------------

    def _new_call(
        self,
        caller_user: User | None,
        caller: str,
        callee_user: User | None,
        callee: str,
        now_ms: int,
        device: str = "primary",
    ) -> Call:
        tracking = next(self._tracking)
        ext_id = f"{tracking}:1"
        call = Call(
            id=f"call-{tracking}",
            ext_tracking_id=ext_id,
            caller=Side(user_id=caller_user.user_id if caller_user else None),
            callee=Side(user_id=callee_user.user_id if callee_user else None),
            start_time=now_ms,
        )
        if caller_user is None:
            call.caller.number = caller
        if callee_user is None:
            call.callee.number = network_number(callee)
        if caller_user is not None:
            call.caller.device = device
            endpoint_type, endpoint = self.endpoint_of(caller_user, device)
            call.caller.half = Half(
                call_id=self.next_call_id(caller_user),
                ext_tracking_id=ext_id,
                user_id=caller_user.user_id,
                personality=ORIGINATOR,
                state=ALERTING,
                remote=self.party_for(callee_user, call.callee.number or callee),
                start_time=now_ms,
                endpoint=endpoint,
                endpoint_type=endpoint_type,
            )
        self.calls[call.id] = call
        return call

    def alert_callee(self, call: Call, now_ms: int, no_answer_s: float) -> list[Notice]:
        """Ring the callee: a PBX user's services decide where (``routing.route``)."""
        call.phase = "alerting"
        call.no_answer_deadline = now_ms / 1000 + no_answer_s
        if call.callee.user_id is None or call.callee.user_id.lower() not in self.users:
            return []
        return routing.route(self, call, now_ms, no_answer_s)

    def _stop_alerting(self, side: Side, now_ms: int) -> list[Notice]:
        assert side.half is not None
        assert side.user_id is not None
        side.half = replace(
            side.half,
            state=RELEASED,
            release_time=now_ms,
            releasing_party="localRelease",
            allow_answer=False,
        )
        return [Notice(side.user_id, "CallReleasedEvent", side.half)]

    def release_call(
        self, call: Call, releasing: Side, now_ms: int, cause: str | None
    ) -> list[Notice]:
        """End ``call``: ``releasing`` hung up (``localRelease``), the other side follows."""
        call.phase = "released"
        call.no_answer_deadline = None
        notices: list[Notice] = []
        for side in (releasing, call.other(releasing)):
            half = side.half
            if half is None or side.user_id is None or half.state == RELEASED:
                continue
            was_off_hook = self.hook_status(side.user_id) == "Off-Hook"
            total = half.total_held_time
            if half.held_time is not None:
                total += now_ms - half.held_time
            side.half = replace(
                half,
                state=RELEASED,
                release_time=now_ms,
                releasing_party="localRelease" if side is releasing else "remoteRelease",
                release_cause=cause,
                allow_answer=False,
                held_time=None,
                total_held_time=total,
            )
            notices.append(Notice(side.user_id, "CallReleasedEvent", side.half))
            if was_off_hook and self.hook_status(side.user_id) == "On-Hook":
                notices.append(Notice(side.user_id, "HookStatusEvent", hook_status="On-Hook"))
        return notices

    def went_off_hook(self, user_id: str, before: str) -> list[Notice]:
        """A HookStatus(Off-Hook) notice if the desk phone was on-hook ``before`` and is not now."""
        if before == "On-Hook" and self.hook_status(user_id) == "Off-Hook":
            return [Notice(user_id, "HookStatusEvent", hook_status="Off-Hook")]
        return []

    def endpoint_of(self, user: User, device: str) -> tuple[str, str]:
        """(endpoint type, address) of the user's ``device`` as a call's ``endpoint`` shows it."""
        if device == "remote_office" and user.services.remote_office.number:
            return REMOTE_OFFICE, tel(user.services.remote_office.number)
        if device == "mobile" and user.mobile:
            return MOBILITY, tel(user.mobile)
        return ACCESS, user.address_of_record

    def change_service(self, user: User, state: ServiceState) -> list[Notice]:
        """Set one of the user's services (ServiceError if inconsistent); its event, if any."""
        info = info_of(check(state))
        user.services.set(info, state)
        if info.event_type is None:
            return []
        return [Notice(user.user_id, info.event_type, service=state)]

    def conference_view(self, user_id: str) -> ConferenceView | None:
        """The conference the user hosts, as events show it, or None."""
        return conference.view(self, user_id)

    def tidy(self) -> list[Notice]:
        """Conferences follow their legs: ended legs leave, one left ends the conference."""
        return conference.tidy(self)

    def next_tracking_id(self) -> str:
        """A fresh ``extTrackingId``."""
        return f"{next(self._tracking)}:1"

    def user_of(self, side: Side) -> User | None:
        """The PBX user on ``side``, if any."""
        return self.users.get((side.user_id or "").lower())

    def next_call_id(self, user: User) -> str:
        """A fresh ``callhalf-<n>:<leg>`` id for one of ``user``'s call halves."""
        leg = user.legs
        user.legs += 1
        return f"callhalf-{user.half_prefix}:{leg}"

    def party_for(self, user: User | None, number: str) -> Party:
        """``remoteParty`` for a user (``Group``) or an outside number (``Network``)."""
        if user is None and number == self.voice_portal:
            return Party(address=f"tel:{number}", call_type="Group", name="Voice Mail")
        if user is not None:
            return Party(
                address=f"tel:{user.extension}",
                call_type="Group",
                name=user.name,
                user_id=user.user_id,
                user_dn=f"tel:{user.number};ext={user.extension}",
            )
        return Party(address=f"tel:{number}", call_type="Network")


def _off_hook(call: Call, side: Side) -> bool:
    half = side.half
    if half is None or half.state == RELEASED or side.device != "primary":
        return False
    if half.state in (ACTIVE, HELD, REMOTE_HELD):
        return True
    return half.personality == ORIGINATOR and side is call.caller


def _dialable(address: str) -> bool:
    value = network_number(address)
    return bool(value) and all(c.isdigit() or c in "+*#" for c in value)
