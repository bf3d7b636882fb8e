"""The state of one monitored line and its reducer over typed Xsi events (R19–R22).

``LineState.apply(event, now)`` returns the new state and the domain events that lead
there; ``LineState.from_snapshot(...)`` replaces the calls with the PBX's snapshot (calls
absent from it end). Both are pure; ``now`` (epoch ms) is used only where the PBX gives no
time (a call that vanished from a snapshot ends at ``now``).

Robustness (DESIGN.md: events may be redelivered or interleave across channels):
- Domain events are the *difference* between the views before and after, so an event that
  changes nothing (a duplicate) reports nothing.
- Per call, the last applied ``(subscriptionId, sequenceNumber)`` is kept; an older or
  equal one of the same subscription is ignored, so a late event cannot undo a newer one.
- Ended calls are remembered (the last ``ENDED_MEMORY``), so a late event about an ended
  call cannot bring it back; only a snapshot can (the PBX is the truth).
- An unknown call that arrives already released or detached ends at once: it gets its
  ``call_ended`` and journal entry, but no ``call_created``.

Consultation: an outbound call started while another call of the line is held is a
consultation of that call (the most recently held one) as long as that call stays held.
Call pull / relocate: a leg that continues an ended one carries the conversation so far
(``TrackedCall.before``); ``carried`` says what of it must be stored so that a restart
mid-conversation loses nothing, ``with_carried`` takes it back after the restart.
Conference: BroadWorks has one conference per user; its id is made from its first
participant's call id and kept while any of its participants remain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from cloudcti.domain.calls import (
    Call,
    CallState,
    Device,
    Direction,
    device_of,
    direction_of,
    ended,
    features_of,
    is_terminal,
    is_voicemail,
    remote_of,
    state_of,
)
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
from cloudcti.domain.feature_codes import DEFAULT_FEATURE_CODES, FeatureCodeName, FeatureCodes
from cloudcti.domain.forwarding import (
    DEFAULT_VOICEMAIL_NUMBER,
    Forwarding,
    ServiceInfo,
    VoicemailSetting,
    unassigned,
    with_service,
)
from cloudcti.domain.journal import CallHistory, carried, continued_from, entry_for
from cloudcti.domain.numbers import EMPTY_DIRECTORY, DialingParameters, Directory
from cloudcti.domain.presence import Presence, presence_of
from cloudcti.xsi import Call as XsiCall
from cloudcti.xsi import (
    CallEvent,
    CallForwardingAlways,
    CallForwardingAlwaysEvent,
    CallForwardingBusy,
    CallForwardingBusyEvent,
    CallForwardingNoAnswer,
    CallForwardingNoAnswerEvent,
    CallRedirectedEvent,
    CallSnapshotEvent,
    Conference,
    ConferenceEvent,
    ConferenceReleasedEvent,
    DoNotDisturb,
    DoNotDisturbEvent,
    Event,
    HookStatus,
    HookStatusEvent,
    Personality,
    RemoteOffice,
    RemoteOfficeEvent,
    ServiceEvent,
    SimultaneousRingPersonal,
    SimultaneousRingPersonalEvent,
    SubscriptionEvent,
    VoiceMessaging,
    VoiceMessagingEvent,
)
from cloudcti.xsi import CallState as XsiCallState

__all__ = [
    "ENDED_MEMORY",
    "Line",
    "LineConfig",
    "LineState",
    "LineStatus",
    "TrackedCall",
    "internal_calls",
]

ENDED_MEMORY = 256
VOICE_MESSAGING = "VoiceMessaging"

_SERVICE_TYPES: Mapping[type[ServiceEvent], type[ServiceInfo]] = {
    CallForwardingAlwaysEvent: CallForwardingAlways,
    CallForwardingBusyEvent: CallForwardingBusy,
    CallForwardingNoAnswerEvent: CallForwardingNoAnswer,
    DoNotDisturbEvent: DoNotDisturb,
    RemoteOfficeEvent: RemoteOffice,
    SimultaneousRingPersonalEvent: SimultaneousRingPersonal,
    VoiceMessagingEvent: VoiceMessaging,
}


class LineStatus(StrEnum):
    """Whether a line is monitored (CONTRACT.md §2.1 ``Line.state``)."""

    IN_SERVICE = "in_service"
    NEEDS_USER_AUTH = "needs_user_auth"
    DISABLED = "disabled"
    OUT_OF_SERVICE = "out_of_service"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Line:
    """A line as users see it (CONTRACT.md §2.1 ``Line``); ``number`` is E.164."""

    id: str
    number: str
    extension: str | None
    display_name: str
    state: LineStatus = LineStatus.UNKNOWN
    state_reason: str | None = None


@dataclass(frozen=True, slots=True)
class LineConfig:
    """What the reducer needs to know about a line besides its events."""

    line_id: str
    params: DialingParameters
    directory: Directory = EMPTY_DIRECTORY
    voicemail_number: str | None = DEFAULT_VOICEMAIL_NUMBER
    feature_codes: FeatureCodes = DEFAULT_FEATURE_CODES
    voice_portal: str | None = None

    @property
    def voicemail_numbers(self) -> frozenset[str]:
        """Numbers that reach voicemail: the line's voicemail number, the voice portal's
        feature code and, if known, the group's voice portal number (E.164: where the PBX
        redirects calls to voicemail)."""
        numbers = set(self.feature_codes.of(FeatureCodeName.VOICE_PORTAL))
        for number in (self.voicemail_number, self.voice_portal):
            if number:
                numbers.add(number)
        return frozenset(numbers)


@dataclass(frozen=True, slots=True)
class TrackedCall:
    """A live call leg: the PBX's latest view of it, its history, and the last position."""

    leg: XsiCall
    history: CallHistory
    device: Device
    position: tuple[str, int] | None = None
    before: CallHistory | None = None
    """The conversation this leg continues (call pull, relocate): the earlier legs' history
    as ``journal.carried`` hands it on. Kept apart from ``history`` so the live view stays
    what the PBX says about this leg."""

    @property
    def conversation(self) -> CallHistory:
        """The history of the whole conversation up to this leg (what the journal uses)."""
        if self.before is None:
            return self.history
        return continued_from(self.before, self.history)


