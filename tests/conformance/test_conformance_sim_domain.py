"""Real event sequences of the simulator, recorded over HTTP, replayed through the domain.

Each test drives one routing case or call flow on the simulated Cloud PBX (PROTOCOL.md §5),
records what the monitoring channel decodes, feeds it to ``LineState`` and checks the calls
(state, device, voicemail, features) and the journal status (CONTRACT.md §2.1, R13, R14).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from cloudcti.domain.calls import CallState, Device, Direction, Feature
from cloudcti.domain.events import ServiceReadRequired
from cloudcti.domain.journal import JournalStatus
from cloudcti.sim.server import SimServer
from cloudcti.xsi import (
    CallAnsweredEvent,
    CallForwardedEvent,
    CallForwardingAlways,
    CallForwardingBusy,
    CallForwardingNoAnswer,
    CallHeldEvent,
    CallOriginatedEvent,
    CallReceivedEvent,
    CallRedirectedEvent,
    CallReleasedEvent,
    CallSubscriptionResyncEvent,
    ConferenceStartedEvent,
    DoNotDisturb,
    DoNotDisturbEvent,
    EventPackage,
    ServiceSettings,
    VoiceMessaging,
    VoiceMessagingEvent,
    blind_transfer,
    call_retrieve,
    consult_transfer,
    hold,
    new_call,
    release_call,
    start_conference,
    talk,
    vm_transfer,
)
from tests.conformance.conformance_rig import (
    ALICE,
    ALICE_MOBILE,
    BOB,
    OUTSIDE,
    Rig,
    replay,
)

MOBILE_ONLY = {"mobile": ALICE_MOBILE}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    server = SimServer(host="127.0.0.1", ports=[0], scenario="empty")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def rig(sim: SimServer) -> AsyncIterator[Rig]:
    async with httpx.AsyncClient(base_url=sim.urls[0], timeout=5.0) as control:
        rig = Rig(sim, control)
        await rig.setup()
        try:
            yield rig
        finally:
            await rig.close()
            assert rig.channel is None or rig.channel.rejected == []


async def incoming(rig: Rig, caller: str = OUTSIDE) -> str:
    """An outside caller rings Alice; the simulator's call id once Alice saw it."""
    call = await rig.call(caller, ALICE)
    await rig.until_event(ALICE, CallReceivedEvent)
    return call


# --- answered, and where ------------------------------------------------------------------------


async def test_answered_on_the_desk_phone(rig: Rig) -> None:
    await rig.watch(ALICE)
    call = await incoming(rig)
    await rig.answer(call, at="primary")
    await rig.until_event(ALICE, CallAnsweredEvent)
    live = replay(rig.of(ALICE), ALICE)
    (view,) = live.state.calls
    assert (view.state, view.device, view.direction) == (
        CallState.ACTIVE,
        Device.PRIMARY,
        Direction.INBOUND,
    )
    assert Feature.RELOCATE in view.features
    assert view.remote.number == OUTSIDE
    await rig.hangup(call, "caller")
    await rig.until_event(ALICE, CallReleasedEvent)
    (entry,) = replay(rig.of(ALICE), ALICE).journal
    assert (entry.status, entry.device) == (JournalStatus.ANSWERED, Device.PRIMARY)


async def test_remote_office_rings_and_answers_there_without_relocate(rig: Rig) -> None:
    await rig.patch_user(ALICE, remote_office="+4930999888")
    await rig.watch(ALICE)
    call = await incoming(rig)
    (ringing,) = replay(rig.of(ALICE), ALICE).state.calls
    assert (ringing.state, ringing.device) == (CallState.RINGING, Device.REMOTE_OFFICE)
    await rig.answer(call, at="remote_office")
    await rig.until_event(ALICE, CallAnsweredEvent)
    (view,) = replay(rig.of(ALICE), ALICE).state.calls
    assert (view.state, view.device) == (CallState.ACTIVE, Device.REMOTE_OFFICE)
    assert Feature.RELOCATE not in view.features
    assert {Feature.DROP, Feature.HOLD, Feature.TRANSFER} <= set(view.features)
    await rig.hangup(call, "caller")
    await rig.until_event(ALICE, CallReleasedEvent)
    (entry,) = replay(rig.of(ALICE), ALICE).journal
    assert (entry.status, entry.device) == (JournalStatus.ANSWERED, Device.REMOTE_OFFICE)


