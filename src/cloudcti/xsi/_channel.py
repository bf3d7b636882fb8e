"""The channel-set rules of Xsi-Events as a pure state machine (PROTOCOL.md §3.2–3.3, §4.1).

A ``ChannelMachine`` models one channel set of one installation: one streaming channel per
Xsi host, and the set's subscriptions. It does no I/O and reads no clock: every input carries
``now`` (monotonic seconds, owned by the caller), every method returns the actions to carry
out, in order, and ``next_deadline()`` says when ``tick(now)`` is due. Every method first runs
the timers due at ``now``, so after any call ``next_deadline()`` lies in the future.

    input (method)                              actions it can return
    start                                       Reconnect(h, "start") for every host
    channel_opened(host, Channel)               Resync of every subscription after a re-open
    open_failed(host, status)                   Reconnect | Disconnect (backoff) | Stop (401)
    receive(host, SubscriptionEvent)            Apply (not for a duplicate eventID or a
                                                subscription we deleted) + SendAck;
                                                CallSubscriptionResyncEvent → + Resync,
                                                SubscriptionTerminatedEvent → + Resubscribe
    receive(host, ChannelTerminatedEvent)       Stop | Reconnect | Disconnect (no ack, ever)
    receive(host, Channel | ChannelHeartBeat | ErrorEvent)   as channel_opened | nothing
    receive_undecodable(host, event_id)         SendAck(400)
    stream_ended(host, channel_id)              Reconnect | Disconnect
    heartbeat_result(host, channel_id, status)  404 → Reconnect, 401 → Stop, else retry sooner
    channel_refreshed / channel_refresh_failed  reschedule | as heartbeat_result
    subscription_added / _refreshed / _removed  (bookkeeping)
    subscription_refresh_failed(id, status)     403/404 → Resubscribe, 401 → Stop, else retry
    close                                       DeleteChannel for each channel; Stop("closed")
                                                once all of them ended
    tick                                        SendHeartbeat, RefreshChannel,
                                                RefreshSubscription, Reconnect (after backoff
                                                or silence), Resync (sequence gap)

Decisions the protocol leaves open:

* ``Reconnect(host)`` means "drop the stream of that host, open a new channel there now"; the
  first loss is retried at once, further losses without a sign of life in between wait an
  exponential backoff (``Disconnect`` says so and carries the time of the retry). A heartbeat
  echo or a subscription event on the new channel resets the backoff.
* ``DuplicateChannelSet`` (another instance took over), ``UserDeleted`` (the monitoring user is
  gone) and any 401 (a rejected credential is never hammered) stop the whole machine.
* After a channel was lost and reopened, every recorded subscription is resynced: events in
  flight on the lost channel may be gone, and state after a reconnect is never guessed.
* Sequence numbers count per subscription, wrap from 2147483647 to 1, and the first one seen
  is the baseline. A gap becomes a ``Resync`` only once it has been open for the reorder
  window, measured from the arrival of the first event beyond it; an event that arrives
  behind a newer one is still applied but marked ``late``.
* Events of subscriptions not recorded yet are applied and acked 200 (the snapshot can beat
  the subscribe response); only subscriptions we removed ourselves are answered 481.
* Acks do not depend on the machine's state: every subscription event delivered is answered
  exactly once, even after ``Stop``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from cloudcti.xsi._errors import LocalProtocolError
from cloudcti.xsi._events import (
    CallSubscriptionResyncEvent,
    Channel,
    ChannelHeartBeat,
    ChannelTerminatedEvent,
    ChannelTerminationReason,
    Event,
    SubscriptionEvent,
    SubscriptionTerminatedEvent,
)

SEQUENCE_MAX = 2_147_483_647
"""The largest ``sequenceNumber``; the next one is 1."""

_HALF_CYCLE = SEQUENCE_MAX // 2
_MIN_REFRESH = 1.0  # seconds; guards against a granted expiry of 0 or less
_DELETED_MEMORY = 1024


# --- configuration -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """Timing of one channel set, in seconds; defaults follow PROTOCOL.md §3.2 and §4.2."""

    event_timeout: float = 30.0
    """The XSP's ``eventTimeout``: a heartbeat is sent every half of it."""
    silence_timeout: float = 40.0
    """No document at all on an open channel for this long: the stream is dead."""
    heartbeat_retry: float = 5.0
    """Next heartbeat after a failed one (other than 404/401)."""
    refresh_retry: float = 60.0
    """Next attempt after a refresh that failed or got no answer."""
    reorder_window: float = 2.0
    """How long a sequence gap may stay open before it counts as lost events."""
    max_reorder: int = 256
    """Events held beyond a gap before it counts as lost at once."""
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    dedupe_memory: int = 10_000
    """How many recent eventIDs are remembered to recognise redeliveries."""

    def __post_init__(self) -> None:
        positive = (
            self.event_timeout,
            self.heartbeat_retry,
            self.refresh_retry,
            self.reorder_window,
            self.backoff_base,
            self.backoff_cap,
        )
        if min(positive) <= 0 or self.max_reorder < 1 or self.dedupe_memory < 1:
            raise LocalProtocolError("channel timings and sizes must be positive")
        if self.silence_timeout <= self.heartbeat_interval:
            raise LocalProtocolError("silence_timeout must exceed the heartbeat interval")

    @property
    def heartbeat_interval(self) -> float:
        """Seconds between two heartbeats on one channel: ``event_timeout / 2``."""
        return self.event_timeout / 2


