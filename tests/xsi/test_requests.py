"""Request builders: exact method, path and query; XSD-valid bodies; misuse is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from cloudcti.xsi import (
    ACTIONS_ROOT,
    EVENTS_ROOT,
    NEVER_EXPIRES,
    AnywhereLocation,
    BroadWorksAnywhere,
    CallForwardingAlways,
    CallForwardingBusy,
    CallForwardingNoAnswer,
    CallLocation,
    DeclineReason,
    DoNotDisturb,
    EventPackage,
    EventResponseStatus,
    LocalProtocolError,
    RemoteOffice,
    Service,
    SimRingIncomingCalls,
    SimRingLocation,
    SimultaneousRingPersonal,
    VoiceMessaging,
    XsiRequest,
    add_channel,
    add_to_conference,
    blind_transfer,
    call_retrieve,
    consult_transfer,
    delete_channel,
    delete_subscription,
    event_response,
    get_call,
    get_calls,
    get_channel_set,
    get_conference,
    get_fac,
    get_profile,
    get_service,
    get_services,
    get_subscription,
    heartbeat,
    hold,
    list_subscriptions,
    new_call,
    put_broadworks_anywhere_location,
    put_service,
    reconnect,
    refresh_subscription,
    release_call,
    release_conference,
    search_enterprise_directory,
    start_conference,
    subscribe_enterprise,
    subscribe_group,
    subscribe_user,
    talk,
    update_channel,
    vm_transfer,
)

XSI = "{http://schema.broadsoft.com/xsi}"
DECL = b'<?xml version="1.0" encoding="UTF-8"?>\n'
USER = "user@deutschland-lan.de"
U = f"{ACTIONS_ROOT}/user/{USER}"

Check = Callable[[bytes], None]


def fields(request: XsiRequest) -> list[tuple[str, str | None]]:
    """The body's children as (local name, text), in document order."""
    assert request.body is not None
    root = etree.fromstring(request.body)
    return [(etree.QName(child).localname, child.text) for child in root]


def root_name(request: XsiRequest) -> str:
    assert request.body is not None
    root = etree.fromstring(request.body)
    assert root.nsmap == {None: "http://schema.broadsoft.com/xsi"}
    return etree.QName(root).localname


# --- event channels ------------------------------------------------------------------------


def test_add_channel_matches_the_wire_capture(assert_xsd_valid: Check) -> None:
    request = add_channel("KIWI-040D0D020D06040A0902080E010B0A0C")
    assert request.method == "POST"
    assert request.path == "/com.broadsoft.async/com.broadsoft.xsi-events/v2.0/channel"
    assert request.query == ()
    # PROTOCOL.md §3.2, the body the German XSP accepted, byte for byte after the declaration.
    assert request.body == DECL + (
        b'<Channel xmlns="http://schema.broadsoft.com/xsi"><channelSetId>'
        b"KIWI-040D0D020D06040A0902080E010B0A0C</channelSetId><priority>1</priority>"
        b"<weight>50</weight><expires>3600</expires></Channel>"
    )
    assert_xsd_valid(request.body)


def test_add_channel_with_application_id(assert_xsd_valid: Check) -> None:
    request = add_channel("set-1", priority=2, weight=100, expires=86400, application_id="cti")
    assert fields(request) == [
        ("channelSetId", "set-1"),
        ("priority", "2"),
        ("weight", "100"),
        ("expires", "86400"),
        ("applicationId", "cti"),
    ]
    assert request.body is not None
    assert_xsd_valid(request.body)


def test_update_delete_heartbeat_channel(assert_xsd_valid: Check) -> None:
    cid = "64eddc79-b707-4827-aacd-487fb5cb8427"
    update = update_channel(cid, 7200)
    assert (update.method, update.path) == ("PUT", f"{EVENTS_ROOT}/channel/{cid}")
    assert root_name(update) == "Channel"
    assert fields(update) == [("expires", "7200")]
    assert update.body is not None
    assert_xsd_valid(update.body)
    assert delete_channel(cid) == XsiRequest("DELETE", f"{EVENTS_ROOT}/channel/{cid}")
    assert heartbeat(cid) == XsiRequest("PUT", f"{EVENTS_ROOT}/channel/{cid}/heartbeat")
    assert get_channel_set("set A") == XsiRequest("GET", f"{EVENTS_ROOT}/channelset/set%20A")


