"""parse_event against the spec's samples and real wire traffic (PROTOCOL.md §3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cloudcti.xsi import (
    CallForwardingAlways,
    CallForwardingAlwaysEvent,
    CallForwardingBusyEvent,
    CallHeldEvent,
    CallReceivedEvent,
    CallRedirectedEvent,
    CallReleasedEvent,
    CallReleasingEvent,
    CallState,
    CallSubscriptionEvent,
    Channel,
    ChannelHeartBeat,
    ChannelTerminatedEvent,
    ConferenceReleasedEvent,
    ConferenceStartedEvent,
    DoNotDisturbEvent,
    EndpointKind,
    HookStatus,
    HookStatusEvent,
    Personality,
    RedirectReason,
    ReleasingParty,
    SubscriptionTerminatedEvent,
    parse_event,
)
from tests.xsi import xsi_samples as samples

ALL_SAMPLES = {
    name: value
    for name, value in vars(samples).items()
    if name.isupper() and isinstance(value, bytes) and not name.startswith(("ENVELOPE", "REMOTE"))
}


@pytest.mark.parametrize("name", sorted(ALL_SAMPLES))
def test_every_sample_is_valid_against_the_official_schema(
    name: str, assert_xsd_valid: Callable[[bytes], None]
) -> None:
    assert_xsd_valid(ALL_SAMPLES[name])


def test_wire_channel_document_gives_the_granted_expiry() -> None:
    assert parse_event(samples.WIRE_CHANNEL) == Channel(
        channel_id="64eddc79-b707-4827-aacd-487fb5cb8427", expires=86400
    )


def test_wire_initial_snapshot_of_an_idle_line() -> None:
    event = parse_event(samples.WIRE_SUBSCRIPTION_EVENT)
    assert isinstance(event, CallSubscriptionEvent)
    envelope = event.envelope
    assert envelope.event_id == "957d0482-6cdd-4189-b477-19c6793f113a"
    assert envelope.sequence_number == 1
    assert envelope.user_id == "username@qsc.de"
    assert envelope.external_application_id == "KIWI-XSIEvents responsetime checker 1.0.3"
    assert envelope.subscription_id == "98ed3939-c113-419c-8012-092556b85c66"
    assert envelope.channel_id == "64eddc79-b707-4827-aacd-487fb5cb8427"
    assert envelope.target_id is None
    assert event.hook_status is HookStatus.ON_HOOK
    assert event.calls == ()
    assert event.conference is None


def test_heartbeat_and_channel_terminated() -> None:
    assert parse_event(samples.HEARTBEAT) == ChannelHeartBeat()
    assert parse_event(samples.DUPLICATE_CHANNEL_SET) == ChannelTerminatedEvent(
        channel_id="a8fdaeff-5810-44b8-aa1e-27193b9d3b92", reason="DuplicateChannelSet"
    )


def test_call_received_envelope_and_call() -> None:
    event = parse_event(samples.CALL_RECEIVED)
    assert isinstance(event, CallReceivedEvent)
    assert event.event_id == "eaf8103b-1e6f-4f72-b254-8a719ff3ea90"
    assert event.envelope.sequence_number == 6
    assert event.envelope.user_id == "adminCTI@broadsoft.com@broadsoft.com"
    assert event.envelope.external_application_id == "AppCtlId"
    assert event.envelope.target_id == "subscriberS3@broadsoft.com"
    call = event.call
    assert call.call_id == "callhalf-12215:0"
    assert call.ext_tracking_id == "108:1"
    assert call.personality is Personality.TERMINATOR
    assert call.state is CallState.ALERTING
    assert call.start_time == 1271273072015
    party = call.remote_party
    assert party is not None
    assert party.name == "subscriberS1FirstName subscriberS1LastName"
    assert party.address == "tel:1011"
    assert party.user_id == "subscriberS1@broadsoft.com"
    assert party.user_dn == "tel:+15006001011;ext=1011"
    assert party.country_code == "1"
    assert party.call_type == "Group"
    assert call.endpoint is None
    assert call.answer_time is None


def test_call_held_has_endpoint_flags_and_times() -> None:
    event = parse_event(samples.CALL_HELD)
    assert isinstance(event, CallHeldEvent)
    call = event.call
    assert call.state is CallState.HELD
    assert call.endpoint is not None
    assert call.endpoint.kind is EndpointKind.ACCESS
    assert call.endpoint.address == "5006001011@broadsoft.com"
    assert call.appearance == 1
    assert call.allow_retrieve is True
    assert call.allow_answer is False
    assert (call.start_time, call.answer_time, call.held_time) == (
        1271265744119,
        1271265745924,
        1271265909363,
    )


def test_call_releasing_carries_the_release_cause() -> None:
    event = parse_event(samples.CALL_RELEASING)
    assert isinstance(event, CallReleasingEvent)
    cause = event.call.release_cause
    assert cause is not None
    assert cause.internal_release_cause == "User Not Found"
    assert cause.cdr_termination_cause == "111"
    assert cause.q850_cause is None
    assert event.call.state is CallState.ACTIVE
    assert event.call.remote_party is not None
    assert event.call.remote_party.call_type == "Network"


def test_call_released_by_the_remote_party() -> None:
    event = parse_event(samples.CALL_RELEASED)
    assert isinstance(event, CallReleasedEvent)
    assert event.call.state is CallState.RELEASED
    assert event.call.releasing_party is ReleasingParty.REMOTE
    assert event.call.release_time == 1271269018907


def test_call_redirected_by_consultative_transfer() -> None:
    event = parse_event(samples.CALL_REDIRECTED)
    assert isinstance(event, CallRedirectedEvent)
    first, second = event.calls
    assert first.call_id == "callhalf-63883:0"
    assert first.state is CallState.HELD
    assert second.state is CallState.DETACHED
    assert second.detached_time == 1271798576166
    for call, address in ((first, "tel:1013"), (second, "tel:1012")):
        assert call.redirect is not None
        assert call.redirect.reason == RedirectReason.TRANSFER
        assert call.redirect.address == address
        assert call.redirect.redirect_time == 1271798576165
        assert call.ext_tracking_id == "536:1"


def test_call_subscription_snapshot_with_an_active_call() -> None:
    event = parse_event(samples.CALL_SUBSCRIPTION)
    assert isinstance(event, CallSubscriptionEvent)
    assert event.hook_status is HookStatus.OFF_HOOK
    (call,) = event.calls
    assert call.call_id == "callhalf-2427:0"
    assert call.state is CallState.ACTIVE
    assert call.remote_party is not None
    assert call.remote_party.user_dn == "tel:+15146987603;ext=603"
    assert call.answer_time == 1292254496345


def test_hook_status_event() -> None:
    event = parse_event(samples.HOOK_STATUS)
    assert isinstance(event, HookStatusEvent)
    assert event.hook_status is HookStatus.OFF_HOOK


def test_conference_started_and_released() -> None:
    started = parse_event(samples.CONFERENCE_STARTED)
    assert isinstance(started, ConferenceStartedEvent)
    conference = started.conference
    assert conference.state == "Active"
    assert conference.appearance == 2
    assert conference.endpoint is not None
    assert conference.endpoint.address == "5006001011@broadsoft.com"
    assert [p.call_id for p in conference.participants] == [
        "callhalf-24131:0",
        "callhalf-24131:1",
    ]
    released = parse_event(samples.CONFERENCE_RELEASED)
    assert isinstance(released, ConferenceReleasedEvent)
    assert released.conference.state == "Released"
    assert released.conference.participants == ()


def test_subscription_terminated_is_a_subscription_event() -> None:
    event = parse_event(samples.SUBSCRIPTION_TERMINATED)
    assert isinstance(event, SubscriptionTerminatedEvent)
    assert event.event_id == "eaf8103b-1e6f-4f72-b254-8a719ff3ea90"


def test_service_events() -> None:
    cfa = parse_event(samples.CFA)
    assert isinstance(cfa, CallForwardingAlwaysEvent)
    assert cfa.info == CallForwardingAlways(
        active=True, forward_to_phone_number="tel:1020", ring_splash=True
    )
    assert cfa.unassigned is False
    dnd = parse_event(samples.DND)
    assert isinstance(dnd, DoNotDisturbEvent)
    assert dnd.info is not None
    assert (dnd.info.active, dnd.info.ring_splash) == (True, True)
    cfb = parse_event(samples.CFB)
    assert isinstance(cfb, CallForwardingBusyEvent)
    assert cfb.info is not None
    assert cfb.info.active is False
    assert cfb.info.forward_to_phone_number is None