# --- actions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Action:
    """Something the caller must do; the machine returns them in the order to do them."""


@dataclass(frozen=True, slots=True)
class Apply(Action):
    """Hand this event to the domain: it is new (not a redelivery). ``late`` means an event
    with a higher sequence number of its subscription was already applied."""

    event: SubscriptionEvent
    late: bool = False


_ACK_REASONS = {200: "OK", 400: "Cannot process", 481: "Unknown subscription"}


@dataclass(frozen=True, slots=True)
class SendAck(Action):
    """Send an event response for ``event_id`` to ``host`` (the XSP that delivered it)."""

    host: str
    event_id: str
    status: int = 200

    @property
    def reason(self) -> str:
        """The reason text that goes with ``status``."""
        return _ACK_REASONS.get(self.status, "")


@dataclass(frozen=True, slots=True)
class SendHeartbeat(Action):
    """``PUT channel/<channel_id>/heartbeat`` on ``host``; report via ``heartbeat_result``."""

    host: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class RefreshChannel(Action):
    """``PUT channel/<channel_id>`` (new expires) on ``host``; report the granted expiry."""

    host: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class DeleteChannel(Action):
    """``DELETE channel/<channel_id>`` on ``host``; keep reading until it terminates."""

    host: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class Reconnect(Action):
    """Drop the stream of ``host`` (if any) and open a new channel of the set there now."""

    host: str
    reason: str


@dataclass(frozen=True, slots=True)
class Disconnect(Action):
    """The channel of ``host`` is lost: drop its stream; ``Reconnect`` follows at ``retry_at``."""

    host: str
    reason: str
    retry_at: float


@dataclass(frozen=True, slots=True)
class RefreshSubscription(Action):
    """``PUT subscription/<subscription_id>``; report the granted expiry."""

    subscription_id: str
    target: str


@dataclass(frozen=True, slots=True)
class Resubscribe(Action):
    """The subscription of ``target`` is gone: create a new one, then ``subscription_added``."""

    target: str
    reason: str


@dataclass(frozen=True, slots=True)
class Resync(Action):
    """Events of this subscription may be lost: re-read the state (refresh a user
    subscription for a snapshot, or poll). ``target`` is None if it is not recorded yet."""

    subscription_id: str
    target: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Stop(Action):
    """Give the channel set up: close every stream and do not reconnect."""

    reason: str


# --- what to do about a failure (the transition tables) -------------------------------------


class _Then(Enum):
    RETRY = "retry"
    RECONNECT = "reconnect"
    RESUBSCRIBE = "resubscribe"
    STOP = "stop"


_ON_TERMINATED: dict[str, _Then] = {  # any other reason: RECONNECT
    ChannelTerminationReason.DUPLICATE_CHANNEL_SET: _Then.STOP,
    ChannelTerminationReason.USER_DELETED: _Then.STOP,
}
_ON_OPEN_ERROR: dict[int | None, _Then] = {401: _Then.STOP}  # else RECONNECT
_ON_CHANNEL_ERROR: dict[int | None, _Then] = {401: _Then.STOP, 404: _Then.RECONNECT}  # else RETRY
_ON_SUBSCRIPTION_ERROR: dict[int | None, _Then] = {  # else RETRY
    401: _Then.STOP,
    403: _Then.RESUBSCRIBE,
    404: _Then.RESUBSCRIBE,
}


