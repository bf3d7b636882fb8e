"""The call flows of PROTOCOL.md §5, replayed through the line reducer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import pytest

from cloudcti.domain.calls import CallState, Device, Direction, Feature
from cloudcti.domain.events import (
    CallCreated,
    CallEnded,
    CallUpdated,
    DomainEvent,
    ForwardingUpdated,
    JournalEntryCreated,
    PresenceUpdated,
    ServiceReadRequired,
)
from cloudcti.domain.journal import JournalEntry, JournalStatus
from cloudcti.domain.lines import LineState, internal_calls
from cloudcti.domain.presence import ForwardingKind, PresenceState
from cloudcti.xsi import (
    CallAnsweredEvent,
    CallCollectingEvent,
    CallDetachedEvent,
    CallForwardedEvent,
    CallForwardingAlways,
    CallForwardingAlwaysEvent,
    CallHeldEvent,
    CallOriginatedEvent,
    CallOriginatingEvent,
    CallReceivedEvent,
    CallReleasedEvent,
    CallRetrievedEvent,
    ConferenceReleasedEvent,
    ConferenceStartedEvent,
    DoNotDisturb,
    DoNotDisturbEvent,
    Endpoint,
    EndpointKind,
    Event,
    HookStatus,
    Personality,
    Redirection,
    RedirectReason,
    ReleasingParty,
    VoiceMessaging,
    VoiceMessagingEvent,
)
from cloudcti.xsi import (
    CallState as X,
)
from tests.domain.domain_factories import (
    LINE,
    T0,
    Subscription,
    answered,
    conference,
    desk,
    fresh,
    held,
    leg,
    party,
    redirected,
    released,
)

OUT = Personality.ORIGINATOR
IN = Personality.TERMINATOR


def run(
    events: Iterable[Event], state: LineState | None = None
) -> tuple[LineState, list[DomainEvent]]:
    """Apply events in order; ``now`` runs a little ahead of the PBX's times."""
    state = state or fresh()
    out: list[DomainEvent] = []
    for i, event in enumerate(events):
        state, produced = state.apply(event, now=T0 + 100_000 + i)
        out.extend(produced)
    return state, out


def journal(events: list[DomainEvent]) -> list[JournalEntry]:
    return [e.entry for e in events if isinstance(e, JournalEntryCreated)]


def call_events(events: list[DomainEvent]) -> list[CallCreated | CallUpdated | CallEnded]:
    return [e for e in events if isinstance(e, CallCreated | CallUpdated | CallEnded)]


def test_1_outgoing_call_answered_remote_hangs_up() -> None:
    s = Subscription()
    dialled = leg(personality=OUT, state=X.ALERTING)
    talk = answered(dialled, T0 + 5_000)
    state, events = run(
        [
            s.hook(HookStatus.OFF_HOOK),
            s.call(CallOriginatedEvent, dialled),
            s.call(CallAnsweredEvent, talk),
            s.call(CallReleasedEvent, released(talk, T0 + 65_000)),
            s.hook(HookStatus.ON_HOOK),
        ]
    )
    created, active, ended = call_events(events)
    assert isinstance(created, CallCreated)
    assert created.call.state is CallState.DIALING
    assert created.call.direction is Direction.OUTBOUND
    assert created.call.features == (Feature.DROP,)
    assert created.call.remote.number == "+493022334455"
    assert created.call.remote.display == "030 22334455"
    assert isinstance(active, CallUpdated)
    assert active.call.state is CallState.ACTIVE
    assert active.call.device is Device.PRIMARY
    assert active.call.features == (
        Feature.DROP,
        Feature.HOLD,
        Feature.TRANSFER,
        Feature.CONSULT,
        Feature.RELOCATE,
    )
    assert isinstance(ended, CallEnded)
    assert ended.call.state is CallState.ENDED
    assert ended.call.ended_at == T0 + 65_000
    assert ended.call.features == ()
    (entry,) = journal(events)
    assert entry.status is JournalStatus.ANSWERED
    assert entry.duration_s == 60
    assert entry.device is Device.PRIMARY
    assert state.calls == ()
    assert state.hook_status is HookStatus.ON_HOOK
    presence = [e.presence.state for e in events if isinstance(e, PresenceUpdated)]
    assert presence == [PresenceState.BUSY, PresenceState.AVAILABLE]


