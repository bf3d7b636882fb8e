"""One conversation, one journal entry (issue #9): a call moved between the user's devices
(relocate = Xsi ``CallRetrieve``, ``78811``/``*11`` call pull) runs over several legs of the
line; only the last leg's end journals it, with the first leg's origin and first answer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from cloudcti.domain.calls import Device, Direction
from cloudcti.domain.events import CallEnded, DomainEvent, JournalEntryCreated
from cloudcti.domain.journal import JournalEntry, JournalStatus
from cloudcti.domain.lines import LineState
from cloudcti.xsi import (
    Call,
    CallAnsweredEvent,
    CallDetachedEvent,
    CallEvent,
    CallHeldEvent,
    CallOriginatedEvent,
    CallReceivedEvent,
    CallRedirectedEvent,
    CallReleasedEvent,
    CallUpdatedEvent,
    Endpoint,
    EndpointKind,
    Event,
    Personality,
    RedirectReason,
    ReleasingParty,
)
from cloudcti.xsi import CallState as X
from tests.domain.domain_factories import (
    LINE,
    OUTSIDE,
    T0,
    Subscription,
    answered,
    desk,
    fresh,
    held,
    leg,
    party,
    redirected,
    released,
)

OUT = Personality.ORIGINATOR
MOBILE = Endpoint(EndpointKind.BROADWORKS_MOBILITY, "+4915112345678")
OTHER = "tel:+4940555666777"


def run(
    events: Iterable[Event], state: LineState | None = None
) -> tuple[LineState, list[DomainEvent]]:
    state = state or fresh()
    out: list[DomainEvent] = []
    for i, event in enumerate(events):
        state, found = state.apply(event, T0 + 100_000 + i)
        out.extend(found)
    return state, out


def entries(events: Iterable[DomainEvent]) -> list[JournalEntry]:
    return [e.entry for e in events if isinstance(e, JournalEntryCreated)]


def ended_ids(events: Iterable[DomainEvent]) -> list[str]:
    return [e.call.id for e in events if isinstance(e, CallEnded)]


Step = tuple[type[CallEvent], Call]


def play(s: Subscription, steps: Iterable[Step]) -> list[Event]:
    """The steps as events of ``s``, numbered in order."""
    return [s.call(kind, call) for kind, call in steps]


def moved(old: Call, new_id: str, at: int, endpoint: Endpoint) -> tuple[list[Step], Call]:
    """What the simulator sends for a pull to ``endpoint`` (PROTOCOL.md §5 flow 11): the new
    leg originated there, the old leg released by the PBX, the new leg answered."""
    new = replace(
        old,
        call_id=new_id,
        personality=OUT,
        state=X.ALERTING,
        start_time=at,
        answer_time=None,
        endpoint=endpoint,
        redirections=(),
    )
    talking = answered(new, at, endpoint=endpoint)
    return [
        (CallOriginatedEvent, new),
        (CallReleasedEvent, released(old, at, ReleasingParty.LOCAL)),
        (CallAnsweredEvent, talking),
    ], talking


def test_relocated_to_the_mobile_and_back_is_one_entry_over_the_whole_call() -> None:
    s = Subscription()
    ring = leg("c:0", tracking="70:1", name="Berta Kunde")
    talk = answered(ring, T0 + 2_000)
    to_mobile, on_mobile = moved(talk, "c:1", T0 + 30_000, MOBILE)
    to_desk, on_desk = moved(on_mobile, "c:2", T0 + 60_000, desk())
    state, events = run(
        [
            s.call(CallReceivedEvent, ring),
            s.call(CallAnsweredEvent, talk),
            *play(s, to_mobile),
            *play(s, to_desk),
        ]
    )
    assert entries(events) == []
    assert ended_ids(events) == ["c:0", "c:1"]  # clients still see each leg end
    (live,) = state.calls
    assert live.id == "c:2"
    state, events = run([s.call(CallReleasedEvent, released(on_desk, T0 + 95_000))], state)
    assert ended_ids(events) == ["c:2"]
    (entry,) = entries(events)
    assert entry == JournalEntry(
        id=f"{LINE}/c:0/{T0}",
        call_id="c:0",
        line_id=LINE,
        direction=Direction.INBOUND,
        remote=entry.remote,
        status=JournalStatus.ANSWERED,
        device=Device.PRIMARY,
        started_at=T0,
        answered_at=T0 + 2_000,
        ended_at=T0 + 95_000,
        duration_s=93,
    )
    assert entry.remote.number == "+493022334455"
    assert entry.remote.name == "Berta Kunde"
    assert state.calls == ()


def test_78811_pull_of_an_outbound_call_is_one_entry() -> None:
    s = Subscription()
    dial = leg("o:0", personality=OUT, remote=OTHER, tracking="80:1")
    talk = answered(dial, T0 + 4_000)
    pull, on_mobile = moved(talk, "o:1", T0 + 20_000, MOBILE)
    _, events = run(
        [
            s.call(CallOriginatedEvent, dial),
            s.call(CallAnsweredEvent, talk),
            *play(s, pull),
            s.call(CallReleasedEvent, released(on_mobile, T0 + 50_000)),
        ]
    )
    (entry,) = entries(events)
    assert (entry.call_id, entry.direction, entry.status) == ("o:0", Direction.OUTBOUND, "answered")
    assert (entry.started_at, entry.answered_at, entry.ended_at) == (T0, T0 + 4_000, T0 + 50_000)
    assert entry.duration_s == 46
    assert entry.remote.number == "+4940555666777"
    assert entry.device is Device.PRIMARY


def test_a_pull_with_a_new_tracking_id_and_a_detached_old_leg_is_still_one_entry() -> None:
    """What a real Cloud PBX may send: the pulled leg is a new call (new extTrackingId,
    first showing the dialled code) that gets the remote party once connected; the old leg
    is Detached, then Released."""
    s = Subscription()
    ring = leg("r:0", tracking="11:1")
    talk = answered(ring, T0 + 1_000)
    code = leg("r:1", personality=OUT, remote="tel:*11", tracking="12:1", start=T0 + 10_000)
    code = replace(code, endpoint=MOBILE)
    connected = answered(replace(code, remote_party=party(OUTSIDE)), T0 + 11_000, MOBILE)
    gone = replace(talk, state=X.DETACHED, detached_time=T0 + 11_000)
    _, events = run(
        [
            s.call(CallReceivedEvent, ring),
            s.call(CallAnsweredEvent, talk),
            s.call(CallOriginatedEvent, code),
            s.call(CallUpdatedEvent, replace(code, remote_party=party(OUTSIDE))),
            s.call(CallAnsweredEvent, connected),
            s.call(CallDetachedEvent, gone),
            s.call(CallReleasedEvent, released(gone, T0 + 11_100)),
            s.call(CallReleasedEvent, released(connected, T0 + 41_000)),
        ]
    )
    (entry,) = entries(events)
    assert (entry.call_id, entry.direction, entry.status) == ("r:0", Direction.INBOUND, "answered")
    assert (entry.answered_at, entry.ended_at, entry.duration_s) == (T0 + 1_000, T0 + 41_000, 40)


def test_first_answered_on_the_mobile_then_pulled_to_the_desk_is_answered_elsewhere() -> None:
    s = Subscription()
    ring = leg("m:0", tracking="90:1")
    talk = answered(ring, T0 + 3_000, endpoint=MOBILE)
    pull, on_desk = moved(talk, "m:1", T0 + 9_000, desk())
    _, events = run(
        [
            s.call(CallReceivedEvent, ring),
            s.call(CallAnsweredEvent, talk),
            *play(s, pull),
            s.call(CallReleasedEvent, released(on_desk, T0 + 19_000)),
        ]
    )
    (entry,) = entries(events)
    assert entry.status is JournalStatus.ANSWERED_ELSEWHERE
    assert entry.device is Device.MOBILE
    assert entry.duration_s == 16


def test_a_second_call_to_the_same_party_is_its_own_entry() -> None:
    """Held first call, the same number dialled again on the same phone, the held call
    hung up: two conversations, two entries."""
    s = Subscription()
    first = answered(leg("a:0", personality=OUT, remote=OTHER), T0 + 1_000)
    again = leg("a:1", personality=OUT, remote=OTHER, start=T0 + 5_000)
    talk = answered(again, T0 + 6_000)
    _, events = run(
        [
            s.call(CallOriginatedEvent, replace(first, state=X.ALERTING)),
            s.call(CallAnsweredEvent, first),
            s.call(CallHeldEvent, held(first, T0 + 4_000)),
            s.call(CallOriginatedEvent, again),
            s.call(CallAnsweredEvent, talk),
            s.call(CallReleasedEvent, released(held(first, T0 + 4_000), T0 + 7_000)),
            s.call(CallReleasedEvent, released(talk, T0 + 9_000)),
        ]
    )
    assert [e.call_id for e in entries(events)] == ["a:0", "a:1"]


def test_consultation_and_blind_transfer_keep_their_own_entries() -> None:
    s = Subscription()
    talk = answered(leg("t:0", tracking="5:1"), T0 + 1_000)
    consult = leg("t:1", personality=OUT, remote=OTHER, tracking="6:1", start=T0 + 3_000)
    away = redirected(held(talk, T0 + 2_000), RedirectReason.TRANSFER, T0 + 8_000, OTHER)
    _, events = run(
        [
            s.call(CallReceivedEvent, leg("t:0", tracking="5:1")),
            s.call(CallAnsweredEvent, talk),
            s.call(CallHeldEvent, held(talk, T0 + 2_000)),
            s.call(CallOriginatedEvent, consult),
            s.call(CallAnsweredEvent, answered(consult, T0 + 4_000)),
            CallRedirectedEvent(envelope=s.envelope(), calls=(away,)),
            s.call(CallReleasedEvent, released(answered(consult, T0 + 4_000), T0 + 9_000)),
        ]
    )
    assert [(e.call_id, e.status) for e in entries(events)] == [
        ("t:0", JournalStatus.ANSWERED),
        ("t:1", JournalStatus.ANSWERED),
    ]


def test_an_unanswered_leg_is_continued_by_nothing() -> None:
    s = Subscription()
    ring = leg("u:0", tracking="7:1")
    callback = leg("u:1", personality=OUT, tracking="7:1", start=T0 + 2_000)
    _, events = run(
        [
            s.call(CallReceivedEvent, ring),
            s.call(CallOriginatedEvent, replace(callback, endpoint=MOBILE)),
            s.call(CallReleasedEvent, released(ring, T0 + 2_500)),
            s.call(CallReleasedEvent, released(callback, T0 + 3_000)),
        ]
    )
    assert [(e.call_id, e.status) for e in entries(events)] == [
        ("u:0", JournalStatus.MISSED),
        ("u:1", JournalStatus.NOT_REACHED),
    ]


def test_the_old_leg_vanishing_from_a_snapshot_is_continued_too() -> None:
    s = Subscription()
    talk = answered(leg("v:0", tracking="8:1"), T0 + 1_000)
    on_mobile = answered(
        replace(talk, call_id="v:1", personality=OUT, start_time=T0 + 5_000), T0 + 5_000, MOBILE
    )
    state, events = run(
        [
            s.call(CallReceivedEvent, leg("v:0", tracking="8:1")),
            s.call(CallAnsweredEvent, talk),
            s.snapshot(on_mobile),
        ]
    )
    assert entries(events) == []
    _, events = run([s.call(CallReleasedEvent, released(on_mobile, T0 + 15_000))], state)
    (entry,) = entries(events)
    assert (entry.call_id, entry.duration_s) == ("v:0", 14)


def test_a_consultation_sharing_the_held_calls_tracking_id_stays_its_own_entry() -> None:
    """A real PBX may give the consultation leg the held call's ``extTrackingId``
    (PROTOCOL.md §3.7 sample); the far end of the held call hangs up meanwhile."""
    s = Subscription()
    first = answered(leg("k:0", personality=OUT, tracking="536:1"), T0 + 1_000)
    consult = leg("k:1", personality=OUT, remote=OTHER, tracking="536:1", start=T0 + 3_000)
    talk = answered(consult, T0 + 4_000)
    _, events = run(
        [
            s.call(CallOriginatedEvent, replace(first, state=X.ALERTING)),
            s.call(CallAnsweredEvent, first),
            s.call(CallHeldEvent, held(first, T0 + 2_000)),
            s.call(CallOriginatedEvent, replace(consult, endpoint=desk())),
            s.call(CallAnsweredEvent, talk),
            s.call(CallReleasedEvent, released(held(first, T0 + 2_000), T0 + 5_000)),
            s.call(CallReleasedEvent, released(talk, T0 + 9_000)),
        ]
    )
    assert [(e.call_id, e.remote.number) for e in entries(events)] == [
        ("k:0", "+493022334455"),
        ("k:1", "+4940555666777"),
    ]


def test_a_withheld_caller_pulled_to_the_mobile_is_linked_by_the_tracking_id() -> None:
    s = Subscription()
    ring = leg("w:0", remote=None, tracking="44:1")
    talk = answered(ring, T0 + 1_000)
    pull, on_mobile = moved(talk, "w:1", T0 + 6_000, MOBILE)
    _, events = run(
        [
            s.call(CallReceivedEvent, ring),
            s.call(CallAnsweredEvent, talk),
            *play(s, pull),
            s.call(CallReleasedEvent, released(on_mobile, T0 + 16_000)),
        ]
    )
    (entry,) = entries(events)
    assert (entry.call_id, entry.remote.number, entry.duration_s) == ("w:0", None, 15)