async def test_simultaneous_ring_answered_at_the_parallel_number(rig: Rig) -> None:
    await rig.patch_user(ALICE, parallel_ring=["+4917099887766"])
    await rig.watch(ALICE)
    call = await incoming(rig)
    await rig.answer(call, at="parallel")
    await rig.until_event(ALICE, CallReleasedEvent)
    result = replay(rig.of(ALICE), ALICE)
    (ended,) = result.ended()
    assert (ended.state, ended.device, ended.voicemail) == (
        CallState.ENDED,
        Device.PARALLEL,
        False,
    )
    (entry,) = result.journal
    assert (entry.status, entry.device) == (JournalStatus.ANSWERED_ELSEWHERE, Device.PARALLEL)
    assert entry.answered_at is None


async def test_answered_on_the_mobile_stays_controllable(rig: Rig) -> None:
    await rig.close()
    await rig.setup(alice=MOBILE_ONLY)
    await rig.watch(ALICE)
    call = await incoming(rig)
    await rig.answer(call, at="mobile")
    await rig.until_event(ALICE, CallAnsweredEvent)
    (view,) = replay(rig.of(ALICE), ALICE).state.calls
    assert (view.state, view.device) == (CallState.ACTIVE, Device.MOBILE)
    assert {Feature.DROP, Feature.HOLD, Feature.TRANSFER, Feature.RELOCATE} <= set(view.features)
    await rig.hangup(call, "caller")
    await rig.until_event(ALICE, CallReleasedEvent)
    (entry,) = replay(rig.of(ALICE), ALICE).journal
    assert (entry.status, entry.device) == (JournalStatus.ANSWERED_ELSEWHERE, Device.MOBILE)


# --- not answered: missed, rejected, DND, busy --------------------------------------------------


async def test_caller_gives_up_is_missed(rig: Rig) -> None:
    await rig.watch(ALICE)
    call = await incoming(rig)
    await rig.hangup(call, "caller")
    await rig.until_event(ALICE, CallReleasedEvent)
    (entry,) = replay(rig.of(ALICE), ALICE).journal
    assert entry.status is JournalStatus.MISSED


async def test_declined_through_xsi_is_rejected(rig: Rig) -> None:
    await rig.watch(ALICE)
    await incoming(rig)
    (call_id,) = rig.call_ids(ALICE)
    await rig.xsi(ALICE, release_call(ALICE, call_id, decline=True))
    await rig.until_event(ALICE, CallReleasedEvent)
    (entry,) = replay(rig.of(ALICE), ALICE).journal
    assert entry.status is JournalStatus.REJECTED


@pytest.mark.parametrize("voicemail", [False, True], ids=["no-voicemail", "voicemail"])
async def test_dnd_is_dnd_not_busy_and_marks_voicemail_when_it_took_the_call(
    rig: Rig, voicemail: bool
) -> None:
    await rig.service(ALICE, VoiceMessaging(active=voicemail))
    await rig.watch(ALICE, packages=(EventPackage.DO_NOT_DISTURB,))
    await rig.service(ALICE, DoNotDisturb(active=True))
    await rig.until_event(ALICE, DoNotDisturbEvent, 2)
    await incoming(rig)
    await rig.until_event(ALICE, CallReleasedEvent)
    result = replay(rig.of(ALICE), ALICE)
    (entry,) = result.journal
    assert entry.status is JournalStatus.DND
    (ended,) = result.ended()
    assert ended.voicemail is voicemail


# --- forwarded and voicemail --------------------------------------------------------------------


async def test_call_forwarding_always_is_forwarded(rig: Rig) -> None:
    await rig.service(ALICE, CallForwardingAlways(active=True, forward_to_phone_number=OUTSIDE))
    await rig.watch(ALICE)
    await rig.call("+4940123456", ALICE)
    await rig.until_event(ALICE, CallReleasedEvent)
    result = replay(rig.of(ALICE), ALICE)
    (entry,) = result.journal
    assert entry.status is JournalStatus.FORWARDED
    assert result.ended()[0].voicemail is False