@dataclass(frozen=True, slots=True)
class _Conference:
    id: str
    participants: frozenset[str]


def _frozen(mapping: Mapping[str, TrackedCall]) -> Mapping[str, TrackedCall]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class LineState:
    """Everything known about one line: live calls, conference, forwarding, hook status."""

    config: LineConfig
    tracked: Mapping[str, TrackedCall] = field(default_factory=dict)
    conference: _Conference | None = None
    forwarding: Forwarding = field(default_factory=Forwarding)
    hook_status: HookStatus = HookStatus.ON_HOOK
    ended_ids: tuple[str, ...] = ()
    restored: Mapping[str, CallHistory] = field(default_factory=dict)
    """Carried conversations read back from storage (``with_carried``) whose leg has not
    been seen since: attached to it when it shows up, dropped by the next snapshot."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "tracked", _frozen(self.tracked))
        if not isinstance(self.restored, MappingProxyType):  # replace() passes it on as is
            object.__setattr__(self, "restored", MappingProxyType(dict(self.restored)))

    @classmethod
    def new(cls, config: LineConfig) -> LineState:
        """A line with no calls yet and the line's voicemail number in its forwarding."""
        voicemail = VoicemailSetting(number=config.voicemail_number)
        return cls(config=config, forwarding=Forwarding(voicemail=voicemail))

    # --- views ---------------------------------------------------------------------------

    @property
    def line_id(self) -> str:
        """The line's id."""
        return self.config.line_id

    @property
    def calls(self) -> tuple[Call, ...]:
        """The line's current calls as users see them, oldest first."""
        return tuple(self._views().values())

    def call(self, call_id: str) -> Call | None:
        """One current call by id."""
        return self._views().get(call_id)

    @property
    def presence(self) -> Presence:
        """The line's presence (unfiltered, assuming it is monitored)."""
        return presence_of(
            self.calls, self.forwarding, voicemail_numbers=self.config.voicemail_numbers
        )

    @property
    def carried(self) -> Mapping[str, CallHistory]:
        """What must be stored to survive a restart: by call id, the conversation each live
        (or restored, not yet seen) leg carries on from earlier legs (call pull, relocate)."""
        found = dict(self.restored)
        for call_id, tracked in self.tracked.items():
            if tracked.before is not None:
                found[call_id] = tracked.before
        return found

    def with_carried(self, stored: Mapping[str, CallHistory]) -> LineState:
        """This state with the carried conversations read back from storage (``carried``
        of an earlier run): attached to the live leg of the same call id, or kept until
        that leg shows up (a snapshot without it drops it)."""
        tracked = dict(self.tracked)
        waiting: dict[str, CallHistory] = {}
        for call_id, before in stored.items():
            if call_id in tracked:
                tracked[call_id] = replace(tracked[call_id], before=before)
            elif call_id not in self.ended_ids:
                waiting[call_id] = before
        return replace(self, tracked=tracked, restored=waiting)

    def _views(self) -> dict[str, Call]:
        ordered = sorted(self.tracked.items(), key=lambda kv: (kv[1].leg.start_time, kv[0]))
        bare = {cid: self._bare_view(cid, t) for cid, t in ordered}
        held = [c for c in bare.values() if c.state is CallState.HELD]
        views: dict[str, Call] = {}
        for cid, call in bare.items():
            consult_of = _consultation_of(call, self.tracked[cid].leg, held, self.tracked)
            call = replace(call, consult_of=consult_of)
            views[cid] = call
        others = list(views.values())
        return {cid: replace(c, features=features_of(c, others)) for cid, c in views.items()}

    def _bare_view(self, call_id: str, tracked: TrackedCall) -> Call:
        leg, config = tracked.leg, self.config
        conference_id = None
        if self.conference is not None and call_id in self.conference.participants:
            conference_id = self.conference.id
        return Call(
            id=call_id,
            line_id=config.line_id,
            direction=direction_of(leg),
            state=state_of(leg),
            remote=remote_of(leg.remote_party, config.params, config.directory),
            device=tracked.device,
            created_at=leg.start_time,
            tracking_id=leg.ext_tracking_id,
            voicemail=tracked.history.voicemail,
            remote_held=leg.state is XsiCallState.REMOTE_HELD,
            conference_id=conference_id,
            answered_at=leg.answer_time or tracked.history.answered_at,
        )

    # --- the reducer ---------------------------------------------------------------------

    def apply(self, event: Event, now: int) -> tuple[LineState, list[DomainEvent]]:
        """The state after ``event`` and the domain events it caused (none for a duplicate)."""
        if isinstance(event, CallSnapshotEvent):
            return self.from_snapshot(
                event.calls,
                conference=event.conference,
                hook_status=event.hook_status,
                now=now,
                position=_position(event),
            )
        if isinstance(event, CallEvent):
            return self._with_legs([event.call], _position(event), now)
        if isinstance(event, CallRedirectedEvent):
            return self._with_legs(list(event.calls), _position(event), now)
        if isinstance(event, HookStatusEvent):
            return replace(self, hook_status=event.hook_status), []
        if isinstance(event, ConferenceEvent):
            return self._finish(self._with_conference(event), [], now)
        if isinstance(event, ServiceEvent):
            return self._with_service_event(event, now)
        return self, []

    def with_service(self, info: ServiceInfo, now: int) -> tuple[LineState, list[DomainEvent]]:
        """The state after reading one service's settings from the PBX (Xsi-Actions GET)."""
        forwarding = with_service(self.forwarding, info, self.config.params, self.config.directory)
        return self._finish(replace(self, forwarding=forwarding), [], now)

    def from_snapshot(
        self,
        calls: Sequence[XsiCall],
        *,
        now: int,
        conference: Conference | None = None,
        hook_status: HookStatus | None = None,
        position: tuple[str, int] | None = None,
    ) -> tuple[LineState, list[DomainEvent]]:
        """The PBX's full call state replaces ours; calls absent from it end at ``now``."""
        live = {leg.call_id: leg for leg in calls if not is_terminal(leg)}
        tracked: dict[str, TrackedCall] = {}
        for call_id, leg in live.items():
            tracked[call_id] = self._track(self.tracked.get(call_id), leg, position)
        gone = [cid for cid in self.tracked if cid not in live]
        state = replace(
            self,
            tracked=tracked,
            hook_status=hook_status or self.hook_status,
            ended_ids=tuple(cid for cid in self.ended_ids if cid not in live),
            restored={},
        )
        state = state._with_conference_value(conference)
        return self._diff(state, now, ended_at={cid: now for cid in gone})

    # --- transitions ---------------------------------------------------------------------

    def _with_legs(
        self, legs: Iterable[XsiCall], position: tuple[str, int] | None, now: int
    ) -> tuple[LineState, list[DomainEvent]]:
        tracked = dict(self.tracked)
        ended_now: dict[str, int] = {}
        lone_ends: list[tuple[Call, CallHistory]] = []
        extra: list[DomainEvent] = []
        for leg in legs:
            cid = leg.call_id
            if cid in self.ended_ids or cid in ended_now:
                continue
            previous = tracked.get(cid)
            if previous is not None and _is_stale(previous.position, position):
                continue
            if previous is None and is_terminal(leg):
                lone = self._track(None, leg, position)
                view = replace(self._bare_view(cid, lone), state=CallState.ENDED)
                lone_ends.append((ended(view, _end_time(leg, now)), lone.conversation))
                ended_now[cid] = _end_time(leg, now)
                continue
            updated = self._track(previous, leg, position)
            if previous is None and self._dials_voicemail_switch(leg):
                extra.append(ServiceReadRequired(self.line_id, VOICE_MESSAGING))
            tracked[cid] = updated
            if is_terminal(leg):
                ended_now[cid] = _end_time(leg, now)
        state = replace(self, tracked=tracked)
        if self.restored:
            seen = tracked.keys() | ended_now.keys()
            restored = {cid: h for cid, h in self.restored.items() if cid not in seen}
            state = replace(state, restored=restored)
        state, events = self._diff(state, now, ended_at=ended_now)
        for call, history in lone_ends:
            events.append(CallEnded(call))
            entry = entry_for(call, history)
            if entry is not None:
                events.append(JournalEntryCreated(entry))
        return state._remember_ended(ended_now), events + extra

    def _track(
        self,
        previous: TrackedCall | None,
        leg: XsiCall,
        position: tuple[str, int] | None,
    ) -> TrackedCall:
        config = self.config
        if previous is None:
            history = CallHistory(
                direction=direction_of(leg),
                started_at=leg.start_time,
                dnd_when_received=(
                    direction_of(leg) is Direction.INBOUND and self.forwarding.dnd.enabled
                ),
            )
            device = Device.UNKNOWN
        else:
            history, device = previous.history, previous.device
        device = device_of(leg, device)
        reasons = history.redirect_reasons
        if leg.redirect is not None and leg.redirect.reason not in reasons:
            reasons = (*reasons, leg.redirect.reason)
        answered = leg.state in (
            XsiCallState.ACTIVE,
            XsiCallState.HELD,
            XsiCallState.REMOTE_HELD,
        )
        answered_at = history.answered_at
        answered_device = history.answered_device
        if answered and answered_at is None:
            answered_at = leg.answer_time or leg.start_time
            answered_device = device
        remote = leg.remote_party
        address = (remote.address or "") if remote else ""
        history = replace(
            history,
            answered_at=answered_at,
            answered_device=answered_device,
            redirect_reasons=reasons,
            voicemail=history.voicemail
            or is_voicemail(leg, config.voicemail_numbers, config.params, config.directory),
            release_cause=(
                leg.release_cause.internal_release_cause
                if leg.release_cause
                else history.release_cause
            ),
            releasing_party=leg.releasing_party or history.releasing_party,
            feature_code=history.feature_code or address.lower().startswith(("tel:*", "tel:#")),
            detached=history.detached or leg.state is XsiCallState.DETACHED,
        )
        before = self.restored.get(leg.call_id) if previous is None else previous.before
        return TrackedCall(leg, history, device, position, before)

    def _dials_voicemail_switch(self, leg: XsiCall) -> bool:
        address = leg.remote_party.address if leg.remote_party else None
        if not address or direction_of(leg) is not Direction.OUTBOUND:
            return False
        dialled = address.removeprefix("tel:")
        name = self.config.feature_codes.name_of(dialled)
        return name in (FeatureCodeName.CFA_VOICEMAIL_ON, FeatureCodeName.CFA_VOICEMAIL_OFF)

    def _with_conference(self, event: ConferenceEvent) -> LineState:
        conference = event.conference
        if isinstance(event, ConferenceReleasedEvent):
            return replace(self, conference=None)
        return self._with_conference_value(conference)

    def _with_conference_value(self, conference: Conference | None) -> LineState:
        if conference is None or conference.state == "Released":
            return replace(self, conference=None)
        participants = frozenset(p.call_id for p in conference.participants)
        if not participants:
            return replace(self, conference=None)
        current = self.conference
        if current is not None and current.participants & participants:
            return replace(self, conference=_Conference(current.id, participants))
        return replace(self, conference=_Conference(f"conf-{min(participants)}", participants))

    def _with_service_event(
        self, event: ServiceEvent, now: int
    ) -> tuple[LineState, list[DomainEvent]]:
        extra: list[DomainEvent] = []
        service = _SERVICE_TYPES.get(type(event))
        if service is None:
            return self, []
        config = self.config
        forwarding = self.forwarding
        if event.unassigned:
            forwarding = unassigned(forwarding, service)
        elif isinstance(event, VoiceMessagingEvent):
            extra.append(ServiceReadRequired(self.line_id, VOICE_MESSAGING))
            if event.active is False:
                voicemail = replace(forwarding.voicemail, enabled=False)
                forwarding = replace(forwarding, voicemail=voicemail)
        else:
            info: ServiceInfo | None = getattr(event, "info", None)
            if info is not None:
                forwarding = with_service(forwarding, info, config.params, config.directory)
        state, events = self._finish(replace(self, forwarding=forwarding), [], now)
        return state, events + extra

    # --- bookkeeping ---------------------------------------------------------------------

    def _remember_ended(self, call_ids: Iterable[str]) -> LineState:
        new = [cid for cid in dict.fromkeys(call_ids) if cid not in self.ended_ids]
        remembered = (*self.ended_ids, *new)[-ENDED_MEMORY:]
        live = {cid: t for cid, t in self.tracked.items() if cid not in set(new)}
        return replace(self, tracked=live, ended_ids=remembered)

    def _finish(
        self, state: LineState, events: list[DomainEvent], now: int
    ) -> tuple[LineState, list[DomainEvent]]:
        new_state, diff = self._diff(state, now, ended_at={})
        return new_state, events + diff

    def _carry_on(self, endings: Sequence[tuple[Call, TrackedCall]]) -> tuple[LineState, set[str]]:
        """Ended legs that a live leg continues hand their history on to it (the
        conversation is journalled once, when its last leg ends); the ids of the ended legs
        that are journalled now."""
        tracked = dict(self.tracked)
        journalled: set[str] = set()
        for final, old in endings:
            successor = self._successor(old, tracked)
            if successor is None:
                journalled.add(final.id)
                continue
            tracked[successor] = replace(
                tracked[successor], before=carried(old.conversation, final)
            )
        if len(journalled) == len(endings):
            return self, journalled
        return replace(self, tracked=tracked), journalled

    def _successor(self, old: TrackedCall, live: Mapping[str, TrackedCall]) -> str | None:
        """The live leg that continues the ended, connected leg ``old`` (call pull /
        relocate): a leg the PBX originated after ``old`` began, on another known device of
        the user, with the same remote party, or with the same ``extTrackingId`` where a
        remote number is missing (withheld). The device condition keeps a consultation (same
        phone; a real PBX may give it the held call's ``extTrackingId``) a call of its own. A
        leg redirected away (transfer, forwarding) or never answered is continued by nothing."""
        history = old.conversation
        if old.leg.redirect is not None or history.answered_at is None or history.feature_code:
            return None
        config = self.config
        remote = remote_of(old.leg.remote_party, config.params, config.directory).number
        newest_first = sorted(live.items(), key=lambda kv: kv[1].leg.start_time, reverse=True)
        for cid, candidate in newest_first:
            leg = candidate.leg
            if leg.personality is not Personality.ORIGINATOR or cid == old.leg.call_id:
                continue
            if leg.start_time < old.leg.start_time:
                continue
            if candidate.device in (Device.UNKNOWN, old.device):
                continue
            number = remote_of(leg.remote_party, config.params, config.directory).number
            if remote is not None and number is not None:
                if number == remote:
                    return cid
            elif leg.ext_tracking_id == old.leg.ext_tracking_id:
                return cid
        return None

    def _diff(
        self, state: LineState, now: int, *, ended_at: Mapping[str, int]
    ) -> tuple[LineState, list[DomainEvent]]:
        """Domain events taking ``self`` to ``state``; calls in ``ended_at`` end there."""
        before = self._views()
        ending = {cid for cid in ended_at if cid in state.tracked or cid in before}
        after_state = state._remember_ended(ending) if ending else state
        endings: list[tuple[Call, TrackedCall]] = []
        views = state._views() if ending else {}
        for cid in ending:
            last = views.get(cid) or before[cid]
            tracked = state.tracked.get(cid) or self.tracked[cid]
            endings.append((ended(last, ended_at[cid]), tracked))
        after_state, journalled = after_state._carry_on(endings)
        after = after_state._views()
        events: list[DomainEvent] = []
        for cid, call in after.items():
            if cid not in before:
                events.append(CallCreated(call))
            elif before[cid] != call:
                events.append(CallUpdated(call))
        for final, tracked in endings:
            if final.id not in before:
                events.append(CallCreated(views[final.id]))
            events.append(CallEnded(final))
            entry = entry_for(final, tracked.conversation) if final.id in journalled else None
            if entry is not None:
                events.append(JournalEntryCreated(entry))
        if state.forwarding != self.forwarding:
            events.append(ForwardingUpdated(self.line_id, state.forwarding))
        if after_state.presence != self.presence:
            events.append(PresenceUpdated(self.line_id, after_state.presence))
        return after_state, events


