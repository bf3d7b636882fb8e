"""Service settings over Xsi-Actions, their events, and the enterprise directory."""

from __future__ import annotations

from lxml import etree

from tests.sim.sim_helpers import ALICE, BOB, MONITOR, Pbx
from tests.sim.xsi_client import XSI, Doc, EventChannel, XsiClient, q, text

CFA_BODY = (
    f'<CallForwardingAlways xmlns="{XSI}"><active>true</active>'
    "<forwardToPhoneNumber>+4915112345678</forwardToPhoneNumber></CallForwardingAlways>"
)


def info(doc: Doc) -> etree._Element:
    found = etree.fromstring(doc.raw).find(f"{q('eventData')}/{q('info')}")
    assert found is not None, doc.raw
    return found


async def service_channel(pbx: Pbx, package: str) -> tuple[XsiClient, EventChannel, Doc]:
    client = pbx.xsi(MONITOR)
    channel = await client.open_channel("svc")
    assert (await client.subscribe(f"/user/{ALICE}", "svc", event=package)).status_code == 200
    first = await channel.next()
    await client.ack(first)
    return client, channel, first


async def test_cfa_event_on_subscribe_and_on_change_and_read_back(pbx: Pbx) -> None:
    client, channel, first = await service_channel(pbx, "Call Forwarding Always")
    assert first.event_type == "CallForwardingAlwaysEvent"
    assert text(info(first), "active") == "false"
    alice = pbx.xsi(ALICE)
    assert (
        await alice.actions("PUT", "/services/CallForwardingAlways", content=CFA_BODY)
    ).status_code == 200
    changed = await channel.next()
    assert changed.event_type == "CallForwardingAlwaysEvent"
    assert text(info(changed), "active") == "true"
    assert text(info(changed), "forwardToPhoneNumber") == "tel:+4915112345678"
    assert changed.sequence == 2
    await client.ack(changed)
    read = etree.fromstring((await alice.actions("GET", "/services/callforwardingalways")).content)
    assert text(read, "active") == "true"
    assert text(read, "forwardToPhoneNumber") == "+4915112345678"


async def test_cfa_without_number_is_refused(pbx: Pbx) -> None:
    body = f'<CallForwardingAlways xmlns="{XSI}"><active>true</active></CallForwardingAlways>'
    response = await pbx.xsi(ALICE).actions("PUT", "/services/CallForwardingAlways", content=body)
    assert response.status_code == 400


async def test_cfna_rings_and_cfb_and_dnd_and_remote_office(pbx: Pbx) -> None:
    alice = pbx.xsi(ALICE)
    bodies = {
        "CallForwardingNoAnswer": "<active>true</active><forwardToPhoneNumber>7771"
        "</forwardToPhoneNumber><numberOfRings>5</numberOfRings>",
        "CallForwardingBusy": "<active>true</active>"
        "<forwardToPhoneNumber>7771</forwardToPhoneNumber>",
        "DoNotDisturb": "<active>true</active><ringSplash>true</ringSplash>",
        "RemoteOffice": "<active>true</active><remoteOfficeNumber>+4930555</remoteOfficeNumber>",
    }
    for name, inner in bodies.items():
        body = f'<{name} xmlns="{XSI}">{inner}</{name}>'
        assert (await alice.actions("PUT", f"/services/{name}", content=body)).status_code == 200
    cfna = etree.fromstring(
        (await alice.actions("GET", "/services/CallForwardingNoAnswer")).content
    )
    assert text(cfna, "numberOfRings") == "5"
    office = etree.fromstring((await alice.actions("GET", "/services/RemoteOffice")).content)
    assert text(office, "remoteOfficeNumber") == "+4930555"
    bad = (
        f'<CallForwardingNoAnswer xmlns="{XSI}"><numberOfRings>1</numberOfRings>'
        "</CallForwardingNoAnswer>"
    )
    assert (
        await alice.actions("PUT", "/services/CallForwardingNoAnswer", content=bad)
    ).status_code == 400
    state = await pbx.state()
    (user,) = [u for u in state["users"] if u["user_id"] == ALICE]
    assert user["remote_office"] == "+4930555"