def test_event_response_matches_the_spec_sample(assert_xsd_valid: Check) -> None:
    request = event_response("46228196-3dfa-45c3-a4d5-2e7e53c10d7e")
    assert (request.method, request.path) == ("POST", f"{EVENTS_ROOT}/channel/eventresponse")
    assert root_name(request) == "EventResponse"
    assert fields(request) == [
        ("eventID", "46228196-3dfa-45c3-a4d5-2e7e53c10d7e"),
        ("statusCode", "200"),
        ("reason", "OK"),
    ]
    assert request.body is not None
    assert_xsd_valid(request.body)


@pytest.mark.parametrize("status", [200, 400, 404, 481, 500])
def test_every_event_response_status_is_valid(status: int, assert_xsd_valid: Check) -> None:
    request = event_response("e1", status)
    assert fields(request)[1] == ("statusCode", str(status))
    assert request.body is not None
    assert_xsd_valid(request.body)


def test_event_response_with_own_reason() -> None:
    request = event_response("e1", EventResponseStatus.BAD_REQUEST, "cannot decode")
    assert fields(request)[1:] == [("statusCode", "400"), ("reason", "cannot decode")]


@pytest.mark.parametrize("status", [201, 0, 481.0, 999, -200])
def test_event_response_refuses_other_status_codes(status: int) -> None:
    with pytest.raises(LocalProtocolError, match="status_code"):
        event_response("e1", status)


# --- subscriptions -------------------------------------------------------------------------


def test_subscribe_user_matches_the_spec_sample(assert_xsd_valid: Check) -> None:
    request = subscribe_user(
        "negi001@172.16.25.102",
        EventPackage.ADVANCED_CALL,
        channel_set_id="ChannelSetIdOne",
        application_id="CommPilotApplication",
    )
    assert request.method == "POST"
    assert request.path == f"{EVENTS_ROOT}/user/negi001@172.16.25.102"
    assert root_name(request) == "Subscription"
    assert fields(request) == [
        ("event", "Advanced Call"),
        ("expires", "3600"),
        ("channelSetId", "ChannelSetIdOne"),
        ("applicationId", "CommPilotApplication"),
    ]
    assert request.body is not None
    assert_xsd_valid(request.body)


def test_subscribe_with_a_package_list(assert_xsd_valid: Check) -> None:
    request = subscribe_user(
        USER, ["Advanced Call", EventPackage.DO_NOT_DISTURB], channel_set_id="s", expires=86400
    )
    assert request.body is not None
    root = etree.fromstring(request.body)
    events = root.findall(f"{XSI}eventPackageList/{XSI}event")
    assert [e.text for e in events] == ["Advanced Call", "Do Not Disturb"]
    assert root.find(f"{XSI}event") is None
    assert_xsd_valid(request.body)


def test_subscribe_group_and_enterprise(assert_xsd_valid: Check) -> None:
    group = subscribe_group("ent 1", "grp#1", "Advanced Call", channel_set_id="s")
    assert group.path == f"{EVENTS_ROOT}/enterprise/ent%201/group/grp%231"
    enterprise = subscribe_enterprise("ent1", "Call Forwarding Always", channel_set_id="s")
    assert enterprise.path == f"{EVENTS_ROOT}/enterprise/ent1"
    for request in (group, enterprise):
        assert request.method == "POST"
        assert request.body is not None
        assert_xsd_valid(request.body)


def test_refresh_delete_get_subscription(assert_xsd_valid: Check) -> None:
    sid = "bc123480-3c13-43d9-90d8-ae3c592346ab"
    refresh = refresh_subscription(sid, NEVER_EXPIRES)
    assert (refresh.method, refresh.path) == ("PUT", f"{EVENTS_ROOT}/subscription/{sid}")
    assert fields(refresh) == [("expires", "2147483647")]
    assert refresh.body is not None
    assert_xsd_valid(refresh.body)
    assert delete_subscription(sid) == XsiRequest("DELETE", f"{EVENTS_ROOT}/subscription/{sid}")
    assert get_subscription(sid) == XsiRequest("GET", f"{EVENTS_ROOT}/subscription/{sid}")


