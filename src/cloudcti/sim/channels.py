"""Channel sets, channels, subscriptions and event acknowledgement (Xsi-Events semantics).

``EventHub`` is driven by the HTTP routes and a clock tick; time (epoch seconds) is an input.
Each channel's stream is an ``asyncio.Queue`` of complete documents; ``None`` ends the stream.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from lxml import etree

from cloudcti.sim import service_xml, xml
from cloudcti.sim.config import SimConfig, granted_expires
from cloudcti.sim.errors import bad_request, conflict, forbidden, not_found
from cloudcti.sim.model import ConferenceView, Half, Notice, Pbx
from cloudcti.sim.services import BY_EVENT, BY_PACKAGE, ServiceState

MAX_SEQUENCE = 2147483647

PACKAGES = frozenset(
    {
        "Advanced Call",
        "Basic Call",
        "BroadWorks Anywhere",
        "Call Center Agent",
        "Call Center Agent Monitoring",
        "Call Center Configuration",
        "Call Center Monitoring",
        "Call Center Queue",
        "Call Forwarding Always",
        "Call Forwarding Always Secondary",
        "Call Forwarding Busy",
        "Call Forwarding No Answer",
        "Call Park",
        "Call Recording",
        "Call Transfer",
        "Call Waiting",
        "Collaborate Room",
        "CommPilot Express",
        "Do Not Disturb",
        "Flexible Seating Guest",
        "Hoteling Guest",
        "Last Number Redial",
        "Meet Me Conference",
        "Music On Hold",
        "N-Way Call",
        "Personal Assistant",
        "Push Notification Registration",
        "Remote Office",
        "Route Point Queue",
        "Security Classification",
        "Sequential Ring",
        "Silent Alerting",
        "Simultaneous Ring Personal",
        "Standard Call",
        "Third-Party Voice Mail Support",
        "Three-Way Call",
        "Voice Mail Message Summary",
        "Voice Messaging",
    }
)

_BASIC = frozenset(
    {
        "CallOriginatingEvent",
        "CallOriginatedEvent",
        "CallCollectingEvent",
        "CallReceivedEvent",
        "CallAnsweredEvent",
        "CallReleasedEvent",
        "CallReleasingEvent",
        "HookStatusEvent",
    }
)
_CONFERENCE = {
    "ConferenceStartedEvent",
    "ConferenceHeldEvent",
    "ConferenceRetrievedEvent",
    "ConferenceUpdatedEvent",
    "ConferenceReleasedEvent",
}
_STANDARD = (
    _BASIC
    | _CONFERENCE
    | {
        "CallHeldEvent",
        "CallRetrievedEvent",
        "CallTransferredEvent",
        "CallForwardedEvent",
        "CallUpdatedEvent",
        "CallPickedUpEvent",
        "CallParkRetrievedEvent",
    }
)
_ADVANCED = _STANDARD | {"CallRedirectedEvent", "CallDetachedEvent"}
CALL_PACKAGES = {"Basic Call": _BASIC, "Standard Call": _STANDARD, "Advanced Call": _ADVANCED}

Render = Callable[[str], bytes]


@dataclass
class Channel:
    """One streaming connection of a channel set, held by the Xsi host it was opened on."""

    channel_id: str
    set_id: str
    owner_id: str
    priority: int
    weight: int
    application_id: str | None
    host: str
    expires_s: float
    expires_at: float
    heartbeat_deadline: float
    queue: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    sent: int = 0

    def public(self) -> dict[str, object]:
        """The channel as ``GET /sim/v1/state`` shows it."""
        return {
            "channel_id": self.channel_id,
            "channel_set_id": self.set_id,
            "user_id": self.owner_id,
            "priority": self.priority,
            "weight": self.weight,
            "application_id": self.application_id,
            "host": self.host,
            "expires": xml.seconds(self.expires_s),
        }


@dataclass
class Subscription:
    """A subscription of ``owner_id`` to ``event`` for a target, bound to a channel set."""

    subscription_id: str
    owner_id: str
    set_id: str
    target_type: str  # User | Group | ServiceProvider
    target_id: str
    parent_id: str | None
    event: str
    application_id: str | None
    expires_s: float
    expires_at: float
    sequence: int = 0

    def info(self) -> dict[str, str | int | None]:
        """Fields of the ``Subscription`` query documents."""
        return {
            "subscriptionId": self.subscription_id,
            "subscriberId": self.owner_id,
            "targetIdType": self.target_type,
            "targetGrpParentId": self.parent_id,
            "targetId": self.target_id,
            "event": self.event,
            "expires": xml.seconds(self.expires_s),
            "channelSetId": self.set_id,
            "applicationId": self.application_id,
        }

    def public(self) -> dict[str, object]:
        """The subscription as ``GET /sim/v1/state`` shows it."""
        return {
            "subscription_id": self.subscription_id,
            "user_id": self.owner_id,
            "channel_set_id": self.set_id,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "event": self.event,
            "application_id": self.application_id,
            "sequence_number": self.sequence,
        }


@dataclass
class Pending:
    """An event sent and not yet acknowledged; ``render`` writes it for a given channel."""

    event_id: str
    set_id: str
    subscription_id: str
    channel_id: str
    render: Render


@dataclass
class ChannelSet:
    """Channels sharing a ``channelSetId``; subscriptions and unacked events belong here."""

    set_id: str
    owner_id: str
    channels: list[str] = field(default_factory=list)
    pending: dict[str, Pending] = field(default_factory=dict)


class EventHub:
    """All channel sets and subscriptions of one PBX."""

    def __init__(self, pbx: Pbx, config: SimConfig) -> None:
        self.pbx = pbx
        self.config = config
        self.sets: dict[str, ChannelSet] = {}
        self.channels: dict[str, Channel] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self._pending_set: dict[str, str] = {}
        self.resync_sets: set[str] = set()  # sets whose next channel gets a resync (restart)

    # ---- channels ----------------------------------------------------------------------

    def open_channel(
        self,
        owner_id: str,
        set_id: str,
        priority: int,
        weight: int,
        requested_expires: int | None,
        application_id: str | None,
        host: str,
        now: float,
    ) -> Channel:
        """Add a channel; an ``applicationId`` already used by another set of the owner ends
        that set's channels with ``DuplicateChannelSet``."""
        channel_set = self.sets.get(set_id)
        if channel_set is not None and channel_set.owner_id != owner_id:
            raise forbidden(f"channel set {set_id} belongs to another user")
        if application_id is not None:
            for other in list(self.sets.values()):
                if other.set_id == set_id or other.owner_id != owner_id:
                    continue
                if any(self.channels[c].application_id == application_id for c in other.channels):
                    for channel_id in list(other.channels):
                        self.terminate(channel_id, "DuplicateChannelSet")
        if channel_set is None:
            channel_set = self.sets[set_id] = ChannelSet(set_id, owner_id)
        expires = granted_expires(requested_expires, self.config.channel_expires_s)
        channel = Channel(
            channel_id=str(uuid.uuid4()),
            set_id=set_id,
            owner_id=owner_id,
            priority=priority,
            weight=weight,
            application_id=application_id,
            host=host,
            expires_s=expires,
            expires_at=now + expires,
            heartbeat_deadline=now + self.config.event_timeout_s,
        )
        self.channels[channel.channel_id] = channel
        channel_set.channels.append(channel.channel_id)
        if set_id in self.resync_sets:
            self.resync_sets.discard(set_id)
            for subscription in list(self.subscriptions.values()):
                if subscription.set_id == set_id:
                    self.send_snapshot(subscription.subscription_id, "CallSubscriptionResyncEvent")
        return channel

    def owned_channel(self, channel_id: str, owner_id: str, host: str) -> Channel:
        """The channel, if it exists on this host and belongs to ``owner_id``; 404/403 else."""
        channel = self.channels.get(channel_id)
        if channel is None or channel.host != host:
            raise not_found(f"channel {channel_id} not found")
        if channel.owner_id != owner_id:
            raise forbidden(f"channel {channel_id} belongs to another user")
        return channel

    def heartbeat(self, channel: Channel, now: float) -> None:
        """Write a ``ChannelHeartBeat`` chunk and restart the channel's event timeout."""
        channel.heartbeat_deadline = now + self.config.event_timeout_s
        channel.queue.put_nowait(xml.HEARTBEAT)

    def update_channel(self, channel: Channel, requested: int | None, now: float) -> None:
        """Change the expiry (the only changeable field) to what the PBX grants."""
        channel.expires_s = granted_expires(requested, self.config.channel_expires_s)
        channel.expires_at = now + channel.expires_s

    def terminate(self, channel_id: str, reason: str | None) -> None:
        """End a channel: a ``ChannelTerminatedEvent`` when ``reason`` is given, then close.

        Its unacknowledged events are lost with it."""
        channel = self.channels.pop(channel_id, None)
        if channel is None:
            return
        if reason is not None:
            channel.queue.put_nowait(xml.channel_terminated(channel_id, reason))
        channel.queue.put_nowait(None)
        channel_set = self.sets.get(channel.set_id)
        if channel_set is None:
            return
        channel_set.channels.remove(channel_id)
        for event_id, pending in list(channel_set.pending.items()):
            if pending.channel_id == channel_id:
                del channel_set.pending[event_id]
                self._pending_set.pop(event_id, None)

    def detach(self, channel_id: str) -> None:
        """The client closed the stream: the channel is gone, with no event."""
        self.terminate(channel_id, None)

    def channel_set(self, set_id: str, owner_id: str) -> list[Channel]:
        """The channels of a set owned by ``owner_id`` (404 for unknown or empty sets)."""
        channel_set = self.sets.get(set_id)
        if channel_set is None or not channel_set.channels:
            raise not_found(f"channel set {set_id} not found")
        if channel_set.owner_id != owner_id:
            raise forbidden(f"channel set {set_id} belongs to another user")
        return [self.channels[c] for c in channel_set.channels]

    def close_all(self) -> None:
        """End every stream without an event (shutdown or reset)."""
        for channel_id in list(self.channels):
            self.terminate(channel_id, None)

    # ---- acknowledgements --------------------------------------------------------------

    def event_response(self, event_id: str, status: str, host: str) -> None:
        """Apply an ``EventResponse``: 200 done, 404/500 resend elsewhere, 481 drop the
        subscription, 400 drop the event. Unknown event ids are accepted and ignored."""
        set_id = self._pending_set.get(event_id)
        channel_set = self.sets.get(set_id) if set_id else None
        pending = channel_set.pending.get(event_id) if channel_set else None
        if status not in ("200", "400", "404", "481", "500"):
            raise bad_request(f"unknown statusCode {status}")
        if pending is None or channel_set is None:
            return
        channel = self.channels.get(pending.channel_id)
        if channel is not None and channel.host != host:
            raise not_found(f"event {event_id} was not sent by this host")
        del channel_set.pending[event_id]
        self._pending_set.pop(event_id, None)
        if status == "481":
            self.subscriptions.pop(pending.subscription_id, None)
        elif status in ("404", "500"):
            if status == "404":
                self.terminate(pending.channel_id, None)
            target = self._pick(channel_set, exclude=pending.channel_id)
            if target is None and status == "500":
                target = self._pick(channel_set)
            if target is not None:
                self._send(channel_set, pending, target)

    # ---- subscriptions -----------------------------------------------------------------

    def subscribe(
        self,
        owner_id: str,
        target_type: str,
        target_id: str,
        parent_id: str | None,
        event: str,
        set_id: str,
        application_id: str | None,
        requested_expires: int | None,
        now: float,
    ) -> Subscription:
        """Create a subscription; an identical one of the same owner is a 409."""
        if event not in PACKAGES:
            raise bad_request(f"unknown event package {event!r}")
        channel_set = self.sets.get(set_id)
        if channel_set is not None and channel_set.owner_id != owner_id:
            raise forbidden(f"channel set {set_id} belongs to another user")
        for existing in self.subscriptions.values():
            same = (existing.owner_id, existing.target_type, existing.target_id.lower())
            if same == (owner_id, target_type, target_id.lower()) and (
                existing.event == event and existing.set_id == set_id
            ):
                raise conflict("an identical subscription exists")
        expires = granted_expires(requested_expires, self.config.subscription_expires_s)
        subscription = Subscription(
            subscription_id=str(uuid.uuid4()),
            owner_id=owner_id,
            set_id=set_id,
            target_type=target_type,
            target_id=target_id,
            parent_id=parent_id,
            event=event,
            application_id=application_id,
            expires_s=expires,
            expires_at=now + expires,
        )
        self.subscriptions[subscription.subscription_id] = subscription
        return subscription

    def owned_subscription(self, subscription_id: str, owner_id: str) -> Subscription:
        """The owner's subscription; any failure is a 403, as the spec says."""
        subscription = self.subscriptions.get(subscription_id)
        if subscription is None or subscription.owner_id != owner_id:
            raise forbidden(f"subscription {subscription_id} not available")
        return subscription

    def refresh(self, subscription: Subscription, requested: int | None, now: float) -> None:
        """Renew the expiry; the caller then sends a fresh snapshot for user targets."""
        subscription.expires_s = granted_expires(requested, self.config.subscription_expires_s)
        subscription.expires_at = now + subscription.expires_s

    def unsubscribe(self, subscription: Subscription) -> None:
        """Delete a subscription silently (client request)."""
        self.subscriptions.pop(subscription.subscription_id, None)

    def end_subscription(self, subscription: Subscription) -> None:
        """End a subscription with a ``SubscriptionTerminatedEvent`` (acknowledged as usual)."""
        self._deliver(subscription, subscription.target_id, "SubscriptionTerminatedEvent")
        self.subscriptions.pop(subscription.subscription_id, None)

    def send_snapshot(
        self, subscription_id: str, event_type: str = "CallSubscriptionEvent"
    ) -> None:
        """For a user target: the call snapshot (``event_type``) on a call package, the
        current service state on a service package."""
        subscription = self.subscriptions.get(subscription_id)
        if subscription is None or subscription.target_type != "User":
            return
        user = self.pbx.find_user(subscription.target_id)
        if user is None:
            return
        service = BY_PACKAGE.get(subscription.event)
        if service is not None and service.event_type is not None:
            state = user.services.get(service)
            self._deliver(subscription, user.user_id, service.event_type, service=state)
            return
        if subscription.event not in CALL_PACKAGES:
            return
        self._deliver(
            subscription,
            user.user_id,
            event_type,
            calls=self.pbx.halves_of(user.user_id),
            hook_status=self.pbx.hook_status(user.user_id),
            conference=self.pbx.conference_view(user.user_id),
        )

    def user_deleted(self, user_id: str) -> None:
        """Channels of the user end (``UserDeleted``); subscriptions on it end with an event."""
        key = user_id.lower()
        for channel in list(self.channels.values()):
            if channel.owner_id.lower() == key:
                self.terminate(channel.channel_id, "UserDeleted")
        for subscription in list(self.subscriptions.values()):
            if subscription.owner_id.lower() == key:
                self.subscriptions.pop(subscription.subscription_id, None)
            elif subscription.target_type == "User" and subscription.target_id.lower() == key:
                self.end_subscription(subscription)

    # ---- events ------------------------------------------------------------------------

    def publish(self, notices: Iterable[Notice]) -> None:
        """Send each notice to every subscription covering its user and event type."""
        for notice in notices:
            service = BY_EVENT.get(notice.event_type)
            for subscription in list(self.subscriptions.values()):
                if not self._covers(subscription, notice.user_id):
                    continue
                if service is not None:
                    if subscription.event != service.package:
                        continue
                elif notice.event_type not in CALL_PACKAGES.get(subscription.event, ()):
                    continue
                self._deliver(
                    subscription,
                    notice.user_id,
                    notice.event_type,
                    half=notice.half,
                    hook_status=notice.hook_status,
                    calls=notice.halves,
                    conference=notice.conference,
                    service=notice.service,
                )

    def tick(self, now: float) -> None:
        """Fire due timers: heartbeat timeouts, channel and subscription expiry."""
        for channel in list(self.channels.values()):
            if now >= channel.heartbeat_deadline:
                self.terminate(channel.channel_id, None)
            elif now >= channel.expires_at:
                self.terminate(channel.channel_id, "Expired")
        for subscription in list(self.subscriptions.values()):
            if now >= subscription.expires_at:
                self.end_subscription(subscription)

    # ---- internals ---------------------------------------------------------------------

    def _covers(self, subscription: Subscription, user_id: str) -> bool:
        if subscription.target_type == "User":
            return subscription.target_id.lower() == user_id.lower()
        if subscription.target_type == "Group":
            return subscription.target_id == self.pbx.group_id
        return subscription.target_id == self.pbx.enterprise_id

    def _deliver(
        self,
        subscription: Subscription,
        target_id: str,
        event_type: str,
        half: Half | None = None,
        hook_status: str | None = None,
        calls: Sequence[Half] = (),
        conference: ConferenceView | None = None,
        service: ServiceState | None = None,
    ) -> None:
        subscription.sequence = subscription.sequence % MAX_SEQUENCE + 1
        event_id = str(uuid.uuid4())
        sequence = subscription.sequence
        channel_set = self.sets.get(subscription.set_id)
        application_id = subscription.application_id or "cloudcti-sim"
        base = f"/v2.0/user/{target_id}/services"
        write = None
        if service is not None:
            state = service

            def write(data: etree._Element) -> None:
                service_xml.write_service(xml.sub(data, "info"), state, event=True, base=base)

        def render(channel_id: str) -> bytes:
            return xml.subscription_event(
                event_id=event_id,
                sequence_number=sequence,
                owner_id=subscription.owner_id,
                application_id=application_id,
                subscription_id=subscription.subscription_id,
                channel_id=channel_id,
                target_id=target_id,
                event_type=event_type,
                half=half,
                hook_status=hook_status,
                calls=calls,
                conference=conference,
                write=write,
            )

        channel = self._pick(channel_set) if channel_set else None
        if channel_set is None or channel is None:
            return  # no channel: the event is lost and the client sees a sequence gap
        pending = Pending(event_id, channel_set.set_id, subscription.subscription_id, "", render)
        self._send(channel_set, pending, channel)
        if len(channel_set.pending) > self.config.unacked_limit:
            for channel_id in list(channel_set.channels):
                self.terminate(channel_id, "NonResponsiveChannel")
            for event in channel_set.pending:
                self._pending_set.pop(event, None)
            channel_set.pending.clear()

    def _send(self, channel_set: ChannelSet, pending: Pending, channel: Channel) -> None:
        pending.channel_id = channel.channel_id
        channel_set.pending[pending.event_id] = pending
        self._pending_set[pending.event_id] = channel_set.set_id
        channel.sent += 1
        channel.queue.put_nowait(pending.render(channel.channel_id))

    def _pick(self, channel_set: ChannelSet, exclude: str | None = None) -> Channel | None:
        """Lowest ``priority`` first, then the channel furthest behind its ``weight`` share."""
        candidates = [self.channels[c] for c in channel_set.channels if c != exclude]
        if not candidates:
            return None
        best = min(c.priority for c in candidates)
        top = [c for c in candidates if c.priority == best]
        return min(top, key=lambda c: c.sent / c.weight)
