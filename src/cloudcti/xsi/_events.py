"""Everything that can arrive on an Xsi event channel, as frozen typed values.

The class names are the Xsi type names (``xsi1:type`` of ``eventData``, or the root element
for channel documents), so ``type(event).__name__`` is what the PBX called it.

    Event
    ├── Channel, ChannelHeartBeat, ChannelTerminatedEvent,     the channel itself
    │   ErrorEvent
    └── SubscriptionEvent (envelope)                           one subscription's events
        ├── CallEvent (call)        CallReceivedEvent, CallAnsweredEvent, CallReleasedEvent, …
        ├── CallRedirectedEvent (calls)
        ├── CallSnapshotEvent       CallSubscriptionEvent, CallSubscriptionResyncEvent
        ├── HookStatusEvent
        ├── ConferenceEvent         ConferenceStartedEvent, …
        ├── ServiceEvent            CallForwardingAlwaysEvent, DoNotDisturbEvent, …
        ├── VoiceMailMessageSummaryEvent, SubscriptionTerminatedEvent
        └── UnknownEvent            a type this version does not know; still acknowledged
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudcti.xsi._calls import Call, Conference, HookStatus
from cloudcti.xsi._services import (
    BroadWorksAnywhere,
    CallForwardingAlways,
    CallForwardingBusy,
    CallForwardingNoAnswer,
    DoNotDisturb,
    MessageSummary,
    RemoteOffice,
    SimultaneousRingPersonal,
)


class ChannelTerminationReason:
    """Known reasons of a ``ChannelTerminatedEvent`` (an open set of strings)."""

    DUPLICATE_CHANNEL_SET = "DuplicateChannelSet"
    USER_DELETED = "UserDeleted"
    NON_RESPONSIVE_CHANNEL = "NonResponsiveChannel"
    EXPLICIT_DELETE = "ExplicitDelete"
    EXPIRED = "Expired"
    UNKNOWN_CHANNEL = "UnknownChannel"


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every decoded channel document."""


# --- the channel -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Channel(Event):
    """First document of a new channel: its id and the expiry the XSP *granted* (seconds)."""

    channel_id: str
    expires: int


@dataclass(frozen=True, slots=True)
class ChannelHeartBeat(Event):
    """The XSP's echo of our heartbeat; never acknowledged."""


@dataclass(frozen=True, slots=True)
class ChannelTerminatedEvent(Event):
    """The XSP closed the channel; carries no eventID and is never acknowledged."""

    channel_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ErrorEvent(Event):
    """An error the XSP reports on the channel itself; carries no eventID, is not acked."""

    error_code: int
    error_message: str


# --- subscription events -----------------------------------------------------------------


@dataclass(frozen=True)
class Envelope:
    """The part every subscription event shares (PROTOCOL.md §3.5). Without slots, so the
    decoder can build it in one step (see ``_read.build``).

    ``user_id`` is the subscription's *owner* (``userId``, or ``clientId`` for client-app
    owners); the monitored user is ``target_id``."""

    event_id: str
    sequence_number: int
    user_id: str
    external_application_id: str
    subscription_id: str
    channel_id: str | None = None
    target_id: str | None = None
    shared_subscription_id: str | None = None
    http_contact_uri: str | None = None
    target_sub_id: str | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionEvent(Event):
    """An event of one subscription; every one of them must be acknowledged."""

    envelope: Envelope

    @property
    def event_id(self) -> str:
        """The id to echo in the event response."""
        return self.envelope.event_id


@dataclass(frozen=True, slots=True)
class CallEvent(SubscriptionEvent):
    """An Advanced Call event about one call leg."""

    call: Call


@dataclass(frozen=True, slots=True)
class CallOriginatingEvent(CallEvent):
    """Click-to-dial accepted; the user's own device is being alerted."""


@dataclass(frozen=True, slots=True)
class CallOriginatedEvent(CallEvent):
    """The user dialled (or answered the click-to-dial ring); the far end is alerted."""


@dataclass(frozen=True, slots=True)
class CallCollectingEvent(CallEvent):
    """BroadWorks collects digits (feature codes, authorisation codes)."""


