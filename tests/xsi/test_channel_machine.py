"""The channel-set machine: each rule of PROTOCOL.md §3.2–3.3 and §4.1, driven with explicit
``(input, now)`` sequences, plus properties over random sequences of inputs and times."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudcti.xsi import (
    SEQUENCE_MAX,
    Action,
    Apply,
    Call,
    CallReceivedEvent,
    CallState,
    CallSubscriptionEvent,
    CallSubscriptionResyncEvent,
    Channel,
    ChannelConfig,
    ChannelHeartBeat,
    ChannelMachine,
    ChannelTerminatedEvent,
    ChannelTerminationReason,
    DeleteChannel,
    Disconnect,
    DoNotDisturbEvent,
    Envelope,
    ErrorEvent,
    Event,
    HookStatus,
    HookStatusEvent,
    LocalProtocolError,
    Personality,
    Reconnect,
    RefreshChannel,
    RefreshSubscription,
    Resubscribe,
    Resync,
    SendAck,
    SendHeartbeat,
    Stop,
    SubscriptionEvent,
    SubscriptionTerminatedEvent,
    UnknownEvent,
)

A, B = "xsp1.example", "xsp2.example"
INTERVAL = ChannelConfig().heartbeat_interval
QUIET = ChannelConfig(event_timeout=1e9, silence_timeout=2e9)  # no heartbeat in the way


def envelope(event_id: str, seq: int, sub: str = "sub-1") -> Envelope:
    return Envelope(
        event_id=event_id,
        sequence_number=seq,
        user_id="monitor@example.com",
        external_application_id="cloudcti-test",
        subscription_id=sub,
        channel_id="ch",
        target_id="alice@example.com",
    )


def hook(event_id: str, seq: int, sub: str = "sub-1") -> HookStatusEvent:
    return HookStatusEvent(envelope(event_id, seq, sub), hook_status=HookStatus.OFF_HOOK)


T = TypeVar("T", bound=Action)


def of(actions: list[Action], kind: type[T]) -> list[T]:
    return [a for a in actions if isinstance(a, kind)]


def machine_open(
    hosts: tuple[str, ...] = (A,), config: ChannelConfig | None = None, expires: int = 3600
) -> ChannelMachine:
    """A machine started at t=0 whose channels (``ch-<host>``) opened at t=0."""
    machine = ChannelMachine(hosts, config)
    assert machine.start(0.0) == [Reconnect(h, "start") for h in hosts]
    for h in hosts:
        assert machine.channel_opened(h, Channel(f"ch-{h}", expires), 0.0) == []
    return machine


# --- heartbeat ---------------------------------------------------------------------------


def test_nothing_is_scheduled_before_a_channel_is_open() -> None:
    machine = ChannelMachine([A, B])
    assert machine.next_deadline() is None
    machine.start(0.0)
    assert machine.next_deadline() is None


def test_heartbeat_every_half_event_timeout() -> None:
    machine = machine_open()
    assert machine.next_deadline() == 15.0
    assert machine.tick(14.9) == []
    assert machine.tick(15.0) == [SendHeartbeat(A, f"ch-{A}")]
    assert machine.receive(A, ChannelHeartBeat(), 15.1) == []  # the echo: no ack, no action
    assert machine.next_deadline() == 30.0


def test_heartbeat_interval_follows_configured_event_timeout() -> None:
    machine = machine_open(config=ChannelConfig(event_timeout=20.0, silence_timeout=30.0))
    assert machine.next_deadline() == 10.0
    assert of(machine.tick(10.0), SendHeartbeat) == [SendHeartbeat(A, f"ch-{A}")]


def test_each_host_has_its_own_heartbeat() -> None:
    machine = ChannelMachine([A, B])
    machine.start(0.0)
    machine.channel_opened(A, Channel("ch-a", 3600), 0.0)
    machine.channel_opened(B, Channel("ch-b", 3600), 4.0)
    assert machine.tick(15.0) == [SendHeartbeat(A, "ch-a")]
    assert machine.next_deadline() == 19.0
    assert machine.tick(19.0) == [SendHeartbeat(B, "ch-b")]


def test_a_late_caller_gets_due_timers_with_any_input() -> None:
    machine = machine_open()
    actions = machine.receive(A, hook("e1", 1), 16.0)
    assert actions[0] == SendHeartbeat(A, f"ch-{A}")
    deadline = machine.next_deadline()
    assert deadline is not None
    assert deadline > 16.0


def test_heartbeat_404_reconnects_now() -> None:
    machine = machine_open()
    machine.tick(15.0)
    assert machine.heartbeat_result(A, f"ch-{A}", 404, 15.2) == [
        Reconnect(A, "heartbeat failed (404)")
    ]
    assert machine.channels == {}


@pytest.mark.parametrize("status", [500, 503, None])
def test_other_heartbeat_errors_retry_sooner_without_teardown(status: int | None) -> None:
    machine = machine_open()
    machine.tick(15.0)
    assert machine.heartbeat_result(A, f"ch-{A}", status, 15.5) == []
    assert machine.channels == {A: f"ch-{A}"}
    assert machine.next_deadline() == 20.5
    assert machine.tick(20.5) == [SendHeartbeat(A, f"ch-{A}")]


def test_heartbeat_401_stops_everything() -> None:
    machine = machine_open()
    machine.tick(15.0)
    assert machine.heartbeat_result(A, f"ch-{A}", 401, 15.1) == [
        Stop(f"heartbeat failed (401) on {A}")
    ]
    assert machine.stopped
    assert machine.next_deadline() is None


def test_a_result_for_an_old_channel_is_ignored() -> None:
    machine = machine_open()
    machine.receive(A, ChannelTerminatedEvent(f"ch-{A}", "Expired"), 1.0)
    machine.channel_opened(A, Channel("ch-new", 3600), 2.0)
    assert machine.heartbeat_result(A, f"ch-{A}", 404, 3.0) == []
    assert machine.stream_ended(A, f"ch-{A}", 3.0) == []
    assert machine.channels == {A: "ch-new"}


def test_silence_means_a_dead_stream() -> None:
    machine = machine_open()
    machine.tick(15.0)
    machine.tick(30.0)  # heartbeats went out, no echo ever came back
    assert machine.next_deadline() == 40.0
    assert machine.tick(40.0) == [Reconnect(A, "no data for 40 s")]


def test_any_document_keeps_the_stream_alive() -> None:
    machine = machine_open()
    machine.receive(A, ErrorEvent(1, "oops"), 35.0)
    actions = machine.tick(45.0)
    assert of(actions, Reconnect) == []
    assert machine.channels == {A: f"ch-{A}"}


# --- refresh ---------------------------------------------------------------------------


def test_channel_refresh_at_half_the_granted_expiry() -> None:
    machine = ChannelMachine([A], ChannelConfig(event_timeout=1e9, silence_timeout=2e9))
    machine.start(0.0)
    # The document of the open channel comes through receive() just as well.
    machine.receive(A, Channel("ch", 86400), 0.0)  # 3600 asked, 86400 granted (§3.2 wire)
    assert machine.next_deadline() == 43200.0
    assert machine.tick(43200.0) == [RefreshChannel(A, "ch")]
    machine.channel_refreshed(A, "ch", 7200, 43201.0)
    assert machine.next_deadline() == 43201.0 + 3600.0


def test_unanswered_channel_refresh_is_retried() -> None:
    machine = ChannelMachine([A], ChannelConfig(event_timeout=1e9, silence_timeout=2e9))
    machine.start(0.0)
    machine.channel_opened(A, Channel("ch", 3600), 0.0)
    assert machine.tick(1800.0) == [RefreshChannel(A, "ch")]
    assert machine.channel_refresh_failed(A, "ch", 500, 1801.0) == []
    assert machine.tick(1860.0) == [RefreshChannel(A, "ch")]
    assert machine.channel_refresh_failed(A, "ch", 404, 1861.0) == [
        Reconnect(A, "channel refresh failed (404)")
    ]


def test_subscription_refresh_at_half_its_granted_expiry() -> None:
    machine = machine_open(config=QUIET, expires=10**9)
    machine.subscription_added("alice", "sub-1", 86400, 10.0)
    assert machine.next_deadline() == 10.0 + 43200.0
    assert machine.tick(43210.0) == [RefreshSubscription("sub-1", "alice")]
    assert machine.next_deadline() == 43210.0 + 60.0  # retried if no answer comes
    machine.subscription_refreshed("sub-1", 3600, 43211.0)
    assert machine.next_deadline() == 43211.0 + 1800.0


@pytest.mark.parametrize("status", [403, 404])
def test_a_subscription_the_pbx_forgot_is_recreated(status: int) -> None:
    machine = machine_open()
    machine.subscription_added("alice", "sub-1", 3600, 0.0)
    machine.tick(1800.0)
    assert machine.subscription_refresh_failed("sub-1", status, 1800.5) == [
        Resubscribe("alice", f"refresh failed ({status})")
    ]
    assert machine.subscriptions == {}


def test_subscription_refresh_transient_error_is_retried() -> None:
    machine = machine_open(config=QUIET, expires=10**9)
    machine.subscription_added("alice", "sub-1", 3600, 0.0)
    machine.tick(1800.0)
    assert machine.subscription_refresh_failed("sub-1", 503, 1800.5) == []
    assert machine.tick(1860.0) == [RefreshSubscription("sub-1", "alice")]


# --- acknowledgements ------------------------------------------------------------------------

CALL = Call(
    call_id="callhalf-1:0",
    ext_tracking_id="1:1",
    personality=Personality.TERMINATOR,
    state=CallState.ALERTING,
    start_time=1_700_000_000_000,
)

ACKED: list[SubscriptionEvent] = [
    CallReceivedEvent(envelope("e1", 1), call=CALL),
    HookStatusEvent(envelope("e2", 2), hook_status=HookStatus.ON_HOOK),
    CallSubscriptionEvent(envelope("e3", 3), hook_status=HookStatus.ON_HOOK),
    DoNotDisturbEvent(envelope("e4", 4)),
    UnknownEvent(envelope("e5", 5), type_name="FutureEvent", raw=b"<x/>"),
    SubscriptionTerminatedEvent(envelope("e6", 6)),
]


@pytest.mark.parametrize("event", ACKED, ids=lambda e: type(e).__name__)
def test_every_subscription_event_is_acked_to_its_host(event: SubscriptionEvent) -> None:
    machine = machine_open((A, B))
    actions = machine.receive(B, event, 1.0)
    assert of(actions, SendAck) == [SendAck(B, event.event_id)]
    assert of(actions, Apply) == [Apply(event)]
    assert actions.index(Apply(event)) < actions.index(SendAck(B, event.event_id))
    assert SendAck(B, event.event_id).reason == "OK"


@pytest.mark.parametrize(
    "event",
    [
        ChannelHeartBeat(),
        ErrorEvent(500, "internal"),
        ChannelTerminatedEvent(f"ch-{A}", ChannelTerminationReason.EXPIRED),
        Channel(f"ch-{A}", 3600),
    ],
    ids=lambda e: type(e).__name__,
)
def test_channel_documents_are_never_acked(event: Event) -> None:
    machine = machine_open()
    assert of(machine.receive(A, event, 1.0), SendAck) == []


def test_an_undecodable_event_is_answered_400() -> None:
    machine = machine_open()
    ack = SendAck(A, "e-bad", 400)
    assert machine.receive_undecodable(A, "e-bad", 1.0) == [ack]
    assert ack.reason == "Cannot process"


def test_a_redelivered_event_is_acked_again_but_not_applied() -> None:
    machine = machine_open((A, B))
    assert of(machine.receive(A, hook("e1", 1), 1.0), Apply) == [Apply(hook("e1", 1))]
    again = machine.receive(B, hook("e1", 1), 2.0)
    assert again == [SendAck(B, "e1")]


def test_the_memory_of_event_ids_is_bounded() -> None:
    machine = machine_open(config=ChannelConfig(dedupe_memory=3))
    for n in range(4):
        machine.receive(A, hook(f"e{n}", n + 1), 1.0)
    assert of(machine.receive(A, hook("e0", 1), 2.0), Apply) == [Apply(hook("e0", 1), late=True)]
    assert of(machine.receive(A, hook("e3", 4), 2.0), Apply) == []


def test_events_of_a_subscription_not_recorded_yet_are_accepted() -> None:
    machine = machine_open()
    snapshot = CallSubscriptionEvent(envelope("e1", 1, "sub-new"), hook_status=HookStatus.ON_HOOK)
    assert machine.receive(A, snapshot, 1.0) == [Apply(snapshot), SendAck(A, "e1")]
    machine.subscription_added("alice", "sub-new", 3600, 1.002)
    assert machine.receive(A, hook("e2", 2, "sub-new"), 2.0) == [
        Apply(hook("e2", 2, "sub-new")),
        SendAck(A, "e2"),
    ]


def test_events_of_a_subscription_we_removed_are_answered_481() -> None:
    machine = machine_open()
    machine.subscription_added("alice", "sub-1", 3600, 0.0)
    machine.subscription_removed("sub-1", 1.0)
    actions = machine.receive(A, hook("e1", 7), 2.0)
    assert actions == [SendAck(A, "e1", 481)]
    assert SendAck(A, "e1", 481).reason == "Unknown subscription"
    machine.subscription_added("alice", "sub-1", 3600, 3.0)  # the same id again: ours again
    assert of(machine.receive(A, hook("e2", 8), 4.0), Apply) == [Apply(hook("e2", 8))]


def test_subscription_terminated_is_acked_and_recreated() -> None:
    machine = machine_open()
    machine.subscription_added("alice", "sub-1", 3600, 0.0)
    event = SubscriptionTerminatedEvent(envelope("e1", 4))
    assert machine.receive(A, event, 1.0) == [
        Apply(event),
        Resubscribe("alice", "subscription terminated"),
        SendAck(A, "e1"),
    ]
    assert machine.subscriptions == {}


# --- sequence numbers ------------------------------------------------------------------------


def test_a_gap_that_persists_past_the_reorder_window_resyncs() -> None:
    machine = machine_open()
    machine.subscription_added("alice", "sub-1", 3600, 0.0)
    machine.receive(A, hook("e1", 1), 1.0)
    machine.receive(A, hook("e3", 3), 1.5)
    assert machine.next_deadline() == 3.5
    assert machine.tick(3.4) == []
    assert machine.tick(3.5) == [Resync("sub-1", "alice", "sequence gap")]
    # The lost event turns up after all: applied (marked late), no second resync.
    assert machine.receive(A, hook("e2", 2), 4.0) == [
        Apply(hook("e2", 2), late=True),
        SendAck(A, "e2"),
    ]
    machine.receive(A, hook("e4", 4), 4.1)
    assert of(machine.tick(10.0), Resync) == []


def test_a_late_arrival_that_fills_the_gap_cancels_it() -> None:
    machine = machine_open((A, B))
    machine.receive(A, hook("e1", 1), 1.0)
    machine.receive(A, hook("e3", 3), 1.0)
    machine.receive(A, hook("e4", 4), 1.2)
    actions = machine.receive(B, hook("e2", 2), 2.9)  # via the other host, just in time
    assert of(actions, Apply) == [Apply(hook("e2", 2), late=True)]
    assert machine.next_deadline() == 15.0  # only the heartbeats are left
    assert of(machine.tick(15.0), Resync) == []


def test_the_window_restarts_for_a_second_gap_behind_the_first() -> None:
    machine = machine_open()
    machine.receive(A, hook("e1", 1), 0.0)
    machine.receive(A, hook("e3", 3), 0.0)  # 2 missing since 0.0
    machine.receive(A, hook("e5", 5), 1.5)  # 4 missing since 1.5
    machine.receive(A, hook("e2", 2), 1.8)
    assert machine.next_deadline() == 3.5
    assert of(machine.tick(3.5), Resync) == [Resync("sub-1", None, "sequence gap")]


def test_sequence_numbers_wrap_to_one() -> None:
    machine = machine_open()
    machine.receive(A, hook("e1", SEQUENCE_MAX - 1), 1.0)
    machine.receive(A, hook("e2", SEQUENCE_MAX), 1.1)
    machine.receive(A, hook("e3", 1), 1.2)
    machine.receive(A, hook("e4", 2), 1.3)
    assert of(machine.tick(15.0), Resync) == []
    machine.receive(A, hook("e6", 4), 15.1)
    assert of(machine.tick(17.1), Resync) == [Resync("sub-1", None, "sequence gap")]


def test_sequences_are_per_subscription() -> None:
    machine = machine_open()
    machine.receive(A, hook("e1", 1, "sub-1"), 1.0)
    machine.receive(A, hook("e2", 1, "sub-2"), 1.0)
    machine.receive(A, hook("e3", 2, "sub-2"), 1.0)
    machine.receive(A, hook("e4", 2, "sub-1"), 1.0)
    assert of(machine.tick(15.0), Resync) == []


def test_too_many_events_beyond_a_gap_resync_at_once() -> None:
    machine = machine_open(config=ChannelConfig(max_reorder=3))
    machine.receive(A, hook("e1", 1), 1.0)
    for seq in (3, 4, 5):
        assert of(machine.receive(A, hook(f"e{seq}", seq), 1.0), Resync) == []
    assert of(machine.receive(A, hook("e6", 6), 1.0), Resync) == [
        Resync("sub-1", None, "sequence gap")
    ]
    assert machine.next_deadline() == 15.0


def test_call_subscription_resync_event_resyncs_and_is_the_new_baseline() -> None:
    machine = machine_open()
    machine.subscription_added("alice", "sub-1", 3600, 0.0)
    machine.receive(A, hook("e1", 41), 1.0)
    resync = CallSubscriptionResyncEvent(envelope("e2", 1), hook_status=HookStatus.ON_HOOK)
    assert machine.receive(A, resync, 2.0) == [
        Apply(resync),
        Resync("sub-1", "alice", "CallSubscriptionResyncEvent"),
        SendAck(A, "e2"),
    ]
    machine.receive(A, hook("e3", 2), 2.1)  # numbering restarted after the AS failover
    assert of(machine.tick(15.0), Resync) == []


# --- termination and reconnects --------------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    [
        ChannelTerminationReason.EXPIRED,
        ChannelTerminationReason.NON_RESPONSIVE_CHANNEL,
        ChannelTerminationReason.UNKNOWN_CHANNEL,
        ChannelTerminationReason.EXPLICIT_DELETE,  # not ours (we are not closing)
        "SomeFutureReason",
    ],
)
def test_termination_reconnects_that_host(reason: str) -> None:
    machine = machine_open((A, B))
    assert machine.receive(A, ChannelTerminatedEvent(f"ch-{A}", reason), 1.0) == [
        Reconnect(A, reason)
    ]
    assert machine.channels == {B: f"ch-{B}"}
    assert machine.stream_ended(A, f"ch-{A}", 1.1) == []  # the stream closing after it: nothing


@pytest.mark.parametrize(
    "reason",
    [ChannelTerminationReason.DUPLICATE_CHANNEL_SET, ChannelTerminationReason.USER_DELETED],
)
def test_termination_that_must_not_loop_stops(reason: str) -> None:
    machine = machine_open((A, B))
    assert machine.receive(A, ChannelTerminatedEvent(f"ch-{A}", reason), 1.0) == [
        Stop(f"{reason} on {A}")
    ]
    assert machine.receive(B, ChannelTerminatedEvent(f"ch-{B}", reason), 1.1) == []
    assert machine.next_deadline() is None
    assert machine.tick(1000.0) == []
    # A channel that still opens afterwards is deleted, not adopted.
    assert machine.channel_opened(A, Channel("late", 3600), 2.0) == [DeleteChannel(A, "late")]
    # Whatever still arrives is answered.
    assert of(machine.receive(B, hook("e1", 1), 3.0), SendAck) == [SendAck(B, "e1")]


def test_stream_end_reconnects() -> None:
    machine = machine_open()
    assert machine.stream_ended(A, f"ch-{A}", 5.0) == [Reconnect(A, "stream ended")]


def test_repeated_failures_back_off_exponentially_up_to_a_cap() -> None:
    config = ChannelConfig(backoff_base=1.0, backoff_cap=4.0)
    machine = ChannelMachine([A], config)
    machine.start(0.0)
    assert machine.open_failed(A, 503, 0.0) == [Reconnect(A, "channel open failed (503)")]
    now, delays = 0.0, []
    for _ in range(4):
        (disconnect,) = machine.open_failed(A, None, now)
        assert isinstance(disconnect, Disconnect)
        delays.append(disconnect.retry_at - now)
        assert machine.next_deadline() == disconnect.retry_at
        now = disconnect.retry_at
        assert machine.tick(now) == [Reconnect(A, "channel open failed (None)")]
    assert delays == [1.0, 2.0, 4.0, 4.0]


def test_a_sign_of_life_resets_the_backoff() -> None:
    machine = machine_open()
    machine.stream_ended(A, f"ch-{A}", 1.0)
    machine.channel_opened(A, Channel("ch-2", 3600), 1.5)
    assert isinstance(machine.stream_ended(A, "ch-2", 2.0)[0], Disconnect)
    machine.tick(3.0)
    machine.channel_opened(A, Channel("ch-3", 3600), 3.5)
    machine.receive(A, ChannelHeartBeat(), 4.0)
    assert machine.stream_ended(A, "ch-3", 5.0) == [Reconnect(A, "stream ended")]


def test_backoff_jitter_comes_from_the_given_rng() -> None:
    def second_delay(seed: int) -> float:
        machine = ChannelMachine([A], rng=random.Random(seed))
        machine.start(0.0)
        machine.open_failed(A, 500, 0.0)
        (disconnect,) = machine.open_failed(A, 500, 0.0)
        assert isinstance(disconnect, Disconnect)
        return disconnect.retry_at

    assert second_delay(7) == second_delay(7)
    assert 0.5 <= second_delay(7) <= 1.0


def test_open_rejected_with_401_stops() -> None:
    machine = ChannelMachine([A, B])
    machine.start(0.0)
    assert machine.open_failed(A, 401, 0.5) == [Stop("channel open rejected (401)")]


def test_after_a_reconnect_every_subscription_is_resynced() -> None:
    machine = machine_open((A, B))
    machine.subscription_added("alice", "sub-1", 3600, 0.0)
    machine.subscription_added("bob", "sub-2", 3600, 0.0)
    machine.receive(A, ChannelTerminatedEvent(f"ch-{A}", "NonResponsiveChannel"), 5.0)
    assert machine.channel_opened(A, Channel("ch-2", 3600), 6.0) == [
        Resync("sub-1", "alice", "channel reconnected"),
        Resync("sub-2", "bob", "channel reconnected"),
    ]


def test_the_first_open_of_a_host_does_not_resync() -> None:
    machine = ChannelMachine([A, B])
    machine.start(0.0)
    machine.channel_opened(A, Channel("ch-a", 3600), 0.0)
    machine.subscription_added("alice", "sub-1", 3600, 0.5)
    machine.open_failed(B, 503, 0.6)
    assert machine.channel_opened(B, Channel("ch-b", 3600), 1.0) == []


def test_close_deletes_channels_and_stops_when_they_are_gone() -> None:
    machine = machine_open((A, B))
    assert machine.close(1.0) == [DeleteChannel(A, f"ch-{A}"), DeleteChannel(B, f"ch-{B}")]
    terminated = ChannelTerminatedEvent(f"ch-{A}", ChannelTerminationReason.EXPLICIT_DELETE)
    assert machine.receive(A, terminated, 1.1) == []
    assert machine.stream_ended(B, f"ch-{B}", 1.2) == [Stop("closed")]
    assert machine.stopped


def test_close_gives_up_waiting_after_the_silence_timeout() -> None:
    machine = machine_open()
    machine.close(1.0)
    assert machine.next_deadline() == 40.0  # no more heartbeats, just the watchdog
    assert machine.tick(40.0) == [Stop("closed")]


def test_misuse_is_a_local_protocol_error() -> None:
    with pytest.raises(LocalProtocolError):
        ChannelMachine([])
    with pytest.raises(LocalProtocolError):
        ChannelMachine([A, A])
    with pytest.raises(LocalProtocolError):
        ChannelConfig(event_timeout=30.0, silence_timeout=10.0)
    with pytest.raises(LocalProtocolError):
        ChannelConfig(reorder_window=0.0)
    with pytest.raises(LocalProtocolError):
        machine_open().receive("elsewhere", ChannelHeartBeat(), 1.0)


# --- properties over random input sequences ----------------------------------------------------

HOSTS = (A, B)
SUBS = ("sub-1", "sub-2", "sub-3")
# Weighted by repetition: the rare inputs (stop, close) must not end most runs early.
REASONS = (
    *[ChannelTerminationReason.EXPIRED] * 3,
    ChannelTerminationReason.NON_RESPONSIVE_CHANNEL,
    ChannelTerminationReason.UNKNOWN_CHANNEL,
    ChannelTerminationReason.EXPLICIT_DELETE,
    ChannelTerminationReason.DUPLICATE_CHANNEL_SET,
    ChannelTerminationReason.USER_DELETED,
)
STATUSES = (*[200] * 8, 401, 403, 404, 404, 500, 500, None, None)

hosts = st.sampled_from(HOSTS)
statuses = st.sampled_from(STATUSES)
expiries = st.sampled_from([0, 60, 3600, 86400])

subscription_events = st.tuples(
    st.just("event"),
    hosts,
    st.sampled_from(SUBS),
    st.sampled_from([1, 1, 1, 1, 2, 3, 0, -1, -2]),  # sequence step: gaps, reorders, repeats
    st.integers(0, 60),  # eventID from a small pool: redeliveries
    st.sampled_from(["hook"] * 6 + ["unknown", "terminated", "resync"]),
)
stream_inputs = st.one_of(
    st.tuples(st.sampled_from(["echo", "echo", "error", "undecodable", "stream_ended"]), hosts),
    st.tuples(st.just("terminated_channel"), hosts, st.sampled_from(REASONS)),
    st.tuples(st.just("open"), hosts, expiries),
    st.tuples(st.just("answer_heartbeat"), statuses),
)
results = st.one_of(
    st.tuples(
        st.sampled_from(["open_failed", "heartbeat", "channel_refresh_failed"]),
        hosts,
        statuses,
    ),
    st.tuples(st.just("channel_refreshed"), hosts, expiries),
    st.tuples(st.just("sub_added"), st.sampled_from(SUBS), expiries),
    st.tuples(st.just("sub_refreshed"), st.sampled_from(SUBS), expiries),
    st.tuples(st.just("sub_refresh_failed"), st.sampled_from(SUBS), statuses),
    st.tuples(st.just("sub_removed"), st.sampled_from(SUBS)),
)
steps = st.sampled_from([subscription_events] * 4 + [stream_inputs] * 2 + [results]).flatmap(
    lambda strategy: strategy
)
delays = st.one_of(st.floats(0.0, 3.0), st.floats(0.0, 60.0), st.just(0.0))


@dataclass
class Driver:
    """Plays the caller: calls ``tick`` at every deadline and checks each answer."""

    machine: ChannelMachine
    now: float = 0.0
    channel_no: int = 0
    sequence: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUBS, 1))
    applied: set[str] = field(default_factory=set)
    last_beat: dict[str, tuple[str, float]] = field(default_factory=dict)
    heartbeats: int = 0
    unanswered: list[SendHeartbeat] = field(default_factory=list)
    closing: bool = False

    def call(self, method: Callable[..., list[Action]], *args: object, event_id: str = "") -> None:
        before = self.machine.stopped
        actions = method(*args, self.now)
        acks = of(actions, SendAck)
        # (1) exactly one ack per delivered ackable event, and none for anything else
        if event_id:
            assert [a.event_id for a in acks] == [event_id]
        else:
            assert acks == []
        applies = of(actions, Apply)
        if acks and acks[0].status == 200 and event_id not in self.applied:
            assert [a.event.event_id for a in applies] == [event_id]
            self.applied.add(event_id)
        else:
            assert applies == []
        if before:  # after Stop only answers come out, and a channel opened late is deleted
            assert all(isinstance(a, SendAck | Apply | DeleteChannel) for a in actions)
        # (2) no heartbeat deadline passes on a live channel
        for action in of(actions, SendHeartbeat):
            channel, last = self.last_beat[action.host]
            assert channel == action.channel_id
            assert self.now - last <= INTERVAL + 1e-9
            self.last_beat[action.host] = (channel, self.now)
            self.heartbeats += 1
            self.unanswered.append(action)
        for host, channel in self.machine.channels.items():
            if self.last_beat.get(host, ("", 0.0))[0] != channel:
                self.last_beat[host] = (channel, self.now)
            if not self.machine.stopped and not self.closing:
                assert self.now - self.last_beat[host][1] <= INTERVAL + 1e-9
        # (3) the next deadline is never in the past
        deadline = self.machine.next_deadline()
        assert deadline is None or deadline > self.now
        if self.machine.stopped:
            assert deadline is None
        self.closing = self.closing or method == self.machine.close

    def advance(self, delay: float) -> None:
        until = self.now + delay
        while (deadline := self.machine.next_deadline()) is not None and deadline <= until:
            self.now = deadline
            self.call(self.machine.tick)
        self.now = until

    def step(self, step: tuple[object, ...]) -> None:
        kind, *args = step
        machine = self.machine
        channel = machine.channels.get(str(args[0])) if args else None
        if kind == "answer_heartbeat":  # the oldest heartbeat PUT returns, and its echo
            live = set(machine.channels.values())
            self.unanswered = [beat for beat in self.unanswered if beat.channel_id in live]
            if self.unanswered:
                beat = self.unanswered.pop(0)
                self.call(machine.heartbeat_result, beat.host, beat.channel_id, args[0])
                if args[0] == 200:
                    self.call(machine.receive, beat.host, ChannelHeartBeat())
        elif kind == "event":
            host, sub, jump, pool, flavour = args
            assert isinstance(sub, str)
            assert isinstance(jump, int)
            seq = (self.sequence[sub] + jump - 1) % SEQUENCE_MAX + 1
            self.sequence[sub] = seq
            env = envelope(f"e{pool}", seq, sub)
            event: SubscriptionEvent = {
                "hook": HookStatusEvent(env, hook_status=HookStatus.ON_HOOK),
                "unknown": UnknownEvent(env, type_name="X", raw=b"<x/>"),
                "terminated": SubscriptionTerminatedEvent(env),
                "resync": CallSubscriptionResyncEvent(env, hook_status=HookStatus.ON_HOOK),
            }[str(flavour)]
            self.call(machine.receive, host, event, event_id=env.event_id)
        elif kind == "echo":
            self.call(machine.receive, args[0], ChannelHeartBeat())
        elif kind == "error":
            self.call(machine.receive, args[0], ErrorEvent(503, "busy"))
        elif kind == "undecodable":
            self.call(machine.receive_undecodable, args[0], "bad", event_id="bad")
        elif kind == "stream_ended":
            self.call(machine.stream_ended, args[0], channel or "gone")
        elif kind == "terminated_channel":
            terminated = ChannelTerminatedEvent(channel or "gone", str(args[1]))
            self.call(machine.receive, args[0], terminated)
        elif kind == "open":
            self.channel_no += 1
            opened = Channel(f"ch{self.channel_no}", int(str(args[1])))
            self.call(machine.channel_opened, args[0], opened)
        elif kind == "open_failed":
            self.call(machine.open_failed, args[0], args[1])
        elif kind == "heartbeat":
            self.call(machine.heartbeat_result, args[0], channel or "gone", args[1])
        elif kind == "channel_refresh_failed":
            self.call(machine.channel_refresh_failed, args[0], channel or "gone", args[1])
        elif kind == "channel_refreshed":
            self.call(machine.channel_refreshed, args[0], channel or "gone", args[1])
        elif kind == "sub_added":
            self.call(machine.subscription_added, f"target-{args[0]}", args[0], args[1])
        elif kind == "sub_refreshed":
            self.call(machine.subscription_refreshed, args[0], args[1])
        elif kind == "sub_refresh_failed":
            self.call(machine.subscription_refresh_failed, args[0], args[1])
        else:
            self.call(machine.subscription_removed, args[0])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(delays, steps), min_size=5, max_size=80),
    st.none() | st.integers(0, 80),
    st.floats(0.0, 500.0),
)
def test_random_sequences_keep_acks_heartbeats_and_deadlines(
    schedule: list[tuple[float, tuple[object, ...]]], close_at: int | None, tail: float
) -> None:
    driver = Driver(ChannelMachine(HOSTS, rng=random.Random(0)))
    driver.call(driver.machine.start)
    for n, (delay, step) in enumerate(schedule):
        driver.advance(delay)
        if n == close_at:
            driver.call(driver.machine.close)
        driver.step(step)
    driver.advance(tail)


def test_the_random_driver_sees_heartbeats_on_a_quiet_channel() -> None:
    driver = Driver(ChannelMachine(HOSTS))
    driver.call(driver.machine.start)
    driver.step(("open", A, 3600))
    for _ in range(10):
        driver.advance(7.0)
        driver.step(("echo", A))
    assert driver.heartbeats == 4


quarters = st.integers(0, 32).map(lambda n: n / 4)  # exact: ties and boundaries do occur


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([1, 1000, SEQUENCE_MAX - 4]),
    st.lists(st.tuples(quarters, st.booleans()), min_size=1, max_size=12),
)
def test_a_gap_resyncs_exactly_when_it_outlives_the_window(
    base: int, later: list[tuple[float, bool]]
) -> None:
    """Event 0 (the baseline) arrives at t=0, event k at ``later[k-1]`` unless dropped.

    A missing event k becomes visible when the first event beyond it arrives (``seen``); it
    must turn up before ``seen + window``. The first Resync comes exactly at the earliest
    such deadline that was missed, and never if none was missed."""
    window = ChannelConfig().reorder_window
    arrivals = {k: t for k, (t, dropped) in enumerate(later, start=1) if not dropped}
    missed: list[float] = []
    for k in range(1, len(later) + 1):
        beyond = [t for j, t in arrivals.items() if j > k]
        if beyond:
            seen = min(beyond)
            if k not in arrivals or arrivals[k] >= seen + window:
                missed.append(seen + window)
    expected = min(missed, default=None)

    config = ChannelConfig(event_timeout=1e6, silence_timeout=2e6)
    driver = Driver(ChannelMachine([A], config))
    machine = driver.machine
    machine.start(0.0)
    machine.channel_opened(A, Channel("ch", 10**9), 0.0)
    resync_at: list[float] = []

    def deliver(k: int) -> None:
        seq = (base + k - 1) % SEQUENCE_MAX + 1
        actions = machine.receive(A, hook(f"e{k}", seq), driver.now)
        resync_at.extend(driver.now for _ in of(actions, Resync))

    def advance(until: float) -> None:
        while (deadline := machine.next_deadline()) is not None and deadline <= until:
            assert deadline > driver.now
            driver.now = deadline
            resync_at.extend(driver.now for _ in of(machine.tick(deadline), Resync))
        driver.now = until

    deliver(0)
    for k, t in sorted(arrivals.items(), key=lambda item: item[1]):
        advance(t)
        deliver(k)
    advance(100.0)
    assert (resync_at[0] if resync_at else None) == expected