async def test_always_to_voicemail_by_feature_code(rig: Rig) -> None:
    await rig.watch(ALICE)
    assert await rig.dial(ALICE, "*21") is None
    await rig.until_event(ALICE, CallReleasedEvent)
    await incoming(rig)
    await rig.until_event(ALICE, CallReleasedEvent, 2)
    result = replay(rig.of(ALICE), ALICE)
    assert ServiceReadRequired(ALICE, "VoiceMessaging") in result.events
    assert [e.status for e in result.journal] == [JournalStatus.VOICEMAIL], "*21 is no call"
    (_, ended) = result.ended()
    assert ended.voicemail is True


BUSY_CASES: dict[str, tuple[ServiceSettings, JournalStatus]] = {
    "cfb": (
        CallForwardingBusy(active=True, forward_to_phone_number=OUTSIDE),
        JournalStatus.FORWARDED,
    ),
    "voicemail": (
        VoiceMessaging(active=True, busy_redirect_to_voice_mail=True),
        JournalStatus.VOICEMAIL,
    ),
}
NO_ANSWER_CASES: dict[str, tuple[ServiceSettings, JournalStatus]] = {
    "cfna": (
        CallForwardingNoAnswer(active=True, forward_to_phone_number=OUTSIDE),
        JournalStatus.FORWARDED,
    ),
    "voicemail": (
        VoiceMessaging(active=True, no_answer_redirect_to_voice_mail=True),
        JournalStatus.VOICEMAIL,
    ),
}


@pytest.mark.parametrize("case", sorted(BUSY_CASES))
async def test_a_second_call_while_busy(rig: Rig, case: str) -> None:
    setting, status = BUSY_CASES[case]
    await rig.service(ALICE, setting)
    await rig.watch(ALICE)
    first = await incoming(rig, "+4940111")
    await rig.answer(first)
    await rig.until_event(ALICE, CallAnsweredEvent)
    await rig.call("+4940222", ALICE)
    await rig.until_event(ALICE, CallReleasedEvent)
    result = replay(rig.of(ALICE), ALICE)
    assert [e.status for e in result.journal] == [status]
    assert result.ended()[0].voicemail is (status is JournalStatus.VOICEMAIL)
    (still,) = result.state.calls
    assert still.state is CallState.ACTIVE


@pytest.mark.parametrize("case", sorted(NO_ANSWER_CASES))
async def test_no_answer(rig: Rig, case: str) -> None:
    setting, status = NO_ANSWER_CASES[case]
    await rig.configure(no_answer_s=0.3)
    await rig.service(ALICE, setting)
    await rig.watch(ALICE)
    await incoming(rig, "+4940111")
    await rig.until_event(ALICE, CallReleasedEvent)
    result = replay(rig.of(ALICE), ALICE)
    (entry,) = result.journal
    assert entry.status is status
    assert result.ended()[0].voicemail is (status is JournalStatus.VOICEMAIL)


async def test_caller_talks_to_the_callees_voicemail(rig: Rig) -> None:
    await rig.service(ALICE, VoiceMessaging(active=True, always_redirect_to_voice_mail=True))
    await rig.watch(ALICE, BOB)
    call = await rig.call(BOB, ALICE)
    await rig.until_event(BOB, CallForwardedEvent)
    await rig.until_event(BOB, CallAnsweredEvent)
    (talking,) = replay(rig.of(BOB), BOB).state.calls
    assert (talking.state, talking.voicemail, talking.direction) == (
        CallState.ACTIVE,
        True,
        Direction.OUTBOUND,
    )
    await rig.hangup(call, "caller")
    await rig.until_event(BOB, CallReleasedEvent)
    assert [e.status for e in replay(rig.of(BOB), BOB).journal] == [JournalStatus.VOICEMAIL]
    assert [e.status for e in replay(rig.of(ALICE), ALICE).journal] == [JournalStatus.VOICEMAIL]


async def test_star86_calls_the_own_voicemail(rig: Rig) -> None:
    await rig.watch(ALICE)
    call = await rig.dial(ALICE, "*86")
    assert call is not None
    await rig.until_event(ALICE, CallAnsweredEvent)
    (view,) = replay(rig.of(ALICE), ALICE).state.calls
    assert (view.state, view.voicemail) == (CallState.ACTIVE, True)
    await rig.hangup(call, "caller")
    await rig.until_event(ALICE, CallReleasedEvent)
    assert [e.status for e in replay(rig.of(ALICE), ALICE).journal] == [JournalStatus.VOICEMAIL]