def test_2_click_to_dial_keeps_the_call_id_through_originated() -> None:
    s = Subscription()
    ringing_own_phone = leg(personality=Personality.CLICK_TO_DIAL)
    dialling = leg(personality=OUT)
    state, events = run(
        [
            s.call(CallOriginatingEvent, ringing_own_phone),
            s.call(CallOriginatedEvent, dialling),
        ]
    )
    (created,) = [e for e in events if isinstance(e, CallCreated)]
    assert created.call.state is CallState.DIALING
    assert created.call.direction is Direction.OUTBOUND
    assert [c.state for c in state.calls] == [CallState.DIALING]
    state, events = run(
        [
            s.call(CallAnsweredEvent, answered(dialling, T0 + 3_000)),
            s.call(CallReleasedEvent, released(answered(dialling, T0 + 3_000), T0 + 9_000)),
        ],
        state,
    )
    assert [e.status for e in journal(events)] == [JournalStatus.ANSWERED]


def test_2_aborted_click_to_dial_is_not_reached() -> None:
    s = Subscription()
    ringing_own_phone = leg(personality=Personality.CLICK_TO_DIAL)
    _, events = run(
        [
            s.call(CallOriginatingEvent, ringing_own_phone),
            s.call(
                CallReleasedEvent,
                released(ringing_own_phone, T0 + 20_000, ReleasingParty.LOCAL),
            ),
        ]
    )
    assert [e.status for e in journal(events)] == [JournalStatus.NOT_REACHED]


def test_3_incoming_call_answered() -> None:
    s = Subscription()
    ringing = leg(
        remote="tel:771", user_dn="tel:+4989887766771;ext=771", name="Bob", tracking="108:1"
    )
    talk = answered(ringing, T0 + 4_000)
    state, events = run([s.call(CallReceivedEvent, ringing), s.call(CallAnsweredEvent, talk)])
    created = events[0]
    assert isinstance(created, CallCreated)
    assert created.call.state is CallState.RINGING
    assert created.call.direction is Direction.INBOUND
    assert created.call.features == (Feature.ANSWER, Feature.REJECT)
    assert created.call.remote.number == "+4989887766771"
    assert created.call.remote.display == "771"
    assert created.call.remote.name == "Bob"
    assert created.call.tracking_id == "108:1"
    assert [e.presence.state for e in events if isinstance(e, PresenceUpdated)] == [
        PresenceState.RINGING,
        PresenceState.BUSY,
    ]
    (call,) = state.calls
    assert call.state is CallState.ACTIVE
    assert call.answered_at == T0 + 4_000
    _, events = run([s.call(CallReleasedEvent, released(talk, T0 + 10_000))], state)
    assert [e.status for e in journal(events)] == [JournalStatus.ANSWERED]


@pytest.mark.parametrize(
    ("by", "cause", "status"),
    [
        (ReleasingParty.REMOTE, None, JournalStatus.MISSED),
        (ReleasingParty.LOCAL, None, JournalStatus.REJECTED),
        (ReleasingParty.REMOTE, "Busy", JournalStatus.BUSY),
    ],
)
def test_3_incoming_call_not_answered(
    by: ReleasingParty, cause: str | None, status: JournalStatus
) -> None:
    s = Subscription()
    ringing = leg()
    _, events = run(
        [
            s.call(CallReceivedEvent, ringing),
            s.call(CallReleasedEvent, released(ringing, T0 + 30_000, by, cause)),
        ]
    )
    (entry,) = journal(events)
    assert entry.status is status
    assert entry.answered_at is None
    assert entry.duration_s == 0