async def test_voice_messaging_event_carries_only_active(pbx: Pbx) -> None:
    client, channel, first = await service_channel(pbx, "Voice Messaging")
    assert first.event_type == "VoiceMessagingEvent"
    assert [etree.QName(e).localname for e in info(first)] == ["active"]
    alice = pbx.xsi(ALICE)
    body = (
        f'<VoiceMessaging xmlns="{XSI}"><alwaysRedirectToVoiceMail>true'
        "</alwaysRedirectToVoiceMail></VoiceMessaging>"
    )
    assert (await alice.actions("PUT", "/services/VoiceMessaging", content=body)).status_code == 200
    changed = await channel.next()
    await client.ack(changed)
    assert [etree.QName(e).localname for e in info(changed)] == ["active"]
    read = etree.fromstring((await alice.actions("GET", "/services/VoiceMessaging")).content)
    assert text(read, "alwaysRedirectToVoiceMail") == "true"


async def test_simultaneous_ring_and_anywhere_events(pbx: Pbx) -> None:
    client, channel, first = await service_channel(pbx, "Simultaneous Ring Personal")
    assert text(info(first), "incomingCalls") == "Ring for all Incoming Calls"
    response = await pbx.patch(f"/users/{ALICE}", {"parallel_ring": ["+4915199887766"]})
    assert response.status_code == 200
    changed = await channel.next()
    await client.ack(changed)
    assert text(info(changed), "active") == "true"
    assert text(info(changed), "simRingLocations/simRingLocation/address") == "+4915199887766"
    body = (
        f'<SimultaneousRingPersonal xmlns="{XSI}"><incomingCalls>Do not Ring if on a Call'
        "</incomingCalls></SimultaneousRingPersonal>"
    )
    alice = pbx.xsi(ALICE)
    put = await alice.actions("PUT", "/services/SimultaneousRingPersonal", content=body)
    assert put.status_code == 200
    again = await channel.next()
    await client.ack(again)
    assert text(info(again), "incomingCalls") == "Do not Ring if on a Call"
    assert (
        await client.subscribe(f"/user/{ALICE}", "svc", event="BroadWorks Anywhere")
    ).status_code == 200
    anywhere = await channel.next()
    await client.ack(anywhere)
    assert anywhere.event_type == "BroadWorksAnywhereEvent"
    mobility = await alice.actions("GET", "/services/BroadWorksMobility")
    assert mobility.status_code == 200


async def test_services_list_names_every_served_service(pbx: Pbx) -> None:
    listed = etree.fromstring((await pbx.xsi(ALICE).actions("GET", "/services")).content)
    names = [e.text for e in listed.iter(q("name"))]
    for name in ("CallForwardingAlways", "DoNotDisturb", "RemoteOffice", "VoiceMessaging"):
        assert name in names
    assert (await pbx.xsi(ALICE).actions("GET", "/services/NoSuchService")).status_code == 404


async def test_refresh_resends_the_service_state(pbx: Pbx) -> None:
    client, channel, first = await service_channel(pbx, "Do Not Disturb")
    assert first.subscription_id
    body = f'<Subscription xmlns="{XSI}"><expires>3600</expires></Subscription>'
    response = await client.events("PUT", f"/subscription/{first.subscription_id}", body)
    assert response.status_code == 200
    again = await channel.next()
    await client.ack(again)
    assert again.event_type == "DoNotDisturbEvent"
    assert again.sequence == 2


async def test_enterprise_directory_pages_and_searches(pbx: Pbx) -> None:
    alice = pbx.xsi(ALICE)

    async def directory(**params: str) -> etree._Element:
        response = await alice.actions("GET", "/directories/Enterprise", params=params)
        assert response.status_code == 200, response.text
        return etree.fromstring(response.content)

    def ids(doc: etree._Element) -> list[str | None]:
        return [e.text for e in doc.iter(q("userId"))]

    everyone = await directory()
    assert text(everyone, "totalAvailableRecords") == "3"
    assert ids(everyone) == [ALICE, BOB, MONITOR]  # sorted by last name
    page = await directory(start="2", results="1")
    assert (text(page, "startIndex"), text(page, "numberOfRecords")) == ("2", "1")
    assert ids(page) == [BOB]
    assert ids(await directory(lastName="Adler")) == [ALICE]
    assert ids(await directory(lastName="adler")) == []
    assert ids(await directory(lastName="adler/i")) == [ALICE]
    assert ids(await directory(firstName="*i*")) == [ALICE]
    assert ids(await directory(firstName="*i*/i")) == [ALICE, MONITOR]
    assert ids(await directory(extension="777*")) == [ALICE, BOB]
    assert ids(await directory(firstName="Alice", lastName="Berg")) == []
    assert ids(
        await directory(firstName="Alice", lastName="Berg", searchCriteriaModeOr="true")
    ) == [
        ALICE,
        BOB,
    ]
    assert (
        await alice.actions("GET", "/directories/Enterprise", params={"start": "0"})
    ).status_code == 400
