"""Response parsers: golden samples from PROTOCOL.md, field by field; bad input is only ever
a RemoteProtocolError."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudcti.xsi import (
    AnywhereLocation,
    BroadWorksAnywhere,
    CallForwardingAlways,
    CallForwardingBusy,
    CallForwardingNoAnswer,
    CallRef,
    CallStartInfo,
    CallState,
    ChannelInfo,
    DirectoryEntry,
    DoNotDisturb,
    EndpointKind,
    ErrorInfo,
    FeatureAccessCode,
    Personality,
    RemoteOffice,
    RemoteProtocolError,
    ServiceRef,
    SimRingIncomingCalls,
    SimRingLocation,
    SimultaneousRingPersonal,
    Subscription,
    VoiceMessaging,
    parse_broadworks_anywhere,
    parse_call,
    parse_call_forwarding_always,
    parse_call_forwarding_busy,
    parse_call_forwarding_no_answer,
    parse_call_start_info,
    parse_calls,
    parse_channel,
    parse_channel_set,
    parse_conference,
    parse_do_not_disturb,
    parse_enterprise_directory,
    parse_error_info,
    parse_fac,
    parse_profile,
    parse_remote_office,
    parse_services,
    parse_simultaneous_ring_personal,
    parse_subscription,
    parse_subscription_list,
    parse_voice_messaging,
)

NS = 'xmlns="http://schema.broadsoft.com/xsi"'

# --- verbatim samples (PROTOCOL.md) ----------------------------------------------------------

ERROR_INFO = (
    b'<?xml version="1.0" encoding="ISO-8859-1"?> <ErrorInfo xmlns="http://schema.broadsoft.com/'
    b'xsi"><summary> Phone Number already exists +1123456789.</summary><summaryEnglish> Phone '
    b"Number already exists +1123456789.</summaryEnglish><errorCode>8251</errorCode></ErrorInfo>"
)
CALLS = b"""<Calls xmlns="http://schema.broadsoft.com/xsi">
  <call inConference="false">
    <callId>callhalf-722:0</callId>
    <uri>/v2.0/user/negi001@172.16.25.102/calls/callhalf-722:0</uri>
  </call>
</Calls>"""
CALL_START_INFO = b"""<CallStartInfo xmlns="http://schema.broadsoft.com/xsi">
  <callId>callhalf-488:0</callId>
  <externalTrackingId>70:1</externalTrackingId>
</CallStartInfo>"""
CALL = b"""<Call xmlns="http://schema.broadsoft.com/xsi" \
xmlns:xsi1="http://www.w3.org/2001/XMLSchema-instance">
  <callId>callhalf-770:0</callId>
  <extTrackingId>97:1</extTrackingId>
  <personality>Originator</personality>
  <state>Active</state>
  <remoteParty>
    <name>Subhash negi002</name>
    <address>tel:7002</address>
    <userId>negi002@172.16.25.102</userId>
    <userDN countryCode="1">tel:+15006007002;ext=7002</userDN>
    <callType>Group</callType>
  </remoteParty>
  <endpoint xsi1:type="xsi:AccessEndpoint" xmlns:xsi="http://schema.broadsoft.com/xsi">
    <addressOfRecord>5006007004@172.16.25.102</addressOfRecord>
  </endpoint>
  <appearance>1</appearance>
  <diversionInhibited />
  <startTime>1269437349112</startTime>
  <answerTime>1269437354737</answerTime>
</Call>"""
DND = b"""<DoNotDisturb xmlns="http://schema.broadsoft.com/xsi">
  <active>false</active>
  <ringSplash>false</ringSplash>
</DoNotDisturb>"""
CFA = b"""<CallForwardingAlways xmlns="http://schema.broadsoft.com/xsi">
  <active>true</active>
  <forwardToPhoneNumber>+91-2223334455</forwardToPhoneNumber>
  <ringSplash>true</ringSplash>
</CallForwardingAlways>"""
CFB = b"""<CallForwardingBusy xmlns="http://schema.broadsoft.com/xsi">
  <active>true</active>
  <forwardToPhoneNumber>23234434223</forwardToPhoneNumber>
</CallForwardingBusy>"""
CFNA = b"""<CallForwardingNoAnswer xmlns="http://schema.broadsoft.com/xsi">
  <active>true</active>
  <forwardToPhoneNumber>+1-221131313</forwardToPhoneNumber>
  <numberOfRings>5</numberOfRings>