def test_list_subscriptions_query() -> None:
    assert list_subscriptions() == XsiRequest("GET", f"{EVENTS_ROOT}/subscription")
    request = list_subscriptions(
        subscriber_id="admin@x",
        target_id="grp1",
        event="Advanced Call",
        application_id="cti",
        target_type="Group",
        target_group_parent_id="ent1",
    )
    assert request.query == (
        ("subscriberId", "admin@x"),
        ("targetId", "grp1"),
        ("event", "Advanced Call"),
        ("extAppId", "cti"),
        ("targetGrpParentId", "ent1"),
        ("targetEntityType", "Group"),
    )
    with pytest.raises(LocalProtocolError, match="target_group_parent_id"):
        list_subscriptions(target_type="Group")
    with pytest.raises(LocalProtocolError, match="target_type"):
        list_subscriptions(target_type="Tenant")


@pytest.mark.parametrize(
    "build",
    [
        lambda: subscribe_user(USER, "Voice Messaging Message Summary", channel_set_id="s"),
        lambda: subscribe_user(USER, [], channel_set_id="s"),
        lambda: subscribe_user(USER, ["Basic Call", "Basic Call"], channel_set_id="s"),
        lambda: subscribe_user(USER, "Basic Call", channel_set_id=""),
        lambda: subscribe_user(USER, "Basic Call", channel_set_id="x" * 257),
        lambda: subscribe_user(USER, "Basic Call", channel_set_id="s", expires=3599),
        lambda: subscribe_user(USER, "Basic Call", channel_set_id="s", application_id=" "),
        lambda: subscribe_enterprise("", "Basic Call", channel_set_id="s"),
        lambda: subscribe_group("e", "a/b", "Basic Call", channel_set_id="s"),
        lambda: refresh_subscription("sid", -1),
        lambda: refresh_subscription("", 3600),
    ],
)
def test_subscription_misuse_is_refused(build: Callable[[], XsiRequest]) -> None:
    with pytest.raises(LocalProtocolError):
        build()


@pytest.mark.parametrize(
    "build",
    [
        lambda: add_channel("s", expires=0),
        lambda: add_channel("s", expires=-5),
        lambda: add_channel("s", expires=NEVER_EXPIRES + 1),
        lambda: add_channel("s", expires=True),
        lambda: add_channel("s", priority=0),
        lambda: add_channel("s", weight=2**31),
        lambda: add_channel(""),
        lambda: add_channel("s\x00"),
        lambda: add_channel("s", application_id=""),
        lambda: update_channel("c", 100),
        lambda: heartbeat(""),
        lambda: heartbeat("a/b"),
        lambda: delete_channel(".."),
        lambda: event_response(""),
        lambda: event_response("e", 200, ""),
    ],
)
def test_channel_misuse_is_refused(build: Callable[[], XsiRequest]) -> None:
    with pytest.raises(LocalProtocolError):
        build()


# --- paths -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_id", "segment"),
    [
        ("user@deutschland-lan.de", "user@deutschland-lan.de"),
        ("adminCTI@broadsoft.com@broadsoft.com", "adminCTI@broadsoft.com@broadsoft.com"),
        ("a b?c#d%e", "a%20b%3Fc%23d%25e"),
        ("müller@x.de", "m%C3%BCller@x.de"),
        ("+4930123", "%2B4930123"),
    ],
)
def test_user_ids_are_encoded_as_one_segment(user_id: str, segment: str) -> None:
    assert get_profile(user_id).path == f"{ACTIONS_ROOT}/user/{segment}/profile"


@pytest.mark.parametrize("user_id", ["", "   ", "a/b", "/", ".", "..", "a\x01b"])
def test_unaddressable_user_ids_are_refused(user_id: str) -> None:
    with pytest.raises(LocalProtocolError):
        get_profile(user_id)


# --- call control ----------------------------------------------------------------------------


