"""Parsers for the bodies the Xsi host answers with (PROTOCOL.md §1.5, §2, §3.2, §3.3).

Each ``parse_*`` takes the raw body, checks the root element (by namespace URI and local
name, never by prefix) and returns a frozen value; it raises only
:class:`RemoteProtocolError`. The declared charset is honoured (Actions documents come in
ISO-8859-1), unknown child elements are ignored, and a required field that is missing or
malformed is an error naming the document and field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from lxml import etree

from cloudcti.xsi._calls import Call, Conference
from cloudcti.xsi._decode import (
    decode_broadworks_anywhere,
    decode_call,
    decode_call_forwarding_always,
    decode_call_forwarding_busy,
    decode_call_forwarding_no_answer,
    decode_conference,
    decode_do_not_disturb,
    decode_remote_office,
    decode_simultaneous_ring_personal,
)
from cloudcti.xsi._errors import RemoteProtocolError
from cloudcti.xsi._read import Fields, FieldSpec, Kind, children, children_named, string
from cloudcti.xsi._services import (
    VoiceMessaging,
)
from cloudcti.xsi._xml import XSI_NS, parse_xml

# --- values ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallStartInfo:
    """A call the PBX started for us (click-to-dial, call pull)."""

    call_id: str
    external_tracking_id: str


@dataclass(frozen=True, slots=True)
class CallRef:
    """One entry of ``GET calls``: a current call of the user."""

    call_id: str
    in_conference: bool = False
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceRef:
    """One service assigned to the user (``GET services``)."""

    name: str
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """The parts of a user's profile that cloudcti uses."""

    user_id: str
    external_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    group_id: str | None = None
    service_provider: str | None = None
    is_enterprise: bool | None = None
    number: str | None = None
    extension: str | None = None
    mobile: str | None = None
    email_address: str | None = None
    country_code: str | None = None
    national_prefix: str | None = None
    time_zone: str | None = None
    time_zone_display_name: str | None = None


@dataclass(frozen=True, slots=True)
class FeatureAccessCode:
    """A feature access code (``*72``), its alternative, and what it does."""

    code_name: str | None = None
    code: str | None = None
    alternate_code: str | None = None


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """One user in the enterprise directory."""

    user_id: str
    external_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    group_id: str | None = None
    service_provider: str | None = None
    number: str | None = None
    extension: str | None = None
    mobile: str | None = None
    email_address: str | None = None
    title: str | None = None
    department: str | None = None