</CallForwardingNoAnswer>"""
REMOTE_OFFICE = b"""<RemoteOffice xmlns="http://schema.broadsoft.com/xsi">
  <active>true</active>
  <remoteOfficeNumber>121212</remoteOfficeNumber>
</RemoteOffice>"""
VOICE_MESSAGING = b"""<VoiceMessaging xmlns="http://schema.broadsoft.com/xsi">
  <active>true</active>
  <processing>Deliver To Email Address Only</processing>
  <voiceMessageDeliveryEmailAddress>blah@blah.com</voiceMessageDeliveryEmailAddress>
  <usePhoneMessageWaitingIndicator>true</usePhoneMessageWaitingIndicator>
  <sendVoiceMessageNotifyEmail>true</sendVoiceMessageNotifyEmail>
  <voiceMessageNotifyEmailAddress>notify@test.com</voiceMessageNotifyEmailAddress>
  <sendCarbonCopyVoiceMessage>false</sendCarbonCopyVoiceMessage>
  <voiceMessageCarbonCopyEmailAddress>cc@test.com</voiceMessageCarbonCopyEmailAddress>
  <transferOnZeroToPhoneNumber>false</transferOnZeroToPhoneNumber>
  <transferPhoneNumber>001</transferPhoneNumber>
  <alwaysRedirectToVoiceMail>false</alwaysRedirectToVoiceMail>
  <busyRedirectToVoiceMail>false</busyRedirectToVoiceMail>
  <noAnswerRedirectToVoiceMail>false</noAnswerRedirectToVoiceMail>
  <outOfPrimaryZoneRedirectToVoiceMail>false</outOfPrimaryZoneRedirectToVoiceMail>
</VoiceMessaging>"""
PROFILE = """<Profile xmlns="http://schema.broadsoft.com/xsi" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <details>
    <userId>negi001@172.16.25.102</userId>
    <externalId>39b8a245-644a-4a60-8f1d-8ec206c3a689</externalId>
    <firstName>Subhash</firstName> <lastName>Negi</lastName>
    <groupId>gp1</groupId>
    <serviceProvider isEnterprise="false">sp1</serviceProvider>
    <number>5006007004</number> <extension>7004</extension>
  </details>
  <additionalDetails> <mobile xsi:nil="true" /> <emailAddress>subhashnegi@gmail.com</emailAddress> \
… </additionalDetails>
  <timeZone>US/Central</timeZone>
  <fac>/v2.0/user/negi001@172.16.25.102/profile/Fac</fac>
  <registrations>/v2.0/user/negi001@172.16.25.102/profile/Registrations</registrations>
  <scheduleList>/v2.0/user/negi001@172.16.25.102/profile/Schedule</scheduleList>
  <portalPasswordChange>/v2.0/user/negi001@172.16.25.102/profile/Password/Portal\
</portalPasswordChange>
  <countryCode>1</countryCode></Profile>""".encode()
FAC = b"""<FAC xmlns="http://schema.broadsoft.com/xsi">
  <featureAccessCode>
    <codeName>Night Service Activation Manual Override</codeName>
    <code>#70</code>
    <alternateCode>#60</alternateCode>
  </featureAccessCode>
  <featureAccessCode>
    <codeName>Call Forwarding Not Reachable Deactivation</codeName>
    <code>*95</code>
  </featureAccessCode>
</FAC>"""
ENTERPRISE = b"""<Enterprise xmlns="http://schema.broadsoft.com/xsi">
  <startIndex>1</startIndex>
  <numberOfRecords>2</numberOfRecords>
  <totalAvailableRecords>2</totalAvailableRecords>
  <enterpriseDirectory>
    <directoryDetails>
      <userId>agent1@172.16.25.102</userId>
      <firstName>agent1</firstName>
      <lastName>agent1</lastName>
      <groupId>WebClientGrp1</groupId>
      <number>+19008005006</number>
      <extension>5006</extension>
      <additionalDetails><yahooId>agent1@172.16.25.102</yahooId></additionalDetails>
    </directoryDetails>
  </enterpriseDirectory>
</Enterprise>"""
SUBSCRIPTION = b"""<?xml version="1.0" encoding="UTF-8"?>
<Subscription xmlns="http://schema.broadsoft.com/xsi">
  <subscriptionId>bc123480-3c13-43d9-90d8-ae3c592346ab</subscriptionId>
  <expires>3600</expires>