@dataclass(frozen=True, slots=True)
class CallReceivedEvent(CallEvent):
    """An incoming call (before service processing with Advanced Call)."""


@dataclass(frozen=True, slots=True)
class CallAnsweredEvent(CallEvent):
    """The call was answered."""


@dataclass(frozen=True, slots=True)
class CallHeldEvent(CallEvent):
    """Held by the user (``Held``) or by the other party (``Remote Held``)."""


@dataclass(frozen=True, slots=True)
class CallRetrievedEvent(CallEvent):
    """Taken back from hold."""


@dataclass(frozen=True, slots=True)
class CallUpdatedEvent(CallEvent):
    """Attributes changed without a state change."""


@dataclass(frozen=True, slots=True)
class CallTransferredEvent(CallEvent):
    """The remote party transferred us."""


@dataclass(frozen=True, slots=True)
class CallForwardedEvent(CallEvent):
    """On the caller's side: the callee's services forwarded the call."""


@dataclass(frozen=True, slots=True)
class CallReleasingEvent(CallEvent):
    """Being connected to a treatment (announcement) before release."""


@dataclass(frozen=True, slots=True)
class CallReleasedEvent(CallEvent):
    """The call leg ended."""


@dataclass(frozen=True, slots=True)
class CallDetachedEvent(CallEvent):
    """The call is no longer presented to the user."""


@dataclass(frozen=True, slots=True)
class CallPickedUpEvent(CallEvent):
    """Picked up by directed call pickup."""


@dataclass(frozen=True, slots=True)
class CallBargedInEvent(CallEvent):
    """Someone barged in."""


@dataclass(frozen=True, slots=True)
class CallMonitoredEvent(CallEvent):
    """Silently monitored."""


@dataclass(frozen=True, slots=True)
class CallParkRetrievedEvent(CallEvent):
    """A parked call was retrieved."""


@dataclass(frozen=True, slots=True)
class CallRecordingStartingEvent(CallEvent):
    """Recording is starting."""


@dataclass(frozen=True, slots=True)
class CallRecordingStartedEvent(CallEvent):
    """Recording started."""


@dataclass(frozen=True, slots=True)
class CallRecordingPausedEvent(CallEvent):
    """Recording paused."""


@dataclass(frozen=True, slots=True)
class CallRecordingResumedEvent(CallEvent):
    """Recording resumed."""


@dataclass(frozen=True, slots=True)
class CallRecordingStoppedEvent(CallEvent):
    """Recording stopped; ``reason`` is ``User Requested`` or ``Failure``."""

    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CallSecurityClassificationUpdatedEvent(CallEvent):
    """The call's security classification changed."""


@dataclass(frozen=True, slots=True)
class CallClientSessionInfoUpdatedEvent(CallEvent):
    """The call's client session info changed."""


@dataclass(frozen=True, slots=True)
class PlayMusicOnHoldFailureEvent(CallEvent):
    """Music on hold could not be played."""


@dataclass(frozen=True, slots=True)
class CallRedirectedEvent(SubscriptionEvent):
    """The user's calls were redirected (forwarding, transfer); the legs carry ``redirect``."""

    calls: tuple[Call, ...]


@dataclass(frozen=True, slots=True)
class CallSnapshotEvent(SubscriptionEvent):
    """The full call state of the target: replace what is known, calls absent have ended."""

    hook_status: HookStatus
    calls: tuple[Call, ...] = ()
    conference: Conference | None = None


@dataclass(frozen=True, slots=True)
class CallSubscriptionEvent(CallSnapshotEvent):
    """The snapshot sent after subscribe and after each refresh (user targets only)."""


@dataclass(frozen=True, slots=True)
class CallSubscriptionResyncEvent(CallSnapshotEvent):
    """The snapshot resent after an abnormal AS restart."""


@dataclass(frozen=True, slots=True)
class HookStatusEvent(SubscriptionEvent):
    """The device went on or off hook."""

    hook_status: HookStatus


@dataclass(frozen=True, slots=True)
class ConferenceEvent(SubscriptionEvent):
    """A change of the user's conference."""

    conference: Conference


