"""Service settings, the services list and the enterprise directory as Xsi documents.

One writer per service fills either an Actions root (``GET services/<Name>``) or an event's
``info`` element; events write forwarding targets in ``tel:`` form and VoiceMessaging carries
only ``active`` there, as real servers do (PROTOCOL.md §3.8). Readers apply a PUT body.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from lxml import etree

from cloudcti.sim import xml
from cloudcti.sim.services import (
    SERVICES,
    AnywhereLocation,
    BroadWorksAnywhere,
    BroadWorksMobility,
    CallForwardingAlways,
    CallForwardingBusy,
    CallForwardingNoAnswer,
    DoNotDisturb,
    RemoteOffice,
    ServiceState,
    SimRingLocation,
    SimultaneousRingPersonal,
    VoiceMessaging,
    info_of,
)

_NIL = f"{{{xml.XSI_INSTANCE}}}nil"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _target(number: str | None, event: bool) -> str | None:
    if number is None or not event or ":" in number:
        return number
    return f"tel:{number}"


def write_service(parent: etree._Element, state: ServiceState, event: bool, base: str) -> None:
    """Write the children of ``state`` into ``parent`` (event ``info`` when ``event``).

    ``base`` is the user's ``/v2.0/user/<id>/services`` path, for location URIs."""
    sub = xml.sub
    if isinstance(state, CallForwardingAlways | CallForwardingBusy | CallForwardingNoAnswer):
        sub(parent, "active", _flag(state.active))
        if state.forward_to:
            sub(parent, "forwardToPhoneNumber", _target(state.forward_to, event))
        if isinstance(state, CallForwardingAlways):
            sub(parent, "ringSplash", _flag(state.ring_splash))
        if isinstance(state, CallForwardingNoAnswer):
            sub(parent, "numberOfRings", state.number_of_rings)
    elif isinstance(state, DoNotDisturb):
        sub(parent, "active", _flag(state.active))
        sub(parent, "ringSplash", _flag(state.ring_splash))
    elif isinstance(state, RemoteOffice):
        sub(parent, "active", _flag(state.active))
        if state.number:
            sub(parent, "remoteOfficeNumber", state.number)
    elif isinstance(state, SimultaneousRingPersonal):
        sub(parent, "active", _flag(state.active))
        sub(parent, "incomingCalls", state.incoming_calls)
        if state.locations:
            listed = sub(parent, "simRingLocations")
            for ring in state.locations:
                entry = sub(listed, "simRingLocation")
                sub(entry, "address", ring.address)
                sub(entry, "answerConfirmationRequired", _flag(ring.answer_confirmation))
    elif isinstance(state, VoiceMessaging):
        sub(parent, "active", _flag(state.active))
        if not event:
            sub(parent, "processing", state.processing)
            sub(parent, "usePhoneMessageWaitingIndicator", "true")
            sub(parent, "sendVoiceMessageNotifyEmail", "false")
            sub(parent, "sendCarbonCopyVoiceMessage", "false")
            sub(parent, "transferOnZeroToPhoneNumber", "false")
            sub(parent, "alwaysRedirectToVoiceMail", _flag(state.always_redirect))
            sub(parent, "busyRedirectToVoiceMail", _flag(state.busy_redirect))
            sub(parent, "noAnswerRedirectToVoiceMail", _flag(state.no_answer_redirect))
            sub(parent, "outOfPrimaryZoneRedirectToVoiceMail", "false")
    elif isinstance(state, BroadWorksAnywhere):
        sub(parent, "alertAllLocationsForClickToDialCalls", _flag(state.alert_all_click_to_dial))
        sub(parent, "alertAllLocationsForGroupPagingCalls", _flag(state.alert_all_group_paging))
        if state.locations:
            listed = sub(parent, "locations")
            for location in state.locations:
                entry = sub(listed, "location")
                if not event:
                    sub(
                        entry,
                        "locationUri",
                        f"{base}/BroadWorksAnywhere/Location/{location.number}",
                    )
                sub(entry, "phoneNumber", location.number)
                sub(entry, "active", _flag(location.active))
                if location.description:
                    sub(entry, "description", location.description)
    else:
        sub(parent, "active", _flag(state.active))
        if state.mobile:
            identity = sub(parent, "mobileIdentity")
            sub(identity, "mobileNumber", state.mobile)
            sub(identity, "enableAlerting", _flag(state.active))
            sub(identity, "primary", "true")


def service_document(state: ServiceState, base: str) -> bytes:
    """``GET services/<Name>``."""
    root = xml.actions_root(info_of(state).name)
    write_service(root, state, event=False, base=base)
    return xml.document(root)


def services_list(base: str, names: Iterable[str] | None = None) -> bytes:
    """``GET services``: the assigned services (default: all the simulator has) with URIs."""
    root = xml.actions_root("Services")
    for name in names if names is not None else [info.name for info in SERVICES]:
        entry = xml.sub(root, "service")
        xml.sub(entry, "name", name)
        xml.sub(entry, "uri", f"{base}/{name}")
    return xml.document(root)


# ---- reading PUT bodies ----------------------------------------------------------------


def _bool(element: etree._Element, name: str, current: bool) -> bool:
    text = xml.child_text(element, name)
    if text is None:
        return current
    if text not in ("true", "false", "1", "0"):
        raise xml.BadXmlError(f"<{name}> must be true or false")
    return text in ("true", "1")