</Subscription>"""
WIRE_SUBSCRIPTION = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Subscription xmlns="http://schema.broadsoft.com/'
    b'xsi"><subscriptionId>98ed3939-c113-419c-8012-092556b85c66</subscriptionId><expires>86400'
    b"</expires></Subscription>"
)
CHANNEL_SET = b"""<ChannelSet xmlns="http://schema.broadsoft.com/xsi">
  <channel><channelId>channelIdOne</channelId><channelSetId>channelSetOne</channelSetId>\
<priority>1</priority><weight>50</weight><expires>3700</expires></channel>
  <channel><channelId>channelIdTwo</channelId><channelSetId>channelSetOne</channelSetId>\
<priority>2</priority><weight>50</weight><expires>3600</expires></channel>
</ChannelSet>"""
WIRE_CHANNEL = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Channel xmlns="http://schema.broadsoft.com/xsi">'
    b"<channelId>64eddc79-b707-4827-aacd-487fb5cb8427</channelId><expires>86400</expires>"
    b"</Channel>"
)

# --- documents built from the XSD (no verbatim sample in PROTOCOL.md) ------------------------

CONFERENCE = b"""<Conference xmlns="http://schema.broadsoft.com/xsi" \
xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <state>Active</state>
  <endpoint i:type="AccessEndpoint"><addressOfRecord>5006001011@broadsoft.com</addressOfRecord>\
</endpoint>
  <appearance>2</appearance>
  <conferenceType>Barge-In</conferenceType>
  <conferenceParticipantList>
    <conferenceParticipant><callId>localhost1:0</callId></conferenceParticipant>
    <conferenceParticipant><callId>localhost1:1</callId><muted/></conferenceParticipant>
  </conferenceParticipantList>
</Conference>"""
SIM_RING = f"""<SimultaneousRingPersonal {NS}>
  <active>true</active>
  <incomingCalls>Do not Ring if on a Call</incomingCalls>
  <simRingLocations>
    <simRingLocation><address>+491701234567</address>\
<answerConfirmationRequired>true</answerConfirmationRequired></simRingLocation>
    <simRingLocation><address>tel:+4930123</address>\
<answerConfirmationRequired>false</answerConfirmationRequired></simRingLocation>
  </simRingLocations>
</SimultaneousRingPersonal>""".encode()
ANYWHERE = f"""<BroadWorksAnywhere {NS}>
  <alertAllLocationsForClickToDialCalls>true</alertAllLocationsForClickToDialCalls>
  <alertAllLocationsForGroupPagingCalls>false</alertAllLocationsForGroupPagingCalls>
  <locations>
    <location>
      <locationUri>/v2.0/user/u@x/services/BroadWorksAnywhere/Location/%2B491701234567</locationUri>
      <phoneNumber countryCode="49">1701234567</phoneNumber>
      <active>true</active>
      <description>Handy</description>
    </location>
  </locations>
</BroadWorksAnywhere>""".encode()
SUBSCRIPTION_QUERY = f"""<Subscription {NS}>
  <subscriptionId>s1</subscriptionId>
  <subscriberId>admin@x.de</subscriberId>
  <targetIdType>User</targetIdType>
  <targetId>user@x.de</targetId>
  <event>Advanced Call</event>
  <expires>86000</expires>
  <channelSetId>set-1</channelSetId>
  <applicationId>cloudcti</applicationId>
</Subscription>""".encode()
SUBSCRIPTION_LIST = f"""<SubscriptionList {NS}>
  <subscription><subscriptionId>s1</subscriptionId><event>Advanced Call</event>\
<expires>100</expires></subscription>
  <subscription><subscriptionId>s2</subscriptionId><targetIdType>Group</targetIdType>\
<targetGrpParentId>ent1</targetGrpParentId><targetId>grp1</targetId>\
<eventPackageList><event>Do Not Disturb</event><event>Call Forwarding Always</event>\
</eventPackageList><httpContact><uri>http://h/e</uri></httpContact></subscription>
</SubscriptionList>""".encode()
SERVICES = f"""<Services {NS}>
  <service><name>Call Forwarding Always</name>\
<uri>/v2.0/user/u@x/services/CallForwardingAlways</uri></service>
  <service><name>Three-Way Call</name><uri xmlns:i="http://www.w3.org/2001/XMLSchema-instance" \