# --- transfers, conference, call pull -----------------------------------------------------------


async def test_blind_transfer_before_answer_is_forwarded(rig: Rig) -> None:
    await rig.watch(ALICE)
    await incoming(rig)
    (call_id,) = rig.call_ids(ALICE)
    await rig.xsi(ALICE, blind_transfer(ALICE, call_id, "7771"))
    await rig.until_event(ALICE, CallReleasedEvent)
    (entry,) = replay(rig.of(ALICE), ALICE).journal
    assert entry.status is JournalStatus.FORWARDED


async def test_blind_transfer_after_answer_is_answered(rig: Rig) -> None:
    await rig.watch(ALICE)
    call = await incoming(rig)
    await rig.answer(call)
    await rig.until_event(ALICE, CallAnsweredEvent)
    (call_id,) = rig.call_ids(ALICE)
    await rig.xsi(ALICE, blind_transfer(ALICE, call_id, "7771"))
    await rig.until_event(ALICE, CallReleasedEvent)
    (entry,) = replay(rig.of(ALICE), ALICE).journal
    assert entry.status is JournalStatus.ANSWERED


async def test_consultative_transfer_links_and_ends_both_legs(rig: Rig) -> None:
    await rig.watch(ALICE, BOB)
    call = await incoming(rig)
    await rig.answer(call)
    await rig.until_event(ALICE, CallAnsweredEvent)
    (first,) = rig.call_ids(ALICE)
    await rig.xsi(ALICE, hold(ALICE, first))
    await rig.until_event(ALICE, CallHeldEvent)
    await rig.dial(ALICE, "7771")
    await rig.until_event(ALICE, CallOriginatedEvent)
    consult = await rig.until_event(BOB, CallReceivedEvent)
    assert isinstance(consult, CallReceivedEvent)
    (bob_call,) = (await rig.control.get("/sim/v1/state")).json()["calls"][1:]
    await rig.answer(bob_call["id"])
    await rig.until_event(ALICE, CallAnsweredEvent, 2)
    _, second = rig.call_ids(ALICE)
    links = replay(rig.of(ALICE), ALICE).state
    consulting = links.call(second)
    assert consulting is not None
    assert consulting.consult_of == first
    assert {Feature.SWAP, Feature.CONFERENCE} <= set(consulting.features)
    await rig.xsi(ALICE, consult_transfer(ALICE, first, second))
    await rig.until_event(ALICE, CallReleasedEvent, 2)
    result = replay(rig.of(ALICE), ALICE)
    assert result.state.calls == ()
    assert [e.status for e in result.journal] == [JournalStatus.ANSWERED] * 2
    assert replay(rig.of(BOB), BOB).state.calls[0].state is CallState.ACTIVE


async def test_three_way_conference(rig: Rig) -> None:
    await rig.watch(ALICE)
    call = await incoming(rig)
    await rig.answer(call)
    await rig.until_event(ALICE, CallAnsweredEvent)
    (first,) = rig.call_ids(ALICE)
    await rig.xsi(ALICE, hold(ALICE, first))
    await rig.until_event(ALICE, CallHeldEvent)
    second_call = await rig.dial(ALICE, "+4940333")
    assert second_call is not None
    await rig.answer(second_call)
    await rig.until_event(ALICE, CallAnsweredEvent, 2)
    _, second = rig.call_ids(ALICE)
    await rig.xsi(ALICE, start_conference(ALICE, [first, second]))
    await rig.until_event(ALICE, ConferenceStartedEvent)
    await rig.until(
        lambda: _conference_ids(rig) is not None, "both legs in one conference after its event"
    )
    calls = replay(rig.of(ALICE), ALICE).state.calls
    assert len({c.conference_id for c in calls}) == 1
    assert all(c.conference_id is not None for c in calls)
    assert all(Feature.CONFERENCE not in c.features for c in calls)


def _conference_ids(rig: Rig) -> str | None:
    calls = replay(rig.of(ALICE), ALICE).state.calls
    ids = {c.conference_id for c in calls}
    return ids.pop() if len(calls) == 2 and len(ids) == 1 else None


