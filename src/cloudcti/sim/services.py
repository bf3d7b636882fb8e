"""A user's service settings (forwarding, DND, Remote Office, SimRing, voicemail, mobile).

Each service's state is a frozen value, so a notice carries a snapshot; ``ServiceSettings``
holds the current one per service. ``SERVICES`` names the Xsi resource, event package and
event type of each (PROTOCOL.md §2.3, §3.8).
"""

from __future__ import annotations

from dataclasses import dataclass, field

DO_NOT_RING_IF_ON_CALL = "Do not Ring if on a Call"
RING_FOR_ALL = "Ring for all Incoming Calls"
NUMBER_OF_RINGS = frozenset({0, *range(2, 21)})


@dataclass(frozen=True)
class CallForwardingAlways:
    """CFA: every call goes to ``forward_to``."""

    active: bool = False
    forward_to: str | None = None
    ring_splash: bool = False


@dataclass(frozen=True)
class CallForwardingBusy:
    """CFB: calls while busy go to ``forward_to``."""

    active: bool = False
    forward_to: str | None = None


@dataclass(frozen=True)
class CallForwardingNoAnswer:
    """CFNA: unanswered calls go to ``forward_to``."""

    active: bool = False
    forward_to: str | None = None
    number_of_rings: int = 3


@dataclass(frozen=True)
class DoNotDisturb:
    """DND: calls get busy treatment (or voicemail)."""

    active: bool = False
    ring_splash: bool = False


@dataclass(frozen=True)
class RemoteOffice:
    """Remote Office: only ``number`` rings for incoming calls."""

    active: bool = False
    number: str | None = None


@dataclass(frozen=True)
class SimRingLocation:
    """One number Simultaneous Ring alerts besides the desk phone."""

    address: str
    answer_confirmation: bool = False


@dataclass(frozen=True)
class SimultaneousRingPersonal:
    """Simultaneous Ring Personal: ``locations`` ring with the desk phone."""

    active: bool = False
    incoming_calls: str = RING_FOR_ALL
    locations: tuple[SimRingLocation, ...] = ()


@dataclass(frozen=True)
class VoiceMessaging:
    """Voice Messaging; ``always_redirect`` is what ``*21``/``#21`` switch."""

    active: bool = True
    processing: str = "Unified Voice and Email Messaging"
    always_redirect: bool = False
    busy_redirect: bool = False
    no_answer_redirect: bool = False


@dataclass(frozen=True)
class AnywhereLocation:
    """A BroadWorks Anywhere location (a phone number with its own alerting switch)."""

    number: str
    active: bool = True
    description: str | None = None


@dataclass(frozen=True)
class BroadWorksAnywhere:
    """BroadWorks Anywhere: extra locations that act as the user's phone."""

    alert_all_click_to_dial: bool = False
    alert_all_group_paging: bool = False
    locations: tuple[AnywhereLocation, ...] = ()


@dataclass(frozen=True)
class BroadWorksMobility:
    """BroadWorks Mobility: the integrated mobile phone (``mobile``) rings with the desk."""

    active: bool = False
    mobile: str | None = None


ServiceState = (
    CallForwardingAlways
    | CallForwardingBusy
    | CallForwardingNoAnswer
    | DoNotDisturb
    | RemoteOffice
    | SimultaneousRingPersonal
    | VoiceMessaging
    | BroadWorksAnywhere
    | BroadWorksMobility
)


@dataclass(frozen=True)
class ServiceInfo:
    """How Xsi names a service: resource name, event package (None: no events), event type."""

    name: str
    package: str | None
    event_type: str | None
    attribute: str


SERVICES: tuple[ServiceInfo, ...] = (
    ServiceInfo("BroadWorksAnywhere", "BroadWorks Anywhere", "BroadWorksAnywhereEvent", "anywhere"),
    ServiceInfo("BroadWorksMobility", None, None, "mobility"),
    ServiceInfo(
        "CallForwardingAlways", "Call Forwarding Always", "CallForwardingAlwaysEvent", "cfa"
    ),
    ServiceInfo("CallForwardingBusy", "Call Forwarding Busy", "CallForwardingBusyEvent", "cfb"),
    ServiceInfo(
        "CallForwardingNoAnswer", "Call Forwarding No Answer", "CallForwardingNoAnswerEvent", "cfna"
    ),
    ServiceInfo("DoNotDisturb", "Do Not Disturb", "DoNotDisturbEvent", "dnd"),
    ServiceInfo("RemoteOffice", "Remote Office", "RemoteOfficeEvent", "remote_office"),
    ServiceInfo(
        "SimultaneousRingPersonal",
        "Simultaneous Ring Personal",
        "SimultaneousRingPersonalEvent",
        "sim_ring",
    ),
    ServiceInfo("VoiceMessaging", "Voice Messaging", "VoiceMessagingEvent", "voice_messaging"),
)
BY_NAME = {info.name.lower(): info for info in SERVICES}
BY_PACKAGE = {info.package: info for info in SERVICES if info.package}
BY_EVENT = {info.event_type: info for info in SERVICES if info.event_type}


@dataclass
class ServiceSettings:
    """The current state of every service of one user."""

    cfa: CallForwardingAlways = field(default_factory=CallForwardingAlways)
    cfb: CallForwardingBusy = field(default_factory=CallForwardingBusy)
    cfna: CallForwardingNoAnswer = field(default_factory=CallForwardingNoAnswer)
    dnd: DoNotDisturb = field(default_factory=DoNotDisturb)
    remote_office: RemoteOffice = field(default_factory=RemoteOffice)
    sim_ring: SimultaneousRingPersonal = field(default_factory=SimultaneousRingPersonal)
    voice_messaging: VoiceMessaging = field(default_factory=VoiceMessaging)
    anywhere: BroadWorksAnywhere = field(default_factory=BroadWorksAnywhere)
    mobility: BroadWorksMobility = field(default_factory=BroadWorksMobility)

    def get(self, info: ServiceInfo) -> ServiceState:
        """The current state of the service ``info`` names."""
        value: ServiceState = getattr(self, info.attribute)
        return value

    def set(self, info: ServiceInfo, state: ServiceState) -> None:
        """Replace the state of the service ``info`` names."""
        setattr(self, info.attribute, state)


def info_of(state: ServiceState) -> ServiceInfo:
    """The ``ServiceInfo`` of a state value."""
    return BY_NAME[type(state).__name__.lower()]


class ServiceError(ValueError):
    """A service change the PBX refuses (HTTP 400)."""


def check(state: ServiceState) -> ServiceState:
    """``state`` if consistent (a forwarding target while active, valid rings); else raise."""
    forwarding = CallForwardingAlways | CallForwardingBusy | CallForwardingNoAnswer
    if isinstance(state, forwarding) and state.active and not state.forward_to:
        raise ServiceError("forwardToPhoneNumber is required while the service is active")
    if isinstance(state, CallForwardingNoAnswer) and state.number_of_rings not in NUMBER_OF_RINGS:
        raise ServiceError("numberOfRings must be 0 or 2-20")
    if isinstance(state, RemoteOffice) and state.active and not state.number:
        raise ServiceError("remoteOfficeNumber is required while Remote Office is active")
    if isinstance(state, SimultaneousRingPersonal):
        if state.incoming_calls not in (DO_NOT_RING_IF_ON_CALL, RING_FOR_ALL):
            raise ServiceError("incomingCalls is not a known selection")
        if len(state.locations) > 10:
            raise ServiceError("at most 10 Simultaneous Ring locations")
    return state