i:nil="true"/></service>
</Services>""".encode()


# --- golden tests ----------------------------------------------------------------------------


def test_error_info_in_iso_8859_1() -> None:
    assert parse_error_info(ERROR_INFO) == ErrorInfo(
        summary_english="Phone Number already exists +1123456789.",
        summary="Phone Number already exists +1123456789.",
        error_code=8251,
    )


def test_error_info_decodes_latin_1_text() -> None:
    data = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><ErrorInfo xmlns="http://schema.broadsoft.com/'
        'xsi"><summary>Benutzer nicht gefunden: Müller</summary><summaryEnglish>User not found'
        "</summaryEnglish><errorCode>4008</errorCode></ErrorInfo>"
    ).encode("latin-1")
    info = parse_error_info(data)
    assert info.summary == "Benutzer nicht gefunden: Müller"
    assert info.summary_english == "User not found"
    assert info.error_code == 4008


def test_calls() -> None:
    assert parse_calls(CALLS) == (
        CallRef(
            call_id="callhalf-722:0",
            in_conference=False,
            uri="/v2.0/user/negi001@172.16.25.102/calls/callhalf-722:0",
        ),
    )


def test_calls_in_conference_and_empty() -> None:
    data = (
        f'<Calls {NS}><call inConference="true"><callId>a:0</callId></call>'
        f"<call><callId>a:1</callId></call></Calls>"
    ).encode()
    assert parse_calls(data) == (CallRef("a:0", True), CallRef("a:1", False))
    assert parse_calls(f"<Calls {NS}/>".encode()) == ()


def test_call_start_info() -> None:
    assert parse_call_start_info(CALL_START_INFO) == CallStartInfo("callhalf-488:0", "70:1")


def test_call_details() -> None:
    call = parse_call(CALL)
    assert call.call_id == "callhalf-770:0"
    assert call.ext_tracking_id == "97:1"
    assert call.personality is Personality.ORIGINATOR
    assert call.state is CallState.ACTIVE
    assert call.remote_party is not None
    assert call.remote_party.name == "Subhash negi002"
    assert call.remote_party.address == "tel:7002"
    assert call.remote_party.user_id == "negi002@172.16.25.102"
    assert call.remote_party.user_dn == "tel:+15006007002;ext=7002"
    assert call.remote_party.country_code == "1"
    assert call.remote_party.call_type == "Group"
    assert call.endpoint is not None
    assert call.endpoint.kind == EndpointKind.ACCESS
    assert call.endpoint.address == "5006007004@172.16.25.102"
    assert call.appearance == 1
    assert call.diversion_inhibited is True
    assert call.start_time == 1269437349112
    assert call.answer_time == 1269437354737


def test_conference() -> None:
    conference = parse_conference(CONFERENCE)
    assert conference.state == "Active"
    assert conference.appearance == 2
    assert conference.conference_type == "Barge-In"
    assert [(p.call_id, p.muted) for p in conference.participants] == [
        ("localhost1:0", False),
        ("localhost1:1", True),
    ]


def test_service_documents() -> None:
    assert parse_do_not_disturb(DND) == DoNotDisturb(active=False, ring_splash=False)
    assert parse_call_forwarding_always(CFA) == CallForwardingAlways(
        active=True, forward_to_phone_number="+91-2223334455", ring_splash=True
    )
    assert parse_call_forwarding_busy(CFB) == CallForwardingBusy(
        active=True, forward_to_phone_number="23234434223"
    )
    assert parse_call_forwarding_no_answer(CFNA) == CallForwardingNoAnswer(
        active=True, forward_to_phone_number="+1-221131313", number_of_rings=5
    )
    assert parse_remote_office(REMOTE_OFFICE) == RemoteOffice(
        active=True, remote_office_number="121212"
    )


def test_simultaneous_ring_personal() -> None:
    assert parse_simultaneous_ring_personal(SIM_RING) == SimultaneousRingPersonal(
        active=True,
        incoming_calls=SimRingIncomingCalls.DO_NOT_RING_IF_ON_A_CALL,
        locations=(
            SimRingLocation("+491701234567", answer_confirmation_required=True),
            SimRingLocation("tel:+4930123", answer_confirmation_required=False),
        ),
    )


def test_broadworks_anywhere() -> None:
    anywhere = parse_broadworks_anywhere(ANYWHERE)
    assert anywhere.alert_all_locations_for_click_to_dial_calls is True
    assert anywhere.alert_all_locations_for_group_paging_calls is False
    assert len(anywhere.locations) == 1
    location = anywhere.locations[0]
    assert isinstance(location, AnywhereLocation)
    assert (location.phone_number, location.active, location.description) == (
        "1701234567",
        True,
        "Handy",
    )
    assert location.country_code == "49"
    assert isinstance(anywhere, BroadWorksAnywhere)


def test_voice_messaging() -> None:
    assert parse_voice_messaging(VOICE_MESSAGING) == VoiceMessaging(
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
    )


def test_voice_messaging_with_only_the_redirect_switch() -> None:
    data = (
        f"<VoiceMessaging {NS}><active>true</active>"
        "<alwaysRedirectToVoiceMail>true</alwaysRedirectToVoiceMail></VoiceMessaging>"
    ).encode()
    assert parse_voice_messaging(data) == VoiceMessaging(
        active=True, always_redirect_to_voice_mail=True
    )


def test_services_list() -> None:
    assert parse_services(SERVICES) == (
        ServiceRef("Call Forwarding Always", "/v2.0/user/u@x/services/CallForwardingAlways"),
        ServiceRef("Three-Way Call", None),
    )


def test_profile() -> None:
    profile = parse_profile(PROFILE)
    assert profile.user_id == "negi001@172.16.25.102"
    assert profile.external_id == "39b8a245-644a-4a60-8f1d-8ec206c3a689"
    assert (profile.first_name, profile.last_name) == ("Subhash", "Negi")
    assert profile.group_id == "gp1"
    assert profile.service_provider == "sp1"
    assert profile.is_enterprise is False
    assert (profile.number, profile.extension) == ("5006007004", "7004")
    assert profile.mobile is None  # xsi:nil, with the XMLSchema-instance bound to "xsi"
    assert profile.email_address == "subhashnegi@gmail.com"
    assert profile.time_zone == "US/Central"
    assert profile.country_code == "1"


def test_profile_of_a_telekom_user_in_latin_1() -> None:
    data = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        '<p:Profile xmlns:p="http://schema.broadsoft.com/xsi"><p:details>'
        "<p:userId>jörg.müller@deutschland-lan.de</p:userId><p:firstName>Jörg</p:firstName>"
        "<p:lastName>Müller</p:lastName><p:groupId>G1</p:groupId>"
        '<p:serviceProvider isEnterprise="true">ENT1</p:serviceProvider>'
        "<p:number>+49301234567</p:number><p:extension>567</p:extension>"
        "<p:futureElement>ignored</p:futureElement></p:details>"
        "<p:additionalDetails><p:mobile>+491701234567</p:mobile></p:additionalDetails>"
        "<p:countryCode>49</p:countryCode><p:nationalPrefix>0</p:nationalPrefix>"
        "<p:timeZone>Europe/Berlin</p:timeZone></p:Profile>"
    ).encode("latin-1")
    profile = parse_profile(data)
    assert profile.user_id == "jörg.müller@deutschland-lan.de"
    assert (profile.first_name, profile.last_name) == ("Jörg", "Müller")
    assert (profile.service_provider, profile.is_enterprise) == ("ENT1", True)
    assert (profile.number, profile.extension) == ("+49301234567", "567")
    assert profile.mobile == "+491701234567"
    assert (profile.country_code, profile.national_prefix) == ("49", "0")
    assert profile.time_zone == "Europe/Berlin"


def test_fac() -> None:
    assert parse_fac(FAC) == (
        FeatureAccessCode("Night Service Activation Manual Override", "#70", "#60"),
        FeatureAccessCode("Call Forwarding Not Reachable Deactivation", "*95", None),
    )


def test_enterprise_directory() -> None:
    page = parse_enterprise_directory(ENTERPRISE)
    assert (page.start_index, page.number_of_records, page.total_available_records) == (1, 2, 2)
    assert page.entries == (
        DirectoryEntry(
            user_id="agent1@172.16.25.102",
            first_name="agent1",
            last_name="agent1",
            group_id="WebClientGrp1",
            number="+19008005006",
            extension="5006",
        ),
    )


def test_enterprise_directory_with_additional_details() -> None:
    data = (
        f"<Enterprise {NS}><startIndex>51</startIndex><numberOfRecords>1</numberOfRecords>"
        "<totalAvailableRecords>120</totalAvailableRecords><enterpriseDirectory>"
        "<directoryDetails><userId>a@x</userId><lastName>Schmidt</lastName>"
        "<firstNameUnicode>A</firstNameUnicode><additionalDetails><mobile>+4917</mobile>"
        "<emailAddress>a@x.de</emailAddress><title>Dr.</title><department>Vertrieb</department>"
        "</additionalDetails></directoryDetails></enterpriseDirectory></Enterprise>"
    ).encode()
    page = parse_enterprise_directory(data)
    assert page.start_index == 51
    assert page.total_available_records == 120
    assert page.entries == (
        DirectoryEntry(
            user_id="a@x",
            last_name="Schmidt",
            mobile="+4917",
            email_address="a@x.de",
            title="Dr.",
            department="Vertrieb",
        ),
    )


def test_subscription_responses() -> None:
    assert parse_subscription(SUBSCRIPTION) == Subscription(
        "bc123480-3c13-43d9-90d8-ae3c592346ab", expires=3600
    )
    assert parse_subscription(WIRE_SUBSCRIPTION) == Subscription(
        "98ed3939-c113-419c-8012-092556b85c66", expires=86400
    )


def test_subscription_query() -> None:
    assert parse_subscription(SUBSCRIPTION_QUERY) == Subscription(
        subscription_id="s1",
        expires=86000,
        subscriber_id="admin@x.de",
        target_type="User",
        target_id="user@x.de",
        events=("Advanced Call",),
        channel_set_id="set-1",
        application_id="cloudcti",
    )


def test_subscription_list() -> None:
    first, second = parse_subscription_list(SUBSCRIPTION_LIST)
    assert first == Subscription("s1", expires=100, events=("Advanced Call",))
    assert second == Subscription(
        "s2",
        target_type="Group",
        target_group_parent_id="ent1",
        target_id="grp1",
        events=("Do Not Disturb", "Call Forwarding Always"),
        http_contact_uri="http://h/e",
    )
    assert parse_subscription_list(f"<SubscriptionList {NS}/>".encode()) == ()


def test_channel_set() -> None:
    assert parse_channel_set(CHANNEL_SET) == (
        ChannelInfo("channelIdOne", 3700, "channelSetOne", 1, 50),
        ChannelInfo("channelIdTwo", 3600, "channelSetOne", 2, 50),
    )


def test_channel_update_response() -> None:
    assert parse_channel(WIRE_CHANNEL) == ChannelInfo(
        "64eddc79-b707-4827-aacd-487fb5cb8427", expires=86400
    )


# --- refusals --------------------------------------------------------------------------------

PARSERS: list[Callable[[bytes], object]] = [
    parse_error_info,
    parse_calls,
    parse_call_start_info,
    parse_call,
    parse_conference,
    parse_do_not_disturb,
    parse_call_forwarding_always,
    parse_call_forwarding_busy,
    parse_call_forwarding_no_answer,
    parse_remote_office,
    parse_simultaneous_ring_personal,
    parse_broadworks_anywhere,
    parse_voice_messaging,
    parse_services,
    parse_profile,
    parse_fac,
    parse_enterprise_directory,
    parse_subscription,
    parse_subscription_list,
    parse_channel,
    parse_channel_set,
]
GOLDEN = [
    ERROR_INFO,
    CALLS,
    CALL_START_INFO,
    CALL,
    CONFERENCE,
    DND,
    CFA,
    CFB,
    CFNA,
    REMOTE_OFFICE,
    SIM_RING,
    ANYWHERE,
    VOICE_MESSAGING,
    SERVICES,
    PROFILE,
    FAC,
    ENTERPRISE,
    SUBSCRIPTION,
    SUBSCRIPTION_LIST,
    WIRE_CHANNEL,
    CHANNEL_SET,
]
PAIRS = list(zip(PARSERS, GOLDEN, strict=True))


@pytest.mark.parametrize(("parse", "data"), PAIRS, ids=[p.__name__ for p in PARSERS])
def test_wrong_root_is_refused(parse: Callable[[bytes], object], data: bytes) -> None:
    other = CALL_START_INFO if data is not CALL_START_INFO else CALLS
    with pytest.raises(RemoteProtocolError, match="expected an Xsi"):
        parse(other)


@pytest.mark.parametrize(("parse", "data"), PAIRS, ids=[p.__name__ for p in PARSERS])
def test_wrong_namespace_is_refused(parse: Callable[[bytes], object], data: bytes) -> None:
    moved = data.replace(b"http://schema.broadsoft.com/xsi", b"http://example.com/xsi")
    with pytest.raises(RemoteProtocolError):
        parse(moved)


@pytest.mark.parametrize(
    ("parse", "data"),
    [
        (parse_call_start_info, f"<CallStartInfo {NS}><callId>c</callId></CallStartInfo>"),
        (parse_error_info, f"<ErrorInfo {NS}><errorCode>1</errorCode></ErrorInfo>"),
        (parse_error_info, f"<ErrorInfo {NS}><summaryEnglish>x</summaryEnglish><errorCode>x1"),
        (parse_calls, f'<Calls {NS}><call inConference="maybe"><callId>c</callId></call></Calls>'),
        (parse_calls, f"<Calls {NS}><call><uri>u</uri></call></Calls>"),
        (parse_subscription, f"<Subscription {NS}><expires>3600</expires></Subscription>"),
        (parse_subscription, f"<Subscription {NS}><subscriptionId>s</subscriptionId><expires/>"),
        (parse_channel, f"<Channel {NS}><channelId>c</channelId></Channel>"),
        (parse_channel, f"<Channel {NS}><channelId>c</channelId><expires>soon</expires></Channel>"),
        (parse_profile, f"<Profile {NS}><timeZone>x</timeZone></Profile>"),
        (parse_profile, f"<Profile {NS}><details><firstName>x</firstName></details></Profile>"),
        (parse_enterprise_directory, f"<Enterprise {NS}><startIndex>1</startIndex></Enterprise>"),
        (parse_do_not_disturb, f"<DoNotDisturb {NS}><active>yes</active></DoNotDisturb>"),
        (
            parse_voice_messaging,
            f"<VoiceMessaging {NS}><processing>x</processing></VoiceMessaging>",
        ),
        (parse_voice_messaging, f"<VoiceMessaging {NS}><active>2</active></VoiceMessaging>"),
        (parse_call, f"<Call {NS}><callId>c</callId></Call>"),
        (parse_fac, "not xml at all"),
        (parse_fac, ""),
    ],
)
def test_missing_or_malformed_fields_are_refused(
    parse: Callable[[bytes], object], data: str
) -> None:
    with pytest.raises(RemoteProtocolError):
        parse(data.encode())


def test_entity_attacks_are_refused() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<ErrorInfo xmlns="http://schema.broadsoft.com/xsi"><summaryEnglish>&x;</summaryEnglish>'
        b"<errorCode>1</errorCode></ErrorInfo>"
    )
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<FAC xmlns="http://schema.broadsoft.com/xsi"><featureAccessCode><code>&b;</code>'
        b"</featureAccessCode></FAC>"
    )
    with pytest.raises(RemoteProtocolError):
        parse_error_info(xxe)
    with pytest.raises(RemoteProtocolError):
        parse_fac(laughs)


def test_unknown_children_are_ignored() -> None:
    data = CFA.replace(
        b"<active>", b"<criteriaActivations><x>1</x></criteriaActivations><active>"
    ).replace(b"</CallForwardingAlways>", b"<other xmlns='urn:x'>y</other></CallForwardingAlways>")
    assert parse_call_forwarding_always(data) == parse_call_forwarding_always(CFA)


@given(
    index=st.integers(0, len(PAIRS) - 1),
    cut=st.integers(0, 2000),
    junk=st.binary(max_size=8),
    at=st.integers(0, 2000),
)
def test_mutated_documents_give_values_or_remote_protocol_error(
    index: int, cut: int, junk: bytes, at: int
) -> None:
    parse, data = PAIRS[index]
    at %= len(data) + 1
    mutated = (data[:at] + junk + data[at:])[: max(cut, 1)]
    try:
        value = parse(mutated)
    except RemoteProtocolError:
        return
    assert type(value) is type(parse(data))


@given(data=st.binary(max_size=300), index=st.integers(0, len(PARSERS) - 1))
def test_random_bytes_give_only_remote_protocol_error(data: bytes, index: int) -> None:
    parse, golden = PAIRS[index]
    try:
        value = parse(data)
    except RemoteProtocolError:
        return
    assert type(value) is type(parse(golden))
