"""Call flows of PROTOCOL.md §5 (1, 2, 3, 6) seen through Advanced Call subscriptions."""

from __future__ import annotations

import httpx
from lxml import etree

from tests.sim.sim_helpers import ALICE, BOB, MONITOR, Pbx
from tests.sim.xsi_client import XSI, Doc, EventChannel, XsiClient, text

OUTSIDE = "+4930123456"


async def watch(pbx: Pbx, *users: str) -> tuple[XsiClient, EventChannel]:
    """The monitoring user's channel with one subscription per user, snapshots consumed."""
    client = pbx.xsi(MONITOR)
    channel = await client.open_channel("cti")
    for user in users:
        assert (await client.subscribe(f"/user/{user}", "cti")).status_code == 200
        snapshot = await channel.next()
        assert snapshot.event_type == "CallSubscriptionEvent"
        await client.ack(snapshot)
    return client, channel


async def take(client: XsiClient, channel: EventChannel, count: int) -> list[Doc]:
    docs = []
    for _ in range(count):
        doc = await channel.next()
        await client.ack(doc)
        docs.append(doc)
    return docs


def summary(docs: list[Doc], user: str) -> list[tuple[str | None, str | None]]:
    """(event type, call state or hook status) of one user's events, in order."""
    return [
        (d.event_type, d.call.state if d.call else d.hook_status)
        for d in docs
        if d.target_id == user
    ]


def sequences_increase(docs: list[Doc]) -> None:
    by_subscription: dict[str | None, list[int]] = {}
    for doc in docs:
        assert doc.sequence is not None
        by_subscription.setdefault(doc.subscription_id, []).append(doc.sequence)
    for numbers in by_subscription.values():
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))


async def test_flow1_outgoing_from_desk_phone_answered_remote_hangs_up(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE)
    call_id = await pbx.call(ALICE, OUTSIDE)
    assert (await pbx.post(f"/calls/{call_id}/answer", {})).status_code == 200
    assert (await pbx.post(f"/calls/{call_id}/hangup", {"party": OUTSIDE})).status_code == 204
    docs = await take(client, channel, 5)
    assert summary(docs, ALICE) == [
        ("HookStatusEvent", "Off-Hook"),
        ("CallOriginatedEvent", "Alerting"),
        ("CallAnsweredEvent", "Active"),
        ("CallReleasedEvent", "Released"),
        ("HookStatusEvent", "On-Hook"),
    ]
    calls = [d.call for d in docs if d.call]
    assert {c.call_id for c in calls} == {calls[0].call_id}
    assert calls[0].personality == "Originator"
    assert calls[0].call_type == "Network"
    assert calls[0].remote_address == f"tel:{OUTSIDE}"
    assert calls[-1].releasing_party == "remoteRelease"
    sequences_increase(docs)


async def test_flow2_click_to_dial_to_an_internal_user(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE, BOB)
    alice = pbx.xsi(ALICE)
    response = await alice.actions("POST", "/calls/new", params={"address": "7771"})
    assert response.status_code == 201
    start = etree.fromstring(response.content)
    ctd_call_id = text(start, "callId")
    assert response.headers["location"].endswith(f"/user/{ALICE}/calls/{ctd_call_id}")
    docs = await take(client, channel, 4)
    assert summary(docs, ALICE) == [
        ("CallOriginatingEvent", "Alerting"),
        ("HookStatusEvent", "Off-Hook"),
        ("CallOriginatedEvent", "Alerting"),
    ]
    assert summary(docs, BOB) == [("CallReceivedEvent", "Alerting")]
    originating, _, originated, received = docs
    assert originating.call is not None
    assert originating.call.personality == "Click-to-Dial"
    assert originating.call.remote_address == "tel:7771"
    assert originated.call is not None
    assert originated.call.personality == "Originator"
    assert originated.call.call_id == originating.call.call_id == ctd_call_id
    assert received.call is not None
    assert received.call.personality == "Terminator"
    assert received.call.call_id != ctd_call_id
    assert received.call.ext_tracking_id == originated.call.ext_tracking_id
    assert received.call.ext_tracking_id == text(start, "externalTrackingId")
    assert received.call.remote_user_id == ALICE
    assert received.call.call_type == "Group"
    assert received.call.allow_answer
    bob = pbx.xsi(BOB)
    assert (await bob.actions("PUT", f"/calls/{received.call.call_id}/Talk")).status_code == 200
    answered = await take(client, channel, 3)
    assert summary(answered, BOB) == [
        ("HookStatusEvent", "Off-Hook"),
        ("CallAnsweredEvent", "Active"),
    ]
    assert summary(answered, ALICE) == [("CallAnsweredEvent", "Active")]
    sequences_increase(docs + answered)


async def test_click_to_dial_without_auto_answer_waits_for_the_own_phone(pbx: Pbx) -> None:
    await pbx.config(auto_answer_click_to_dial=False)
    client, channel = await watch(pbx, ALICE)
    alice = pbx.xsi(ALICE)
    response = await alice.actions("POST", "/calls/new", params={"address": OUTSIDE})
    assert response.status_code == 201
    first = await take(client, channel, 1)
    assert summary(first, ALICE) == [("CallOriginatingEvent", "Alerting")]
    assert await channel.nothing_pending()
    (call,) = (await pbx.state())["calls"]
    assert (await pbx.post(f"/calls/{call['id']}/answer", {"at": "primary"})).status_code == 200
    assert summary(await take(client, channel, 2), ALICE) == [
        ("HookStatusEvent", "Off-Hook"),
        ("CallOriginatedEvent", "Alerting"),
    ]