@dataclass(frozen=True, slots=True)
class DirectoryPage:
    """One page of the enterprise directory; ``start_index`` is 1-based."""

    start_index: int
    number_of_records: int
    total_available_records: int
    entries: tuple[DirectoryEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """The body of a failed Actions or Events request (``errorCode`` is BroadWorks', not
    HTTP's; ``None`` when a non-conforming host leaves it out)."""

    summary_english: str
    summary: str | None = None
    error_code: int | None = None


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subscription as created, refreshed or queried; ``expires`` is what the PBX granted."""

    subscription_id: str
    expires: int | None = None
    shared_subscription_id: str | None = None
    subscriber_id: str | None = None
    target_type: str | None = None
    target_group_parent_id: str | None = None
    target_id: str | None = None
    target_sub_id: str | None = None
    events: tuple[str, ...] = ()
    channel_set_id: str | None = None
    http_contact_uri: str | None = None
    application_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """An event channel as the PBX describes it; ``expires`` is the granted lifetime."""

    channel_id: str
    expires: int
    channel_set_id: str | None = None
    priority: int | None = None
    weight: int | None = None
    application_id: str | None = None


# --- helpers ---------------------------------------------------------------------------------


def _document(data: bytes, root_name: str) -> etree._Element:
    root = parse_xml(data)
    if root.tag != f"{{{XSI_NS}}}{root_name}":
        raise RemoteProtocolError(f"expected an Xsi {root_name} document, got {root.tag!r}"[:120])
    return root


def _boolean_attribute(element: etree._Element, name: str, where: str) -> bool | None:
    value = element.get(name)
    if value is None:
        return None
    value = value.strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise RemoteProtocolError(f"{where}: {name} is not a boolean: {value[:40]!r}")


_CONTACT = Fields("httpContact", {"uri": ("uri", Kind.OPTIONAL)})


def _uri(element: etree._Element) -> str | None:
    uri: str | None = _CONTACT.read(element).get("uri")
    return uri


# --- call control ----------------------------------------------------------------------------

_CALL_START_INFO = Fields(
    "CallStartInfo",
    {
        "callId": ("call_id", Kind.STRING),
        "externalTrackingId": ("external_tracking_id", Kind.STRING),
    },
    required=("call_id", "external_tracking_id"),
)
_CALL_REF = Fields(
    "Calls/call", {"callId": ("call_id", Kind.STRING), "uri": ("uri", Kind.OPTIONAL)}, ("call_id",)
)


def parse_call_start_info(data: bytes) -> CallStartInfo:
    """``CallStartInfo`` (201 to ``calls/new``, answer to ``CallRetrieve`` and similar)."""
    return CallStartInfo(**_CALL_START_INFO.read(_document(data, "CallStartInfo")))


def parse_calls(data: bytes) -> tuple[CallRef, ...]:
    """``Calls``: the user's current calls (``GET calls``), in document order."""
    root = _document(data, "Calls")
    calls = []
    for element in children_named(root, "call"):
        in_conference = _boolean_attribute(element, "inConference", "Calls/call")
        calls.append(CallRef(in_conference=bool(in_conference), **_CALL_REF.read(element)))
    return tuple(calls)


def parse_call(data: bytes) -> Call:
    """``Call``: one call's details (``GET calls/<callId>``)."""
    return decode_call(_document(data, "Call"))


def parse_conference(data: bytes) -> Conference:
    """``Conference``: the user's conference (``GET calls/Conference``)."""
    return decode_conference(_document(data, "Conference"))


# --- services --------------------------------------------------------------------------------

_SERVICE_REF = Fields(
    "Services/service", {"name": ("name", Kind.STRING), "uri": ("uri", Kind.OPTIONAL)}, ("name",)
)


def parse_services(data: bytes) -> tuple[ServiceRef, ...]:
    """``Services``: the services assigned to the user (``GET services``)."""
    root = _document(data, "Services")
    return tuple(ServiceRef(**_SERVICE_REF.read(item)) for item in children_named(root, "service"))


_S = TypeVar("_S")


def _service_parser(
    root_name: str, decode: Callable[[etree._Element], _S]
) -> Callable[[bytes], _S]:
    def parse(data: bytes) -> _S:
        return decode(_document(data, root_name))

    parse.__name__ = f"parse_{root_name}"
    parse.__doc__ = f"``{root_name}`` settings (``GET services/{root_name}``)."
    return parse


# The settings documents share their fields with the service events' ``info``, so they are
# read by the event decoder's readers; each parser only checks the root element.
parse_call_forwarding_always = _service_parser(
    "CallForwardingAlways", decode_call_forwarding_always
)
parse_call_forwarding_busy = _service_parser("CallForwardingBusy", decode_call_forwarding_busy)
parse_call_forwarding_no_answer = _service_parser(
    "CallForwardingNoAnswer", decode_call_forwarding_no_answer
)
parse_do_not_disturb = _service_parser("DoNotDisturb", decode_do_not_disturb)
parse_remote_office = _service_parser("RemoteOffice", decode_remote_office)
parse_simultaneous_ring_personal = _service_parser(
    "SimultaneousRingPersonal", decode_simultaneous_ring_personal
)
parse_broadworks_anywhere = _service_parser("BroadWorksAnywhere", decode_broadworks_anywhere)


_VOICE_MESSAGING = Fields(
    "VoiceMessaging",
    {
        "active": ("active", Kind.BOOLEAN),
        "processing": ("processing", Kind.OPTIONAL),
        "voiceMessageDeliveryEmailAddress": ("voice_message_delivery_email_address", Kind.OPTIONAL),
        "usePhoneMessageWaitingIndicator": ("use_phone_message_waiting_indicator", Kind.BOOLEAN),
        "sendVoiceMessageNotifyEmail": ("send_voice_message_notify_email", Kind.BOOLEAN),
        "voiceMessageNotifyEmailAddress": ("voice_message_notify_email_address", Kind.OPTIONAL),
        "sendCarbonCopyVoiceMessage": ("send_carbon_copy_voice_message", Kind.BOOLEAN),
        "voiceMessageCarbonCopyEmailAddress": (
            "voice_message_carbon_copy_email_address",
            Kind.OPTIONAL,
        ),
        "transferOnZeroToPhoneNumber": ("transfer_on_zero_to_phone_number", Kind.BOOLEAN),
        "transferPhoneNumber": ("transfer_phone_number", Kind.OPTIONAL),
        "alwaysRedirectToVoiceMail": ("always_redirect_to_voice_mail", Kind.BOOLEAN),
        "busyRedirectToVoiceMail": ("busy_redirect_to_voice_mail", Kind.BOOLEAN),
        "noAnswerRedirectToVoiceMail": ("no_answer_redirect_to_voice_mail", Kind.BOOLEAN),
        "outOfPrimaryZoneRedirectToVoiceMail": (
            "out_of_primary_zone_redirect_to_voice_mail",
            Kind.BOOLEAN,
        ),
    },
    required=("active",),
)


def parse_voice_messaging(data: bytes) -> VoiceMessaging:
    """``VoiceMessaging`` settings, incl. ``alwaysRedirectToVoiceMail`` (``*21``/``#21``)."""
    return VoiceMessaging(**_VOICE_MESSAGING.read(_document(data, "VoiceMessaging")))


# --- profile and directory -------------------------------------------------------------------

_USER_DETAILS: dict[str, FieldSpec] = {
    "userId": ("user_id", Kind.STRING),
    "externalId": ("external_id", Kind.OPTIONAL),
    "firstName": ("first_name", Kind.OPTIONAL),
    "lastName": ("last_name", Kind.OPTIONAL),
    "groupId": ("group_id", Kind.OPTIONAL),
    "serviceProvider": ("service_provider", Kind.OPTIONAL),
    "number": ("number", Kind.OPTIONAL),
    "extension": ("extension", Kind.OPTIONAL),
}
_PROFILE_DETAILS = Fields("Profile/details", _USER_DETAILS, required=("user_id",))
_PROFILE_ADDITIONAL = Fields(
    "Profile/additionalDetails",
    {"mobile": ("mobile", Kind.OPTIONAL), "emailAddress": ("email_address", Kind.OPTIONAL)},
)
_PROFILE = Fields(
    "Profile",
    {
        "countryCode": ("country_code", Kind.OPTIONAL),
        "nationalPrefix": ("national_prefix", Kind.OPTIONAL),
        "timeZone": ("time_zone", Kind.OPTIONAL),
        "timeZoneDisplayName": ("time_zone_display_name", Kind.OPTIONAL),
    },
)


def parse_profile(data: bytes) -> Profile:
    """``Profile``: who the user is, where (group, enterprise) and their numbers."""
    root = _document(data, "Profile")
    kids = children(root)
    details = kids.get(f"{{{XSI_NS}}}details")
    if details is None:
        raise RemoteProtocolError("Profile: details missing")
    values = _PROFILE.read(root)
    values.update(_PROFILE_DETAILS.read(details))
    additional = kids.get(f"{{{XSI_NS}}}additionalDetails")
    if additional is not None:
        values.update(_PROFILE_ADDITIONAL.read(additional))
    provider = children(details).get(f"{{{XSI_NS}}}serviceProvider")
    if provider is not None:
        values["is_enterprise"] = _boolean_attribute(
            provider, "isEnterprise", "Profile/serviceProvider"
        )
    return Profile(**values)


_FAC_ENTRY = Fields(
    "FAC/featureAccessCode",
    {
        "codeName": ("code_name", Kind.OPTIONAL),
        "code": ("code", Kind.OPTIONAL),
        "alternateCode": ("alternate_code", Kind.OPTIONAL),
    },
)


def parse_fac(data: bytes) -> tuple[FeatureAccessCode, ...]:
    """``FAC``: the feature access codes of the user, in document order."""
    root = _document(data, "FAC")
    return tuple(
        FeatureAccessCode(**_FAC_ENTRY.read(item))
        for item in children_named(root, "featureAccessCode")
    )


_DIRECTORY_DETAILS = Fields("Enterprise/directoryDetails", _USER_DETAILS, required=("user_id",))
_DIRECTORY_ADDITIONAL = Fields(
    "Enterprise/directoryDetails/additionalDetails",
    {
        "mobile": ("mobile", Kind.OPTIONAL),
        "emailAddress": ("email_address", Kind.OPTIONAL),
        "title": ("title", Kind.OPTIONAL),
        "department": ("department", Kind.OPTIONAL),
    },
)
_DIRECTORY_PAGE = Fields(
    "Enterprise",
    {
        "startIndex": ("start_index", Kind.INTEGER),
        "numberOfRecords": ("number_of_records", Kind.INTEGER),
        "totalAvailableRecords": ("total_available_records", Kind.INTEGER),
    },
    required=("start_index", "number_of_records", "total_available_records"),
)


def _directory_entry(element: etree._Element) -> DirectoryEntry:
    values = _DIRECTORY_DETAILS.read(element)
    additional = children(element).get(f"{{{XSI_NS}}}additionalDetails")
    if additional is not None:
        values.update(_DIRECTORY_ADDITIONAL.read(additional))
    return DirectoryEntry(**values)


def parse_enterprise_directory(data: bytes) -> DirectoryPage:
    """``Enterprise``: one page of the enterprise directory."""
    root = _document(data, "Enterprise")
    values = _DIRECTORY_PAGE.read(root)
    directory = children(root).get(f"{{{XSI_NS}}}enterpriseDirectory")
    if directory is not None:
        entries = children_named(directory, "directoryDetails")
        values["entries"] = tuple(_directory_entry(item) for item in entries)
    return DirectoryPage(**values)


# --- errors ----------------------------------------------------------------------------------

_ERROR_INFO = Fields(
    "ErrorInfo",
    {
        "summary": ("summary", Kind.OPTIONAL),
        "summaryEnglish": ("summary_english", Kind.STRING),
        "errorCode": ("error_code", Kind.INTEGER),
    },
    required=("summary_english",),
)


def parse_error_info(data: bytes) -> ErrorInfo:
    """``ErrorInfo``: why the PBX refused a request."""
    return ErrorInfo(**_ERROR_INFO.read(_document(data, "ErrorInfo")))


# --- event channels and subscriptions --------------------------------------------------------


def _one_event(element: etree._Element) -> tuple[str, ...]:
    return (string(element),)


def _event_list(element: etree._Element) -> tuple[str, ...]:
    return tuple(string(item) for item in children_named(element, "event"))


_SUBSCRIPTION = Fields(
    "Subscription",
    {
        "subscriptionId": ("subscription_id", Kind.STRING),
        "sharedSubscriptionId": ("shared_subscription_id", Kind.OPTIONAL),
        "subscriberId": ("subscriber_id", Kind.OPTIONAL),
        "clientId": ("subscriber_id", Kind.OPTIONAL),
        "targetIdType": ("target_type", Kind.OPTIONAL),
        "targetGrpParentId": ("target_group_parent_id", Kind.OPTIONAL),
        "targetId": ("target_id", Kind.OPTIONAL),
        "targetSubId": ("target_sub_id", Kind.OPTIONAL),
        "event": ("events", _one_event),
        "eventPackageList": ("events", _event_list),
        "expires": ("expires", Kind.INTEGER),
        "httpContact": ("http_contact_uri", _uri),
        "channelSetId": ("channel_set_id", Kind.OPTIONAL),
        "applicationId": ("application_id", Kind.OPTIONAL),
    },
    required=("subscription_id",),
)


def parse_subscription(data: bytes) -> Subscription:
    """``Subscription``: the answer to subscribe, refresh and ``GET subscription/<id>``."""
    return Subscription(**_SUBSCRIPTION.read(_document(data, "Subscription")))


def parse_subscription_list(data: bytes) -> tuple[Subscription, ...]:
    """``SubscriptionList``: the answer to a subscription query."""
    root = _document(data, "SubscriptionList")
    items = children_named(root, "subscription")
    return tuple(Subscription(**_SUBSCRIPTION.read(item)) for item in items)


_CHANNEL = Fields(
    "Channel",
    {
        "channelId": ("channel_id", Kind.STRING),
        "channelSetId": ("channel_set_id", Kind.OPTIONAL),
        "priority": ("priority", Kind.INTEGER),
        "weight": ("weight", Kind.INTEGER),
        "expires": ("expires", Kind.INTEGER),
        "applicationId": ("application_id", Kind.OPTIONAL),
    },
    required=("channel_id", "expires"),
)


def parse_channel(data: bytes) -> ChannelInfo:
    """``Channel``: the answer to a channel update, with the expiry actually granted."""
    return ChannelInfo(**_CHANNEL.read(_document(data, "Channel")))


def parse_channel_set(data: bytes) -> tuple[ChannelInfo, ...]:
    """``ChannelSet``: the channels of a channel set."""
    root = _document(data, "ChannelSet")
    return tuple(ChannelInfo(**_CHANNEL.read(item)) for item in children_named(root, "channel"))
