"""``EventChannelSet``: one Xsi-Events channel set (one streaming channel per host) run by
``ChannelMachine``.

The machine decides, this module does the I/O: it reads each host's stream, frames and parses
the documents, feeds them and the results of its requests to the machine, and carries out the
actions it returns. The clock is injectable; the machine's timers (heartbeat every
``event_timeout``/2, refresh at half the granted expiry, silence watchdog, jittered exponential
back-off) come from its ``ChannelConfig``.

Delivery to the application (at-least-once; the application de-duplicates by eventID):

* **Pipelined.** The reader does not wait for an event's handling before reading the next
  document: each event's ``on_event`` runs in a task of its own, and the tasks start in arrival
  order, so the synchronous start of ``on_event`` (where the event pipeline queues the event)
  sees the events of a channel in stream order. Heartbeats and channel documents are handled
  at once, never behind a commit. At most ``max_in_flight`` events per channel set are handed
  over and not yet acked; at the bound the readers stop reading (back-pressure; the XSP
  buffers), so memory stays bounded.
* **Acked after its own handling.** An event's ack is sent only once its ``on_event``
  returned, whatever later events did.
* **A failed handling is answered 500**, not 200: PROTOCOL.md §3.2 (EventResponse
  ``statusCode``) says the XSP then resends the event on the next channel of the set, so a
  commit that failed is tried again. The machine would drop the redelivery as a duplicate
  eventID, so this module remembers the failed eventIDs and hands their redelivery to the
  application again (marked ``late``: events behind it may have been applied meanwhile). After
  ``_MAX_ATTEMPTS`` failed handlings the event is acked 200 (the PBX stops resending it, so a
  poisonous event cannot occupy the channel forever) and its subscription is resynced: a user
  subscription is refreshed for a fresh snapshot, and ``on_resync`` is told, so the state the
  event would have changed is re-read instead of lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from cloudcti.pbx.client import XsiClient, host_name
from cloudcti.pbx.errors import XsiCredentialRejectedError, XsiError, XsiTransportError
from cloudcti.pbx.log import Direction
from cloudcti.xsi import (
    Action,
    Apply,
    CallEvent,
    Channel,
    ChannelConfig,
    ChannelHeartBeat,
    ChannelMachine,
    ChannelTerminatedEvent,
    DeleteChannel,
    Disconnect,
    EventStream,
    Reconnect,
    RefreshChannel,
    RefreshSubscription,
    RemoteProtocolError,
    Resubscribe,
    Resync,
    SendAck,
    SendHeartbeat,
    Stop,
    SubscriptionEvent,
    XsiRequest,
    add_channel,
    delete_channel,
    delete_subscription,
    event_response,
    heartbeat,
    parse_channel,
    parse_event,
    parse_subscription,
    refresh_subscription,
    update_channel,
)

_ACK_RETRIES = (0.2, 0.5, 1.0)  # seconds before the 2nd, 3rd, 4th try of a failed ack
_MAX_ACKS_IN_FLIGHT = 64
MAX_IN_FLIGHT = 256
"""Events handed to the application and not yet acked, per channel set (the default bound)."""
_MAX_ATTEMPTS = 3  # failed handlings of one event before it is acked and its state resynced
_FAILED_MEMORY = 1024  # eventIDs of failed handlings remembered for their redelivery
_GIVE_UP_RESYNC_GAP = 30.0  # seconds between two resyncs of one subscription after give-ups


@dataclass(frozen=True, slots=True)
class Delivery:
    """A new event for the application: ``late`` = a newer one of its subscription was already
    delivered; ``host`` = the Xsi host (root URL) whose channel carried it."""

    event: SubscriptionEvent
    host: str
    late: bool = False


@dataclass(frozen=True, slots=True)
class SubscriptionSpec:
    """A subscription the set keeps: ``key`` names it (e.g. ``user|package``), ``request``
    creates it, ``line`` is the PBX user it concerns (for the log and resync)."""

    key: str
    request: XsiRequest
    line: str | None = None
    snapshot_on_refresh: bool = True
    """User targets get a fresh snapshot when refreshed; enterprise/group targets do not."""


OnDelivery = Callable[[Delivery], Awaitable[None] | None]
OnResync = Callable[[SubscriptionSpec | None, str], None]


@dataclass(slots=True)
class ChannelSetStats:
    """Counters for tests, the bench and the admin page."""

    applied: int = 0
    acked: int = 0
    ack_failures: int = 0
    heartbeats: int = 0
    channels_opened: int = 0
    resyncs: int = 0
    failed: int = 0
    """Handlings of an event that raised (each answered 500 or, at the last attempt, resynced)."""
    given_up: int = 0
    """Events acked after ``_MAX_ATTEMPTS`` failed handlings (their subscription resynced)."""
    in_flight: int = 0
    """Events handed to the application and not acked yet."""
    peak_in_flight: int = 0


class EventChannelSet:
    """One channel set of ``client``'s monitoring user across all of ``client.urls``."""

    def __init__(
        self,
        client: XsiClient,
        channel_set_id: str,
        on_event: OnDelivery,
        *,
        application_id: str | None = None,
        config: ChannelConfig | None = None,
        channel_expires: int = 3600,
        subscription_expires: int = 3600,
        on_resync: OnResync | None = None,
        on_change: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.client = client
        self.channel_set_id = channel_set_id
        self.application_id = application_id
        self.on_event = on_event
        self.on_resync = on_resync
        self.on_change = on_change
        self.channel_expires = channel_expires
        self.subscription_expires = subscription_expires
        self.clock = clock
        self.machine = ChannelMachine(client.urls, config, rng=rng or random.Random())
        self.stats = ChannelSetStats()
        self.stop_reason: str | None = None
        self._specs: dict[str, SubscriptionSpec] = {}
        self.refused: dict[str, str] = {}
        """Subscriptions the PBX refused (key → reason); not retried until added again."""
        self._create_slots = asyncio.Semaphore(4)
        self._refreshing: set[str] = set()
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        self._any_open = asyncio.Event()
        self._ack_slots = asyncio.Semaphore(_MAX_ACKS_IN_FLIGHT)
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._failures: dict[str, int] = {}  # eventID → failed handlings so far
        self._give_up_resyncs: dict[str, float] = {}  # subscriptionId → when its resync runs
        self._timers: dict[str, asyncio.TimerHandle] = {}  # subscriptionId → delayed resync
        self._running = False

    # --- public -----------------------------------------------------------------------------

    @property
    def open_hosts(self) -> list[str]:
        """Root URLs whose channel is open."""
        return list(self.machine.channels)

    @property
    def subscriptions(self) -> dict[str, str]:
        """key → subscriptionId of the subscriptions the PBX granted."""
        return self.machine.subscriptions

    def granted(self, key: str) -> bool:
        """Whether the PBX granted subscription ``key`` (O(1))."""
        return self.machine.subscription_of(key) is not None

    @property
    def pending(self) -> int:
        """Subscriptions wanted but not granted yet (refused ones not counted)."""
        granted = self.machine.subscription_of
        return sum(1 for k in self._specs if granted(k) is None and k not in self.refused)

    @property
    def stopped(self) -> bool:
        """True once the set gave up (``stop_reason`` says why) or was closed."""
        return self._stopped.is_set()

    async def run(self) -> str:
        """Open the channels and keep them until the machine stops; the stop reason."""
        self._running = True
        self._feed(self.machine.start)
        try:
            while not self._stopped.is_set():
                self._feed(self.machine.tick)
                self._wake.clear()  # the tick itself needs no second look
                deadline = self.machine.next_deadline()
                timeout = None if deadline is None else max(0.0, deadline - self.clock())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
        finally:
            await self._shutdown()
        return self.stop_reason or "stopped"

    def add(self, spec: SubscriptionSpec) -> None:
        """Keep ``spec`` subscribed (created once a channel is open)."""
        known = self._specs.get(spec.key)
        self._specs[spec.key] = spec
        self.refused.pop(spec.key, None)
        if known is None or self.machine.subscription_of(spec.key) is None:
            self._spawn(self._create(spec))

    def remove(self, key: str) -> None:
        """Stop keeping subscription ``key`` and delete it at the PBX."""
        spec = self._specs.pop(key, None)
        sid = self.machine.subscription_of(key)
        if sid is not None:
            self._feed(lambda now: self.machine.subscription_removed(sid, now))
            self._spawn(self._delete_subscription(sid, spec.line if spec else None))

    async def close(self, timeout: float = 3.0) -> None:
        """Orderly end: delete the subscriptions and the channels, then stop."""
        for key in list(self._specs):
            self.remove(key)
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        if self._running:
            self._feed(self.machine.close)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout)
        self._halt("closed")

    # --- driving the machine ----------------------------------------------------------------

    def _feed(self, step: Callable[[float], list[Action]]) -> list[Action]:
        actions = step(self.clock())
        rest = [a for a in actions if not isinstance(a, Apply | SendAck)]
        self._do(rest)
        self._wake.set()
        return actions

    def _do(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, SendHeartbeat):
                self._spawn(self._heartbeat(action))
            elif isinstance(action, Reconnect):
                self._cancel_reader(action.host)
                self._log_state(
                    f"channel on {host_name(action.host)}: connecting ({action.reason})"
                )
                self._readers[action.host] = asyncio.create_task(self._read(action.host))
            elif isinstance(action, Disconnect):
                self._cancel_reader(action.host)
                delay = max(0.0, action.retry_at - self.clock())
                self._log_state(
                    f"channel on {host_name(action.host)} lost ({action.reason}); "
                    f"retry in {delay:.1f} s"
                )
            elif isinstance(action, RefreshChannel):
                self._spawn(self._refresh_channel(action))
            elif isinstance(action, RefreshSubscription):
                self._spawn(self._refresh_subscription(action.subscription_id, action.target))
            elif isinstance(action, Resubscribe):
                spec = self._specs.get(action.target)
                self._log_state(f"resubscribing {action.target} ({action.reason})")
                if spec is not None:
                    self._spawn(self._create(spec))
            elif isinstance(action, Resync):
                self._resync(action)
            elif isinstance(action, DeleteChannel):
                self._spawn(self._delete_channel(action))
            elif isinstance(action, Stop):
                self._halt(action.reason)
        if self.on_change is not None and actions:
            self.on_change()

    def _halt(self, reason: str) -> None:
        if self._stopped.is_set():
            return
        self.stop_reason = reason
        self._log_state(f"channel set stopped: {reason}")
        for host in list(self._readers):
            self._cancel_reader(host)
        for timer in self._timers.values():
            timer.cancel()
        self._any_open.clear()
        self._stopped.set()
        self._wake.set()
        if self.on_change is not None:
            self.on_change()

    def _resync(self, action: Resync) -> None:
        self.stats.resyncs += 1
        spec = self._specs.get(action.target) if action.target is not None else None
        self._log_state(
            f"resync {action.target or action.subscription_id}: {action.reason}",
            line=spec.line if spec else None,
        )
        # Two channels reopening at once both ask for it: one refresh (snapshot) is enough.
        wanted = spec is not None and spec.snapshot_on_refresh
        if wanted and action.subscription_id not in self._refreshing:
            self._spawn(self._refresh_subscription(action.subscription_id, action.target))
        if self.on_resync is not None:
            self.on_resync(spec, action.reason)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _cancel_reader(self, host: str) -> None:
        task = self._readers.pop(host, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _shutdown(self) -> None:
        readers = list(self._readers.values())
        self._readers.clear()
        for task in readers:
            task.cancel()
        tasks = [t for t in (*readers, *self._tasks) if t is not asyncio.current_task()]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=2.0)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def _log_state(self, summary: str, *, line: str | None = None) -> None:
        self.client.log.add(Direction.STATE, summary, line=line)

    # --- the streams ------------------------------------------------------------------------

    async def _read(self, host: str) -> None:
        request = add_channel(
            self.channel_set_id, expires=self.channel_expires, application_id=self.application_id
        )
        channel_id: str | None = None
        status: int | None = None
        framer = EventStream()
        read_timeout = self.machine.config.silence_timeout + 1.0
        try:
            async with self.client.stream(host, request, read_timeout=read_timeout) as stream:
                async for chunk in stream.chunks():
                    framer.feed(chunk)
                    for document in framer.documents():
                        opened = await self._document(host, document)
                        if opened is not None:
                            channel_id = opened
        except asyncio.CancelledError:
            raise
        except XsiError as error:
            status = error.status
        except XsiCredentialRejectedError:
            status = 401
        except (XsiTransportError, RemoteProtocolError) as error:
            self.client.log.add(Direction.IN, f"stream of {host_name(host)} ended", str(error))
        if self._readers.get(host) is not asyncio.current_task():
            return  # replaced meanwhile
        del self._readers[host]
        if channel_id is None:
            self._feed(lambda now: self.machine.open_failed(host, status, now))
        else:
            cid = channel_id
            self._feed(lambda now: self.machine.stream_ended(host, cid, now))

    async def _document(self, host: str, document: bytes) -> str | None:
        """Handle one document of ``host``'s stream; the channel id if it opened the channel."""
        try:
            event = parse_event(document)
        except RemoteProtocolError as error:
            self.client.log.add(
                Direction.IN, f"undecodable document from {host_name(host)}", str(error)
            )
            if error.event_id is not None:
                eid = error.event_id
                actions = self._feed(lambda now: self.machine.receive_undecodable(host, eid, now))
                for action in actions:
                    if isinstance(action, SendAck):
                        await self._ack_slots.acquire()  # _ack releases it
                        self._spawn(self._ack(action))
            return None
        if isinstance(event, ChannelHeartBeat):
            # Its actions matter: timers of other hosts that fell due run with this input.
            self._feed(lambda now: self.machine.receive(host, event, now))
            return None
        actions = self._feed(lambda now: self.machine.receive(host, event, now))
        opened: str | None = None
        if isinstance(event, Channel):
            opened = event.channel_id
            self.stats.channels_opened += 1
            self._any_open.set()
            self.client.log.add(
                Direction.IN,
                f"channel {event.channel_id} open on {host_name(host)} for {event.expires} s",
            )
            if self.on_change is not None:
                self.on_change()  # the machine returns no action for it: nothing else tells
        elif isinstance(event, ChannelTerminatedEvent):
            self.client.log.add(
                Direction.IN, f"ChannelTerminatedEvent on {host_name(host)}: {event.reason}"
            )
        apply = next((a for a in actions if isinstance(a, Apply)), None)
        ack = next((a for a in actions if isinstance(a, SendAck)), None)
        redelivered = ack is not None and ack.status == 200 and ack.event_id in self._failures
        if apply is None and redelivered and isinstance(event, SubscriptionEvent):
            apply = Apply(event, late=True)  # the XSP resent an event whose handling failed
        if apply is not None:
            await self._in_flight.acquire()  # back-pressure: no more reading at the bound
            self.stats.in_flight += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.stats.in_flight)
            self._spawn(self._deliver(host, apply, ack))
        elif ack is not None:
            await self._ack_slots.acquire()
            self._spawn(self._ack(ack))
        return opened

    async def _deliver(self, host: str, apply: Apply, ack: SendAck | None) -> None:
        """Hand ``apply``'s event to the application, then answer it: 200 once handled, 500
        (the XSP resends it) if the handling raised, 200 plus a resync at the last attempt."""
        try:
            handled = await self._apply(host, apply)
            event_id = apply.event.envelope.event_id
            if handled:
                self._failures.pop(event_id, None)
            else:
                ack = self._after_failure(apply.event, ack)
            if ack is not None:
                await self._ack_slots.acquire()
                await self._ack(ack)
        finally:
            self.stats.in_flight -= 1
            self._in_flight.release()

    def _after_failure(self, event: SubscriptionEvent, ack: SendAck | None) -> SendAck | None:
        envelope = event.envelope
        attempts = self._failures.pop(envelope.event_id, 0) + 1
        self.stats.failed += 1
        if attempts < _MAX_ATTEMPTS:
            self._failures[envelope.event_id] = attempts
            while len(self._failures) > _FAILED_MEMORY:
                del self._failures[next(iter(self._failures))]
            return None if ack is None else SendAck(ack.host, ack.event_id, 500)
        self.stats.given_up += 1
        self._log_state(f"event {envelope.event_id} failed {attempts} times: resync")
        self._resync_after_give_up(envelope.subscription_id)
        return ack

    def _resync_after_give_up(self, sid: str) -> None:
        """Resync ``sid`` now, or once ``_GIVE_UP_RESYNC_GAP`` passed since its last one, so a
        failing application (database down) does not turn into a storm of snapshots; give-ups
        meanwhile share that one resync."""
        now = self.clock()
        last = self._give_up_resyncs.get(sid)
        if last is not None and last > now:
            return  # one is scheduled and will cover this event too
        due = now if last is None else max(now, last + _GIVE_UP_RESYNC_GAP)
        self._give_up_resyncs[sid] = due
        if due <= now:
            self._resync_failed(sid)
        else:
            loop = asyncio.get_running_loop()
            self._timers[sid] = loop.call_later(due - now, self._resync_failed, sid)

    def _resync_failed(self, sid: str) -> None:
        if self._stopped.is_set():
            return
        key = next((k for k, s in self.machine.subscriptions.items() if s == sid), None)
        self._resync(Resync(sid, key, "events failed in the application"))

    async def _apply(self, host: str, action: Apply) -> bool:
        """Run the application's ``on_event``; False if it raised."""
        event = action.event
        envelope = event.envelope
        call_id = event.call.call_id if isinstance(event, CallEvent) else None
        target = envelope.target_id or envelope.user_id
        self.client.log.add(
            Direction.IN,
            f"{type(event).__name__} #{envelope.sequence_number} for {target}",
            f"eventID {envelope.event_id} on {host_name(host)}",
            line=target,
            call_id=call_id,
        )
        self.stats.applied += 1
        try:
            result = self.on_event(Delivery(event, host, action.late))
            if inspect.isawaitable(result):
                await result
        except Exception as error:  # the application's failure must not kill the channel
            self.client.log.add(
                Direction.STATE, f"application failed on {envelope.event_id}", repr(error)
            )
            return False
        return True

    # --- requests ---------------------------------------------------------------------------

    async def _ack(self, action: SendAck) -> None:
        request = event_response(action.event_id, action.status, action.reason or None)
        try:
            for delay in (*_ACK_RETRIES, None):
                try:
                    await self.client.send(request, url=action.host, quiet=True)
                except XsiCredentialRejectedError:
                    return
                except XsiError as error:
                    if error.status < 500 or delay is None:
                        self.stats.ack_failures += 1
                        return
                except XsiTransportError:
                    if delay is None:
                        self.stats.ack_failures += 1
                        return
                else:
                    self.stats.acked += 1
                    return
                await asyncio.sleep(delay)
        finally:
            self._ack_slots.release()

    async def _heartbeat(self, action: SendHeartbeat) -> None:
        status: int | None = 200
        try:
            await self.client.send(heartbeat(action.channel_id), url=action.host, quiet=True)
            self.stats.heartbeats += 1
        except XsiCredentialRejectedError:
            status = 401
        except XsiError as error:
            status = error.status
        except XsiTransportError:
            status = None
        self._feed(
            lambda now: self.machine.heartbeat_result(action.host, action.channel_id, status, now)
        )

    async def _refresh_channel(self, action: RefreshChannel) -> None:
        request = update_channel(action.channel_id, self.channel_expires)
        try:
            response = await self.client.send(request, url=action.host)
            expires = parse_channel(response.body).expires
        except (XsiError, XsiCredentialRejectedError) as error:
            status = error.status if isinstance(error, XsiError) else 401
            self._feed(
                lambda now: self.machine.channel_refresh_failed(
                    action.host, action.channel_id, status, now
                )
            )
            return
        except (XsiTransportError, RemoteProtocolError):
            self._feed(
                lambda now: self.machine.channel_refresh_failed(
                    action.host, action.channel_id, None, now
                )
            )
            return
        self._feed(
            lambda now: self.machine.channel_refreshed(action.host, action.channel_id, expires, now)
        )

    async def _refresh_subscription(self, subscription_id: str, key: str | None) -> None:
        self._refreshing.add(subscription_id)
        try:
            await self._refresh_subscription_once(subscription_id, key)
        finally:
            self._refreshing.discard(subscription_id)

    async def _refresh_subscription_once(self, subscription_id: str, key: str | None) -> None:
        spec = self._specs.get(key) if key else None
        request = refresh_subscription(subscription_id, self.subscription_expires)
        try:
            response = await self.client.send(request, line=spec.line if spec else None)
            expires = parse_subscription(response.body).expires or self.subscription_expires
        except (XsiError, XsiCredentialRejectedError) as error:
            status = error.status if isinstance(error, XsiError) else 401
            self._feed(
                lambda now: self.machine.subscription_refresh_failed(subscription_id, status, now)
            )
            return
        except (XsiTransportError, RemoteProtocolError):
            self._feed(
                lambda now: self.machine.subscription_refresh_failed(subscription_id, None, now)
            )
            return
        self._feed(lambda now: self.machine.subscription_refreshed(subscription_id, expires, now))

    async def _create(self, spec: SubscriptionSpec) -> None:
        """Create ``spec`` once a channel is open; retry with back-off while it is wanted."""
        delay = 0.5
        while not self._stopped.is_set() and self._specs.get(spec.key) is spec:
            await self._any_open.wait()
            try:
                async with self._create_slots:
                    response = await self.client.send(spec.request, line=spec.line)
                granted = parse_subscription(response.body)
            except XsiCredentialRejectedError:
                return
            except XsiError as error:
                if error.status in (400, 401, 403, 404):
                    self._log_state(f"subscription {spec.key} refused: {error}", line=spec.line)
                    self.refused[spec.key] = str(error)
                    if self.on_change is not None:
                        self.on_change()
                    return
            except (XsiTransportError, RemoteProtocolError):
                pass
            else:
                if self._specs.get(spec.key) is not spec:  # removed meanwhile
                    await self._delete_subscription(granted.subscription_id, spec.line)
                    return
                self._recorded(spec.key, granted.subscription_id, granted.expires)
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    def _recorded(self, key: str, subscription_id: str, expires: int | None) -> None:
        granted = expires or self.subscription_expires
        self._feed(lambda now: self.machine.subscription_added(key, subscription_id, granted, now))
        if self.on_change is not None:
            self.on_change()

    async def _delete_subscription(self, subscription_id: str, line: str | None) -> None:
        with contextlib.suppress(XsiTransportError):
            await self.client.send(delete_subscription(subscription_id), line=line)

    async def _delete_channel(self, action: DeleteChannel) -> None:
        with contextlib.suppress(XsiTransportError):
            await self.client.send(delete_channel(action.channel_id), url=action.host)


__all__ = ["ChannelSetStats", "Delivery", "EventChannelSet", "OnDelivery", "SubscriptionSpec"]