def internal_calls(lines: Iterable[LineState]) -> dict[str, tuple[Call, ...]]:
    """Calls between monitored lines, by ``extTrackingId`` (the same on both legs): only
    tracking ids seen on more than one line."""
    groups: dict[str, list[Call]] = {}
    for line in lines:
        for call in line.calls:
            groups.setdefault(call.tracking_id, []).append(call)
    return {
        tracking: tuple(calls)
        for tracking, calls in groups.items()
        if len({c.line_id for c in calls}) > 1
    }


def _position(event: SubscriptionEvent) -> tuple[str, int]:
    return (event.envelope.subscription_id, event.envelope.sequence_number)


def _is_stale(last: tuple[str, int] | None, new: tuple[str, int] | None) -> bool:
    return last is not None and new is not None and last[0] == new[0] and new[1] <= last[1]


def _end_time(leg: XsiCall, now: int) -> int:
    redirect_time = leg.redirect.redirect_time if leg.redirect else None
    for candidate in (leg.release_time, leg.detached_time, redirect_time):
        if candidate is not None:
            return candidate
    return now


def _consultation_of(
    call: Call, leg: XsiCall, held: Sequence[Call], tracked: Mapping[str, TrackedCall]
) -> str | None:
    if call.direction is not Direction.OUTBOUND or call.state is CallState.HELD:
        return None
    candidates = [
        (tracked[h.id].leg.held_time or 0, h.id)
        for h in held
        if h.id != call.id and (tracked[h.id].leg.held_time or 0) <= leg.start_time
    ]
    return max(candidates)[1] if candidates else None