# --- internal state ------------------------------------------------------------------------


class _Phase(Enum):
    IDLE = "idle"  # before start()
    OPENING = "opening"  # Reconnect issued; waiting for channel_opened or open_failed
    OPEN = "open"
    WAITING = "waiting"  # backoff until retry_at
    CLOSED = "closed"


@dataclass(slots=True)
class _Host:
    name: str
    phase: _Phase = _Phase.IDLE
    channel_id: str | None = None
    heartbeat_at: float = math.inf
    refresh_at: float = math.inf
    last_data_at: float = -math.inf
    retry_at: float = math.inf
    retry_reason: str = ""
    failures: int = 0
    ever_opened: bool = False

    def deadline(self, silence_timeout: float) -> float:
        if self.phase is _Phase.OPEN:
            return min(self.heartbeat_at, self.refresh_at, self.last_data_at + silence_timeout)
        if self.phase is _Phase.WAITING:
            return self.retry_at
        return math.inf

    def drop(self, phase: _Phase) -> None:
        self.phase = phase
        self.channel_id = None
        self.heartbeat_at = self.refresh_at = self.retry_at = math.inf


@dataclass(slots=True)
class _Subscription:
    target: str
    subscription_id: str
    refresh_at: float


def _next_sequence(seq: int) -> int:
    return seq % SEQUENCE_MAX + 1


def _distance(a: int, b: int) -> int:
    """How far ``b`` is ahead of ``a`` on the wrapping cycle; ``>= _HALF_CYCLE`` is behind."""
    return (b - a) % SEQUENCE_MAX


@dataclass(slots=True)
class _Sequence:
    """Sequence numbers of one subscription: the next one expected, and those seen beyond
    a gap with their arrival time."""

    expected: int
    ahead: dict[int, float] = field(default_factory=dict)
    gap_since: float | None = None

    def observe(self, seq: int, now: float) -> bool:
        """Record ``seq``; True when it arrived after a newer one (late)."""
        distance = _distance(self.expected, seq)
        if distance == 0:
            late = bool(self.ahead)
            self.expected = _next_sequence(seq)
            while self.expected in self.ahead:
                del self.ahead[self.expected]
                self.expected = _next_sequence(self.expected)
            # The gap that remains became visible when the first event beyond it arrived.
            self.gap_since = min(self.ahead.values(), default=None)
            return late
        if distance < _HALF_CYCLE:
            self.ahead.setdefault(seq, now)
            if self.gap_since is None:
                self.gap_since = now
            return False
        return True

    def rebase(self) -> None:
        """Give up on the missing numbers: continue after the newest one seen."""
        if self.ahead:
            newest = max(self.ahead, key=lambda s: _distance(self.expected, s))
            self.expected = _next_sequence(newest)
            self.ahead.clear()
        self.gap_since = None


def _half(expires: float) -> float:
    return max(expires / 2, _MIN_REFRESH)


def _remember(memory: dict[str, None], key: str, limit: int) -> None:
    memory[key] = None
    if len(memory) > limit:
        del memory[next(iter(memory))]


# --- the machine ---------------------------------------------------------------------------


