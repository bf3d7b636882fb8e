"""Small factories for typed Xsi events, as the decoder would produce them."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any, TypeVar

from cloudcti.domain.lines import LineConfig, LineState
from cloudcti.domain.numbers import DialingParameters, Directory
from cloudcti.xsi import (
    Call,
    CallEvent,
    CallRedirectedEvent,
    CallState,
    CallSubscriptionEvent,
    Conference,
    ConferenceEvent,
    ConferenceParticipant,
    Endpoint,
    EndpointKind,
    Envelope,
    HookStatus,
    HookStatusEvent,
    PartyInfo,
    Personality,
    Redirect,
    ReleaseCause,
    ReleasingParty,
    ServiceEvent,
    SubscriptionEvent,
)

LINE = "line-alice"
PARAMS = DialingParameters.cloud_pbx(area_code="89", base_number="887766")
DIRECTORY = Directory(
    {"771": "+4989887766771", "7770": "+49898877667770", "7701": "+49898877667701"}
)
CONFIG = LineConfig(line_id=LINE, params=PARAMS, directory=DIRECTORY)
OUTSIDE = "tel:+493022334455"
T0 = 1_764_000_000_000

E = TypeVar("E", bound=SubscriptionEvent)
C = TypeVar("C", bound=CallEvent)


def fresh() -> LineState:
    """A monitored line with no calls."""
    return LineState.new(CONFIG)


def party(address: str | None = OUTSIDE, name: str | None = None, **kw: Any) -> PartyInfo:
    """A remote party."""
    return PartyInfo(name=name, address=address, **kw)


def desk() -> Endpoint:
    """Alice's desk phone."""
    return Endpoint(EndpointKind.ACCESS, "4989887766771@as.example.net")


def leg(
    call_id: str = "callhalf-1:0",
    state: CallState = CallState.ALERTING,
    personality: Personality = Personality.TERMINATOR,
    *,
    remote: str | None = OUTSIDE,
    user_dn: str | None = None,
    name: str | None = None,
    tracking: str | None = None,
    start: int = T0,
    **kw: Any,
) -> Call:
    """One call leg of the monitored user."""
    remote_party = None
    if remote is not None or user_dn is not None:
        remote_party = party(remote, name=name, user_dn=user_dn)
    return Call(
        call_id=call_id,
        ext_tracking_id=tracking or f"track-{call_id}",
        personality=personality,
        state=state,
        start_time=start,
        remote_party=remote_party,
        **kw,
    )


def answered(call: Call, at: int, endpoint: Endpoint | None = None) -> Call:
    """The leg after it was answered."""
    return replace(call, state=CallState.ACTIVE, answer_time=at, endpoint=endpoint or desk())


def released(
    call: Call,
    at: int,
    by: ReleasingParty = ReleasingParty.REMOTE,
    cause: str | None = None,
) -> Call:
    """The leg after it ended."""
    return replace(
        call,
        state=CallState.RELEASED,
        release_time=at,
        releasing_party=by,
        release_cause=ReleaseCause(cause) if cause else None,
    )


def redirected(call: Call, reason: str, at: int, to: str | None = None) -> Call:
    """The leg after the user's services or a transfer sent it away (detached)."""
    return replace(
        call,
        state=CallState.DETACHED,
        redirect=Redirect(reason=reason, redirect_time=at, address=to),
        detached_time=at,
    )


def held(call: Call, at: int) -> Call:
    """The leg held by the user."""
    return replace(call, state=CallState.HELD, held_time=at, allow_retrieve=True)


def conference(*call_ids: str, state: str = "Active") -> Conference:
    """The user's conference with these legs."""
    return Conference(state=state, participants=tuple(ConferenceParticipant(c) for c in call_ids))


class Subscription:
    """One subscription's event stream: every event gets the next sequence number."""

    def __init__(self, subscription_id: str = "sub-1") -> None:
        self.subscription_id = subscription_id
        self._seq = itertools.count(1)

    def envelope(self) -> Envelope:
        seq = next(self._seq)
        return Envelope(
            event_id=f"{self.subscription_id}-{seq}",
            sequence_number=seq,
            user_id="monitor@example.net",
            external_application_id="cloudcti",
            subscription_id=self.subscription_id,
            channel_id="channel-1",
            target_id="alice@example.net",
        )

    def call(self, kind: type[C], call: Call) -> C:
        return kind(envelope=self.envelope(), call=call)

    def redirected(self, *calls: Call) -> CallRedirectedEvent:
        return CallRedirectedEvent(envelope=self.envelope(), calls=calls)

    def hook(self, status: HookStatus) -> HookStatusEvent:
        return HookStatusEvent(envelope=self.envelope(), hook_status=status)

    def snapshot(
        self, *calls: Call, conf: Conference | None = None, hook: HookStatus | None = None
    ) -> CallSubscriptionEvent:
        status = hook or (HookStatus.OFF_HOOK if calls else HookStatus.ON_HOOK)
        return CallSubscriptionEvent(
            envelope=self.envelope(), hook_status=status, calls=calls, conference=conf
        )

    def conference(self, kind: type[ConferenceEvent], conf: Conference) -> ConferenceEvent:
        return kind(envelope=self.envelope(), conference=conf)

    def service(self, kind: type[ServiceEvent], **fields: Any) -> ServiceEvent:
        return kind(envelope=self.envelope(), **fields)
