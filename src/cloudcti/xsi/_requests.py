"""Request builders: everything cloudcti sends to an Xsi host, as plain :class:`XsiRequest` values.

A builder checks its arguments and returns method, path, query and body; it sends nothing.
Paths are relative to the Xsi host root (PROTOCOL.md §1.1) with each identifier
percent-encoded as one path segment (``@`` and ``:`` stay readable, as real clients send
them). Query pairs are raw: the transport encodes them. Bodies are UTF-8 XML documents in
the Xsi namespace, built with lxml, children in the XSD's sequence order.

Decisions taken here (each a :class:`LocalProtocolError` when violated):

- Identifiers must be non-empty, must not contain ``/`` (Xsi cannot address such an id,
  §1.1) and must not be ``.`` or ``..`` (proxies would collapse the path).
- ``expires`` of a new channel or subscription, or of a refresh, lies in
  ``MIN_EXPIRES..NEVER_EXPIRES`` (3600 s up to "never"): the PBX would silently raise a
  smaller value to 3600, and a caller that believed its own value would refresh too early.
- Only event-channel delivery is built (``channelSetId``); HTTP-contact subscriptions are not.
- Text must consist of XML characters; values the XSD restricts (event packages, status
  codes, number of rings, lengths) are checked, so every body built is XSD-valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Final, TypeAlias

from lxml import etree

from cloudcti.xsi._errors import LocalProtocolError
from cloudcti.xsi._services import (
    AnywhereLocation,
    BroadWorksAnywhere,
    CallForwardingAlways,
    CallForwardingBusy,
    CallForwardingNoAnswer,
    DoNotDisturb,
    RemoteOffice,
    SimRingIncomingCalls,
    SimultaneousRingPersonal,
    VoiceMessaging,
)
from cloudcti.xsi._xml import XSI_NS

ACTIONS_ROOT: Final = "/com.broadsoft.xsi-actions/v2.0"
"""Root of Xsi-Actions paths."""

EVENTS_ROOT: Final = "/com.broadsoft.xsi-events/v2.0"
"""Root of Xsi-Events command paths."""

ASYNC_EVENTS_ROOT: Final = "/com.broadsoft.async/com.broadsoft.xsi-events/v2.0"
"""Root used only to open a streaming channel."""

MIN_EXPIRES: Final = 3600
"""Smallest channel or subscription lifetime (seconds) the PBX grants."""

NEVER_EXPIRES: Final = 2_147_483_647
"""The ``expires`` value meaning "never expires" (if the PBX's policy allows it)."""

_MAX_INT: Final = 2_147_483_647
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_SPACE = re.compile("[ \t\r\n]+")
_NOT_URI = re.compile(r'[ \t\r\n\[\]"<>\\^`{|}]|%(?![0-9A-Fa-f]{2})')
_URI_FIRST_PART = re.compile(r"([^/?#:]*):")
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_SEGMENT_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~@:")


@dataclass(frozen=True, slots=True)
class XsiRequest:
    """One Xsi request: ``path`` from the host root (already encoded), raw ``query`` pairs in
    order, and the XML ``body`` or ``None``."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None


class EventPackage(StrEnum):
    """The Xsi-Events packages a subscription can name (the XSD's ``EventPackage``)."""

    ADVANCED_CALL = "Advanced Call"
    BASIC_CALL = "Basic Call"
    BROADWORKS_ANYWHERE = "BroadWorks Anywhere"
    CALL_CENTER_AGENT = "Call Center Agent"
    CALL_CENTER_AGENT_MONITORING = "Call Center Agent Monitoring"
    CALL_CENTER_CONFIGURATION = "Call Center Configuration"
    CALL_CENTER_MONITORING = "Call Center Monitoring"
    CALL_CENTER_QUEUE = "Call Center Queue"
    CALL_FORWARDING_ALWAYS = "Call Forwarding Always"
    CALL_FORWARDING_ALWAYS_SECONDARY = "Call Forwarding Always Secondary"
    CALL_FORWARDING_BUSY = "Call Forwarding Busy"
    CALL_FORWARDING_NO_ANSWER = "Call Forwarding No Answer"
    CALL_PARK = "Call Park"
    CALL_RECORDING = "Call Recording"
    CALL_TRANSFER = "Call Transfer"
    CALL_WAITING = "Call Waiting"
    COLLABORATE_ROOM = "Collaborate Room"
    COMMPILOT_EXPRESS = "CommPilot Express"
    DO_NOT_DISTURB = "Do Not Disturb"
    FLEXIBLE_SEATING_GUEST = "Flexible Seating Guest"
    HOTELING_GUEST = "Hoteling Guest"
    LAST_NUMBER_REDIAL = "Last Number Redial"
    MEET_ME_CONFERENCE = "Meet Me Conference"
    MUSIC_ON_HOLD = "Music On Hold"
    N_WAY_CALL = "N-Way Call"
    PERSONAL_ASSISTANT = "Personal Assistant"
    PUSH_NOTIFICATION_REGISTRATION = "Push Notification Registration"
    REMOTE_OFFICE = "Remote Office"
    ROUTE_POINT_QUEUE = "Route Point Queue"
    SECURITY_CLASSIFICATION = "Security Classification"
    SEQUENTIAL_RING = "Sequential Ring"
    SILENT_ALERTING = "Silent Alerting"
    SIMULTANEOUS_RING_PERSONAL = "Simultaneous Ring Personal"
    STANDARD_CALL = "Standard Call"
    THIRD_PARTY_VOICE_MAIL_SUPPORT = "Third-Party Voice Mail Support"
    THREE_WAY_CALL = "Three-Way Call"
    VOICE_MAIL_MESSAGE_SUMMARY = "Voice Mail Message Summary"
    VOICE_MESSAGING = "Voice Messaging"


class EventResponseStatus(IntEnum):
    """Status of an event response and what the XSP does with it (PROTOCOL.md §3.2)."""

    OK = 200  # received
    BAD_REQUEST = 400  # cannot process this event: the XSP drops it
    CHANNEL_UNKNOWN = 404  # channel unknown: the XSP deletes it and resends on another
    SERVER_ERROR = 500  # our failure: the XSP resends on the next channel of the set
    SUBSCRIPTION_UNKNOWN = 481  # subscription unknown: the XSP deletes it, drops the event


_DEFAULT_REASONS: Final = {
    EventResponseStatus.OK: "OK",
    EventResponseStatus.BAD_REQUEST: "Bad Request",
    EventResponseStatus.CHANNEL_UNKNOWN: "Channel Not Found",
    EventResponseStatus.SERVER_ERROR: "Server Error",
    EventResponseStatus.SUBSCRIPTION_UNKNOWN: "Subscription Does Not Exist",
}


class CallLocation(StrEnum):
    """Which of the user's devices a click-to-dial or call pull uses."""

    PRIMARY = "Primary"
    BROADWORKS_ANYWHERE = "BroadWorksAnywhere"
    SHARED_CALL_APPEARANCE = "SharedCallAppearance"
    MOBILITY = "Mobility"
    FLEXIBLE_SEATING_GUEST = "FlexibleSeatingGuest"
    ALL = "All"


class DeclineReason(StrEnum):
    """Why an alerting call is declined."""

    BUSY = "Busy"
    TEMPORARILY_UNAVAILABLE = "TemporarilyUnavailable"


class Service(StrEnum):
    """User services cloudcti reads and writes, by their Actions path segment."""

    CALL_FORWARDING_ALWAYS = "CallForwardingAlways"
    CALL_FORWARDING_BUSY = "CallForwardingBusy"
    CALL_FORWARDING_NO_ANSWER = "CallForwardingNoAnswer"
    DO_NOT_DISTURB = "DoNotDisturb"
    REMOTE_OFFICE = "RemoteOffice"
    SIMULTANEOUS_RING_PERSONAL = "SimultaneousRingPersonal"
    VOICE_MESSAGING = "VoiceMessaging"
    BROADWORKS_ANYWHERE = "BroadWorksAnywhere"


class SubscriptionTargetType(StrEnum):
    """Kinds of subscription target (``targetEntityType`` in a subscription query)."""

    USER = "User"
    GROUP = "Group"
    SERVICE_PROVIDER = "ServiceProvider"
    SYSTEM = "System"


class DirectorySortColumn(StrEnum):
    """Sort orders of the enterprise directory."""

    LAST_NAME = "lastName"
    FIRST_NAME = "firstName"
    DEPARTMENT = "department"


ServiceSettings: TypeAlias = (
    CallForwardingAlways
    | CallForwardingBusy
    | CallForwardingNoAnswer
    | DoNotDisturb
    | RemoteOffice
    | SimultaneousRingPersonal
    | VoiceMessaging
    | BroadWorksAnywhere
)
"""The service values :func:`put_service` writes."""

_VOICE_MESSAGING_PROCESSING: Final = frozenset(
    {"Unified Voice and Email Messaging", "Deliver To Email Address Only"}
)
_NUMBER_OF_RINGS: Final = frozenset({0, *range(2, 21)})


# --- argument checks and encoding --------------------------------------------------------


def _xml_text(value: str, what: str) -> str:
    if not isinstance(value, str):
        raise LocalProtocolError(f"{what} must be a string, not {type(value).__name__}")
    bad = _NOT_XML_CHAR.search(value)
    if bad is not None:
        raise LocalProtocolError(f"{what} contains a character XML cannot carry: {bad[0]!r}")
    return value


def _string(value: str, what: str, max_length: int | None = None) -> str:
    """An ``xs:string``-based value (whitespace kept): non-empty, XML characters only."""
    _xml_text(value, what)
    if not value:
        raise LocalProtocolError(f"{what} must not be empty")
    if max_length is not None and len(value) > max_length:
        raise LocalProtocolError(f"{what} is longer than {max_length} characters")
    return value


def _token(value: str, what: str, max_length: int | None = None) -> str:
    """An ``xs:token``-based value: non-empty once XML whitespace is collapsed."""
    _xml_text(value, what)
    collapsed = _XML_SPACE.sub(" ", value).strip(" ")
    if not collapsed:
        raise LocalProtocolError(f"{what} must not be empty or blank")
    if max_length is not None and len(collapsed) > max_length:
        raise LocalProtocolError(f"{what} is longer than {max_length} characters")
    return value


def _uri(value: str, what: str) -> str:
    """A phone number or URI (the XSD's ``Address``): no whitespace, ``%`` only as ``%XX``,
    none of ``[]"<>\\^`{|}``, at most one ``#``, no leading ``//``, and a ``:`` in the
    first part only after a scheme (``tel:``, ``sip:``)."""
    _token(value, what)
    first_part = _URI_FIRST_PART.match(value)
    has_bad_scheme = first_part is not None and not _URI_SCHEME.fullmatch(first_part[1])
    if _NOT_URI.search(value) or value.count("#") > 1 or value.startswith("//") or has_bad_scheme:
        raise LocalProtocolError(f"{what} is not a phone number or URI: {value!r}")
    return value


def _segment(value: str, what: str) -> str:
    """One percent-encoded path segment for an identifier."""
    _token(value, what)
    if "/" in value:
        raise LocalProtocolError(f"{what} contains '/', which Xsi cannot address: {value!r}")
    if value in (".", ".."):
        raise LocalProtocolError(f"{what} must not be {value!r}")
    return "".join(
        chr(byte) if byte in _SEGMENT_SAFE else f"%{byte:02X}" for byte in value.encode()
    )


def _integer(value: int, what: str, minimum: int, maximum: int = _MAX_INT) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise LocalProtocolError(f"{what} must be an int, not {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise LocalProtocolError(f"{what} must lie in {minimum}..{maximum}, not {value}")
    return value


def _expires(value: int) -> int:
    return _integer(value, "expires", MIN_EXPIRES, NEVER_EXPIRES)


def _enum_value(enum: type[StrEnum], value: str, what: str) -> str:
    try:
        return enum(value).value
    except ValueError:
        raise LocalProtocolError(
            f"{what} {value!r} is not one of {[e.value for e in enum]}"
        ) from None


# --- bodies ------------------------------------------------------------------------------


def _root(name: str) -> etree._Element:
    return etree.Element(f"{{{XSI_NS}}}{name}", nsmap={None: XSI_NS})


def _add(
    parent: etree._Element, name: str, value: str | int | bool | None = None
) -> etree._Element:
    child = etree.SubElement(parent, f"{{{XSI_NS}}}{name}")
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = str(value)
    return child


def _serialize(root: etree._Element) -> bytes:
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return _XML_DECLARATION + body


def _user_path(root: str, user_id: str, *rest: str) -> str:
    return "/".join((root, "user", _segment(user_id, "user_id"), *rest))


def _calls_path(user_id: str, *rest: str) -> str:
    return _user_path(ACTIONS_ROOT, user_id, "calls", *rest)


def _location_query(
    location: CallLocation | str | None, location_address: str | None
) -> list[tuple[str, str]]:
    query: list[tuple[str, str]] = []
    if location is not None:
        query.append(("location", _enum_value(CallLocation, location, "location")))
    if location_address is not None:
        if location is None:
            raise LocalProtocolError("location_address needs a location")
        query.append(("locationAddress", _token(location_address, "location_address")))
    return query


# --- event channels ------------------------------------------------------------------------


def add_channel(
    channel_set_id: str,
    *,
    priority: int = 1,
    weight: int = 50,
    expires: int = MIN_EXPIRES,
    application_id: str | None = None,
) -> XsiRequest:
    """Open a streaming event channel in ``channel_set_id`` (POST on the async URL)."""
    root = _root("Channel")
    _add(root, "channelSetId", _string(channel_set_id, "channel_set_id", 256))
    _add(root, "priority", _integer(priority, "priority", 1))
    _add(root, "weight", _integer(weight, "weight", 1))
    _add(root, "expires", _expires(expires))
    if application_id is not None:
        _add(root, "applicationId", _token(application_id, "application_id", 256))
    return XsiRequest("POST", f"{ASYNC_EVENTS_ROOT}/channel", body=_serialize(root))


def update_channel(channel_id: str, expires: int) -> XsiRequest:
    """Extend a channel's lifetime (the only field a channel update may change)."""
    root = _root("Channel")
    _add(root, "expires", _expires(expires))
    path = f"{EVENTS_ROOT}/channel/{_segment(channel_id, 'channel_id')}"
    return XsiRequest("PUT", path, body=_serialize(root))


def delete_channel(channel_id: str) -> XsiRequest:
    """Close a channel; the PBX ends its stream with ``ChannelTerminatedEvent``."""
    return XsiRequest("DELETE", f"{EVENTS_ROOT}/channel/{_segment(channel_id, 'channel_id')}")


def heartbeat(channel_id: str) -> XsiRequest:
    """Keep a channel alive (PUT without body; the PBX echoes a ``ChannelHeartBeat``)."""
    path = f"{EVENTS_ROOT}/channel/{_segment(channel_id, 'channel_id')}/heartbeat"
    return XsiRequest("PUT", path)


def event_response(
    event_id: str,
    status_code: EventResponseStatus | int = EventResponseStatus.OK,
    reason: str | None = None,
) -> XsiRequest:
    """Acknowledge one event; ``reason`` defaults to the status code's usual phrase."""
    try:
        if isinstance(status_code, bool) or not isinstance(status_code, int):
            raise ValueError(status_code)
        status = EventResponseStatus(status_code)
    except ValueError:
        allowed = [int(s) for s in EventResponseStatus]
        raise LocalProtocolError(f"status_code {status_code!r} is not one of {allowed}") from None
    root = _root("EventResponse")
    _add(root, "eventID", _string(event_id, "event_id", 256))
    _add(root, "statusCode", int(status))
    _add(root, "reason", _DEFAULT_REASONS[status] if reason is None else _string(reason, "reason"))
    return XsiRequest("POST", f"{EVENTS_ROOT}/channel/eventresponse", body=_serialize(root))


def get_channel_set(channel_set_id: str) -> XsiRequest:
    """List the channels of a channel set."""
    path = f"{EVENTS_ROOT}/channelset/{_segment(channel_set_id, 'channel_set_id')}"
    return XsiRequest("GET", path)


# --- subscriptions -------------------------------------------------------------------------


def _subscription_body(
    events: EventPackage | str | Sequence[EventPackage | str],
    expires: int,
    channel_set_id: str,
    application_id: str | None,
) -> bytes:
    root = _root("Subscription")
    if isinstance(events, str):
        _add(root, "event", _enum_value(EventPackage, events, "event package"))
    else:
        packages = [_enum_value(EventPackage, e, "event package") for e in events]
        if not packages:
            raise LocalProtocolError("a subscription needs at least one event package")
        if len(set(packages)) != len(packages):
            raise LocalProtocolError("an event package is listed twice")
        package_list = _add(root, "eventPackageList")
        for package in packages:
            _add(package_list, "event", package)
    _add(root, "expires", _expires(expires))
    _add(root, "channelSetId", _string(channel_set_id, "channel_set_id", 256))
    if application_id is not None:
        _add(root, "applicationId", _token(application_id, "application_id", 256))
    return _serialize(root)


def subscribe_user(
    user_id: str,
    events: EventPackage | str | Sequence[EventPackage | str],
    *,
    channel_set_id: str,
    expires: int = MIN_EXPIRES,
    application_id: str | None = None,
) -> XsiRequest:
    """Subscribe to one user's events; one package as ``<event>``, a sequence as the package
    list (a second package-list subscription for the same target replaces the first)."""
    body = _subscription_body(events, expires, channel_set_id, application_id)
    return XsiRequest("POST", _user_path(EVENTS_ROOT, user_id), body=body)


def subscribe_group(
    enterprise_id: str,
    group_id: str,
    events: EventPackage | str | Sequence[EventPackage | str],
    *,
    channel_set_id: str,
    expires: int = MIN_EXPIRES,
    application_id: str | None = None,
) -> XsiRequest:
    """Subscribe to the events of every user of a group (no initial snapshot)."""
    path = (
        f"{EVENTS_ROOT}/enterprise/{_segment(enterprise_id, 'enterprise_id')}"
        f"/group/{_segment(group_id, 'group_id')}"
    )
    body = _subscription_body(events, expires, channel_set_id, application_id)
    return XsiRequest("POST", path, body=body)


def subscribe_enterprise(
    enterprise_id: str,
    events: EventPackage | str | Sequence[EventPackage | str],
    *,
    channel_set_id: str,
    expires: int = MIN_EXPIRES,
    application_id: str | None = None,
) -> XsiRequest:
    """Subscribe to the events of every user of an enterprise (no initial snapshot)."""
    path = f"{EVENTS_ROOT}/enterprise/{_segment(enterprise_id, 'enterprise_id')}"
    body = _subscription_body(events, expires, channel_set_id, application_id)
    return XsiRequest("POST", path, body=body)


def refresh_subscription(subscription_id: str, expires: int) -> XsiRequest:
    """Extend a subscription (for a user target the PBX resends the initial event)."""
    root = _root("Subscription")
    _add(root, "expires", _expires(expires))
    path = f"{EVENTS_ROOT}/subscription/{_segment(subscription_id, 'subscription_id')}"
    return XsiRequest("PUT", path, body=_serialize(root))


def delete_subscription(subscription_id: str) -> XsiRequest:
    """End a subscription."""
    path = f"{EVENTS_ROOT}/subscription/{_segment(subscription_id, 'subscription_id')}"
    return XsiRequest("DELETE", path)


def get_subscription(subscription_id: str) -> XsiRequest:
    """Read one subscription."""
    path = f"{EVENTS_ROOT}/subscription/{_segment(subscription_id, 'subscription_id')}"
    return XsiRequest("GET", path)


def list_subscriptions(
    *,
    subscriber_id: str | None = None,
    target_id: str | None = None,
    event: EventPackage | str | None = None,
    application_id: str | None = None,
    target_type: SubscriptionTargetType | str | None = None,
    target_group_parent_id: str | None = None,
    target_sub_id: str | None = None,
) -> XsiRequest:
    """Find subscriptions (without ``subscriber_id``: the authenticated user's own); a
    ``Group`` target type needs ``target_group_parent_id`` (the XSP answers 400 otherwise)."""
    query: list[tuple[str, str]] = []
    if subscriber_id is not None:
        query.append(("subscriberId", _token(subscriber_id, "subscriber_id")))
    if target_id is not None:
        query.append(("targetId", _token(target_id, "target_id")))
    if event is not None:
        query.append(("event", _enum_value(EventPackage, event, "event package")))
    if application_id is not None:
        query.append(("extAppId", _token(application_id, "application_id", 256)))
    if target_group_parent_id is not None:
        parent = _token(target_group_parent_id, "target_group_parent_id")
        query.append(("targetGrpParentId", parent))
    if target_type is not None:
        kind = _enum_value(SubscriptionTargetType, target_type, "target_type")
        if kind == SubscriptionTargetType.GROUP and target_group_parent_id is None:
            raise LocalProtocolError("a Group target type needs target_group_parent_id")
        query.append(("targetEntityType", kind))
    if target_sub_id is not None:
        query.append(("targetSubId", _token(target_sub_id, "target_sub_id")))
    return XsiRequest("GET", f"{EVENTS_ROOT}/subscription", tuple(query))


# --- call control ----------------------------------------------------------------------------


def get_calls(user_id: str) -> XsiRequest:
    """List the user's current calls."""
    return XsiRequest("GET", _calls_path(user_id))


def get_call(user_id: str, call_id: str, *, allow_detached: bool = False) -> XsiRequest:
    """Read one call; ``allow_detached`` also finds a call already detached from the user."""
    query = (("allowDetached", "true"),) if allow_detached else ()
    return XsiRequest("GET", _calls_path(user_id, _segment(call_id, "call_id")), query)


def new_call(
    user_id: str,
    address: str,
    *,
    location: CallLocation | str | None = None,
    location_address: str | None = None,
) -> XsiRequest:
    """Click-to-dial ``address`` (answered 201 with ``CallStartInfo``); ``location`` picks the
    device to ring first, ``location_address`` one device of that kind."""
    query = [("address", _token(address, "address"))]
    query += _location_query(location, location_address)
    return XsiRequest("POST", _calls_path(user_id, "new"), tuple(query))


def _call_action(user_id: str, call_id: str, action: str) -> XsiRequest:
    return XsiRequest("PUT", _calls_path(user_id, _segment(call_id, "call_id"), action))


def talk(user_id: str, call_id: str) -> XsiRequest:
    """Answer an alerting call (if it allows remote answer) or retrieve a held one."""
    return _call_action(user_id, call_id, "Talk")


def hold(user_id: str, call_id: str) -> XsiRequest:
    """Put a call on hold."""
    return _call_action(user_id, call_id, "Hold")


def reconnect(user_id: str, call_id: str) -> XsiRequest:
    """Retrieve a held call and release every other call of the user."""
    return _call_action(user_id, call_id, "Reconnect")


def blind_transfer(user_id: str, call_id: str, address: str) -> XsiRequest:
    """Transfer a call to ``address`` without consultation."""
    request = _call_action(user_id, call_id, "BlindTransfer")
    return XsiRequest(request.method, request.path, (("address", _token(address, "address")),))


def consult_transfer(user_id: str, call_id: str, consulted_call_id: str) -> XsiRequest:
    """Connect ``call_id`` (the party to transfer) with ``consulted_call_id``, then drop out."""
    if call_id == consulted_call_id:
        raise LocalProtocolError("a call cannot be transferred to itself")
    path = _calls_path(
        user_id,
        _segment(call_id, "call_id"),
        "ConsultTransfer",
        _segment(consulted_call_id, "consulted_call_id"),
    )
    return XsiRequest("PUT", path)


def vm_transfer(user_id: str, call_id: str, address: str | None = None) -> XsiRequest:
    """Transfer a call to voice mail: the user's own mailbox, or the one of ``address``."""
    request = _call_action(user_id, call_id, "VmTransfer")
    if address is None:
        return request
    return XsiRequest(request.method, request.path, (("address", _token(address, "address")),))


def release_call(
    user_id: str,
    call_id: str,
    *,
    decline: bool = False,
    decline_reason: DeclineReason | str | None = None,
) -> XsiRequest:
    """Release a call; with ``decline`` reject an alerting call at once (forwarding on busy or
    no answer may then apply), with ``decline_reason`` as the cause."""
    query: list[tuple[str, str]] = []
    if decline:
        query.append(("decline", "true"))
    if decline_reason is not None:
        if not decline:
            raise LocalProtocolError("decline_reason needs decline=True")
        reason = _enum_value(DeclineReason, decline_reason, "decline_reason")
        query.append(("declineReason", reason))
    return XsiRequest("DELETE", _calls_path(user_id, _segment(call_id, "call_id")), tuple(query))


def start_conference(user_id: str, call_ids: Iterable[str]) -> XsiRequest:
    """Join two or more of the user's calls into a conference."""
    ids = [_token(call_id, "call_id") for call_id in call_ids]
    if len(ids) < 2:
        raise LocalProtocolError("a conference needs at least two calls")
    if len(set(ids)) != len(ids):
        raise LocalProtocolError("a call is listed twice for the conference")
    root = _root("Conference")
    participants = _add(root, "conferenceParticipantList")
    for call_id in ids:
        _add(_add(participants, "conferenceParticipant"), "callId", call_id)
    return XsiRequest("POST", _calls_path(user_id, "Conference"), body=_serialize(root))


def get_conference(user_id: str) -> XsiRequest:
    """Read the user's conference."""
    return XsiRequest("GET", _calls_path(user_id, "Conference"))


def release_conference(user_id: str) -> XsiRequest:
    """End the user's conference, releasing every leg."""
    return XsiRequest("DELETE", _calls_path(user_id, "Conference"))


def add_to_conference(user_id: str, call_id: str) -> XsiRequest:
    """Add one more call to the user's conference."""
    return XsiRequest("PUT", _calls_path(user_id, "Conference", _segment(call_id, "call_id")))


def call_retrieve(
    user_id: str,
    *,
    location: CallLocation | str | None = None,
    location_address: str | None = None,
) -> XsiRequest:
    """Pull the user's call to another of the user's devices (answered with ``CallStartInfo``)."""
    query = _location_query(location, location_address)
    return XsiRequest("POST", _calls_path(user_id, "CallRetrieve"), tuple(query))


# --- services ----------------------------------------------------------------------------------


def get_services(user_id: str) -> XsiRequest:
    """List the services assigned to the user."""
    return XsiRequest("GET", _user_path(ACTIONS_ROOT, user_id, "services"))


def get_service(user_id: str, service: Service | str) -> XsiRequest:
    """Read one service's settings."""
    name = _enum_value(Service, service, "service")
    return XsiRequest("GET", _user_path(ACTIONS_ROOT, user_id, "services", name))


def put_service(user_id: str, settings: ServiceSettings) -> XsiRequest:
    """Write one service's settings; ``None`` fields are left out, so the PBX keeps them.

    Lists are written whole: ``SimultaneousRingPersonal.locations`` replaces the stored
    locations (read, change, write back). BroadWorks Anywhere locations are not part of this
    PUT; change one with :func:`put_broadworks_anywhere_location`."""
    name, root = _service_body(settings)
    body = _serialize(root)
    return XsiRequest("PUT", _user_path(ACTIONS_ROOT, user_id, "services", name), body=body)


def put_broadworks_anywhere_location(user_id: str, location: AnywhereLocation) -> XsiRequest:
    """Change one BroadWorks Anywhere location (its description and whether it is active)."""
    number = _token(location.phone_number, "phone_number", 23)
    root = _root("BroadWorksAnywhereLocation")
    _add(root, "phoneNumber", number)
    if location.description is not None:
        _add(root, "description", _token(location.description, "description"))
    _add(root, "active", _bool(location.active, "active"))
    path = _user_path(
        ACTIONS_ROOT,
        user_id,
        "services",
        Service.BROADWORKS_ANYWHERE.value,
        "Location",
        _segment(number, "phone_number"),
    )
    return XsiRequest("PUT", path, body=_serialize(root))


def _bool(value: bool, what: str) -> bool:
    if not isinstance(value, bool):
        raise LocalProtocolError(f"{what} must be a bool, not {type(value).__name__}")
    return value


def _opt_bool(parent: etree._Element, name: str, value: bool | None) -> None:
    if value is not None:
        _add(parent, name, _bool(value, name))


def _address(parent: etree._Element, name: str, value: str | None) -> None:
    if value is not None:
        _add(parent, name, _uri(value, name))


def _email(parent: etree._Element, name: str, value: str | None) -> None:
    if value is not None:
        _add(parent, name, _token(value, name))


def _service_body(settings: ServiceSettings) -> tuple[str, etree._Element]:
    match settings:
        case CallForwardingAlways():
            root = _root(Service.CALL_FORWARDING_ALWAYS)
            _add(root, "active", _bool(settings.active, "active"))
            _address(root, "forwardToPhoneNumber", settings.forward_to_phone_number)
            _add(root, "ringSplash", _bool(settings.ring_splash, "ring_splash"))
        case CallForwardingBusy():
            root = _root(Service.CALL_FORWARDING_BUSY)
            _add(root, "active", _bool(settings.active, "active"))
            _address(root, "forwardToPhoneNumber", settings.forward_to_phone_number)
        case CallForwardingNoAnswer():
            root = _root(Service.CALL_FORWARDING_NO_ANSWER)
            _add(root, "active", _bool(settings.active, "active"))
            _address(root, "forwardToPhoneNumber", settings.forward_to_phone_number)
            if settings.number_of_rings is not None:
                rings = _integer(settings.number_of_rings, "number_of_rings", 0, 20)
                if rings not in _NUMBER_OF_RINGS:
                    raise LocalProtocolError("number_of_rings must be 0 or 2..20")
                _add(root, "numberOfRings", rings)
        case DoNotDisturb():
            root = _root(Service.DO_NOT_DISTURB)
            _add(root, "active", _bool(settings.active, "active"))
            _add(root, "ringSplash", _bool(settings.ring_splash, "ring_splash"))
        case RemoteOffice():
            root = _root(Service.REMOTE_OFFICE)
            _add(root, "active", _bool(settings.active, "active"))
            _address(root, "remoteOfficeNumber", settings.remote_office_number)
        case SimultaneousRingPersonal():
            root = _simultaneous_ring_body(settings)
        case VoiceMessaging():
            root = _voice_messaging_body(settings)
        case BroadWorksAnywhere():
            root = _root(Service.BROADWORKS_ANYWHERE)
            _add(
                root,
                "alertAllLocationsForClickToDialCalls",
                _bool(settings.alert_all_locations_for_click_to_dial_calls, "alert_all"),
            )
            _opt_bool(
                root,
                "alertAllLocationsForGroupPagingCalls",
                settings.alert_all_locations_for_group_paging_calls,
            )
        case _:
            raise LocalProtocolError(f"no service PUT for {type(settings).__name__}")
    return etree.QName(root).localname, root


def _simultaneous_ring_body(settings: SimultaneousRingPersonal) -> etree._Element:
    root = _root(Service.SIMULTANEOUS_RING_PERSONAL)
    _add(root, "active", _bool(settings.active, "active"))
    _add(
        root,
        "incomingCalls",
        _enum_value(SimRingIncomingCalls, settings.incoming_calls, "incoming_calls"),
    )
    locations = _add(root, "simRingLocations")
    for location in settings.locations:
        entry = _add(locations, "simRingLocation")
        _add(entry, "address", _uri(location.address, "address"))
        _add(
            entry,
            "answerConfirmationRequired",
            _bool(location.answer_confirmation_required, "answer_confirmation_required"),
        )
    return root


def _voice_messaging_body(settings: VoiceMessaging) -> etree._Element:
    root = _root(Service.VOICE_MESSAGING)
    _add(root, "active", _bool(settings.active, "active"))
    if settings.processing is not None:
        if settings.processing not in _VOICE_MESSAGING_PROCESSING:
            raise LocalProtocolError(f"processing {settings.processing!r} is not known")
        _add(root, "processing", settings.processing)
    email = settings.voice_message_delivery_email_address
    _email(root, "voiceMessageDeliveryEmailAddress", email)
    _opt_bool(root, "usePhoneMessageWaitingIndicator", settings.use_phone_message_waiting_indicator)
    _opt_bool(root, "sendVoiceMessageNotifyEmail", settings.send_voice_message_notify_email)
    _email(root, "voiceMessageNotifyEmailAddress", settings.voice_message_notify_email_address)
    _opt_bool(root, "sendCarbonCopyVoiceMessage", settings.send_carbon_copy_voice_message)
    cc_email = settings.voice_message_carbon_copy_email_address
    _email(root, "voiceMessageCarbonCopyEmailAddress", cc_email)
    _opt_bool(root, "transferOnZeroToPhoneNumber", settings.transfer_on_zero_to_phone_number)
    if settings.transfer_phone_number is not None:
        number = _token(settings.transfer_phone_number, "transfer_phone_number", 30)
        _add(root, "transferPhoneNumber", number)
    _opt_bool(root, "alwaysRedirectToVoiceMail", settings.always_redirect_to_voice_mail)
    _opt_bool(root, "busyRedirectToVoiceMail", settings.busy_redirect_to_voice_mail)
    _opt_bool(root, "noAnswerRedirectToVoiceMail", settings.no_answer_redirect_to_voice_mail)
    _opt_bool(
        root,
        "outOfPrimaryZoneRedirectToVoiceMail",
        settings.out_of_primary_zone_redirect_to_voice_mail,
    )
    return root


# --- profile and directories -------------------------------------------------------------------


def get_profile(user_id: str) -> XsiRequest:
    """Read the user's profile (names, group, enterprise, number, extension)."""
    return XsiRequest("GET", _user_path(ACTIONS_ROOT, user_id, "profile"))


def get_fac(user_id: str) -> XsiRequest:
    """Read the feature access codes that apply to the user."""
    return XsiRequest("GET", _user_path(ACTIONS_ROOT, user_id, "profile", "Fac"))


def search_enterprise_directory(
    user_id: str,
    *,
    start: int = 1,
    results: int | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    name: str | None = None,
    search_user_id: str | None = None,
    group_id: str | None = None,
    number: str | None = None,
    extension: str | None = None,
    mobile_no: str | None = None,
    department: str | None = None,
    email_address: str | None = None,
    match_any: bool = False,
    sort_column: DirectorySortColumn | str | None = None,
) -> XsiRequest:
    r"""One page (``start`` is 1-based, ``results`` 1..1000) of the enterprise directory.

    Criteria use Xsi's syntax: ``abc*`` starts with, ``*abc*`` contains, a trailing ``/i``
    ignores case, ``\/`` is a literal slash; they are ANDed unless ``match_any``."""
    query = [("start", str(_integer(start, "start", 1)))]
    if results is not None:
        query.append(("results", str(_integer(results, "results", 1, 1000))))
    criteria = (
        ("firstName", first_name),
        ("lastName", last_name),
        ("name", name),
        ("userId", search_user_id),
        ("groupId", group_id),
        ("number", number),
        ("extension", extension),
        ("mobileNo", mobile_no),
        ("department", department),
        ("emailAddress", email_address),
    )
    for key, value in criteria:
        if value is not None:
            query.append((key, _string(value, key)))
    if match_any:
        query.append(("searchCriteriaModeOr", "true"))
    if sort_column is not None:
        query.append(("sortColumn", _enum_value(DirectorySortColumn, sort_column, "sort_column")))
    path = _user_path(ACTIONS_ROOT, user_id, "directories", "Enterprise")
    return XsiRequest("GET", path, tuple(query))
