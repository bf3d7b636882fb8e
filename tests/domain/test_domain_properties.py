"""Properties of the line reducer over random but plausible PBX event sequences."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from hypothesis import given, settings
from hypothesis import strategies as st

from cloudcti.domain.lines import LineState
from cloudcti.xsi import (
    Call,
    CallAnsweredEvent,
    CallHeldEvent,
    CallOriginatedEvent,
    CallReceivedEvent,
    CallReleasedEvent,
    CallRetrievedEvent,
    CallSubscriptionEvent,
    ConferenceReleasedEvent,
    ConferenceStartedEvent,
    DoNotDisturb,
    DoNotDisturbEvent,
    Event,
    Personality,
    RedirectReason,
    ReleasingParty,
)
from cloudcti.xsi import CallState as X
from tests.domain.domain_factories import (
    T0,
    Subscription,
    answered,
    conference,
    fresh,
    held,
    leg,
    redirected,
    released,
)

ACTIONS = (
    "receive",
    "originate",
    "answer",
    "hold",
    "retrieve",
    "remote_hold",
    "release",
    "reject",
    "redirect",
    "conference",
    "dnd",
)
REASONS = (
    RedirectReason.UNCONDITIONAL,
    RedirectReason.VOICEMAIL,
    RedirectReason.DO_NOT_DISTURB,
    RedirectReason.FOLLOW_ME,
    RedirectReason.NO_ANSWER,
)


@dataclass
class FakePbx:
    """Just enough of a PBX to produce consistent event sequences and the true state."""

    subscription: Subscription = field(default_factory=Subscription)
    live: dict[str, Call] = field(default_factory=dict)
    conference: tuple[str, ...] = ()
    dnd: bool = False
    clock: int = T0
    counter: int = 0
    events: list[Event] = field(default_factory=list)

    def step(self, action: str, pick: int) -> None:
        self.clock += 1_000
        s, now = self.subscription, self.clock
        ids = sorted(self.live)
        chosen = self.live[ids[pick % len(ids)]] if ids else None
        if action in ("receive", "originate") and len(self.live) < 3:
            self.counter += 1
            cid = f"callhalf-{self.counter}:0"
            personality = Personality.TERMINATOR if action == "receive" else Personality.ORIGINATOR
            new = leg(cid, personality=personality, start=now)
            self.live[cid] = new
            kind = CallReceivedEvent if action == "receive" else CallOriginatedEvent
            self.events.append(s.call(kind, new))
        elif action == "dnd":
            self.dnd = not self.dnd
            self.events.append(s.service(DoNotDisturbEvent, info=DoNotDisturb(active=self.dnd)))
        elif action == "conference":
            connected = [c for c in ids if self.live[c].state in (X.ACTIVE, X.HELD)]
            if len(connected) >= 2 and not self.conference:
                self.conference = tuple(connected[:2])
                conf = conference(*self.conference)
                self.events.append(s.conference(ConferenceStartedEvent, conf))
        elif chosen is not None:
            self._on_call(action, chosen, pick, now)

    def _on_call(self, action: str, call: Call, pick: int, now: int) -> None:
        s = self.subscription
        if action == "answer" and call.state is X.ALERTING:
            self._put(s.call(CallAnsweredEvent, answered(call, now)))
        elif action == "hold" and call.state is X.ACTIVE:
            self._put(s.call(CallHeldEvent, held(call, now)))
        elif action == "retrieve" and call.state in (X.HELD, X.REMOTE_HELD):
            self._put(s.call(CallRetrievedEvent, replace(call, state=X.ACTIVE)))
        elif action == "remote_hold" and call.state is X.ACTIVE:
            self._put(s.call(CallHeldEvent, replace(call, state=X.REMOTE_HELD)))
        elif action in ("release", "reject"):
            by = ReleasingParty.LOCAL if action == "reject" else ReleasingParty.REMOTE
            self._end(s.call(CallReleasedEvent, released(call, now, by)))
        elif action == "redirect" and call.state is X.ALERTING:
            reason = REASONS[pick % len(REASONS)]
            self._end(s.redirected(redirected(call, reason, now)))

    def _put(self, event: CallAnsweredEvent | CallHeldEvent | CallRetrievedEvent) -> None:
        self.live[event.call.call_id] = event.call
        self.events.append(event)

    def _end(self, event: Event) -> None:
        ended = event.call if isinstance(event, CallReleasedEvent) else event.calls[0]  # type: ignore[attr-defined]
        del self.live[ended.call_id]
        self.events.append(event)
        if ended.call_id in self.conference:
            # A three-way conference ends when one of its two legs leaves.
            self.conference = ()
            self.events.append(
                self.subscription.conference(ConferenceReleasedEvent, conference(state="Released"))
            )

    def snapshot(self) -> CallSubscriptionEvent:
        conf = conference(*self.conference) if self.conference else None
        return self.subscription.snapshot(*self.live.values(), conf=conf)


scripts = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.integers(min_value=0, max_value=5)),
    max_size=30,
)


def play(script: list[tuple[str, int]]) -> FakePbx:
    pbx = FakePbx()
    for action, pick in script:
        pbx.step(action, pick)
    return pbx


def apply_all(events: list[Event], state: LineState | None = None) -> LineState:
    state = state or fresh()
    for i, event in enumerate(events):
        state, _ = state.apply(event, now=T0 + 10_000_000 + i)
    return state


@settings(max_examples=150, deadline=None)
@given(scripts)
def test_a_duplicate_event_changes_nothing(script: list[tuple[str, int]]) -> None:
    pbx = play(script)
    state = fresh()
    for i, event in enumerate(pbx.events):
        state, _ = state.apply(event, now=T0 + i)
        again, produced = state.apply(event, now=T0 + i)
        assert produced == []
        assert again == state
    assert state.calls == apply_all(pbx.events).calls


@settings(max_examples=150, deadline=None)
@given(scripts, st.data())
def test_a_snapshot_of_the_true_state_converges_whatever_was_lost_or_reordered(
    script: list[tuple[str, int]], data: st.DataObject
) -> None:
    pbx = play(script)
    kept = data.draw(st.lists(st.booleans(), min_size=len(pbx.events), max_size=len(pbx.events)))
    seen = data.draw(st.permutations([e for e, k in zip(pbx.events, kept, strict=True) if k]))
    snapshot = pbx.snapshot()

    truth = apply_all([*pbx.events, snapshot])
    lossy = apply_all([*seen, snapshot])
    from_scratch = apply_all([snapshot])

    assert lossy.calls == truth.calls
    assert from_scratch.calls == truth.calls
    assert lossy.conference == truth.conference
    assert {c.id for c in truth.calls} == set(pbx.live)


@settings(max_examples=100, deadline=None)
@given(scripts)
def test_the_reducer_follows_the_pbx_without_a_snapshot(script: list[tuple[str, int]]) -> None:
    pbx = play(script)
    state = apply_all(pbx.events)
    assert {c.id for c in state.calls} == set(pbx.live)
    assert state.forwarding.dnd.enabled is pbx.dnd
    with_snapshot = apply_all([pbx.snapshot()], state)
    assert with_snapshot.calls == state.calls