def test_call_requests() -> None:
    cid = "callhalf-722:0"
    assert get_calls(USER) == XsiRequest("GET", f"{U}/calls")
    assert get_call(USER, cid) == XsiRequest("GET", f"{U}/calls/{cid}")
    assert get_call(USER, cid, allow_detached=True).query == (("allowDetached", "true"),)
    assert talk(USER, cid) == XsiRequest("PUT", f"{U}/calls/{cid}/Talk")
    assert hold(USER, cid) == XsiRequest("PUT", f"{U}/calls/{cid}/Hold")
    assert reconnect(USER, cid) == XsiRequest("PUT", f"{U}/calls/{cid}/Reconnect")
    assert blind_transfer(USER, cid, "+4930123") == XsiRequest(
        "PUT", f"{U}/calls/{cid}/BlindTransfer", (("address", "+4930123"),)
    )
    assert consult_transfer(USER, cid, "callhalf-722:1") == XsiRequest(
        "PUT", f"{U}/calls/{cid}/ConsultTransfer/callhalf-722:1"
    )
    assert vm_transfer(USER, cid) == XsiRequest("PUT", f"{U}/calls/{cid}/VmTransfer")
    assert vm_transfer(USER, cid, "1002").query == (("address", "1002"),)
    assert release_call(USER, cid) == XsiRequest("DELETE", f"{U}/calls/{cid}")
    assert release_call(USER, cid, decline=True).query == (("decline", "true"),)
    assert release_call(USER, cid, decline=True, decline_reason=DeclineReason.BUSY).query == (
        ("decline", "true"),
        ("declineReason", "Busy"),
    )


def test_new_call_and_call_retrieve() -> None:
    assert new_call(USER, "tel:+4930123") == XsiRequest(
        "POST", f"{U}/calls/new", (("address", "tel:+4930123"),)
    )
    request = new_call(
        USER, "1002", location=CallLocation.BROADWORKS_ANYWHERE, location_address="+491701234"
    )
    assert request.query == (
        ("address", "1002"),
        ("location", "BroadWorksAnywhere"),
        ("locationAddress", "+491701234"),
    )
    assert call_retrieve(USER) == XsiRequest("POST", f"{U}/calls/CallRetrieve")
    assert call_retrieve(USER, location="Mobility").query == (("location", "Mobility"),)


def test_conference_requests(assert_xsd_valid: Check) -> None:
    request = start_conference(USER, ["localhost1:0", "localhost1:1"])
    assert (request.method, request.path) == ("POST", f"{U}/calls/Conference")
    assert request.body is not None
    root = etree.fromstring(request.body)
    ids = root.findall(f"{XSI}conferenceParticipantList/{XSI}conferenceParticipant/{XSI}callId")
    assert [e.text for e in ids] == ["localhost1:0", "localhost1:1"]
    assert_xsd_valid(request.body)
    assert get_conference(USER) == XsiRequest("GET", f"{U}/calls/Conference")
    assert release_conference(USER) == XsiRequest("DELETE", f"{U}/calls/Conference")
    assert add_to_conference(USER, "c:2") == XsiRequest("PUT", f"{U}/calls/Conference/c:2")


@pytest.mark.parametrize(
    "build",
    [
        lambda: talk(USER, ""),
        lambda: hold("", "c"),
        lambda: blind_transfer(USER, "c", ""),
        lambda: consult_transfer(USER, "c", "c"),
        lambda: new_call(USER, " "),
        lambda: new_call(USER, "1", location="Desk"),
        lambda: new_call(USER, "1", location_address="+49"),
        lambda: call_retrieve(USER, location_address="+49"),
        lambda: release_call(USER, "c", decline_reason="Busy"),
        lambda: release_call(USER, "c", decline=True, decline_reason="Rude"),
        lambda: start_conference(USER, ["a"]),
        lambda: start_conference(USER, ["a", "a"]),
        lambda: add_to_conference(USER, "a/b"),
    ],
)
def test_call_misuse_is_refused(build: Callable[[], XsiRequest]) -> None:
    with pytest.raises(LocalProtocolError):
        build()


# --- services --------------------------------------------------------------------------------


def test_service_gets() -> None:
    assert get_services(USER) == XsiRequest("GET", f"{U}/services")
    for service in Service:
        assert get_service(USER, service) == XsiRequest("GET", f"{U}/services/{service.value}")
    with pytest.raises(LocalProtocolError):
        get_service(USER, "CallWaitingPlus")