@pytest.mark.parametrize(
    ("reason", "status", "voicemail"),
    [
        (RedirectReason.UNCONDITIONAL, JournalStatus.FORWARDED, False),
        (RedirectReason.VOICEMAIL, JournalStatus.VOICEMAIL, True),
        (RedirectReason.NO_ANSWER, JournalStatus.FORWARDED, False),
        (RedirectReason.DEFLECTION, JournalStatus.FORWARDED, False),
        (RedirectReason.DO_NOT_DISTURB, JournalStatus.DND, False),
        (RedirectReason.FOLLOW_ME, JournalStatus.ANSWERED_ELSEWHERE, False),
    ],
)
def test_4_incoming_call_redirected_by_services(
    reason: str, status: JournalStatus, voicemail: bool
) -> None:
    s = Subscription()
    ringing = leg()
    away = redirected(ringing, reason, T0 + 1_000, to="tel:+4915112345678")
    state, events = run(
        [
            s.call(CallReceivedEvent, ringing),
            s.redirected(away),
            s.call(CallReleasedEvent, released(away, T0 + 50_000)),
        ]
    )
    ended = [e for e in events if isinstance(e, CallEnded)]
    assert len(ended) == 1, "the late CallReleased of a redirected leg changes nothing"
    assert ended[0].call.ended_at == T0 + 1_000
    assert ended[0].call.voicemail is voicemail
    assert [e.status for e in journal(events)] == [status]
    assert state.calls == ()


def test_4_caller_side_sees_the_call_forwarded_to_voicemail() -> None:
    s = Subscription()
    dialling = leg(personality=OUT, remote="tel:7770")
    forwarded = replace(
        dialling,
        redirections=(Redirection(reason=RedirectReason.VOICEMAIL),),
        remote_party=party("tel:*86"),
    )
    state, events = run(
        [s.call(CallOriginatedEvent, dialling), s.call(CallForwardedEvent, forwarded)]
    )
    (call,) = state.calls
    assert call.voicemail
    assert call.remote.display == "*86"
    assert [type(e) for e in call_events(events)] == [CallCreated, CallUpdated]
    talk = answered(forwarded, T0 + 2_000)
    _, events = run(
        [s.call(CallAnsweredEvent, talk), s.call(CallReleasedEvent, released(talk, T0 + 9_000))],
        state,
    )
    assert [e.status for e in journal(events)] == [JournalStatus.VOICEMAIL]


def test_5_incoming_call_blocked_by_dnd() -> None:
    s = Subscription()
    ringing = leg()
    state, events = run([s.service(DoNotDisturbEvent, info=DoNotDisturb(active=True))])
    assert [type(e) for e in events] == [ForwardingUpdated, PresenceUpdated]
    assert state.presence.state is PresenceState.DND
    _, events = run(
        [
            s.call(CallReceivedEvent, ringing),
            s.call(CallReleasedEvent, released(ringing, T0 + 1_000)),
        ],
        state,
    )
    assert [e.status for e in journal(events)] == [JournalStatus.DND]


def test_6_hold_retrieve_and_remote_hold() -> None:
    s = Subscription()
    talk = answered(leg(), T0 + 1_000)
    state, _ = run([s.call(CallReceivedEvent, leg()), s.call(CallAnsweredEvent, talk)])
    state, events = run([s.call(CallHeldEvent, held(talk, T0 + 2_000))], state)
    (update,) = call_events(events)
    assert update.call.state is CallState.HELD
    assert update.call.features == (Feature.DROP, Feature.UNHOLD, Feature.TRANSFER)
    assert state.presence.state is PresenceState.BUSY
    state, _ = run([s.call(CallRetrievedEvent, talk)], state)
    assert state.calls[0].state is CallState.ACTIVE
    state, _ = run([s.call(CallHeldEvent, replace(talk, state=X.REMOTE_HELD))], state)
    (call,) = state.calls
    assert call.state is CallState.ACTIVE
    assert call.remote_held


def test_7_blind_transfer_of_an_answered_call() -> None:
    s = Subscription()
    talk = answered(leg(), T0 + 1_000)
    _, events = run(
        [
            s.call(CallReceivedEvent, leg()),
            s.call(CallAnsweredEvent, talk),
            s.redirected(redirected(talk, RedirectReason.TRANSFER, T0 + 9_000, to="tel:7770")),
            s.call(CallReleasedEvent, released(talk, T0 + 9_001)),
        ]
    )
    (entry,) = journal(events)
    assert entry.status is JournalStatus.ANSWERED
    assert entry.ended_at == T0 + 9_000