def _address(element: etree._Element, name: str, current: str | None) -> str | None:
    child = element.find(xml.q(name))
    if child is None:
        return current
    if child.get(_NIL) in ("true", "1") or not (child.text or "").strip():
        return None
    return (child.text or "").strip()


def read_update(state: ServiceState, body: etree._Element) -> ServiceState:
    """The state after applying the PUT ``body`` (only the elements present change)."""
    if isinstance(state, CallForwardingAlways):
        return replace(
            state,
            active=_bool(body, "active", state.active),
            forward_to=_address(body, "forwardToPhoneNumber", state.forward_to),
            ring_splash=_bool(body, "ringSplash", state.ring_splash),
        )
    if isinstance(state, CallForwardingBusy):
        return replace(
            state,
            active=_bool(body, "active", state.active),
            forward_to=_address(body, "forwardToPhoneNumber", state.forward_to),
        )
    if isinstance(state, CallForwardingNoAnswer):
        rings = xml.child_int(body, "numberOfRings")
        return replace(
            state,
            active=_bool(body, "active", state.active),
            forward_to=_address(body, "forwardToPhoneNumber", state.forward_to),
            number_of_rings=state.number_of_rings if rings is None else rings,
        )
    if isinstance(state, DoNotDisturb):
        return replace(
            state,
            active=_bool(body, "active", state.active),
            ring_splash=_bool(body, "ringSplash", state.ring_splash),
        )
    if isinstance(state, RemoteOffice):
        return replace(
            state,
            active=_bool(body, "active", state.active),
            number=_address(body, "remoteOfficeNumber", state.number),
        )
    if isinstance(state, SimultaneousRingPersonal):
        return _read_sim_ring(state, body)
    if isinstance(state, VoiceMessaging):
        return replace(
            state,
            active=_bool(body, "active", state.active),
            processing=xml.child_text(body, "processing") or state.processing,
            always_redirect=_bool(body, "alwaysRedirectToVoiceMail", state.always_redirect),
            busy_redirect=_bool(body, "busyRedirectToVoiceMail", state.busy_redirect),
            no_answer_redirect=_bool(body, "noAnswerRedirectToVoiceMail", state.no_answer_redirect),
        )
    if isinstance(state, BroadWorksAnywhere):
        return _read_anywhere(state, body)
    return _read_mobility(state, body)


def _read_sim_ring(
    state: SimultaneousRingPersonal, body: etree._Element
) -> SimultaneousRingPersonal:
    locations = state.locations
    listed = body.find(xml.q("simRingLocations"))
    if listed is not None:
        locations = tuple(
            SimRingLocation(
                address=xml.child_text(entry, "address") or "",
                answer_confirmation=_bool(entry, "answerConfirmationRequired", False),
            )
            for entry in listed.findall(xml.q("simRingLocation"))
        )
        if any(not location.address for location in locations):
            raise xml.BadXmlError("every simRingLocation needs an address")
    return replace(
        state,
        active=_bool(body, "active", state.active),
        incoming_calls=xml.child_text(body, "incomingCalls") or state.incoming_calls,
        locations=locations,
    )


def _read_anywhere(state: BroadWorksAnywhere, body: etree._Element) -> BroadWorksAnywhere:
    locations = state.locations
    listed = body.find(xml.q("locations"))
    if listed is not None:
        locations = tuple(
            AnywhereLocation(
                number=xml.child_text(entry, "phoneNumber") or "",
                active=_bool(entry, "active", True),
                description=xml.child_text(entry, "description"),
            )
            for entry in listed.findall(xml.q("location"))
        )
        if any(not location.number for location in locations):
            raise xml.BadXmlError("every location needs a phoneNumber")
    return replace(
        state,
        alert_all_click_to_dial=_bool(
            body, "alertAllLocationsForClickToDialCalls", state.alert_all_click_to_dial
        ),
        alert_all_group_paging=_bool(
            body, "alertAllLocationsForGroupPagingCalls", state.alert_all_group_paging
        ),
        locations=locations,
    )


def _read_mobility(state: BroadWorksMobility, body: etree._Element) -> BroadWorksMobility:
    return replace(state, active=_bool(body, "active", state.active))


# ---- directory -------------------------------------------------------------------------


def enterprise_directory(
    rows: Iterable[dict[str, str | None]], start: int, total: int, enterprise_id: str
) -> bytes:
    """``GET directories/Enterprise``: one page of ``rows`` (userId, names, group, numbers)."""
    root = xml.actions_root("Enterprise")
    listed = list(rows)
    xml.sub(root, "startIndex", start)
    xml.sub(root, "numberOfRecords", len(listed))
    xml.sub(root, "totalAvailableRecords", total)
    directory = xml.sub(root, "enterpriseDirectory")
    for row in listed:
        details = xml.sub(directory, "directoryDetails")
        for name in ("userId", "firstName", "lastName", "groupId"):
            xml.sub(details, name, row[name])
        xml.sub(details, "serviceProvider", enterprise_id).set("isEnterprise", "true")
        for name in ("number", "extension"):
            xml.sub(details, name, row[name])
        additional = xml.sub(details, "additionalDetails")
        if row.get("mobile"):
            xml.sub(additional, "mobile", row["mobile"])
        if row.get("emailAddress"):
            xml.sub(additional, "emailAddress", row["emailAddress"])
    return xml.document(root)
