"""Xsi XML as a real XSP writes it, and a hardened reader for request bodies.

Actions responses use the Xsi namespace as default namespace; events bind it to ``xsi`` and
XML Schema instance to ``xsi1``, the reverse of the usual convention, as real servers do.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from lxml import etree

from cloudcti.sim.model import Half

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


def _q(name: str) -> str:
    return f"{{{XSI}}}{name}"


def _sub(parent: etree._Element, name: str, text: object | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(name))
    if text is not None:
        element.text = str(text)
    return element


def _document(root: etree._Element, newline: bool = False) -> bytes:
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return DECLARATION + (b"\n" if newline else b"") + body


def _actions_root(name: str, instance_ns: bool = False) -> etree._Element:
    nsmap: dict[str | None, str] = {None: XSI}
    if instance_ns:
        nsmap["xsi1"] = XSI_INSTANCE
    return etree.Element(_q(name), nsmap=nsmap)


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
    if element is None or element.tag != _q(root):
        raise BadXmlError(f"expected <{root}> in namespace {XSI}")
    return element


def child_text(element: etree._Element, name: str) -> str | None:
    """Stripped text of the first Xsi child ``name``, or None when absent or empty."""
    child = element.find(_q(name))
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
    qualified = "/".join(_q(part) for part in path.split("/"))
    return [e.text.strip() for e in element.findall(qualified) if e.text and e.text.strip()]


# ---- Actions documents -----------------------------------------------------------------


def error_info(summary: str, code: int) -> bytes:
    """An ``ErrorInfo`` document."""
    root = _actions_root("ErrorInfo")
    _sub(root, "summary", summary)
    _sub(root, "summaryEnglish", summary)
    _sub(root, "errorCode", code)
    return _document(root)


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
    root = _actions_root("Profile")
    details = _sub(root, "details")
    _sub(details, "userId", user_id)
    _sub(details, "firstName", first_name)
    _sub(details, "lastName", last_name)
    _sub(details, "groupId", group_id)
    _sub(details, "serviceProvider", enterprise_id).set("isEnterprise", "true")
    _sub(details, "number", number)
    _sub(details, "extension", extension)
    additional = _sub(root, "additionalDetails")
    if mobile:
        _sub(additional, "mobile", mobile)
    base = f"/v2.0/user/{user_id}/profile"
    _sub(root, "fac", f"{base}/Fac")
    _sub(root, "registrations", f"{base}/Registrations")
    _sub(root, "scheduleList", f"{base}/Schedule")
    _sub(root, "portalPasswordChange", f"{base}/Password/Portal")
    _sub(root, "countryCode", country_code)
    _sub(root, "timeZone", "Europe/Berlin")
    return _document(root)


def fac_list(codes: Iterable[tuple[str, str]]) -> bytes:
    """``GET profile/Fac``: (codeName, code) pairs."""
    root = _actions_root("FAC")
    for name, code in codes:
        entry = _sub(root, "featureAccessCode")
        _sub(entry, "codeName", name)
        _sub(entry, "code", code)
    return _document(root)


def calls_list(user_id: str, call_ids: Iterable[str]) -> bytes:
    """``GET calls``: one ``call`` per current call half."""
    root = _actions_root("Calls")
    for call_id in call_ids:
        entry = _sub(root, "call")
        entry.set("inConference", "false")
        _sub(entry, "callId", call_id)
        _sub(entry, "uri", f"/v2.0/user/{user_id}/calls/{call_id}")
    return _document(root)


def call_details(half: Half, country_code: str) -> bytes:
    """``GET calls/<callId>``: the ``Call`` document."""
    root = _actions_root("Call", instance_ns=True)
    _write_call_body(root, half, country_code)
    return _document(root)


def call_start_info(call_id: str, ext_tracking_id: str) -> bytes:
    """``POST calls/new`` response."""
    root = _actions_root("CallStartInfo")
    _sub(root, "callId", call_id)
    _sub(root, "externalTrackingId", ext_tracking_id)
    return _document(root)


def hook_status_doc(status: str) -> bytes:
    """``GET calls/HookStatus``."""
    root = _actions_root("HookStatus")
    _sub(root, "hookStatus", status)
    return _document(root)


# ---- Events documents (non-streamed) ---------------------------------------------------


def channel(channel_id: str, expires: int, newline: bool = False) -> bytes:
    """``Channel`` with the id and the granted expiry (the stream's first chunk, PUT answer)."""
    root = _actions_root("Channel")
    _sub(root, "channelId", channel_id)
    _sub(root, "expires", expires)
    return _document(root, newline=newline)


def channel_set(channels: Iterable[tuple[str, str, int, int, int]]) -> bytes:
    """``GET channelset/<id>``: (channelId, channelSetId, priority, weight, expires) rows."""
    root = _actions_root("ChannelSet")
    for channel_id, set_id, priority, weight, expires in channels:
        entry = _sub(root, "channel")
        _sub(entry, "channelId", channel_id)
        _sub(entry, "channelSetId", set_id)
        _sub(entry, "priority", priority)
        _sub(entry, "weight", weight)
        _sub(entry, "expires", expires)
    return _document(root)


def subscription_short(subscription_id: str, expires: int) -> bytes:
    """Subscription add/refresh response: id and granted expiry."""
    root = _actions_root("Subscription")
    _sub(root, "subscriptionId", subscription_id)
    _sub(root, "expires", expires)
    return _document(root)


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
            _sub(parent, name, value)


def subscription_full(info: dict[str, str | int | None]) -> bytes:
    """``GET subscription/<id>``."""
    root = _actions_root("Subscription")
    _subscription_full(root, info)
    return _document(root)


def subscription_list(infos: Iterable[dict[str, str | int | None]]) -> bytes:
    """``GET subscription?…``."""
    root = _actions_root("SubscriptionList")
    for info in infos:
        _subscription_full(_sub(root, "subscription"), info)
    return _document(root)


# ---- streamed events -------------------------------------------------------------------


def _event_root(event_type: str) -> etree._Element:
    root = etree.Element(_q("Event"), nsmap={"xsi": XSI, "xsi1": XSI_INSTANCE})
    root.set(_TYPE, f"xsi:{event_type}")
    return root


def channel_terminated(channel_id: str, reason: str) -> bytes:
    """``ChannelTerminatedEvent`` (no eventID, never acknowledged)."""
    root = _event_root("ChannelTerminatedEvent")
    _sub(root, "channelId", channel_id)
    _sub(root, "reason", reason)
    return _document(root)


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
    country_code: str = "49",
) -> bytes:
    """One ``SubscriptionEvent`` carrying ``eventData`` of ``event_type``.

    A call event carries ``half``; ``HookStatusEvent`` carries ``hook_status``;
    ``CallSubscriptionEvent`` carries ``calls`` and ``hook_status``; others are empty.
    """
    root = _event_root("SubscriptionEvent")
    _sub(root, "eventID", event_id)
    _sub(root, "sequenceNumber", sequence_number)
    _sub(root, "userId", owner_id)
    _sub(root, "externalApplicationId", application_id)
    _sub(root, "subscriptionId", subscription_id)
    _sub(root, "channelId", channel_id)
    if target_id is not None:
        _sub(root, "targetId", target_id)
    data = _sub(root, "eventData")
    data.set(_TYPE, f"xsi:{event_type}")
    if event_type in ("CallSubscriptionEvent", "CallSubscriptionResyncEvent"):
        listed = list(calls)
        if listed:
            container = _sub(data, "calls")
            for item in listed:
                _write_call_body(_sub(container, "call"), item, country_code)
        _sub(data, "hookStatus", hook_status or "On-Hook")
    elif event_type == "HookStatusEvent":
        _sub(data, "hookStatus", hook_status or "On-Hook")
    elif half is not None:
        _write_call_body(_sub(data, "call"), half, country_code)
    return _document(root)