def test_8_consultative_transfer() -> None:
    s = Subscription()
    first = answered(leg("callhalf-1:0"), T0 + 1_000)
    first_held = held(first, T0 + 5_000)
    consult = leg("callhalf-1:1", personality=OUT, remote="tel:7770", start=T0 + 6_000)
    consult_talk = answered(consult, T0 + 8_000)
    state, _ = run(
        [
            s.call(CallReceivedEvent, leg("callhalf-1:0")),
            s.call(CallAnsweredEvent, first),
            s.call(CallHeldEvent, first_held),
            s.call(CallOriginatedEvent, consult),
            s.call(CallAnsweredEvent, consult_talk),
        ]
    )
    by_id = {c.id: c for c in state.calls}
    assert by_id["callhalf-1:1"].consult_of == "callhalf-1:0"
    assert by_id["callhalf-1:1"].remote.display == "7770"
    assert Feature.SWAP in by_id["callhalf-1:1"].features
    assert Feature.CONFERENCE in by_id["callhalf-1:1"].features
    assert Feature.CONFERENCE in by_id["callhalf-1:0"].features
    state, events = run(
        [
            s.redirected(
                redirected(first_held, RedirectReason.TRANSFER, T0 + 20_000),
                redirected(consult_talk, RedirectReason.TRANSFER, T0 + 20_000),
            ),
            s.call(CallReleasedEvent, released(first_held, T0 + 20_001)),
            s.call(CallReleasedEvent, released(consult_talk, T0 + 20_001)),
        ],
        state,
    )
    assert state.calls == ()
    assert [e.status for e in journal(events)] == [JournalStatus.ANSWERED] * 2
    assert len([e for e in events if isinstance(e, CallEnded)]) == 2


def test_9_three_way_conference() -> None:
    s = Subscription()
    a = answered(leg("c:0"), T0 + 1_000)
    b = answered(leg("c:1", personality=OUT, remote="tel:7770", start=T0 + 3_000), T0 + 4_000)
    state, _ = run(
        [
            s.call(CallReceivedEvent, leg("c:0")),
            s.call(CallAnsweredEvent, a),
            s.call(CallHeldEvent, held(a, T0 + 2_000)),
            s.call(CallOriginatedEvent, b),
            s.call(CallAnsweredEvent, b),
            s.call(CallRetrievedEvent, a),
        ]
    )
    state, events = run([s.conference(ConferenceStartedEvent, conference("c:0", "c:1"))], state)
    assert {type(e) for e in events} == {CallUpdated}
    ids = {c.conference_id for c in state.calls}
    assert len(ids) == 1
    assert None not in ids
    assert all(Feature.CONFERENCE not in c.features for c in state.calls)
    state, events = run(
        [
            s.conference(ConferenceReleasedEvent, conference(state="Released")),
            s.call(CallReleasedEvent, released(a, T0 + 30_000)),
            s.call(CallReleasedEvent, released(b, T0 + 30_000)),
        ],
        state,
    )
    assert state.calls == ()
    assert state.conference is None
    assert len(journal(events)) == 2


def test_10_feature_code_dialled_on_the_phone() -> None:
    s = Subscription()
    fac = leg(personality=OUT, remote="tel:*72+4915112345678")
    state, events = run(
        [
            s.call(CallCollectingEvent, fac),
            s.call(CallReleasedEvent, released(fac, T0 + 2_000, ReleasingParty.REMOTE)),
            s.service(
                CallForwardingAlwaysEvent,
                info=CallForwardingAlways(
                    active=True, forward_to_phone_number="tel:+4915112345678"
                ),
            ),
        ]
    )
    assert journal(events) == [], "a feature code is no call for the journal"
    (update,) = [e for e in events if isinstance(e, ForwardingUpdated)]
    assert update.forwarding.always.enabled
    assert update.forwarding.always.destination == "+4915112345678"
    assert state.presence.state is PresenceState.FORWARDED
    assert state.presence.forwarding.kind is ForwardingKind.NUMBER
    assert state.presence.forwarding.target == "+4915112345678"


