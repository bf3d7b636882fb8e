"""Transfers, Reconnect, conference and call pull over Xsi-Actions (PROTOCOL.md §5 flows 7-11)."""

from __future__ import annotations

from lxml import etree

from tests.sim.sim_helpers import ALICE, BOB, Pbx
from tests.sim.test_sim_flows import summary, take, watch
from tests.sim.test_sim_routing import endpoint_type, redirect_reason
from tests.sim.xsi_client import XSI, Doc, EventChannel, XsiClient, text

OUTSIDE = "+4930123456"
OTHER = "+4940555666"
MOBILE = "+4915112345678"


async def alice_talks_to(
    pbx: Pbx, client: XsiClient, channel: EventChannel, remote: str, off_hook: bool = False
) -> str:
    """Alice's answered call with ``remote`` (she dialled); returns her callId."""
    call_id = await pbx.call(ALICE, remote)
    assert (await pbx.post(f"/calls/{call_id}/answer", {})).status_code == 200
    count = (3 if remote.startswith("+") else 6) - (1 if off_hook else 0)
    docs = await take(client, channel, count)
    mine = [d for d in docs if d.target_id == ALICE and d.call]
    assert mine[-1].call is not None
    return mine[-1].call.call_id


def redirected_legs(doc: Doc) -> list[etree._Element]:
    return etree.fromstring(doc.raw).findall(f"{{{XSI}}}eventData/{{{XSI}}}calls/{{{XSI}}}call")


async def test_blind_transfer_after_answer(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE, BOB)
    alice_call = await alice_talks_to(pbx, client, channel, BOB)
    alice = pbx.xsi(ALICE)
    put = await alice.actions(
        "PUT", f"/calls/{alice_call}/BlindTransfer", params={"address": OTHER}
    )
    assert put.status_code == 200
    docs = await take(client, channel, 4)
    assert summary(docs, ALICE) == [
        ("CallRedirectedEvent", None),
        ("CallReleasedEvent", "Released"),
        ("HookStatusEvent", "On-Hook"),
    ]
    assert redirect_reason(docs[0]) == "transfer"
    assert summary(docs, BOB) == [("CallTransferredEvent", "Active")]
    assert docs[3].call is not None
    assert docs[3].call.remote_address == f"tel:{OTHER}"
    (call,) = (await pbx.state())["calls"]
    assert (await pbx.post(f"/calls/{call['id']}/answer", {})).status_code == 200
    (again,) = await take(client, channel, 1)
    assert (again.event_type, again.target_id) == ("CallAnsweredEvent", BOB)


async def test_blind_transfer_while_ringing_is_a_deflection(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE)
    await pbx.call(OUTSIDE, ALICE)
    (received,) = await take(client, channel, 1)
    assert received.call is not None
    alice = pbx.xsi(ALICE)
    path = f"/calls/{received.call.call_id}/BlindTransfer"
    assert (await alice.actions("PUT", path, params={"address": OTHER})).status_code == 200
    docs = await take(client, channel, 2)
    assert redirect_reason(docs[0]) == "deflection"


async def test_consultative_transfer_connects_the_far_ends(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE, BOB)
    first = await alice_talks_to(pbx, client, channel, OUTSIDE)
    alice = pbx.xsi(ALICE)
    assert (await alice.actions("PUT", f"/calls/{first}/Hold")).status_code == 200
    await take(client, channel, 1)
    second = await alice_talks_to(pbx, client, channel, BOB, off_hook=True)
    put = await alice.actions("PUT", f"/calls/{first}/ConsultTransfer/{second}")
    assert put.status_code == 200, put.text
    docs = await take(client, channel, 5)
    assert summary(docs, ALICE) == [
        ("CallRedirectedEvent", None),
        ("CallReleasedEvent", "Released"),
        ("CallReleasedEvent", "Released"),
        ("HookStatusEvent", "On-Hook"),
    ]
    legs = redirected_legs(docs[0])
    assert [text(leg, "state") for leg in legs] == ["Detached", "Detached"]
    assert [text(leg, "redirect/reason") for leg in legs] == ["transfer", "transfer"]
    assert summary(docs, BOB) == [("CallTransferredEvent", "Active")]
    assert docs[4].call is not None
    assert docs[4].call.remote_address == f"tel:{OUTSIDE}"


async def test_vm_transfer_and_reconnect(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE)
    first = await alice_talks_to(pbx, client, channel, OUTSIDE)
    alice = pbx.xsi(ALICE)
    assert (await alice.actions("PUT", f"/calls/{first}/Hold")).status_code == 200
    await take(client, channel, 1)
    await alice_talks_to(pbx, client, channel, OTHER, off_hook=True)
    assert (await alice.actions("PUT", f"/calls/{first}/Reconnect")).status_code == 200
    docs = await take(client, channel, 2)
    assert summary(docs, ALICE) == [
        ("CallReleasedEvent", "Released"),
        ("CallRetrievedEvent", "Active"),
    ]
    assert (await alice.actions("PUT", f"/calls/{first}/VmTransfer")).status_code == 200
    docs = await take(client, channel, 3)
    assert [d.event_type for d in docs] == [
        "CallRedirectedEvent",
        "CallReleasedEvent",
        "HookStatusEvent",
    ]
    (call,) = (await pbx.state())["calls"]
    assert call["parties"][1]["number"] == "+4989887766999"