def _write_call_body(parent: etree._Element, half: Half, country_code: str) -> None:
    """The children of a ``Call`` element, in XSD sequence order."""
    _sub(parent, "callId", half.call_id)
    _sub(parent, "extTrackingId", half.ext_tracking_id)
    _sub(parent, "personality", half.personality)
    _sub(parent, "state", half.state)
    if half.release_cause:
        cause = _sub(parent, "releaseCause")
        _sub(cause, "internalReleaseCause", half.release_cause)
    if half.releasing_party:
        _sub(parent, "releasingParty", half.releasing_party)
    remote = _sub(parent, "remoteParty")
    party = half.remote
    if party.name:
        _sub(remote, "name", party.name)
    _sub(remote, "address", party.address)
    if party.user_id:
        _sub(remote, "userId", party.user_id)
    if party.user_dn:
        _sub(remote, "userDN", party.user_dn).set("countryCode", country_code)
    _sub(remote, "callType", party.call_type)
    endpoint = etree.SubElement(parent, _q("endpoint"), nsmap={"xsi": XSI})
    endpoint.set(_TYPE, "xsi:AccessEndpoint")
    _sub(endpoint, "addressOfRecord", half.endpoint)
    _sub(parent, "appearance", 1)
    if half.allow_answer:
        _sub(parent, "allowAnswer")
    if half.state == "Held":
        _sub(parent, "allowRetrieve")
    _sub(parent, "startTime", half.start_time)
    if half.answer_time is not None:
        _sub(parent, "answerTime", half.answer_time)
    if half.held_time is not None:
        _sub(parent, "heldTime", half.held_time)
    if half.total_held_time > 0:
        _sub(parent, "totalHeldTime", half.total_held_time)
    if half.release_time is not None:
        _sub(parent, "releaseTime", half.release_time)
