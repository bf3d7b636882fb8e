"""A restart mid-conversation (issue #9): what a live leg carries on from earlier legs
(``LineState.carried``), written out as data and read back into a fresh line state
(``with_carried``) after the PBX's snapshot, gives the very journal entry the conversation
gets without a restart; what no live leg carries any more is no longer to be stored."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace

import pytest

from cloudcti.domain.calls import Device, Direction, Remote
from cloudcti.domain.events import DomainEvent, JournalEntryCreated
from cloudcti.domain.journal import (
    CallHistory,
    JournalEntry,
    history_from_data,
    history_to_data,
)
from cloudcti.domain.lines import LineState
from cloudcti.xsi import (
    Call,
    CallAnsweredEvent,
    CallOriginatedEvent,
    CallReceivedEvent,
    CallReleasedEvent,
    Endpoint,
    EndpointKind,
    Event,
    Personality,
    RedirectReason,
    ReleasingParty,
    SubscriptionEvent,
)
from cloudcti.xsi import CallState as X
from tests.domain.domain_factories import T0, Subscription, answered, desk, fresh, leg, released

MOBILE = Endpoint(EndpointKind.BROADWORKS_MOBILITY, "+4915112345678")
END = T0 + 95_000


def run(state: LineState, events: Iterable[Event]) -> tuple[LineState, list[DomainEvent]]:
    out: list[DomainEvent] = []
    for i, event in enumerate(events):
        state, found = state.apply(event, T0 + 100_000 + i)
        out.extend(found)
    return state, out


def entries(events: Iterable[DomainEvent]) -> list[JournalEntry]:
    return [e.entry for e in events if isinstance(e, JournalEntryCreated)]


def relocated(s: Subscription) -> tuple[list[SubscriptionEvent], Call]:
    """Answered on the desk phone at T0+2 s, relocated to the mobile at T0+30 s (the new
    leg originated there, the desk leg released, the new leg answered)."""
    ring = leg("c:0", tracking="70:1", name="Berta Kunde")
    talk = answered(ring, T0 + 2_000)
    new = replace(
        talk,
        call_id="c:1",
        personality=Personality.ORIGINATOR,
        state=X.ALERTING,
        start_time=T0 + 30_000,
        answer_time=None,
        endpoint=MOBILE,
    )
    on_mobile = answered(new, T0 + 30_500, endpoint=MOBILE)
    return [
        s.call(CallReceivedEvent, ring),
        s.call(CallAnsweredEvent, talk),
        s.call(CallOriginatedEvent, new),
        s.call(CallReleasedEvent, released(talk, T0 + 30_000, ReleasingParty.LOCAL)),
        s.call(CallAnsweredEvent, on_mobile),
    ], on_mobile


def through_storage(carried: dict[str, CallHistory]) -> dict[str, CallHistory]:
    """What a restarted server reads back: the data written as JSON text and parsed."""
    text = json.dumps({cid: history_to_data(h) for cid, h in carried.items()})
    return {cid: history_from_data(data) for cid, data in json.loads(text).items()}


def test_a_restart_after_the_relocate_journals_the_same_entry_as_without_one() -> None:
    s = Subscription()
    before_kill, on_mobile = relocated(s)
    state, _ = run(fresh(), before_kill)
    stored = dict(state.carried)
    assert set(stored) == {"c:1"}  # only the live mobile leg carries something

    _, plain = run(state, [s.call(CallReleasedEvent, released(on_mobile, END))])

    after = Subscription("sub-after-restart")
    restored = fresh().with_carried(through_storage(stored))
    assert restored.carried == stored  # kept until its leg shows up
    restored, created = run(restored, [after.snapshot(on_mobile)])
    assert [c.id for c in restored.calls] == ["c:1"]
    assert restored.carried == stored
    assert entries(created) == []
    restored, ended = run(restored, [after.call(CallReleasedEvent, released(on_mobile, END))])

    (entry,) = entries(ended)
    assert entries(plain) == [entry]
    assert (entry.call_id, entry.status, entry.device) == ("c:0", "answered", Device.PRIMARY)
    assert (entry.started_at, entry.answered_at, entry.ended_at) == (T0, T0 + 2_000, END)
    assert entry.remote.name == "Berta Kunde"
    assert restored.carried == {}  # journalled: nothing left to store


def test_without_the_stored_history_the_restart_loses_the_first_leg() -> None:
    """The test above can fail: a fresh state without ``with_carried`` journals only the
    mobile leg (wrong id, wrong start, wrong answer time)."""
    s = Subscription()
    _, on_mobile = relocated(s)
    after = Subscription("sub-after-restart")
    _, events = run(
        fresh(),
        [after.snapshot(on_mobile), after.call(CallReleasedEvent, released(on_mobile, END))],
    )
    (entry,) = entries(events)
    assert (entry.call_id, entry.started_at, entry.answered_at) == (
        "c:1",
        T0 + 30_000,
        T0 + 30_500,
    )


def test_moved_back_to_the_desk_after_the_restart_is_still_one_entry() -> None:
    s = Subscription()
    before_kill, on_mobile = relocated(s)
    state, _ = run(fresh(), before_kill)
    after = Subscription("sub-after-restart")
    restored = fresh().with_carried(through_storage(dict(state.carried)))
    back = replace(
        on_mobile,
        call_id="c:2",
        state=X.ALERTING,
        start_time=T0 + 60_000,
        answer_time=None,
        endpoint=desk(),
    )
    on_desk = answered(back, T0 + 60_500)
    restored, _ = run(
        restored,
        [
            after.snapshot(on_mobile),
            after.call(CallOriginatedEvent, back),
            after.call(CallReleasedEvent, released(on_mobile, T0 + 60_000, ReleasingParty.LOCAL)),
            after.call(CallAnsweredEvent, on_desk),
        ],
    )
    assert set(restored.carried) == {"c:2"}  # handed on: the mobile leg's row goes
    restored, events = run(restored, [after.call(CallReleasedEvent, released(on_desk, END))])
    (entry,) = entries(events)
    assert (entry.call_id, entry.started_at, entry.answered_at) == ("c:0", T0, T0 + 2_000)
    assert (entry.status, entry.ended_at) == ("answered", END)
    assert restored.carried == {}


def test_the_leg_seen_in_an_event_before_any_snapshot_gets_its_history_too() -> None:
    s = Subscription()
    before_kill, on_mobile = relocated(s)
    state, _ = run(fresh(), before_kill)
    restored = fresh().with_carried(through_storage(dict(state.carried)))
    after = Subscription("sub-after-restart")
    restored, events = run(restored, [after.call(CallReleasedEvent, released(on_mobile, END))])
    (entry,) = entries(events)
    assert (entry.call_id, entry.started_at, entry.status) == ("c:0", T0, "answered")
    assert restored.carried == {}


def test_a_leg_that_ended_while_the_server_was_down_is_dropped_by_the_snapshot() -> None:
    s = Subscription()
    before_kill, _ = relocated(s)
    state, _ = run(fresh(), before_kill)
    restored = fresh().with_carried(through_storage(dict(state.carried)))
    after = Subscription("sub-after-restart")
    restored, events = run(restored, [after.snapshot()])
    assert restored.carried == {}
    assert entries(events) == []


def test_restored_onto_a_live_leg_already_tracked() -> None:
    s = Subscription()
    before_kill, on_mobile = relocated(s)
    state, _ = run(fresh(), before_kill)
    after = Subscription("sub-after-restart")
    live, _ = run(fresh(), [after.snapshot(on_mobile)])
    live = live.with_carried(through_storage(dict(state.carried)))
    assert live.restored == {}
    _, events = run(live, [after.call(CallReleasedEvent, released(on_mobile, END))])
    (entry,) = entries(events)
    assert (entry.call_id, entry.answered_at) == ("c:0", T0 + 2_000)


def test_every_field_of_a_history_survives_the_round_trip() -> None:
    history = CallHistory(
        direction=Direction.OUTBOUND,
        started_at=T0,
        answered_at=T0 + 1,
        answered_device=Device.MOBILE,
        redirect_reasons=(RedirectReason.DEFLECTION, "something-new"),
        voicemail=True,
        dnd_when_received=True,
        release_cause="Busy",
        releasing_party=ReleasingParty.LOCAL,
        feature_code=True,
        detached=True,
        first_call_id="c:0",
        first_remote=Remote("+4930223344556", "+49 30 223344556", "Berta Kunde"),
    )
    assert through_storage({"x": history}) == {"x": history}
    bare = CallHistory(Direction.INBOUND, T0)
    assert through_storage({"x": bare}) == {"x": bare}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"direction": "sideways", "started_at": T0},
        {"direction": "inbound", "started_at": "yesterday"},
        {"direction": "inbound", "started_at": T0, "answered_device": "toaster"},
        {"direction": "inbound", "started_at": T0, "first_remote": {"number": "+49"}},
        {"direction": "inbound", "started_at": T0, "first_remote": "Berta"},
    ],
)
def test_data_that_is_no_stored_history_is_a_value_error(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="not a stored call history"):
        history_from_data(data)