async def test_flow3_incoming_answered_with_talk_then_released(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE)
    call_id = await pbx.call(OUTSIDE, ALICE)
    (received,) = await take(client, channel, 1)
    assert received.call is not None
    assert (received.event_type, received.call.personality) == ("CallReceivedEvent", "Terminator")
    assert received.call.remote_address == f"tel:{OUTSIDE}"
    assert received.call.call_type == "Network"
    alice = pbx.xsi(ALICE)
    listed = etree.fromstring((await alice.actions("GET", "/calls")).content)
    assert [e.text for e in listed.iter(f"{{{XSI}}}callId")] == [received.call.call_id]
    assert (await alice.actions("PUT", f"/calls/{received.call.call_id}/Talk")).status_code == 200
    details = etree.fromstring(
        (await alice.actions("GET", f"/calls/{received.call.call_id}")).content
    )
    assert text(details, "state") == "Active"
    assert (await alice.actions("DELETE", f"/calls/{received.call.call_id}")).status_code == 200
    docs = await take(client, channel, 4)
    assert summary(docs, ALICE) == [
        ("HookStatusEvent", "Off-Hook"),
        ("CallAnsweredEvent", "Active"),
        ("CallReleasedEvent", "Released"),
        ("HookStatusEvent", "On-Hook"),
    ]
    assert docs[2].call is not None
    assert docs[2].call.releasing_party == "localRelease"
    state = await pbx.state()
    assert all(c["id"] != call_id for c in state["calls"])


async def test_flow6_hold_and_retrieve_shows_remote_held_on_the_other_side(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE, BOB)
    call_id = await pbx.call(ALICE, BOB)
    await pbx.post(f"/calls/{call_id}/answer", {"at": "primary"})
    setup = await take(client, channel, 6)
    alice_call = next(d.call for d in setup if d.call and d.target_id == ALICE)
    alice = pbx.xsi(ALICE)
    assert (await alice.actions("PUT", f"/calls/{alice_call.call_id}/Hold")).status_code == 200
    held = await take(client, channel, 2)
    assert summary(held, ALICE) == [("CallHeldEvent", "Held")]
    assert summary(held, BOB) == [("CallHeldEvent", "Remote Held")]
    assert held[0].call is not None
    assert held[0].call.element.find(f"{{{XSI}}}allowRetrieve") is not None
    assert held[0].call.element.find(f"{{{XSI}}}heldTime") is not None
    assert (await alice.actions("PUT", f"/calls/{alice_call.call_id}/Talk")).status_code == 200
    retrieved = await take(client, channel, 2)
    assert summary(retrieved, ALICE) == [("CallRetrievedEvent", "Active")]
    assert summary(retrieved, BOB) == [("CallRetrievedEvent", "Active")]
    sequences_increase(setup + held + retrieved)


async def test_decline_and_call_state_errors(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE)
    await pbx.call(OUTSIDE, ALICE)
    (received,) = await take(client, channel, 1)
    assert received.call is not None
    alice = pbx.xsi(ALICE)
    hold = await alice.actions("PUT", f"/calls/{received.call.call_id}/Hold")
    assert hold.status_code == 400
    declined = await alice.actions(
        "DELETE", f"/calls/{received.call.call_id}", params={"decline": "true"}
    )
    assert declined.status_code == 200
    (released,) = await take(client, channel, 1)
    assert released.call is not None
    assert released.call.state == "Released"
    cause = released.call.element.find(f"{{{XSI}}}releaseCause/{{{XSI}}}internalReleaseCause")
    assert cause is not None
    assert cause.text == "Temporarily Unavailable"
    gone = await alice.actions("GET", f"/calls/{received.call.call_id}")
    assert gone.status_code == 404


async def test_unanswered_call_is_released_after_no_answer_time(pbx: Pbx) -> None:
    await pbx.config(no_answer_s=0.3)
    client, channel = await watch(pbx, ALICE)
    await pbx.call(OUTSIDE, ALICE)
    docs = await take(client, channel, 2)
    assert summary(docs, ALICE) == [
        ("CallReceivedEvent", "Alerting"),
        ("CallReleasedEvent", "Released"),
    ]
    # The caller gave up: Alice's leg must not look like her own decline.
    released = docs[1].call
    assert released is not None
    assert released.releasing_party == "remoteRelease"


async def test_service_path_segments_are_case_insensitive(pbx: Pbx) -> None:
    alice = pbx.xsi(ALICE)
    for path in ("/profile/Fac", "/PROFILE/fac", "/Calls"):
        assert (await alice.actions("GET", path)).status_code == 200, path
    profile = etree.fromstring((await alice.actions("GET", "/profile")).content)
    state = await pbx.state()
    assert text(profile, "details/groupId") == state["group_id"]
    assert text(profile, "details/serviceProvider") == state["enterprise_id"]
    assert text(profile, "details/extension") == "7770"
    encoded = await alice.http.get(
        "/com.broadsoft.xsi-actions/v2.0/user/alice.adler%40deutschland-lan.de/profile"
    )
    assert encoded.status_code == 200
    assert isinstance(encoded, httpx.Response)
