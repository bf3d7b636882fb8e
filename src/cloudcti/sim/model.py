"""The PBX call engine: users, desk phones and calls made of call halves. Pure: time is an input.

Every change returns the ``Notice``s it causes, in order, one per user who sees it; the
event layer turns them into Xsi events. Times are epoch milliseconds, as BroadWorks uses.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

COUNTRY_CODE = "49"

ORIGINATOR = "Originator"
TERMINATOR = "Terminator"
CLICK_TO_DIAL = "Click-to-Dial"

ALERTING = "Alerting"
ACTIVE = "Active"
HELD = "Held"
REMOTE_HELD = "Remote Held"
RELEASED = "Released"

DEVICES = ("primary", "remote_office", "parallel", "mobile")


class ModelError(Exception):
    """A request the PBX refuses; ``kind`` says why (``not_found``, ``conflict``, ``invalid``)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class User:
    """A PBX user with one desk phone (the ``primary`` device)."""

    user_id: str
    password: str
    first_name: str
    last_name: str
    number: str
    extension: str
    mobile: str | None = None
    monitoring: bool = False
    locked: bool = False
    failures: int = 0
    remote_office: str | None = None
    parallel_ring: list[str] = field(default_factory=list)
    half_prefix: int = 0
    legs: int = 0

    @property
    def name(self) -> str:
        """First and last name as the PBX shows the party."""
        return f"{self.first_name} {self.last_name}"

    @property
    def domain(self) -> str:
        """The part after the last ``@`` of the user id."""
        return self.user_id.rsplit("@", 1)[-1]

    @property
    def address_of_record(self) -> str:
        """SIP address of record of the desk phone."""
        return f"{self.number.lstrip('+')}@{self.domain}"

    def public(self) -> dict[str, object]:
        """The user as the control API shows it."""
        return {
            "user_id": self.user_id,
            "password": self.password,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "number": self.number,
            "extension": self.extension,
            "mobile": self.mobile,
            "monitoring": self.monitoring,
            "locked": self.locked,
            "failed_logins": self.failures,
            "remote_office": self.remote_office,
            "parallel_ring": list(self.parallel_ring),
        }


@dataclass(frozen=True)
class Party:
    """The remote party of a call half, as ``remoteParty`` shows it."""

    address: str
    call_type: str
    name: str | None = None
    user_id: str | None = None
    user_dn: str | None = None


@dataclass(frozen=True)
class Half:
    """One user's view of a call (a BroadWorks call half); frozen so notices are snapshots."""

    call_id: str
    ext_tracking_id: str
    user_id: str
    personality: str
    state: str
    remote: Party
    start_time: int
    endpoint: str
    allow_answer: bool = False
    answer_time: int | None = None
    held_time: int | None = None
    total_held_time: int = 0
    release_time: int | None = None
    releasing_party: str | None = None
    release_cause: str | None = None


@dataclass(frozen=True)
class Notice:
    """Something one user's subscriptions report: a call event or a hook status change."""

    user_id: str
    event_type: str
    half: Half | None = None
    hook_status: str | None = None


@dataclass
class Side:
    """One end of a call: a PBX user (with a half) or an outside number."""

    user_id: str | None = None
    number: str | None = None
    half: Half | None = None
    device: str = "primary"
    answered: bool = False

    def key(self) -> str:
        """The user id or number naming this side."""
        return self.user_id or self.number or ""


@dataclass
class Call:
    """A call between a caller and a callee; ``phase`` tracks click-to-dial's first leg."""

    id: str
    ext_tracking_id: str
    caller: Side
    callee: Side
    start_time: int
    phase: str = "alerting"  # ctd_ringing → alerting → active → released
    no_answer_deadline: float | None = None

    def sides(self) -> tuple[Side, Side]:
        """Caller and callee."""
        return self.caller, self.callee

    def other(self, side: Side) -> Side:
        """The far end of ``side``."""
        return self.callee if side is self.caller else self.caller

    def public(self) -> dict[str, object]:
        """The call as ``GET /sim/v1/state`` shows it."""
        parties = []
        for side in self.sides():
            entry: dict[str, object] = (
                {"user_id": side.user_id} if side.user_id else {"number": side.number}
            )
            entry["xsi_call_id"] = side.half.call_id if side.half else None
            entry["state"] = side.half.state if side.half else _outside_state(self, side)
            entry["device"] = side.device
            parties.append(entry)
        return {"id": self.id, "ext_tracking_id": self.ext_tracking_id, "parties": parties}


def _outside_state(call: Call, side: Side) -> str:
    if call.phase == "released":
        return RELEASED
    return ACTIVE if side.answered or side is call.caller else ALERTING