def test_10_voicemail_switch_by_feature_code_asks_for_a_service_read() -> None:
    s = Subscription()
    fac = leg(personality=OUT, remote="tel:*21")
    state, events = run([s.call(CallOriginatedEvent, fac)])
    assert ServiceReadRequired(LINE, "VoiceMessaging") in events
    state, events = run([s.service(VoiceMessagingEvent, active=True)], state)
    assert events == [ServiceReadRequired(LINE, "VoiceMessaging")]
    state, events = state.with_service(
        VoiceMessaging(active=True, always_redirect_to_voice_mail=True), T0
    )
    assert state.forwarding.voicemail.enabled
    assert state.forwarding.voicemail.confirmed
    assert state.forwarding.voicemail.number == "*86"
    assert any(isinstance(e, ForwardingUpdated) for e in events)


def test_11_call_pull_to_the_mobile() -> None:
    s = Subscription()
    talk = answered(leg("p:0"), T0 + 1_000)
    mobile = Endpoint(EndpointKind.BROADWORKS_MOBILITY, "+4915112345678")
    pulled = answered(leg("p:1", personality=OUT, start=T0 + 9_000), T0 + 9_500, endpoint=mobile)
    state, _ = run(
        [
            s.call(CallReceivedEvent, leg("p:0")),
            s.call(CallAnsweredEvent, talk),
            s.call(CallOriginatedEvent, replace(pulled, state=X.ALERTING, endpoint=mobile)),
            s.call(CallAnsweredEvent, pulled),
            s.call(CallReleasedEvent, released(talk, T0 + 9_600, ReleasingParty.LOCAL)),
        ]
    )
    (call,) = state.calls
    assert call.device is Device.MOBILE
    assert Feature.RELOCATE in call.features
    assert call.remote.number == "+493022334455"


@pytest.mark.parametrize(
    ("endpoint", "device", "status"),
    [
        (EndpointKind.ACCESS, Device.PRIMARY, JournalStatus.ANSWERED),
        (EndpointKind.REMOTE_OFFICE, Device.REMOTE_OFFICE, JournalStatus.ANSWERED),
        (EndpointKind.BROADWORKS_ANYWHERE, Device.PARALLEL, JournalStatus.ANSWERED_ELSEWHERE),
        (EndpointKind.BROADWORKS_MOBILITY, Device.MOBILE, JournalStatus.ANSWERED_ELSEWHERE),
    ],
)
def test_device_from_the_endpoint_and_relocate_except_on_remote_office(
    endpoint: EndpointKind, device: Device, status: JournalStatus
) -> None:
    s = Subscription()
    talk = answered(leg(), T0 + 1_000, endpoint=Endpoint(endpoint, "+4915112345678"))
    state, _ = run([s.call(CallReceivedEvent, leg()), s.call(CallAnsweredEvent, talk)])
    (call,) = state.calls
    assert call.device is device
    assert (Feature.RELOCATE in call.features) is (device is not Device.REMOTE_OFFICE)
    assert Feature.TRANSFER in call.features
    _, events = run([s.call(CallReleasedEvent, released(talk, T0 + 5_000))], state)
    (entry,) = journal(events)
    assert entry.status is status
    assert entry.device is device


def test_calls_of_two_monitored_lines_share_the_tracking_id() -> None:
    alice, bob = Subscription("sub-a"), Subscription("sub-b")
    out = leg("a:0", personality=OUT, remote="tel:7770", tracking="536:1")
    into = leg("b:0", remote="tel:771", tracking="536:1")
    alice_state, _ = run([alice.call(CallOriginatedEvent, out)])
    bob_state, _ = run([bob.call(CallReceivedEvent, into)])
    bob_state = replace(bob_state, config=replace(bob_state.config, line_id="line-bob"))
    (pair,) = internal_calls([alice_state, bob_state]).values()
    assert {c.id for c in pair} == {"a:0", "b:0"}
    assert internal_calls([alice_state]) == {}


def test_a_snapshot_ends_calls_the_pbx_no_longer_has() -> None:
    s = Subscription()
    talk = answered(leg("x:0"), T0 + 1_000)
    state, _ = run([s.call(CallReceivedEvent, leg("x:0")), s.call(CallAnsweredEvent, talk)])
    other = answered(leg("y:0", start=T0 + 50_000), T0 + 51_000)
    state, events = run([s.snapshot(other)], state)
    kinds = [type(e) for e in call_events(events)]
    assert kinds == [CallCreated, CallEnded]
    (entry,) = journal(events)
    assert entry.call_id == "x:0"
    assert entry.status is JournalStatus.ANSWERED
    assert [c.id for c in state.calls] == ["y:0"]