async def test_call_pull_to_the_mobile_by_78811(rig: Rig) -> None:
    await rig.close()
    await rig.setup(alice=MOBILE_ONLY)
    await rig.watch(ALICE)
    call = await incoming(rig)
    await rig.answer(call)
    await rig.until_event(ALICE, CallAnsweredEvent)
    await rig.dial(ALICE, "78811", device="mobile")
    await rig.until_event(ALICE, CallAnsweredEvent, 2)
    result = replay(rig.of(ALICE), ALICE)
    (pulled,) = result.state.calls
    assert (pulled.state, pulled.device) == (CallState.ACTIVE, Device.MOBILE)
    assert pulled.remote.number == OUTSIDE
    assert Feature.RELOCATE in pulled.features
    assert result.journal == []  # one conversation: journalled when its last leg ends (#9)
    await rig.hangup(call, "caller")
    await rig.until_event(ALICE, CallReleasedEvent, 2)
    (entry,) = replay(rig.of(ALICE), ALICE).journal
    assert (entry.status, entry.device) == (JournalStatus.ANSWERED, Device.PRIMARY)


async def test_call_pull_back_to_the_desk_by_call_retrieve(rig: Rig) -> None:
    await rig.close()
    await rig.setup(alice=MOBILE_ONLY)
    await rig.watch(ALICE)
    call = await incoming(rig)
    await rig.answer(call, at="mobile")
    await rig.until_event(ALICE, CallAnsweredEvent)
    await rig.xsi(ALICE, call_retrieve(ALICE))
    await rig.until_event(ALICE, CallAnsweredEvent, 2)
    result = replay(rig.of(ALICE), ALICE)
    (pulled,) = result.state.calls
    assert (pulled.state, pulled.device) == (CallState.ACTIVE, Device.PRIMARY)
    assert result.journal == []  # one conversation: journalled when its last leg ends (#9)
    await rig.hangup(call, "caller")
    await rig.until_event(ALICE, CallReleasedEvent, 2)
    (entry,) = replay(rig.of(ALICE), ALICE).journal
    assert (entry.status, entry.device) == (JournalStatus.ANSWERED_ELSEWHERE, Device.MOBILE)


async def test_click_to_dial_and_remote_hold(rig: Rig) -> None:
    await rig.watch(ALICE, BOB)
    await rig.xsi(ALICE, new_call(ALICE, "7771"))
    received = await rig.until_event(BOB, CallReceivedEvent)
    assert isinstance(received, CallReceivedEvent)
    (dialling,) = replay(rig.of(ALICE), ALICE).state.calls
    assert (dialling.state, dialling.direction) == (CallState.DIALING, Direction.OUTBOUND)
    await rig.xsi(BOB, talk(BOB, received.call.call_id))
    await rig.until_event(ALICE, CallAnsweredEvent)
    (alice_call,) = rig.call_ids(ALICE)
    await rig.xsi(ALICE, hold(ALICE, alice_call))
    await rig.until_event(BOB, CallHeldEvent)
    (bob_view,) = replay(rig.of(BOB), BOB).state.calls
    assert (bob_view.state, bob_view.remote_held) == (CallState.ACTIVE, True)
    assert bob_view.tracking_id == replay(rig.of(ALICE), ALICE).state.calls[0].tracking_id
    assert bob_view.remote.display == "7770"


@pytest.mark.parametrize(
    ("settings", "status", "voicemail"),
    [
        (
            CallForwardingAlways(active=True, forward_to_phone_number=OUTSIDE),
            JournalStatus.FORWARDED,
            False,
        ),
        (
            VoiceMessaging(active=True, always_redirect_to_voice_mail=True),
            JournalStatus.VOICEMAIL,
            True,
        ),
    ],
)
async def test_the_release_alone_says_where_a_redirected_call_went(
    rig: Rig,
    settings: CallForwardingAlways | VoiceMessaging,
    status: JournalStatus,
    voicemail: bool,
) -> None:
    """The redirect is on the Detached leg and repeated on the Released one, so a lost
    ``CallRedirected`` still gives the right journal status and voicemail mark."""
    await rig.service(ALICE, settings)
    await rig.watch(ALICE)
    await rig.call("+4940123456", ALICE)
    released = await rig.until_event(ALICE, CallReleasedEvent)
    redirected = next(e for e in rig.of(ALICE) if isinstance(e, CallRedirectedEvent))
    assert isinstance(released, CallReleasedEvent)
    assert released.call.redirect == redirected.calls[0].redirect
    without = replay([e for e in rig.of(ALICE) if not isinstance(e, CallRedirectedEvent)], ALICE)
    assert [e.status for e in without.journal] == [status]
    assert without.ended()[0].voicemail is voicemail