FULL_SETTINGS = [
    CallForwardingAlways(active=True, forward_to_phone_number="+91-2223334455", ring_splash=True),
    CallForwardingBusy(active=True, forward_to_phone_number="23234434223"),
    CallForwardingNoAnswer(active=True, forward_to_phone_number="+1-221131313", number_of_rings=5),
    DoNotDisturb(active=False, ring_splash=False),
    RemoteOffice(active=True, remote_office_number="121212"),
    SimultaneousRingPersonal(
        active=True,
        incoming_calls=SimRingIncomingCalls.DO_NOT_RING_IF_ON_A_CALL,
        locations=(SimRingLocation("+491701234", answer_confirmation_required=True),),
    ),
    VoiceMessaging(
        active=True,
        processing="Deliver To Email Address Only",
        voice_message_delivery_email_address="blah@blah.com",
        use_phone_message_waiting_indicator=True,
        send_voice_message_notify_email=True,
        voice_message_notify_email_address="notify@test.com",
        send_carbon_copy_voice_message=False,
        voice_message_carbon_copy_email_address="cc@test.com",
        transfer_on_zero_to_phone_number=False,
        transfer_phone_number="001",
        always_redirect_to_voice_mail=False,
        busy_redirect_to_voice_mail=False,
        no_answer_redirect_to_voice_mail=False,
        out_of_primary_zone_redirect_to_voice_mail=False,
    ),
    BroadWorksAnywhere(
        alert_all_locations_for_click_to_dial_calls=True,
        alert_all_locations_for_group_paging_calls=False,
        locations=(AnywhereLocation("+491701234", True),),
    ),
]


@pytest.mark.parametrize("value", FULL_SETTINGS, ids=lambda v: type(v).__name__)
def test_put_service_bodies_are_xsd_valid(value: object, assert_xsd_valid: Check) -> None:
    request = put_service(USER, value)  # type: ignore[arg-type]
    name = type(value).__name__
    assert (request.method, request.path) == ("PUT", f"{U}/services/{name}")
    assert root_name(request) == name
    assert request.body is not None
    assert_xsd_valid(request.body)


def test_cfa_body_fields() -> None:
    request = put_service(USER, FULL_SETTINGS[0])  # type: ignore[arg-type]
    assert fields(request) == [
        ("active", "true"),
        ("forwardToPhoneNumber", "+91-2223334455"),
        ("ringSplash", "true"),
    ]


def test_voice_messaging_body_keeps_the_spec_order() -> None:
    request = put_service(USER, FULL_SETTINGS[6])  # type: ignore[arg-type]
    assert [name for name, _ in fields(request)] == [
        "active",
        "processing",
        "voiceMessageDeliveryEmailAddress",
        "usePhoneMessageWaitingIndicator",
        "sendVoiceMessageNotifyEmail",
        "voiceMessageNotifyEmailAddress",
        "sendCarbonCopyVoiceMessage",
        "voiceMessageCarbonCopyEmailAddress",
        "transferOnZeroToPhoneNumber",
        "transferPhoneNumber",
        "alwaysRedirectToVoiceMail",
        "busyRedirectToVoiceMail",
        "noAnswerRedirectToVoiceMail",
        "outOfPrimaryZoneRedirectToVoiceMail",
    ]


def test_none_fields_are_left_out(assert_xsd_valid: Check) -> None:
    request = put_service(USER, VoiceMessaging(active=True, always_redirect_to_voice_mail=True))
    assert fields(request) == [("active", "true"), ("alwaysRedirectToVoiceMail", "true")]
    cfna = put_service(USER, CallForwardingNoAnswer(active=False))
    assert fields(cfna) == [("active", "false")]
    for r in (request, cfna):
        assert r.body is not None
        assert_xsd_valid(r.body)


def test_simultaneous_ring_writes_the_whole_location_list(assert_xsd_valid: Check) -> None:
    request = put_service(USER, SimultaneousRingPersonal(active=False))
    assert request.body is not None
    root = etree.fromstring(request.body)
    locations = root.find(f"{XSI}simRingLocations")
    assert locations is not None
    assert len(locations) == 0
    assert root.findtext(f"{XSI}incomingCalls") == "Ring for all Incoming Calls"
    assert_xsd_valid(request.body)


def test_broadworks_anywhere_put_leaves_locations_alone() -> None:
    request = put_service(USER, FULL_SETTINGS[7])  # type: ignore[arg-type]
    assert fields(request) == [
        ("alertAllLocationsForClickToDialCalls", "true"),
        ("alertAllLocationsForGroupPagingCalls", "false"),
    ]


