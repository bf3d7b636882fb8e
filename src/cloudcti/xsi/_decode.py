"""Decode channel documents into typed events: :func:`parse_event`.

Type names are resolved by namespace URI, never by prefix: real XSPs bind ``xsi`` to the
Xsi namespace and ``xsi1`` to XML Schema instance, and Actions samples do the opposite.
Unknown children are ignored; an unknown event type becomes :class:`UnknownEvent`; anything
else that does not fit raises :class:`RemoteProtocolError` (with the ``event_id`` when the
envelope could be read, so the event can still be answered).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from cloudcti.xsi import _events as ev
from cloudcti.xsi._calls import (
    Call,
    CallState,
    Conference,
    ConferenceParticipant,
    Endpoint,
    EndpointKind,
    HookStatus,
    PartyInfo,
    Personality,
    Redirect,
    Redirection,
    ReleaseCause,
    ReleasingParty,
)
from cloudcti.xsi._errors import RemoteProtocolError
from cloudcti.xsi._read import (
    Fields,
    Kind,
    build,
    children,
    children_named,
    integer,
    opt_text,
    tag,
    text,
)
from cloudcti.xsi._services import (
    AnywhereLocation,
    BroadWorksAnywhere,
    CallForwardingAlways,
    CallForwardingBusy,
    CallForwardingNoAnswer,
    DoNotDisturb,
    MessageSummary,
    RemoteOffice,
    SimRingIncomingCalls,
    SimRingLocation,
    SimultaneousRingPersonal,
)
from cloudcti.xsi._xml import DEFAULT_MAX_DOCUMENT_BYTES, XSI_NS, XSI_TYPE, parse_xml

_T_ADDRESS = tag("address")
_T_CALL = tag("call")
_T_CALLS = tag("calls")
_T_CONFERENCE = tag("conference")
_T_CONFERENCE_PARTICIPANT_LIST = tag("conferenceParticipantList")
_T_ENDPOINT = tag("endpoint")
_T_EVENT_DATA = tag("eventData")
_T_HTTP_CONTACT = tag("httpContact")
_T_INFO = tag("info")
_T_LOCATIONS = tag("locations")
_T_MESSAGE_SUMMARY = tag("messageSummary")
_T_PARTY = tag("party")
_T_PHONE_NUMBER = tag("phoneNumber")
_T_REDIRECT = tag("redirect")
_T_REDIRECTIONS = tag("redirections")
_T_RELEASE_CAUSE = tag("releaseCause")
_T_REMOTE_PARTY = tag("remoteParty")
_T_SIM_RING_LOCATIONS = tag("simRingLocations")
_T_USER_DN = tag("userDN")
_EVENT = f"{{{XSI_NS}}}Event"
_CHANNEL = f"{{{XSI_NS}}}Channel"
_HEARTBEAT = f"{{{XSI_NS}}}ChannelHeartBeat"


def parse_event(data: bytes, *, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> ev.Event:
    """Decode one document from an event channel; raise only :class:`RemoteProtocolError`."""
    root = parse_xml(data, max_bytes=max_bytes)
    tag = root.tag
    if tag == _EVENT:
        kind = xsi_type(root)
        if kind == "SubscriptionEvent":
            return _subscription_event(root, data)
        if kind == "ChannelTerminatedEvent":
            kids = children(root)
            return ev.ChannelTerminatedEvent(
                channel_id=text(kids, "channelId", kind), reason=text(kids, "reason", kind)
            )
        if kind == "ErrorEvent":
            kids = children(root)
            return ev.ErrorEvent(
                error_code=integer(kids, "errorCode", kind),
                error_message=opt_text(kids, "errorMessage") or "",
            )
        raise RemoteProtocolError(f"unknown channel event type {kind!r}")
    if tag == _CHANNEL:
        kids = children(root)
        return ev.Channel(
            channel_id=text(kids, "channelId", "Channel"),
            expires=integer(kids, "expires", "Channel"),
        )
    if tag == _HEARTBEAT:
        return ev.ChannelHeartBeat()
    raise RemoteProtocolError(f"unexpected root element {str(tag)[:80]!r}")


def xsi_type(element: etree._Element) -> str:
    """The local name of ``xsi1:type`` of an element in the Xsi namespace, checked to name a
    type in the Xsi namespace too."""
    value = element.get(XSI_TYPE)
    if not value:
        raise RemoteProtocolError(f"{etree.QName(element).localname} has no type attribute")
    prefix, colon, local = value.partition(":")
    if not colon:
        prefix, local = "", value
    # The element's own prefix is bound to the element's namespace, so when the value uses
    # it (the usual case) there is no need to build the map of namespaces in scope.
    if (prefix or None) == element.prefix:
        return local
    namespace = element.nsmap.get(prefix or None)
    if namespace != XSI_NS:
        raise RemoteProtocolError(f"type {value[:80]!r} is not in the Xsi namespace")
    return local


def _subscription_event(root: etree._Element, raw: bytes) -> ev.SubscriptionEvent:
    envelope = _envelope(root)
    data = root[-1] if len(root) and root[-1].tag == _T_EVENT_DATA else root.find(_T_EVENT_DATA)
    if data is None:
        raise RemoteProtocolError(
            "SubscriptionEvent: eventData is missing", event_id=envelope.event_id
        )
    try:
        kind = xsi_type(data)
        decoder = _DECODERS.get(kind)
        if decoder is None:
            return ev.UnknownEvent(envelope=envelope, type_name=kind, raw=raw)
        event_class, event_fields = decoder
        if event_fields is _CALL_FIELD and len(data) == 1 and data[0].tag == _T_CALL:
            return event_class(envelope, decode_call(data[0]))  # the common case, short
        return event_class(envelope=envelope, **event_fields.read(data))
    except RemoteProtocolError as exc:
        raise RemoteProtocolError(str(exc), event_id=envelope.event_id) from None


def _envelope(element: etree._Element) -> ev.Envelope:
    values = _ENVELOPE.read(element)
    if "user_id" not in values:
        raise RemoteProtocolError("SubscriptionEvent: userId missing")
    return build(ev.Envelope, values)


def _contact_uri(element: etree._Element) -> str | None:
    return opt_text(children(element), "uri")


_ENVELOPE = Fields(
    "SubscriptionEvent",
    {
        "eventID": ("event_id", Kind.STRING),
        "sequenceNumber": ("sequence_number", Kind.INTEGER),
        "userId": ("user_id", Kind.STRING),
        "clientId": ("user_id", Kind.STRING),
        "externalApplicationId": ("external_application_id", Kind.STRING),
        "subscriptionId": ("subscription_id", Kind.STRING),
        "sharedSubscriptionId": ("shared_subscription_id", Kind.OPTIONAL),
        "channelId": ("channel_id", Kind.OPTIONAL),
        "httpContact": ("http_contact_uri", _contact_uri),
        "targetId": ("target_id", Kind.OPTIONAL),
        "targetSubId": ("target_sub_id", Kind.OPTIONAL),
    },
    required=("event_id", "sequence_number", "external_application_id", "subscription_id"),
)


# --- the call element --------------------------------------------------------------------


def decode_call(element: etree._Element) -> Call:
    """Decode a ``call`` element (an event's ``call``, or an Actions ``Call`` document)."""
    return build(Call, _CALL.read(element))


def _party(element: etree._Element) -> PartyInfo:
    return build(PartyInfo, _PARTY.read(element))


_PARTY = Fields(
    "remoteParty",
    {
        "name": ("name", Kind.OPTIONAL),
        # countryCode sits on userDN; one operator puts it on address (PROTOCOL.md §3.6).
        "address": ("address", Kind.OPTIONAL, ("country_code", "countryCode")),
        "userId": ("user_id", Kind.OPTIONAL),
        "userDN": ("user_dn", Kind.OPTIONAL, ("country_code", "countryCode")),
        "callType": ("call_type", Kind.OPTIONAL),
        "privacy": ("privacy", Kind.FLAG),
    },
)


def decode_endpoint(element: etree._Element) -> Endpoint:
    """Decode an ``endpoint``: its ``xsi1:type`` and the address of record or address."""
    kind_name = xsi_type(element)
    for child in element:
        if child.tag in _ENDPOINT_ADDRESS:
            address = (child.text or "").strip()
            if address:
                key = (kind_name, address)
                endpoint = _SEEN_ENDPOINTS.get(key)
                if endpoint is None:
                    if len(_SEEN_ENDPOINTS) >= _SEEN_ENDPOINTS_MAX:
                        _SEEN_ENDPOINTS.clear()
                    kind = _ENDPOINT_KINDS.get(kind_name, kind_name)
                    endpoint = _SEEN_ENDPOINTS[key] = Endpoint(kind=kind, address=address)
                return endpoint
    raise RemoteProtocolError(f"{kind_name}: address missing")


_ENDPOINT_KINDS: dict[str, EndpointKind] = {str(kind): kind for kind in EndpointKind}
_ENDPOINT_ADDRESS = frozenset((tag("addressOfRecord"), tag("address")))
# A line's few devices recur in every event of every call: share the immutable values.
_SEEN_ENDPOINTS: dict[tuple[str, str], Endpoint] = {}
_SEEN_ENDPOINTS_MAX = 4096


def _redirection(element: etree._Element) -> Redirection:
    return Redirection(**_REDIRECTION.read(element))


_REDIRECTION = Fields(
    "redirection",
    {
        "party": ("party", _party),
        "reason": ("reason", Kind.OPTIONAL),
        "counter": ("counter", Kind.INTEGER),
    },
)


def _redirections(element: etree._Element) -> tuple[Redirection, ...]:
    return tuple(_redirection(item) for item in children_named(element, "redirection"))


def _redirect(element: etree._Element) -> Redirect:
    return Redirect(**_REDIRECT.read(element))


_REDIRECT = Fields(
    "redirect",
    {
        "address": ("address", Kind.OPTIONAL),
        "reason": ("reason", Kind.STRING),
        "redirectTime": ("redirect_time", Kind.INTEGER),
    },
    required=("reason", "redirect_time"),
)


def _release_cause(element: etree._Element) -> ReleaseCause:
    return ReleaseCause(**_RELEASE_CAUSE.read(element))


_RELEASE_CAUSE = Fields(
    "releaseCause",
    {
        "internalReleaseCause": ("internal_release_cause", Kind.STRING),
        "q850Cause": ("q850_cause", Kind.INTEGER),
        "sipStatus": ("sip_status", Kind.INTEGER),
        "cdrTerminationCause": ("cdr_termination_cause", Kind.OPTIONAL),
    },
    required=("internal_release_cause",),
)

_CALL = Fields(
    "call",
    {
        "callId": ("call_id", Kind.STRING),
        "extTrackingId": ("ext_tracking_id", Kind.STRING),
        "networkCallId": ("network_call_id", Kind.OPTIONAL),
        "personality": ("personality", Personality),
        "state": ("state", CallState),
        "releaseCause": ("release_cause", _release_cause),
        "releasingParty": ("releasing_party", ReleasingParty),
        "remoteParty": ("remote_party", _party),
        "redirections": ("redirections", _redirections),
        "redirect": ("redirect", _redirect),
        "endpoint": ("endpoint", decode_endpoint),
        "appearance": ("appearance", Kind.INTEGER),
        "allowAnswer": ("allow_answer", Kind.FLAG),
        "allowRetrieve": ("allow_retrieve", Kind.FLAG),
        "diversionInhibited": ("diversion_inhibited", Kind.FLAG),
        "recallType": ("recall_type", Kind.OPTIONAL),
        "huntGroupUserId": ("hunt_group_user_id", Kind.OPTIONAL),
        "startTime": ("start_time", Kind.INTEGER),
        "answerTime": ("answer_time", Kind.INTEGER),
        "heldTime": ("held_time", Kind.INTEGER),
        "totalHeldTime": ("total_held_time", Kind.INTEGER),
        "detachedTime": ("detached_time", Kind.INTEGER),
        "releaseTime": ("release_time", Kind.INTEGER),
    },
    required=("call_id", "ext_tracking_id", "personality", "state", "start_time"),
)


def decode_conference(element: etree._Element) -> Conference:
    """Decode a ``conference`` element (events, snapshots, ``GET calls/Conference``)."""
    return Conference(**_CONFERENCE.read(element))


def _participant(element: etree._Element) -> ConferenceParticipant:
    return ConferenceParticipant(**_PARTICIPANT.read(element))


def _participants(element: etree._Element) -> tuple[ConferenceParticipant, ...]:
    return tuple(_participant(item) for item in children_named(element, "conferenceParticipant"))


_PARTICIPANT = Fields(
    "conferenceParticipant",
    {
        "callId": ("call_id", Kind.STRING),
        "muted": ("muted", Kind.FLAG),
        "deaf": ("deaf", Kind.FLAG),
    },
    required=("call_id",),
)
_CONFERENCE = Fields(
    "conference",
    {
        "state": ("state", Kind.OPTIONAL),
        "endpoint": ("endpoint", decode_endpoint),
        "appearance": ("appearance", Kind.INTEGER),
        "muted": ("muted", Kind.FLAG),
        "conferenceType": ("conference_type", Kind.OPTIONAL),
        "conferenceParticipantList": ("participants", _participants),
    },
)


def _calls(element: etree._Element) -> tuple[Call, ...]:
    return tuple(decode_call(call) for call in children_named(element, "call"))


# --- service settings (shared with the Actions documents) ---------------------------------


def decode_call_forwarding_always(element: etree._Element) -> CallForwardingAlways:
    """Decode CFA settings (an event's ``info`` or the Actions document)."""
    return CallForwardingAlways(**_CFA.read(element))


def decode_call_forwarding_busy(element: etree._Element) -> CallForwardingBusy:
    """Decode CFB settings."""
    return CallForwardingBusy(**_CFB.read(element))


def decode_call_forwarding_no_answer(element: etree._Element) -> CallForwardingNoAnswer:
    """Decode CFNA settings."""
    return CallForwardingNoAnswer(**_CFNA.read(element))


def decode_do_not_disturb(element: etree._Element) -> DoNotDisturb:
    """Decode DND settings."""
    return DoNotDisturb(**_DND.read(element))


def decode_remote_office(element: etree._Element) -> RemoteOffice:
    """Decode Remote Office settings."""
    return RemoteOffice(**_REMOTE_OFFICE.read(element))


def decode_simultaneous_ring_personal(element: etree._Element) -> SimultaneousRingPersonal:
    """Decode Simultaneous Ring Personal settings."""
    return SimultaneousRingPersonal(**_SIM_RING.read(element))


def decode_broadworks_anywhere(element: etree._Element) -> BroadWorksAnywhere:
    """Decode BroadWorks Anywhere settings (event ``info`` or Actions document)."""
    return BroadWorksAnywhere(**_ANYWHERE.read(element))


def decode_message_summary(element: etree._Element) -> MessageSummary:
    """Decode a ``messageSummary`` (absent counts are zero)."""
    return MessageSummary(**_MESSAGE_SUMMARY.read(element))


_FORWARD_TO = ("forward_to_phone_number", Kind.OPTIONAL)
_CFA = Fields(
    "CallForwardingAlways",
    {
        "active": ("active", Kind.BOOLEAN),
        "forwardToPhoneNumber": _FORWARD_TO,
        "ringSplash": ("ring_splash", Kind.BOOLEAN),
    },
    required=("active",),
)
_CFB = Fields(
    "CallForwardingBusy",
    {"active": ("active", Kind.BOOLEAN), "forwardToPhoneNumber": _FORWARD_TO},
    required=("active",),
)
_CFNA = Fields(
    "CallForwardingNoAnswer",
    {
        "active": ("active", Kind.BOOLEAN),
        "forwardToPhoneNumber": _FORWARD_TO,
        "numberOfRings": ("number_of_rings", Kind.INTEGER),
    },
    required=("active",),
)
_DND = Fields(
    "DoNotDisturb",
    {"active": ("active", Kind.BOOLEAN), "ringSplash": ("ring_splash", Kind.BOOLEAN)},
    required=("active",),
)
_REMOTE_OFFICE = Fields(
    "RemoteOffice",
    {
        "active": ("active", Kind.BOOLEAN),
        "remoteOfficeNumber": ("remote_office_number", Kind.OPTIONAL),
    },
    required=("active",),
)


def _sim_ring_locations(element: etree._Element) -> tuple[SimRingLocation, ...]:
    return tuple(
        SimRingLocation(**_SIM_RING_LOCATION.read(item))
        for item in children_named(element, "simRingLocation")
    )


_SIM_RING_LOCATION = Fields(
    "simRingLocation",
    {
        "address": ("address", Kind.STRING),
        "answerConfirmationRequired": ("answer_confirmation_required", Kind.BOOLEAN),
    },
    required=("address",),
)
_SIM_RING = Fields(
    "SimultaneousRingPersonal",
    {
        "active": ("active", Kind.BOOLEAN),
        "incomingCalls": ("incoming_calls", SimRingIncomingCalls),
        "simRingLocations": ("locations", _sim_ring_locations),
    },
    required=("active",),
)


def _anywhere_locations(element: etree._Element) -> tuple[AnywhereLocation, ...]:
    return tuple(
        AnywhereLocation(**_ANYWHERE_LOCATION.read(item))
        for item in children_named(element, "location")
    )


_ANYWHERE_LOCATION = Fields(
    "location",
    {
        "locationUri": ("location_uri", Kind.OPTIONAL),
        "phoneNumber": ("phone_number", Kind.OPTIONAL, ("country_code", "countryCode")),
        "active": ("active", Kind.BOOLEAN),
        "description": ("description", Kind.OPTIONAL),
    },
    required=("phone_number",),
)
_ANYWHERE = Fields(
    "BroadWorksAnywhere",
    {
        "alertAllLocationsForClickToDialCalls": (
            "alert_all_locations_for_click_to_dial_calls",
            Kind.BOOLEAN,
        ),
        "alertAllLocationsForGroupPagingCalls": (
            "alert_all_locations_for_group_paging_calls",
            Kind.BOOLEAN,
        ),
        "locations": ("locations", _anywhere_locations),
    },
)
_MESSAGE_SUMMARY = Fields(
    "messageSummary",
    {
        "newMessages": ("new_messages", Kind.INTEGER),
        "oldMessages": ("old_messages", Kind.INTEGER),
        "newUrgentMessages": ("new_urgent_messages", Kind.INTEGER),
        "oldUrgentMessages": ("old_urgent_messages", Kind.INTEGER),
    },
)


def _active(element: etree._Element) -> bool | None:
    value = _ACTIVE.read(element).get("active")
    return None if value is None else bool(value)


_ACTIVE = Fields("info", {"active": ("active", Kind.BOOLEAN)})


# --- eventData, by xsi1:type: the event class and how to read its fields ------------------

_CALL_FIELD = Fields("eventData", {"call": ("call", decode_call)}, required=("call",))
_CONFERENCE_FIELD = Fields(
    "eventData", {"conference": ("conference", decode_conference)}, required=("conference",)
)
_SNAPSHOT_FIELDS = Fields(
    "eventData",
    {
        "calls": ("calls", _calls),
        "conference": ("conference", decode_conference),
        "hookStatus": ("hook_status", HookStatus),
    },
    required=("hook_status",),
)


def _service_fields(decode_info: Callable[[etree._Element], Any]) -> Fields:
    return Fields(
        "eventData", {"unassigned": ("unassigned", Kind.FLAG), "info": ("info", decode_info)}
    )


_CALL_EVENTS: tuple[type[ev.CallEvent], ...] = (
    ev.CallOriginatingEvent,
    ev.CallOriginatedEvent,
    ev.CallCollectingEvent,
    ev.CallReceivedEvent,
    ev.CallAnsweredEvent,
    ev.CallHeldEvent,
    ev.CallRetrievedEvent,
    ev.CallUpdatedEvent,
    ev.CallTransferredEvent,
    ev.CallForwardedEvent,
    ev.CallReleasingEvent,
    ev.CallReleasedEvent,
    ev.CallDetachedEvent,
    ev.CallPickedUpEvent,
    ev.CallBargedInEvent,
    ev.CallMonitoredEvent,
    ev.CallParkRetrievedEvent,
    ev.CallRecordingStartingEvent,
    ev.CallRecordingStartedEvent,
    ev.CallRecordingPausedEvent,
    ev.CallRecordingResumedEvent,
    ev.CallSecurityClassificationUpdatedEvent,
    ev.CallClientSessionInfoUpdatedEvent,
    ev.PlayMusicOnHoldFailureEvent,
)

_CONFERENCE_EVENTS: tuple[type[ev.ConferenceEvent], ...] = (
    ev.ConferenceStartedEvent,
    ev.ConferenceUpdatedEvent,
    ev.ConferenceHeldEvent,
    ev.ConferenceRetrievedEvent,
    ev.ConferenceReleasedEvent,
    ev.ConferenceMutedEvent,
    ev.ConferenceUnmutedEvent,
    ev.ConferenceCallMutedEvent,
    ev.ConferenceCallUnMutedEvent,
    ev.ConferenceCallMadeDeafEvent,
    ev.ConferenceCallMadeUnDeafEvent,
)

_DECODERS: dict[str, tuple[Callable[..., ev.SubscriptionEvent], Fields]] = {
    **{cls.__name__: (cls, _CALL_FIELD) for cls in _CALL_EVENTS},
    **{cls.__name__: (cls, _CONFERENCE_FIELD) for cls in _CONFERENCE_EVENTS},
    "CallRecordingStoppedEvent": (
        ev.CallRecordingStoppedEvent,
        Fields(
            "eventData",
            {"call": ("call", decode_call), "reason": ("reason", Kind.OPTIONAL)},
            required=("call",),
        ),
    ),
    "CallRedirectedEvent": (
        ev.CallRedirectedEvent,
        Fields("eventData", {"calls": ("calls", _calls)}, required=("calls",)),
    ),
    "CallSubscriptionEvent": (ev.CallSubscriptionEvent, _SNAPSHOT_FIELDS),
    "CallSubscriptionResyncEvent": (ev.CallSubscriptionResyncEvent, _SNAPSHOT_FIELDS),
    "HookStatusEvent": (
        ev.HookStatusEvent,
        Fields("eventData", {"hookStatus": ("hook_status", HookStatus)}, required=("hook_status",)),
    ),
    "CallForwardingAlwaysEvent": (
        ev.CallForwardingAlwaysEvent,
        _service_fields(decode_call_forwarding_always),
    ),
    "CallForwardingBusyEvent": (
        ev.CallForwardingBusyEvent,
        _service_fields(decode_call_forwarding_busy),
    ),
    "CallForwardingNoAnswerEvent": (
        ev.CallForwardingNoAnswerEvent,
        _service_fields(decode_call_forwarding_no_answer),
    ),
    "DoNotDisturbEvent": (ev.DoNotDisturbEvent, _service_fields(decode_do_not_disturb)),
    "RemoteOfficeEvent": (ev.RemoteOfficeEvent, _service_fields(decode_remote_office)),
    "SimultaneousRingPersonalEvent": (
        ev.SimultaneousRingPersonalEvent,
        _service_fields(decode_simultaneous_ring_personal),
    ),
    "BroadWorksAnywhereEvent": (
        ev.BroadWorksAnywhereEvent,
        _service_fields(decode_broadworks_anywhere),
    ),
    "VoiceMessagingEvent": (
        ev.VoiceMessagingEvent,
        Fields("eventData", {"unassigned": ("unassigned", Kind.FLAG), "info": ("active", _active)}),
    ),
    "VoiceMailMessageSummaryEvent": (
        ev.VoiceMailMessageSummaryEvent,
        Fields(
            "eventData",
            {"messageSummary": ("summary", decode_message_summary)},
        ),
    ),
    "SubscriptionTerminatedEvent": (ev.SubscriptionTerminatedEvent, Fields("eventData", {})),
}
