"""Xsi XML as a real XSP writes it, and a hardened reader for request bodies.

Actions responses use the Xsi namespace as default namespace; events bind it to ``xsi`` and
XML Schema instance to ``xsi1``, the reverse of the usual convention, as real servers do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from lxml import etree

from cloudcti.sim.calls import ConferenceView, Half, Party

XSI = "http://schema.broadsoft.com/xsi"
XSI_INSTANCE = "http://www.w3.org/2001/XMLSchema-instance"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
HEARTBEAT = DECLARATION + b'\n<ChannelHeartBeat xmlns="http://schema.broadsoft.com/xsi"/>'
MAX_BODY = 64 * 1024

_TYPE = f"{{{XSI_INSTANCE}}}type"
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
)


class BadXmlError(ValueError):
    """A request body that is not a well-formed, DTD-free XML document of the expected root."""


def q(name: str) -> str:
    """``name`` qualified with the Xsi namespace."""
    return f"{{{XSI}}}{name}"


def sub(parent: etree._Element, name: str, text: object | None = None) -> etree._Element:
    """Append Xsi child ``name`` (with ``text`` as a string unless None) and return it."""
    element = etree.SubElement(parent, q(name))
    if text is not None:
        element.text = str(text)
    return element


def document(root: etree._Element, newline: bool = False) -> bytes:
    """``root`` serialised after the XML declaration real servers write."""
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return DECLARATION + (b"\n" if newline else b"") + body


def actions_root(name: str, instance_ns: bool = False) -> etree._Element:
    """An Actions document root: Xsi as default namespace (``xsi1`` bound when asked)."""
    nsmap: dict[str | None, str] = {None: XSI}
    if instance_ns:
        nsmap["xsi1"] = XSI_INSTANCE
    return etree.Element(q(name), nsmap=nsmap)


def seconds(value: float) -> int:
    """A granted expiry as the whole seconds the XML carries (at least 1)."""
    return max(1, math.ceil(value))


# ---- reading ---------------------------------------------------------------------------


def parse(body: bytes, root: str) -> etree._Element:
    """Parse a request body whose root must be Xsi element ``root``; BadXmlError otherwise."""
    if len(body) > MAX_BODY:
        raise BadXmlError("request body too large")
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise BadXmlError("DOCTYPE and entity declarations are not allowed")
    try:
        element = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as error:
        raise BadXmlError(f"malformed XML: {error}") from None
    if element is None or element.tag != q(root):
        raise BadXmlError(f"expected <{root}> in namespace {XSI}")
    return element


def child_text(element: etree._Element, name: str) -> str | None:
    """Stripped text of the first Xsi child ``name``, or None when absent or empty."""
    child = element.find(q(name))
    if child is None or child.text is None or not child.text.strip():
        return None
    return child.text.strip()


def child_int(element: etree._Element, name: str) -> int | None:
    """Integer value of child ``name``; BadXmlError when it is not an integer."""
    text = child_text(element, name)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise BadXmlError(f"<{name}> must be an integer") from None


def children_text(element: etree._Element, path: str) -> list[str]:
    """Texts of all Xsi elements along ``path`` (``a/b``)."""
    qualified = "/".join(q(part) for part in path.split("/"))
    return [e.text.strip() for e in element.findall(qualified) if e.text and e.text.strip()]


# ---- Actions documents -----------------------------------------------------------------


def error_info(summary: str, code: int) -> bytes:
    """An ``ErrorInfo`` document."""
    root = actions_root("ErrorInfo")
    sub(root, "summary", summary)
    sub(root, "summaryEnglish", summary)
    sub(root, "errorCode", code)
    return document(root)


def profile(
    user_id: str,
    first_name: str,
    last_name: str,
    group_id: str,
    enterprise_id: str,
    number: str,
    extension: str,
    mobile: str | None,
    country_code: str,
) -> bytes:
    """``GET profile``: details with ``groupId`` and the enterprise as ``serviceProvider``."""
    root = actions_root("Profile")
    details = sub(root, "details")
    sub(details, "userId", user_id)
    sub(details, "firstName", first_name)
    sub(details, "lastName", last_name)
    sub(details, "groupId", group_id)
    sub(details, "serviceProvider", enterprise_id).set("isEnterprise", "true")
    sub(details, "number", number)
    sub(details, "extension", extension)
    additional = sub(root, "additionalDetails")
    if mobile:
        sub(additional, "mobile", mobile)
    base = f"/v2.0/user/{user_id}/profile"
    sub(root, "fac", f"{base}/Fac")
    sub(root, "registrations", f"{base}/Registrations")
    sub(root, "scheduleList", f"{base}/Schedule")
    sub(root, "portalPasswordChange", f"{base}/Password/Portal")
    sub(root, "countryCode", country_code)
    sub(root, "timeZone", "Europe/Berlin")
    return document(root)


def fac_list(codes: Iterable[tuple[str, str]]) -> bytes:
    """``GET profile/Fac``: (codeName, code) pairs."""
    root = actions_root("FAC")
    for name, code in codes:
        entry = sub(root, "featureAccessCode")
        sub(entry, "codeName", name)
        sub(entry, "code", code)
    return document(root)


def calls_list(user_id: str, call_ids: Iterable[str], conferenced: Iterable[str] = ()) -> bytes:
    """``GET calls``: one ``call`` per current call half (``conferenced`` ones marked)."""
    root = actions_root("Calls")
    in_conference = set(conferenced)
    for call_id in call_ids:
        entry = sub(root, "call")
        entry.set("inConference", "true" if call_id in in_conference else "false")
        sub(entry, "callId", call_id)
        sub(entry, "uri", f"/v2.0/user/{user_id}/calls/{call_id}")
    return document(root)


def call_details(half: Half, country_code: str) -> bytes:
    """``GET calls/<callId>``: the ``Call`` document."""
    root = actions_root("Call", instance_ns=True)
    _write_call_body(root, half, country_code)
    return document(root)


def call_start_info(call_id: str, ext_tracking_id: str) -> bytes:
    """``POST calls/new`` response."""
    root = actions_root("CallStartInfo")
    sub(root, "callId", call_id)
    sub(root, "externalTrackingId", ext_tracking_id)
    return document(root)


def hook_status_doc(status: str) -> bytes:
    """``GET calls/HookStatus``."""
    root = actions_root("HookStatus")
    sub(root, "hookStatus", status)
    return document(root)


# ---- Events documents (non-streamed) ---------------------------------------------------


def channel(channel_id: str, expires: int, newline: bool = False) -> bytes:
    """``Channel`` with the id and the granted expiry (the stream's first chunk, PUT answer)."""
    root = actions_root("Channel")
    sub(root, "channelId", channel_id)
    sub(root, "expires", expires)
    return document(root, newline=newline)


def channel_set(channels: Iterable[tuple[str, str, int, int, int]]) -> bytes:
    """``GET channelset/<id>``: (channelId, channelSetId, priority, weight, expires) rows."""
    root = actions_root("ChannelSet")
    for channel_id, set_id, priority, weight, expires in channels:
        entry = sub(root, "channel")
        sub(entry, "channelId", channel_id)
        sub(entry, "channelSetId", set_id)
        sub(entry, "priority", priority)
        sub(entry, "weight", weight)
        sub(entry, "expires", expires)
    return document(root)


def subscription_short(subscription_id: str, expires: int) -> bytes:
    """Subscription add/refresh response: id and granted expiry."""
    root = actions_root("Subscription")
    sub(root, "subscriptionId", subscription_id)
    sub(root, "expires", expires)
    return document(root)


def _subscription_full(parent: etree._Element, info: dict[str, str | int | None]) -> None:
    for name in (
        "subscriptionId",
        "subscriberId",
        "targetIdType",
        "targetGrpParentId",
        "targetId",
        "event",
        "expires",
        "channelSetId",
        "applicationId",
    ):
        value = info.get(name)
        if value is not None:
            sub(parent, name, value)


def subscription_full(info: dict[str, str | int | None]) -> bytes:
    """``GET subscription/<id>``."""
    root = actions_root("Subscription")
    _subscription_full(root, info)
    return document(root)


def subscription_list(infos: Iterable[dict[str, str | int | None]]) -> bytes:
    """``GET subscription?…``."""
    root = actions_root("SubscriptionList")
    for info in infos:
        _subscription_full(sub(root, "subscription"), info)
    return document(root)


# ---- streamed events -------------------------------------------------------------------


def _event_root(event_type: str) -> etree._Element:
    root = etree.Element(q("Event"), nsmap={"xsi": XSI, "xsi1": XSI_INSTANCE})
    root.set(_TYPE, f"xsi:{event_type}")
    return root


def channel_terminated(channel_id: str, reason: str) -> bytes:
    """``ChannelTerminatedEvent`` (no eventID, never acknowledged)."""
    root = _event_root("ChannelTerminatedEvent")
    sub(root, "channelId", channel_id)
    sub(root, "reason", reason)
    return document(root)


def subscription_event(
    *,
    event_id: str,
    sequence_number: int,
    owner_id: str,
    application_id: str,
    subscription_id: str,
    channel_id: str,
    target_id: str | None,
    event_type: str,
    half: Half | None = None,
    hook_status: str | None = None,
    calls: Iterable[Half] = (),
    conference: ConferenceView | None = None,
    write: Callable[[etree._Element], None] | None = None,
    country_code: str = "49",
) -> bytes:
    """One ``SubscriptionEvent`` carrying ``eventData`` of ``event_type``.

    A call event carries ``half``; ``HookStatusEvent`` carries ``hook_status``;
    ``CallSubscriptionEvent`` carries ``calls``, ``conference`` and ``hook_status``;
    ``CallRedirectedEvent`` carries ``calls``; conference events ``conference``; ``write``
    fills any other ``eventData`` (service events); the rest are empty.
    """
    root = _event_root("SubscriptionEvent")
    sub(root, "eventID", event_id)
    sub(root, "sequenceNumber", sequence_number)
    sub(root, "userId", owner_id)
    sub(root, "externalApplicationId", application_id)
    sub(root, "subscriptionId", subscription_id)
    sub(root, "channelId", channel_id)
    if target_id is not None:
        sub(root, "targetId", target_id)
    data = sub(root, "eventData")
    data.set(_TYPE, f"xsi:{event_type}")
    if event_type in ("CallSubscriptionEvent", "CallSubscriptionResyncEvent"):
        listed = list(calls)
        if listed:
            container = sub(data, "calls")
            for item in listed:
                _write_call_body(sub(container, "call"), item, country_code)
        if conference is not None:
            write_conference(sub(data, "conference"), conference)
        sub(data, "hookStatus", hook_status or "On-Hook")
    elif event_type == "CallRedirectedEvent":
        container = sub(data, "calls")
        for item in calls:
            _write_call_body(sub(container, "call"), item, country_code)
    elif conference is not None:
        write_conference(sub(data, "conference"), conference)
    elif write is not None:
        write(data)
    elif event_type == "HookStatusEvent":
        sub(data, "hookStatus", hook_status or "On-Hook")
    elif half is not None:
        _write_call_body(sub(data, "call"), half, country_code)
    return document(root)


def _write_call_body(parent: etree._Element, half: Half, country_code: str) -> None:
    """The children of a ``Call`` element, in XSD sequence order."""
    sub(parent, "callId", half.call_id)
    sub(parent, "extTrackingId", half.ext_tracking_id)
    sub(parent, "personality", half.personality)
    sub(parent, "state", half.state)
    if half.release_cause:
        cause = sub(parent, "releaseCause")
        sub(cause, "internalReleaseCause", half.release_cause)
    if half.releasing_party:
        sub(parent, "releasingParty", half.releasing_party)
    _write_party(sub(parent, "remoteParty"), half.remote, country_code)
    if half.redirections:
        history = sub(parent, "redirections")
        for step in half.redirections:
            entry = sub(history, "redirection")
            _write_party(sub(entry, "party"), step.party, country_code)
            sub(entry, "reason", step.reason)
    if half.redirect is not None:
        moved = sub(parent, "redirect")
        sub(moved, "address", half.redirect.address)
        sub(moved, "reason", half.redirect.reason)
        sub(moved, "redirectTime", half.redirect.time)
    _write_endpoint(parent, half.endpoint_type, half.endpoint)
    sub(parent, "appearance", 1)
    if half.allow_answer:
        sub(parent, "allowAnswer")
    if half.state == "Held":
        sub(parent, "allowRetrieve")
    sub(parent, "startTime", half.start_time)
    if half.answer_time is not None:
        sub(parent, "answerTime", half.answer_time)
    if half.held_time is not None:
        sub(parent, "heldTime", half.held_time)
    if half.total_held_time > 0:
        sub(parent, "totalHeldTime", half.total_held_time)
    if half.detached_time is not None:
        sub(parent, "detachedTime", half.detached_time)
    if half.release_time is not None:
        sub(parent, "releaseTime", half.release_time)


def _write_party(element: etree._Element, party: Party, country_code: str) -> None:
    if party.name:
        sub(element, "name", party.name)
    sub(element, "address", party.address)
    if party.user_id:
        sub(element, "userId", party.user_id)
    if party.user_dn:
        sub(element, "userDN", party.user_dn).set("countryCode", country_code)
    sub(element, "callType", party.call_type)


def _write_endpoint(parent: etree._Element, endpoint_type: str, address: str) -> None:
    """``endpoint``: an AccessEndpoint's AoR or a NetworkEndpoint subtype's address."""
    endpoint = etree.SubElement(parent, q("endpoint"), nsmap={"xsi": XSI})
    endpoint.set(_TYPE, f"xsi:{endpoint_type}")
    sub(endpoint, "addressOfRecord" if endpoint_type == "AccessEndpoint" else "address", address)


def write_conference(element: etree._Element, conference: ConferenceView) -> None:
    """The children of a ``conference`` element (participants only while not released)."""
    sub(element, "state", conference.state)
    if conference.state == "Released":
        return
    _write_endpoint(element, "AccessEndpoint", conference.endpoint)
    sub(element, "appearance", 2)
    participants = sub(element, "conferenceParticipantList")
    for call_id in conference.call_ids:
        sub(sub(participants, "conferenceParticipant"), "callId", call_id)


def conference_document(conference: ConferenceView) -> bytes:
    """``GET calls/Conference``."""
    root = actions_root("Conference", instance_ns=True)
    write_conference(root, conference)
    return document(root)