async def test_voice_messaging_event_asks_for_a_read(rig: Rig) -> None:
    await rig.watch(ALICE, packages=(EventPackage.VOICE_MESSAGING,))
    await rig.service(ALICE, VoiceMessaging(active=True, always_redirect_to_voice_mail=True))
    await rig.until_event(ALICE, VoiceMessagingEvent, 2)
    result = replay(rig.of(ALICE), ALICE)
    assert ServiceReadRequired(ALICE, "VoiceMessaging") in result.events


async def test_ring_timeout_without_forwarding_is_missed(rig: Rig) -> None:
    await rig.configure(no_answer_s=0.3)
    await rig.watch(ALICE)
    await incoming(rig)
    await rig.until_event(ALICE, CallReleasedEvent)
    (entry,) = replay(rig.of(ALICE), ALICE).journal
    assert entry.status is JournalStatus.MISSED


async def test_caller_side_of_dnd_and_of_forwarding(rig: Rig) -> None:
    await rig.service(ALICE, DoNotDisturb(active=True))
    await rig.service(ALICE, VoiceMessaging(active=False))
    await rig.watch(BOB)
    await rig.call(BOB, ALICE)
    await rig.until_event(BOB, CallReleasedEvent)
    await rig.service(ALICE, DoNotDisturb(active=False))
    await rig.service(ALICE, CallForwardingAlways(active=True, forward_to_phone_number=OUTSIDE))
    forwarded = await rig.call(BOB, ALICE)
    await rig.until_event(BOB, CallForwardedEvent)
    await rig.answer(forwarded)
    await rig.until_event(BOB, CallAnsweredEvent)
    result = replay(rig.of(BOB), BOB)
    (talking,) = result.state.calls
    assert (talking.state, talking.voicemail) == (CallState.ACTIVE, False)
    assert talking.remote.number == OUTSIDE
    assert [e.status for e in result.journal] == [JournalStatus.NOT_REACHED]


async def test_answered_call_sent_to_voicemail_by_vm_transfer(rig: Rig) -> None:
    await rig.watch(ALICE)
    call = await incoming(rig)
    await rig.answer(call)
    await rig.until_event(ALICE, CallAnsweredEvent)
    (call_id,) = rig.call_ids(ALICE)
    await rig.xsi(ALICE, vm_transfer(ALICE, call_id))
    await rig.until_event(ALICE, CallReleasedEvent)
    result = replay(rig.of(ALICE), ALICE)
    assert [e.status for e in result.journal] == [JournalStatus.ANSWERED]
    assert result.ended()[0].voicemail is True


async def test_restart_resync_ends_the_call_that_ended_while_away(rig: Rig) -> None:
    await rig.watch(ALICE)
    call = await incoming(rig)
    await rig.answer(call)
    await rig.until_event(ALICE, CallAnsweredEvent)
    assert rig.channel is not None
    channel_set = rig.channel.channel_set_id
    # The runtime reconnects at once; 503s keep it away until the call ended.
    assert (await rig.control.post("/sim/v1/faults", json={"kind": "http_errors"})).is_success
    assert (await rig.control.post("/sim/v1/faults", json={"kind": "restart"})).is_success
    await rig.close()
    assert (await rig.control.delete("/sim/v1/faults")).is_success
    await rig.hangup(call, "caller")
    await rig.reopen(channel_set)
    await rig.until_event(ALICE, CallSubscriptionResyncEvent)
    result = replay(rig.of(ALICE), ALICE)
    assert result.state.calls == ()
    (entry,) = result.journal
    assert (entry.status, entry.device) == (JournalStatus.ANSWERED, Device.PRIMARY)