def test_broadworks_anywhere_location_put(assert_xsd_valid: Check) -> None:
    request = put_broadworks_anywhere_location(
        USER, AnywhereLocation("+491701234", active=False, description="Handy")
    )
    assert request.path == f"{U}/services/BroadWorksAnywhere/Location/%2B491701234"
    assert fields(request) == [
        ("phoneNumber", "+491701234"),
        ("description", "Handy"),
        ("active", "false"),
    ]
    assert request.body is not None
    assert_xsd_valid(request.body)


@pytest.mark.parametrize(
    "value",
    [
        CallForwardingNoAnswer(active=True, number_of_rings=1),
        CallForwardingNoAnswer(active=True, number_of_rings=21),
        CallForwardingAlways(active=True, forward_to_phone_number=""),
        RemoteOffice(active=True, remote_office_number="\x07"),
        RemoteOffice(active=True, remote_office_number="+49 30 123"),
        CallForwardingBusy(active=True, forward_to_phone_number="tel:[1]"),
        CallForwardingBusy(active=True, forward_to_phone_number="50%"),
        CallForwardingBusy(active=True, forward_to_phone_number="*21#1#"),
        CallForwardingBusy(active=True, forward_to_phone_number="+49:1"),
        CallForwardingBusy(active=True, forward_to_phone_number="//x:y"),
        VoiceMessaging(active=True, processing="Email only"),
        VoiceMessaging(active=True, transfer_phone_number="1" * 31),
        SimultaneousRingPersonal(active=True, incoming_calls="Sometimes"),  # type: ignore[arg-type]
        SimultaneousRingPersonal(active=True, locations=(SimRingLocation(""),)),
        DoNotDisturb(active="yes"),  # type: ignore[arg-type]
        "CallForwardingAlways",
    ],
)
def test_bad_service_values_are_refused(value: object) -> None:
    with pytest.raises(LocalProtocolError):
        put_service(USER, value)  # type: ignore[arg-type]


# --- profile and directory -------------------------------------------------------------------


def test_profile_and_fac() -> None:
    assert get_profile(USER) == XsiRequest("GET", f"{U}/profile")
    assert get_fac(USER) == XsiRequest("GET", f"{U}/profile/Fac")


def test_enterprise_directory_paging_and_search() -> None:
    assert search_enterprise_directory(USER) == XsiRequest(
        "GET", f"{U}/directories/Enterprise", (("start", "1"),)
    )
    request = search_enterprise_directory(
        USER,
        start=51,
        results=50,
        last_name="*müller*/i",
        extension="12*",
        match_any=True,
        sort_column="firstName",
    )
    assert request.query == (
        ("start", "51"),
        ("results", "50"),
        ("lastName", "*müller*/i"),
        ("extension", "12*"),
        ("searchCriteriaModeOr", "true"),
        ("sortColumn", "firstName"),
    )
    refused: list[Callable[[], XsiRequest]] = [
        lambda: search_enterprise_directory(USER, start=0),
        lambda: search_enterprise_directory(USER, results=1001),
        lambda: search_enterprise_directory(USER, first_name=""),
        lambda: search_enterprise_directory(USER, sort_column="age"),
    ]
    for bad in refused:
        with pytest.raises(LocalProtocolError):
            bad()


# --- properties: anything accepted is XSD-valid ------------------------------------------------

_any_text = st.text(st.characters(codec="utf-8"), min_size=0, max_size=40)
_expires = st.integers(min_value=-10, max_value=2**31 + 10)
_bools = st.booleans()
_opt_text = st.none() | _any_text
_opt_bool = st.none() | _bools
_relaxed = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])


def _accepted_or_refused(build: Callable[[], XsiRequest], check: Check) -> XsiRequest | None:
    try:
        request = build()
    except LocalProtocolError:
        return None
    if request.body is not None:
        check(request.body)
    return request