async def test_three_way_conference_start_get_and_release(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE, BOB)
    first = await alice_talks_to(pbx, client, channel, OUTSIDE)
    alice = pbx.xsi(ALICE)
    assert (await alice.actions("PUT", f"/calls/{first}/Hold")).status_code == 200
    await take(client, channel, 1)
    second = await alice_talks_to(pbx, client, channel, BOB, off_hook=True)
    body = (
        f'<Conference xmlns="{XSI}"><conferenceParticipantList>'
        f"<conferenceParticipant><callId>{first}</callId></conferenceParticipant>"
        f"<conferenceParticipant><callId>{second}</callId></conferenceParticipant>"
        "</conferenceParticipantList></Conference>"
    )
    assert (await alice.actions("POST", "/calls/Conference", content=body)).status_code == 200
    docs = await take(client, channel, 2)
    assert [d.event_type for d in docs] == ["CallRetrievedEvent", "ConferenceStartedEvent"]
    got = etree.fromstring((await alice.actions("GET", "/calls/Conference")).content)
    assert [e.text for e in got.iter(f"{{{XSI}}}callId")] == [first, second]
    listed = etree.fromstring((await alice.actions("GET", "/calls")).content)
    assert {c.get("inConference") for c in listed} == {"true"}
    assert (await alice.actions("DELETE", "/calls/Conference")).status_code == 200
    docs = await take(client, channel, 5)
    assert [d.event_type for d in docs if d.target_id == ALICE] == [
        "ConferenceReleasedEvent",
        "CallReleasedEvent",
        "CallReleasedEvent",
        "HookStatusEvent",
    ]
    assert (await alice.actions("GET", "/calls/Conference")).status_code == 404


async def test_conference_ends_when_one_leg_is_left(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE)
    first = await alice_talks_to(pbx, client, channel, OUTSIDE)
    alice = pbx.xsi(ALICE)
    await alice.actions("PUT", f"/calls/{first}/Hold")
    await take(client, channel, 1)
    second = await alice_talks_to(pbx, client, channel, OTHER, off_hook=True)
    body = (
        f'<Conference xmlns="{XSI}"><conferenceParticipantList>'
        f"<conferenceParticipant><callId>{first}</callId></conferenceParticipant>"
        f"<conferenceParticipant><callId>{second}</callId></conferenceParticipant>"
        "</conferenceParticipantList></Conference>"
    )
    assert (await alice.actions("POST", "/calls/Conference", content=body)).status_code == 200
    await take(client, channel, 2)
    assert (await alice.actions("DELETE", f"/calls/{second}")).status_code == 200
    docs = await take(client, channel, 2)
    assert [d.event_type for d in docs] == ["CallReleasedEvent", "ConferenceReleasedEvent"]


async def test_call_pull_to_the_mobile_and_back(pbx: Pbx) -> None:
    await pbx.patch(f"/users/{ALICE}", {"mobile": MOBILE})
    client, channel = await watch(pbx, ALICE)
    old = await alice_talks_to(pbx, client, channel, OUTSIDE)
    response = await pbx.post(f"/users/{ALICE}/dial", {"digits": "78811", "device": "mobile"})
    assert response.status_code == 201
    docs = await take(client, channel, 4)
    assert summary(docs, ALICE) == [
        ("CallOriginatedEvent", "Alerting"),
        ("CallReleasedEvent", "Released"),
        ("CallAnsweredEvent", "Active"),
        ("HookStatusEvent", "On-Hook"),
    ]
    assert docs[1].call is not None
    assert docs[1].call.call_id == old
    assert endpoint_type(docs[2]) == "BroadWorksMobilityEndpoint"
    assert docs[2].call is not None
    assert docs[2].call.remote_address == f"tel:{OUTSIDE}"
    alice = pbx.xsi(ALICE)
    back = await alice.actions("POST", "/calls/CallRetrieve", params={"location": "Primary"})
    assert back.status_code == 200, back.text
    docs = await take(client, channel, 4)
    assert summary(docs, ALICE) == [
        ("HookStatusEvent", "Off-Hook"),
        ("CallOriginatedEvent", "Alerting"),
        ("CallReleasedEvent", "Released"),
        ("CallAnsweredEvent", "Active"),
    ]
    assert endpoint_type(docs[3]) == "AccessEndpoint"
    assert text(etree.fromstring(back.content), "callId") == docs[3].call.call_id  # type: ignore[union-attr]
    nothing = await alice.actions("POST", "/calls/CallRetrieve", params={"location": "Primary"})
    assert nothing.status_code == 400
