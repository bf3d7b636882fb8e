"""The call engine's values: users, call halves, parties, sides, calls and notices.

Halves are frozen so that a notice is a snapshot; ``Call`` and ``Side`` are the mutable
bookkeeping of the engine. Times are epoch milliseconds, as BroadWorks uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cloudcti.sim.services import ServiceSettings, ServiceState

COUNTRY_CODE = "49"

ORIGINATOR = "Originator"
TERMINATOR = "Terminator"
CLICK_TO_DIAL = "Click-to-Dial"

ALERTING = "Alerting"
ACTIVE = "Active"
HELD = "Held"
REMOTE_HELD = "Remote Held"
DETACHED = "Detached"
RELEASED = "Released"

ACCESS = "AccessEndpoint"
REMOTE_OFFICE = "RemoteOfficeEndpoint"
ANYWHERE = "BroadWorksAnywhereEndpoint"
MOBILITY = "BroadWorksMobilityEndpoint"

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
    services: ServiceSettings = field(default_factory=ServiceSettings)
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
            "remote_office": self.services.remote_office.number
            if self.services.remote_office.active
            else None,
            "parallel_ring": [loc.address for loc in self.services.sim_ring.locations]
            if self.services.sim_ring.active
            else [],
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
class Redirect:
    """Why and where a leg was redirected (``redirect`` on the redirected leg)."""

    address: str
    reason: str
    time: int


@dataclass(frozen=True)
class Redirection:
    """One step of an incoming call's redirection history (``redirections``)."""

    party: Party
    reason: str


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
    endpoint_type: str = ACCESS
    redirect: Redirect | None = None
    redirections: tuple[Redirection, ...] = ()
    detached_time: int | None = None


@dataclass(frozen=True)
class ConferenceView:
    """A user's three-way conference as events show it."""

    state: str
    call_ids: tuple[str, ...]
    endpoint: str


@dataclass(frozen=True)
class Notice:
    """Something one user's subscriptions report: a call, hook, conference or service event.

    ``halves`` carries the legs of a ``CallRedirectedEvent``; ``service`` a service's state."""

    user_id: str
    event_type: str
    half: Half | None = None
    hook_status: str | None = None
    halves: tuple[Half, ...] = ()
    conference: ConferenceView | None = None
    service: ServiceState | None = None


@dataclass
class Side:
    """One end of a call: a PBX user (with a half) or an outside number."""

    user_id: str | None = None
    number: str | None = None
    half: Half | None = None
    device: str = "primary"
    answered: bool = False
    voicemail: bool = False

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
    alerting_at: tuple[str, ...] = ("primary",)
    on_no_answer: tuple[str, str] | None = None  # (target, redirect reason) at the deadline
    redirections: tuple[Redirection, ...] = ()

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


def tel(number: str) -> str:
    """``number`` as a ``tel:`` URI (URIs stay as they are)."""
    return number if ":" in number else f"tel:{number}"


def network_number(dialled: str) -> str:
    """The number part of a dialled address (``tel:``/``sip:`` scheme and parameters cut)."""
    value = dialled.strip()
    for scheme in ("sip:", "tel:"):
        if value.lower().startswith(scheme):
            value = value[len(scheme) :]
    return value.split(";", 1)[0].split("@", 1)[0]