class Pbx:
    """One enterprise with one group, its users and their calls."""

    def __init__(self, enterprise_id: str, group_id: str, domain: str) -> None:
        self.enterprise_id = enterprise_id
        self.group_id = group_id
        self.domain = domain
        self.users: dict[str, User] = {}
        self.calls: dict[str, Call] = {}
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
                    notices += self._release(call, side, now_ms, cause=None)
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
        self, caller: str, callee: str, now_ms: int, no_answer_s: float
    ) -> tuple[Call, list[Notice]]:
        """A call starts: ``caller`` is a user (its desk phone dials) or an outside number."""
        caller_user = self.find_user(caller) if not caller.startswith("+") else None
        if caller_user is None and not caller.startswith("+"):
            raise ModelError("invalid", f"caller {caller!r} is neither a user nor E.164")
        callee_user = self.find_user(callee)
        if callee_user is None and caller_user is None:
            raise ModelError("invalid", f"{callee!r} is no user of this PBX")
        if callee_user is not None and caller_user is callee_user:
            raise ModelError("invalid", "a user cannot call itself")
        before = self.hook_status(caller_user.user_id) if caller_user else "On-Hook"
        call = self._new_call(caller_user, caller, callee_user, callee, now_ms)
        notices: list[Notice] = []
        if caller_user is not None:
            assert call.caller.half is not None
            notices += self._went_off_hook(caller_user.user_id, before)
            notices.append(Notice(caller_user.user_id, "CallOriginatedEvent", call.caller.half))
        notices += self._alert_callee(call, now_ms, no_answer_s)
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
            notices = self._went_off_hook(caller.user_id, before)
            notices.append(Notice(caller.user_id, "CallOriginatedEvent", caller.half))
            return notices + self._alert_callee(call, now_ms, no_answer_s)
        if call.phase != "alerting":
            raise ModelError("conflict", f"call {call.id} is not ringing")
        callee = call.callee
        callee.device = device if callee.user_id else "primary"
        callee.answered = True
        call.phase = "active"
        call.no_answer_deadline = None
        notices = []
        for side in (callee, call.caller):
            if side.half is None or side.user_id is None:
                continue
            before = self.hook_status(side.user_id)
            side.half = replace(side.half, state=ACTIVE, answer_time=now_ms, allow_answer=False)
            notices += self._went_off_hook(side.user_id, before)
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
        return self._release(call, side, now_ms, cause=cause)

    def expire_unanswered(self, now_s: float) -> list[Notice]:
        """Release every call still alerting past its no-answer deadline."""
        notices: list[Notice] = []
        for call in list(self.calls.values()):
            deadline = call.no_answer_deadline
            if call.phase in ("alerting", "ctd_ringing") and deadline and now_s >= deadline:
                ringing = call.caller if call.phase == "ctd_ringing" else call.callee
                notices += self._release(
                    call, ringing, int(now_s * 1000), cause="Temporarily Unavailable"
                )
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
            call.callee.number = _network_number(callee)
        if caller_user is not None:
            call.caller.half = Half(
                call_id=self._next_call_id(caller_user),
                ext_tracking_id=ext_id,
                user_id=caller_user.user_id,
                personality=ORIGINATOR,
                state=ALERTING,
                remote=self._party_for(callee_user, call.callee.number or callee),
                start_time=now_ms,
                endpoint=caller_user.address_of_record,
            )
        self.calls[call.id] = call
        return call

    def _alert_callee(self, call: Call, now_ms: int, no_answer_s: float) -> list[Notice]:
        call.phase = "alerting"
        call.no_answer_deadline = now_ms / 1000 + no_answer_s
        callee_user = self.users.get((call.callee.user_id or "").lower())
        if callee_user is None:
            return []
        caller_user = self.users.get((call.caller.user_id or "").lower())
        call.callee.half = Half(
            call_id=self._next_call_id(callee_user),
            ext_tracking_id=call.ext_tracking_id,
            user_id=callee_user.user_id,
            personality=TERMINATOR,
            state=ALERTING,
            remote=self._party_for(caller_user, call.caller.number or ""),
            start_time=now_ms,
            endpoint=callee_user.address_of_record,
            allow_answer=True,
        )
        return [Notice(callee_user.user_id, "CallReceivedEvent", call.callee.half)]

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

    def _release(self, call: Call, releasing: Side, now_ms: int, cause: str | None) -> list[Notice]:
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

    def _went_off_hook(self, user_id: str, before: str) -> list[Notice]:
        """A HookStatus(Off-Hook) notice if the desk phone was on-hook ``before`` and is not now."""
        if before == "On-Hook" and self.hook_status(user_id) == "Off-Hook":
            return [Notice(user_id, "HookStatusEvent", hook_status="Off-Hook")]
        return []

    def _next_call_id(self, user: User) -> str:
        leg = user.legs
        user.legs += 1
        return f"callhalf-{user.half_prefix}:{leg}"

    def _party_for(self, user: User | None, number: str) -> Party:
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


def _network_number(dialled: str) -> str:
    value = dialled.strip()
    for scheme in ("sip:", "tel:"):
        if value.lower().startswith(scheme):
            value = value[len(scheme) :]
    return value.split(";", 1)[0].split("@", 1)[0]