def test_late_events_of_an_ended_call_do_not_revive_it() -> None:
    s = Subscription()
    ringing = leg()
    talk = answered(ringing, T0 + 1_000)
    answered_event = s.call(CallAnsweredEvent, talk)
    state, _ = run(
        [s.call(CallReceivedEvent, ringing), s.call(CallReleasedEvent, released(ringing, T0))]
    )
    state, events = run([answered_event], state)
    assert events == []
    assert state.calls == ()


def test_an_older_event_of_the_same_subscription_is_ignored() -> None:
    s = Subscription()
    ringing = leg()
    received = s.call(CallReceivedEvent, ringing)
    answered_event = s.call(CallAnsweredEvent, answered(ringing, T0 + 1_000))
    state, _ = run([answered_event, received])
    assert state.calls[0].state is CallState.ACTIVE


def test_simultaneous_ring_answered_elsewhere_is_parallel_despite_the_desk_endpoint() -> None:
    s = Subscription()
    ringing = replace(leg(), endpoint=desk())
    away = redirected(ringing, RedirectReason.FOLLOW_ME, T0 + 3_000, to="tel:+4917099887766")
    _, events = run(
        [
            s.call(CallReceivedEvent, ringing),
            s.redirected(away),
            s.call(CallReleasedEvent, released(away, T0 + 3_000)),
        ]
    )
    (ended,) = [e.call for e in events if isinstance(e, CallEnded)]
    assert ended.device is Device.PARALLEL
    (entry,) = journal(events)
    assert (entry.status, entry.device) == (JournalStatus.ANSWERED_ELSEWHERE, Device.PARALLEL)


def test_dnd_release_with_cause_busy_is_dnd_when_dnd_is_known() -> None:
    s = Subscription()
    state, _ = run([s.service(DoNotDisturbEvent, info=DoNotDisturb(active=True))])
    ringing = leg()
    _, events = run(
        [
            s.call(CallReceivedEvent, ringing),
            s.call(
                CallReleasedEvent, released(ringing, T0 + 10, ReleasingParty.LOCAL, cause="Busy")
            ),
        ],
        state,
    )
    assert [e.status for e in journal(events)] == [JournalStatus.DND]


def test_dnd_to_the_voice_portal_is_dnd_and_the_call_is_marked_voicemail() -> None:
    s = Subscription()
    config = replace(fresh().config, voice_portal="+4989887766999")
    ringing = leg()
    away = redirected(ringing, RedirectReason.DO_NOT_DISTURB, T0 + 10, to="tel:+4989887766999")
    _, events = run([s.call(CallReceivedEvent, ringing), s.redirected(away)], LineState.new(config))
    (ended,) = [e.call for e in events if isinstance(e, CallEnded)]
    assert ended.voicemail
    assert [e.status for e in journal(events)] == [JournalStatus.DND]


def test_no_answer_forwarding_to_the_voice_portal_is_voicemail() -> None:
    s = Subscription()
    config = replace(fresh().config, voice_portal="+4989887766999")
    ringing = leg()
    away = redirected(ringing, RedirectReason.NO_ANSWER, T0 + 10, to="tel:+4989887766999")
    _, events = run([s.call(CallReceivedEvent, ringing), s.redirected(away)], LineState.new(config))
    (ended,) = [e.call for e in events if isinstance(e, CallEnded)]
    assert ended.voicemail
    assert [e.status for e in journal(events)] == [JournalStatus.VOICEMAIL]


def test_detached_without_redirect_is_answered_elsewhere() -> None:
    """A colleague picked the ringing call up: no longer presented to the user."""
    s = Subscription()
    ringing = leg()
    gone = replace(ringing, state=X.DETACHED, detached_time=T0 + 4_000)
    _, events = run(
        [
            s.call(CallReceivedEvent, ringing),
            s.call(CallDetachedEvent, gone),
            s.call(CallReleasedEvent, released(gone, T0 + 4_001)),
        ]
    )
    (entry,) = journal(events)
    assert entry.status is JournalStatus.ANSWERED_ELSEWHERE
    assert entry.ended_at == T0 + 4_000