@_relaxed
@given(
    channel_set_id=_any_text,
    priority=st.integers(-2, 2**31 + 2),
    weight=st.integers(-2, 200),
    expires=_expires,
    application_id=_opt_text,
)
def test_generated_channels(
    assert_xsd_valid: Check,
    channel_set_id: str,
    priority: int,
    weight: int,
    expires: int,
    application_id: str | None,
) -> None:
    request = _accepted_or_refused(
        lambda: add_channel(
            channel_set_id,
            priority=priority,
            weight=weight,
            expires=expires,
            application_id=application_id,
        ),
        assert_xsd_valid,
    )
    if request is not None:
        assert dict(fields(request))["channelSetId"] == channel_set_id
        assert 3600 <= expires <= NEVER_EXPIRES


@_relaxed
@given(event_id=_any_text, status=st.sampled_from([200, 400, 404, 481, 500, 201]), reason=_opt_text)
def test_generated_event_responses(
    assert_xsd_valid: Check, event_id: str, status: int, reason: str | None
) -> None:
    request = _accepted_or_refused(
        lambda: event_response(event_id, status, reason), assert_xsd_valid
    )
    if request is not None:
        assert dict(fields(request))["eventID"] == event_id


@_relaxed
@given(
    user_id=_any_text,
    events=st.sampled_from(list(EventPackage)) | st.lists(st.sampled_from(list(EventPackage))),
    channel_set_id=_any_text,
    expires=_expires,
    application_id=_opt_text,
)
def test_generated_subscriptions(
    assert_xsd_valid: Check,
    user_id: str,
    events: EventPackage | list[EventPackage],
    channel_set_id: str,
    expires: int,
    application_id: str | None,
) -> None:
    request = _accepted_or_refused(
        lambda: subscribe_user(
            user_id,
            events,
            channel_set_id=channel_set_id,
            expires=expires,
            application_id=application_id,
        ),
        assert_xsd_valid,
    )
    if request is not None:
        assert "/" not in request.path.removeprefix(EVENTS_ROOT + "/user/")


_uri_text = st.text(st.sampled_from("a1+-.*#:@;=_~!$&'(),/?%4F[]ü\\ "), min_size=1, max_size=10)
_numbers = (
    st.none()
    | _any_text
    | _uri_text
    | st.sampled_from(["+4930123", "tel:+4930123", "sip:a@b.c", "tel:*72"])
)
_service_values = st.one_of(
    st.builds(CallForwardingAlways, _bools, _numbers, _bools),
    st.builds(CallForwardingBusy, _bools, _numbers),
    st.builds(CallForwardingNoAnswer, _bools, _numbers, st.none() | st.integers(-1, 22)),
    st.builds(DoNotDisturb, _bools, _bools),
    st.builds(RemoteOffice, _bools, _numbers),
    st.builds(
        SimultaneousRingPersonal,
        _bools,
        st.sampled_from(list(SimRingIncomingCalls)),
        st.lists(st.builds(SimRingLocation, _any_text, _bools), max_size=3).map(tuple),
    ),
    st.builds(
        VoiceMessaging,
        _bools,
        st.none() | st.sampled_from(["Unified Voice and Email Messaging", "bogus"]),
        _opt_text,
        _opt_bool,
        _opt_bool,
        _opt_text,
        _opt_bool,
        _opt_text,
        _opt_bool,
        _opt_text,
        _opt_bool,
        _opt_bool,
        _opt_bool,
        _opt_bool,
    ),
    st.builds(BroadWorksAnywhere, _bools, _opt_bool),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(value=_service_values)
def test_generated_service_puts(assert_xsd_valid: Check, value: object) -> None:
    request = _accepted_or_refused(lambda: put_service(USER, value), assert_xsd_valid)  # type: ignore[arg-type]
    if request is not None:
        assert request.path == f"{U}/services/{type(value).__name__}"


@_relaxed
@given(call_ids=st.lists(_any_text, max_size=4))
def test_generated_conferences(assert_xsd_valid: Check, call_ids: list[str]) -> None:
    request = _accepted_or_refused(lambda: start_conference(USER, call_ids), assert_xsd_valid)
    if request is not None:
        assert len(set(call_ids)) == len(call_ids) >= 2


@_relaxed
@given(segment=_any_text)
def test_generated_ids_stay_one_segment(segment: str) -> None:
    try:
        path = get_call(USER, segment).path
    except LocalProtocolError:
        return
    encoded = path.removeprefix(f"{U}/calls/")
    assert "/" not in encoded
    assert "?" not in encoded
    assert "#" not in encoded
    assert " " not in encoded
    assert encoded not in ("", ".", "..")