@dataclass(frozen=True, slots=True)
class ConferenceStartedEvent(ConferenceEvent):
    """A conference began."""


@dataclass(frozen=True, slots=True)
class ConferenceUpdatedEvent(ConferenceEvent):
    """Participants changed."""


@dataclass(frozen=True, slots=True)
class ConferenceHeldEvent(ConferenceEvent):
    """The conference was held."""


@dataclass(frozen=True, slots=True)
class ConferenceRetrievedEvent(ConferenceEvent):
    """The conference was taken back from hold."""


@dataclass(frozen=True, slots=True)
class ConferenceReleasedEvent(ConferenceEvent):
    """The conference ended."""


@dataclass(frozen=True, slots=True)
class ConferenceMutedEvent(ConferenceEvent):
    """The conference was muted."""


@dataclass(frozen=True, slots=True)
class ConferenceUnmutedEvent(ConferenceEvent):
    """The conference was unmuted."""


@dataclass(frozen=True, slots=True)
class ConferenceCallMutedEvent(ConferenceEvent):
    """A participant was muted."""


@dataclass(frozen=True, slots=True)
class ConferenceCallUnMutedEvent(ConferenceEvent):
    """A participant was unmuted."""


@dataclass(frozen=True, slots=True)
class ConferenceCallMadeDeafEvent(ConferenceEvent):
    """A participant was made deaf."""


@dataclass(frozen=True, slots=True)
class ConferenceCallMadeUnDeafEvent(ConferenceEvent):
    """A participant can hear again."""


@dataclass(frozen=True, slots=True)
class ServiceEvent(SubscriptionEvent):
    """A service package event: current settings after subscribe, refresh or any change.
    ``unassigned`` means the service was taken away from the user (then ``info`` is absent)."""

    unassigned: bool = False


@dataclass(frozen=True, slots=True)
class CallForwardingAlwaysEvent(ServiceEvent):
    """Call Forwarding Always settings."""

    info: CallForwardingAlways | None = None


@dataclass(frozen=True, slots=True)
class CallForwardingBusyEvent(ServiceEvent):
    """Call Forwarding Busy settings."""

    info: CallForwardingBusy | None = None


@dataclass(frozen=True, slots=True)
class CallForwardingNoAnswerEvent(ServiceEvent):
    """Call Forwarding No Answer settings."""

    info: CallForwardingNoAnswer | None = None


@dataclass(frozen=True, slots=True)
class DoNotDisturbEvent(ServiceEvent):
    """Do Not Disturb settings."""

    info: DoNotDisturb | None = None


@dataclass(frozen=True, slots=True)
class RemoteOfficeEvent(ServiceEvent):
    """Remote Office settings."""

    info: RemoteOffice | None = None


@dataclass(frozen=True, slots=True)
class SimultaneousRingPersonalEvent(ServiceEvent):
    """Simultaneous Ring Personal settings."""

    info: SimultaneousRingPersonal | None = None


@dataclass(frozen=True, slots=True)
class VoiceMessagingEvent(ServiceEvent):
    """Voice Messaging: only whether it is active. ``alwaysRedirectToVoiceMail`` is *not*
    carried: re-read ``services/VoiceMessaging`` when this arrives."""

    active: bool | None = None


@dataclass(frozen=True, slots=True)
class BroadWorksAnywhereEvent(ServiceEvent):
    """BroadWorks Anywhere settings."""

    info: BroadWorksAnywhere | None = None


@dataclass(frozen=True, slots=True)
class VoiceMailMessageSummaryEvent(SubscriptionEvent):
    """Voice mail counts changed (message waiting)."""

    summary: MessageSummary


@dataclass(frozen=True, slots=True)
class SubscriptionTerminatedEvent(SubscriptionEvent):
    """The subscription ended (expired, deleted, user deleted); it is acknowledged."""


@dataclass(frozen=True, slots=True)
class UnknownEvent(SubscriptionEvent):
    """An event type this version does not decode; ``raw`` is the whole document. It is
    acknowledged like any other so a newer PBX release cannot take the channel down."""

    type_name: str
    raw: bytes