class ChannelMachine:
    """One channel set across ``hosts`` (one channel each) and its subscriptions.

    Methods take ``now`` and return ``list[Action]``; see the module docstring."""

    def __init__(
        self,
        hosts: Sequence[str],
        config: ChannelConfig | None = None,
        *,
        rng: random.Random | None = None,
    ) -> None:
        """``rng`` jitters the reconnect backoff (50–100 % of the delay); None: no jitter."""
        if not hosts or len(set(hosts)) != len(hosts):
            raise LocalProtocolError("a channel set needs one or more distinct hosts")
        self._config = config or ChannelConfig()
        self._rng = rng
        self._hosts = {name: _Host(name) for name in hosts}
        self._subscriptions: dict[str, _Subscription] = {}  # by subscription id
        self._by_target: dict[str, _Subscription] = {}
        self._sequences: dict[str, _Sequence] = {}  # by subscription id, recorded or not
        self._gapped: set[str] = set()  # subscription ids whose _Sequence has a gap
        self._refresh_due: float | None = None  # cached earliest subscription refresh
        self._seen: dict[str, None] = {}  # recent eventIDs, oldest first
        self._deleted: dict[str, None] = {}  # subscription ids we removed ourselves
        self._now = -math.inf
        self._closing = False
        self._stopped = False

    # --- state, read-only --------------------------------------------------------------

    @property
    def config(self) -> ChannelConfig:
        """The timings this machine runs with."""
        return self._config

    @property
    def stopped(self) -> bool:
        """True once ``Stop`` was returned; from then on only answers to events come out
        (``SendAck``, ``Apply``), and ``DeleteChannel`` for a channel that still opens."""
        return self._stopped

    @property
    def channels(self) -> dict[str, str]:
        """The open channels: host → channelId."""
        return {
            h.name: h.channel_id
            for h in self._hosts.values()
            if h.phase is _Phase.OPEN and h.channel_id is not None
        }

    @property
    def subscriptions(self) -> dict[str, str]:
        """The recorded subscriptions: target → subscriptionId."""
        return {target: s.subscription_id for target, s in self._by_target.items()}

    def subscription_of(self, target: str) -> str | None:
        """The recorded subscriptionId of ``target`` (O(1), unlike ``subscriptions``)."""
        record = self._by_target.get(target)
        return record.subscription_id if record is not None else None

    def next_deadline(self) -> float | None:
        """When ``tick`` must be called next; None while nothing is scheduled."""
        if self._stopped:
            return None
        silence = self._config.silence_timeout
        deadline = min(h.deadline(silence) for h in self._hosts.values())
        deadline = min(deadline, self._subscription_refresh_due())
        window = self._config.reorder_window
        for sid in self._gapped:
            gap_since = self._sequences[sid].gap_since
            if gap_since is not None:
                deadline = min(deadline, gap_since + window)
        return None if deadline == math.inf else deadline

    # --- inputs: time ---------------------------------------------------------------------

    def start(self, now: float) -> list[Action]:
        """Open a channel on every host."""
        actions = self._advance(now)
        for host in self._hosts.values():
            if host.phase is _Phase.IDLE and not self._stopped and not self._closing:
                host.phase = _Phase.OPENING
                actions.append(Reconnect(host.name, "start"))
        return actions

    def tick(self, now: float) -> list[Action]:
        """Run the timers due at ``now`` (call it at ``next_deadline()``)."""
        return self._advance(now)

    # --- inputs: the streams -------------------------------------------------------------

    def channel_opened(self, host: str, channel: Channel, now: float) -> list[Action]:
        """The channel POST on ``host`` answered with this ``Channel`` document."""
        state = self._host(host)
        return self._advance(now) + self._open(state, channel)

    def open_failed(self, host: str, status: int | None, now: float) -> list[Action]:
        """Opening a channel on ``host`` failed (HTTP ``status``, None: no response)."""
        state = self._host(host)
        actions = self._advance(now)
        if state.phase is not _Phase.OPENING:
            return actions
        if _ON_OPEN_ERROR.get(status) is _Then.STOP and not self._closing:
            return actions + self._stop(f"channel open rejected ({status})")
        return actions + self._lose(state, f"channel open failed ({status})")

    def receive(self, host: str, event: Event, now: float) -> list[Action]:
        """A document read from the stream of ``host``."""
        state = self._host(host)
        actions = self._advance(now)
        if isinstance(event, SubscriptionEvent):
            return actions + self._on_subscription_event(state, event)
        if isinstance(event, Channel):
            return actions + self._open(state, event)
        if isinstance(event, ChannelTerminatedEvent):
            return actions + self._on_terminated(event)
        self._saw_data(state, alive=isinstance(event, ChannelHeartBeat))
        return actions

    def receive_undecodable(self, host: str, event_id: str, now: float) -> list[Action]:
        """An event whose envelope named ``event_id`` but whose body could not be decoded."""
        state = self._host(host)
        actions = self._advance(now)
        self._saw_data(state, alive=False)
        return [*actions, SendAck(host, event_id, 400)]

    def stream_ended(self, host: str, channel_id: str, now: float) -> list[Action]:
        """The stream of channel ``channel_id`` on ``host`` closed or broke."""
        state = self._host(host)
        actions = self._advance(now)
        if state.phase is not _Phase.OPEN or state.channel_id != channel_id:
            return actions
        return actions + self._lose(state, "stream ended")

    # --- inputs: results of our requests --------------------------------------------------

    def heartbeat_result(
        self, host: str, channel_id: str, status: int | None, now: float
    ) -> list[Action]:
        """The heartbeat PUT answered ``status`` (None: no response at all)."""
        state = self._host(host)
        actions = self._advance(now)
        if status == 200 or not self._holds(state, channel_id):
            return actions
        then = _ON_CHANNEL_ERROR.get(status, _Then.RETRY)
        if then is _Then.RETRY:
            state.heartbeat_at = min(state.heartbeat_at, now + self._config.heartbeat_retry)
            return actions
        return actions + self._channel_failure(state, then, f"heartbeat failed ({status})")

    def channel_refreshed(
        self, host: str, channel_id: str, expires: int, now: float
    ) -> list[Action]:
        """The channel update was accepted with this granted ``expires``."""
        state = self._host(host)
        actions = self._advance(now)
        if self._holds(state, channel_id) and not self._closing:
            state.refresh_at = now + _half(expires)
        return actions

    def channel_refresh_failed(
        self, host: str, channel_id: str, status: int | None, now: float
    ) -> list[Action]:
        """The channel update answered ``status`` (None: no response); retried later."""
        state = self._host(host)
        actions = self._advance(now)
        if not self._holds(state, channel_id):
            return actions
        then = _ON_CHANNEL_ERROR.get(status, _Then.RETRY)
        if then is _Then.RETRY:
            return actions  # refresh_at already points at the retry
        return actions + self._channel_failure(state, then, f"channel refresh failed ({status})")

    def subscription_added(
        self, target: str, subscription_id: str, expires: int, now: float
    ) -> list[Action]:
        """Record the subscription of ``target`` (caller's key) with its granted expiry."""
        actions = self._advance(now)
        old = self._by_target.get(target)
        if old is not None:
            self._subscriptions.pop(old.subscription_id, None)
        self._deleted.pop(subscription_id, None)
        record = _Subscription(target, subscription_id, now + _half(expires))
        self._subscriptions[subscription_id] = self._by_target[target] = record
        self._refresh_due = None
        return actions

    def subscription_refreshed(
        self, subscription_id: str, expires: int, now: float
    ) -> list[Action]:
        """The subscription refresh was accepted with this granted ``expires``."""
        actions = self._advance(now)
        record = self._subscriptions.get(subscription_id)
        if record is not None:
            record.refresh_at = now + _half(expires)
            self._refresh_due = None
        return actions

    def subscription_refresh_failed(
        self, subscription_id: str, status: int | None, now: float
    ) -> list[Action]:
        """The subscription refresh answered ``status`` (None: no response)."""
        actions = self._advance(now)
        record = self._subscriptions.get(subscription_id)
        if record is None or self._stopped:
            return actions
        then = _ON_SUBSCRIPTION_ERROR.get(status, _Then.RETRY)
        if then is _Then.STOP:
            return actions + self._stop(f"subscription refresh rejected ({status})")
        if then is _Then.RESUBSCRIBE:
            self._forget(subscription_id)
            return [*actions, Resubscribe(record.target, f"refresh failed ({status})")]
        return actions  # refresh_at already points at the retry

    def subscription_removed(self, subscription_id: str, now: float) -> list[Action]:
        """We deleted this subscription: its late events are answered 481, not applied."""
        actions = self._advance(now)
        self._forget(subscription_id)
        return actions

    def close(self, now: float) -> list[Action]:
        """Orderly shutdown: delete every channel; ``Stop("closed")`` once all have ended."""
        actions = self._advance(now)
        if self._stopped or self._closing:
            return actions
        self._closing = True
        for host in self._hosts.values():
            if host.phase is _Phase.OPEN and host.channel_id is not None:
                host.heartbeat_at = host.refresh_at = math.inf
                actions.append(DeleteChannel(host.name, host.channel_id))
            elif host.phase is not _Phase.OPENING:
                host.drop(_Phase.CLOSED)
        return actions + self._closed_if_done()

    # --- the rules ---------------------------------------------------------------------------

    def _advance(self, now: float) -> list[Action]:
        self._now = now = max(now, self._now)
        actions: list[Action] = []
        if self._stopped:
            return actions
        config = self._config
        for host in self._hosts.values():
            if host.phase is _Phase.OPEN and now >= host.last_data_at + config.silence_timeout:
                actions += self._lose(host, f"no data for {config.silence_timeout:g} s")
                if self._stopped:
                    return actions
            if host.phase is _Phase.OPEN and host.channel_id is not None:
                if now >= host.heartbeat_at:
                    actions.append(SendHeartbeat(host.name, host.channel_id))
                    host.heartbeat_at = now + config.heartbeat_interval
                if now >= host.refresh_at:
                    actions.append(RefreshChannel(host.name, host.channel_id))
                    host.refresh_at = now + config.refresh_retry
            elif host.phase is _Phase.WAITING and now >= host.retry_at:
                host.phase = _Phase.OPENING
                host.retry_at = math.inf
                actions.append(Reconnect(host.name, host.retry_reason))
        for sid in [s for s in self._gapped if self._gap_due(s, now)]:
            actions.append(self._resync(sid, "sequence gap"))
        if now >= self._subscription_refresh_due():
            for record in self._subscriptions.values():
                if now >= record.refresh_at:
                    actions.append(RefreshSubscription(record.subscription_id, record.target))
                    record.refresh_at = now + config.refresh_retry
            self._refresh_due = None
        return actions

    def _open(self, host: _Host, channel: Channel) -> list[Action]:
        if self._stopped:
            return [DeleteChannel(host.name, channel.channel_id)]
        if host.phase is _Phase.OPEN and host.channel_id == channel.channel_id:
            return []
        now = self._now
        reopened = host.ever_opened
        host.ever_opened = True
        host.phase = _Phase.OPEN
        host.channel_id = channel.channel_id
        host.last_data_at = now
        host.retry_at = math.inf
        if self._closing:
            host.heartbeat_at = host.refresh_at = math.inf
            return [DeleteChannel(host.name, channel.channel_id)]
        host.heartbeat_at = now + self._config.heartbeat_interval
        host.refresh_at = now + _half(channel.expires)
        if not reopened:
            return []
        resyncs: list[Action] = []
        for record in self._subscriptions.values():
            resyncs.append(self._resync(record.subscription_id, "channel reconnected"))
        return resyncs

    def _on_terminated(self, event: ChannelTerminatedEvent) -> list[Action]:
        owner = next(
            (
                h
                for h in self._hosts.values()
                if h.phase is _Phase.OPEN and h.channel_id == event.channel_id
            ),
            None,
        )
        if owner is None:
            return []  # a channel we no longer hold
        then = _ON_TERMINATED.get(event.reason, _Then.RECONNECT)
        return self._channel_failure(owner, then, event.reason)

    def _on_subscription_event(self, host: _Host, event: SubscriptionEvent) -> list[Action]:
        envelope = event.envelope
        sid, event_id = envelope.subscription_id, envelope.event_id
        self._saw_data(host, alive=True)
        if sid in self._deleted:
            return [SendAck(host.name, event_id, 481)]
        ack = SendAck(host.name, event_id)
        if event_id in self._seen:
            return [ack]
        _remember(self._seen, event_id, self._config.dedupe_memory)
        if self._stopped:
            return [Apply(event), ack]
        late, actions = self._track(sid, event)
        if isinstance(event, SubscriptionTerminatedEvent):
            record = self._subscriptions.get(sid)
            self._forget(sid)
            if record is not None:
                actions.append(Resubscribe(record.target, "subscription terminated"))
        return [Apply(event, late), *actions, ack]

    def _track(self, sid: str, event: SubscriptionEvent) -> tuple[bool, list[Action]]:
        """Feed the event's sequence number to its subscription's tracker: (late, resyncs)."""
        seq = event.envelope.sequence_number
        valid = 1 <= seq <= SEQUENCE_MAX
        tracker = self._sequences.get(sid)
        if isinstance(event, CallSubscriptionResyncEvent):
            # After an AS restart the numbering may start over: this snapshot is the baseline.
            self._gapped.discard(sid)
            if valid:
                self._sequences[sid] = _Sequence(_next_sequence(seq))
            return False, [self._resync(sid, "CallSubscriptionResyncEvent")]
        if not valid:
            return False, []
        if tracker is None:
            self._sequences[sid] = _Sequence(_next_sequence(seq))
            return False, []
        late = tracker.observe(seq, self._now)
        if tracker.gap_since is None:
            self._gapped.discard(sid)
            return late, []
        if len(tracker.ahead) > self._config.max_reorder:
            return late, [self._resync(sid, "sequence gap")]
        self._gapped.add(sid)
        return late, []

    def _gap_due(self, sid: str, now: float) -> bool:
        gap_since = self._sequences[sid].gap_since
        return gap_since is not None and now >= gap_since + self._config.reorder_window

    def _resync(self, sid: str, reason: str) -> Resync:
        tracker = self._sequences.get(sid)
        if tracker is not None:
            tracker.rebase()
        self._gapped.discard(sid)
        record = self._subscriptions.get(sid)
        return Resync(sid, record.target if record else None, reason)

    def _channel_failure(self, host: _Host, then: _Then, reason: str) -> list[Action]:
        if then is _Then.STOP and not self._closing:
            return self._stop(f"{reason} on {host.name}")
        return self._lose(host, reason)

    def _lose(self, host: _Host, reason: str) -> list[Action]:
        """The channel of ``host`` is gone (or could not be opened): retry, with backoff."""
        if self._closing:
            host.drop(_Phase.CLOSED)
            return self._closed_if_done()
        delay = self._backoff(host.failures)
        host.failures += 1
        if delay <= 0:
            host.drop(_Phase.OPENING)
            return [Reconnect(host.name, reason)]
        host.drop(_Phase.WAITING)
        host.retry_at = self._now + delay
        host.retry_reason = reason
        return [Disconnect(host.name, reason, host.retry_at)]

    def _backoff(self, failures: int) -> float:
        if failures == 0:
            return 0.0
        config = self._config
        delay = min(config.backoff_cap, config.backoff_base * 2.0 ** min(failures - 1, 32))
        if self._rng is not None:
            delay *= 0.5 + self._rng.random() / 2
        return delay

    def _stop(self, reason: str) -> list[Action]:
        self._stopped = True
        for host in self._hosts.values():
            host.drop(_Phase.CLOSED)
        return [Stop(reason)]

    def _closed_if_done(self) -> list[Action]:
        if all(h.phase is _Phase.CLOSED for h in self._hosts.values()):
            return self._stop("closed")
        return []

    def _saw_data(self, host: _Host, *, alive: bool) -> None:
        if host.phase is _Phase.OPEN:
            host.last_data_at = self._now
            if alive:
                host.failures = 0

    def _forget(self, sid: str) -> None:
        record = self._subscriptions.pop(sid, None)
        if record is not None and self._by_target.get(record.target) is record:
            del self._by_target[record.target]
        self._sequences.pop(sid, None)
        self._gapped.discard(sid)
        self._refresh_due = None
        _remember(self._deleted, sid, _DELETED_MEMORY)

    def _subscription_refresh_due(self) -> float:
        if self._refresh_due is None:
            times = (s.refresh_at for s in self._subscriptions.values())
            self._refresh_due = min(times, default=math.inf)
        return self._refresh_due

    def _holds(self, host: _Host, channel_id: str) -> bool:
        return host.phase is _Phase.OPEN and host.channel_id == channel_id

    def _host(self, name: str) -> _Host:
        try:
            return self._hosts[name]
        except KeyError:
            raise LocalProtocolError(f"{name!r} is not a host of this channel set") from None


__all__ = [
    "SEQUENCE_MAX",
    "Action",
    "Apply",
    "ChannelConfig",
    "ChannelMachine",
    "DeleteChannel",
    "Disconnect",
    "Reconnect",
    "RefreshChannel",
    "RefreshSubscription",
    "Resubscribe",
    "Resync",
    "SendAck",
    "SendHeartbeat",
    "Stop",
]
