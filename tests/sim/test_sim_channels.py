"""Event channels: framing, heartbeats, timeouts, acks, channel sets (PROTOCOL.md §3.2)."""

from __future__ import annotations

import asyncio

import pytest
from lxml import etree

from tests.sim.sim_helpers import ALICE, MONITOR, Pbx
from tests.sim.xsi_client import XSI, error_summary, subscription_id


async def test_xsd_is_checked(xsd_schema: etree.XMLSchema, pbx: Pbx) -> None:
    """Runs (and so shows in the report) only where the XSD set is present."""
    client = pbx.xsi(ALICE)
    assert (await client.actions("GET", "/profile")).status_code == 200
    assert pbx.check.validate is not None
    assert pbx.check.checked >= 1


async def test_channel_streams_one_document_per_chunk(pbx: Pbx) -> None:
    client = pbx.xsi(ALICE)
    channel = await client.open_channel("set-a", expires=3600)
    assert channel.status == 200
    assert channel.headers["content-type"] == "text/xml;charset=UTF-8"
    assert channel.headers["transfer-encoding"] == "chunked"
    assert channel.expires == 86400  # the PBX grants its policy value, not the request
    response = await client.heartbeat(channel.channel_id)
    assert response.status_code == 200
    assert response.content == b""
    beat = await channel.next(kinds=("ChannelHeartBeat",))
    assert beat.raw == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<ChannelHeartBeat xmlns="http://schema.broadsoft.com/xsi"/>'
    )


async def test_heartbeat_pinned_to_the_host_holding_the_stream(pbx: Pbx) -> None:
    channel = await pbx.xsi(ALICE, host=0).open_channel("set-a")
    other_host = pbx.xsi(ALICE, host=1)
    response = await other_host.heartbeat(channel.channel_id)
    assert response.status_code == 404
    assert (await pbx.xsi(ALICE).heartbeat("no-such-channel")).status_code == 404


async def test_missing_heartbeats_close_the_stream(pbx: Pbx) -> None:
    await pbx.config(event_timeout_s=0.4)
    client = pbx.xsi(ALICE)
    kept = await client.open_channel("set-a")
    dropped = await client.open_channel("set-b")
    for _ in range(4):
        await asyncio.sleep(0.15)
        assert (await client.heartbeat(kept.channel_id)).status_code == 200
    assert await dropped.wait_closed(timeout=3) == []
    assert not kept.closed.is_set()
    assert (await client.heartbeat(dropped.channel_id)).status_code == 404


async def test_channel_update_set_listing_and_explicit_delete(pbx: Pbx) -> None:
    client = pbx.xsi(ALICE)
    first = await client.open_channel("set-a", priority=1)
    second = await client.open_channel("set-a", priority=2, weight=100)
    body = f'<Channel xmlns="{XSI}"><expires>3800</expires></Channel>'
    response = await client.events("PUT", f"/channel/{first.channel_id}", body)
    assert response.status_code == 200
    assert b"<expires>86400</expires>" in response.content
    listing = etree.fromstring((await client.events("GET", "/channelset/set-a")).content)
    ids = [e.text for e in listing.iter(f"{{{XSI}}}channelId")]
    assert ids == [first.channel_id, second.channel_id]
    assert (await client.events("DELETE", f"/channel/{first.channel_id}")).status_code == 200
    terminated = await first.next(kinds=("ChannelTerminatedEvent",))
    assert terminated.reason == "ExplicitDelete"
    assert terminated.event_id is None
    await first.wait_closed()
    assert not second.closed.is_set()


async def test_application_id_ends_the_older_set_with_duplicate_channel_set(pbx: Pbx) -> None:
    client = pbx.xsi(MONITOR)
    old = await client.open_channel("set-old", application_id="cti-1")
    new = await client.open_channel("set-new", application_id="cti-1")
    terminated = await old.next(kinds=("ChannelTerminatedEvent",))
    assert terminated.reason == "DuplicateChannelSet"
    assert terminated.channel_id == old.channel_id
    assert b'xsi1:type="xsi:ChannelTerminatedEvent"' in terminated.raw
    await old.wait_closed()
    assert not new.closed.is_set()


async def test_unacknowledged_events_end_the_set_as_non_responsive(pbx: Pbx) -> None:
    await pbx.config(unacked_limit=2)
    client = pbx.xsi(MONITOR)
    channel = await client.open_channel("set-a")
    await client.subscribe(f"/user/{ALICE}", "set-a")  # snapshot: unacked event 1
    await pbx.call(ALICE, "+4930123456")  # HookStatus and CallOriginated: 2 and 3 > limit
    docs = [await channel.next() for _ in range(3)]
    assert [d.sequence for d in docs] == [1, 2, 3]
    terminated = await channel.next(kinds=("ChannelTerminatedEvent",))
    assert terminated.reason == "NonResponsiveChannel"
    await channel.wait_closed()


async def test_acked_events_keep_the_channel(pbx: Pbx) -> None:
    await pbx.config(unacked_limit=2)
    client = pbx.xsi(MONITOR)
    channel = await client.open_channel("set-a")
    await client.subscribe(f"/user/{ALICE}", "set-a")
    await client.ack(await channel.next())
    call_id = await pbx.call(ALICE, "+4930123456")
    for _ in range(2):
        await client.ack(await channel.next())
    await pbx.post(f"/calls/{call_id}/hangup", {"side": "caller"})
    for _ in range(2):
        await client.ack(await channel.next())
    assert not channel.closed.is_set()


@pytest.mark.parametrize("status", [500, 404])
async def test_failed_ack_resends_on_another_channel_of_the_set(pbx: Pbx, status: int) -> None:
    client_a = pbx.xsi(MONITOR, host=0)
    client_b = pbx.xsi(MONITOR, host=1)
    first = await client_a.open_channel("set-a", priority=1)
    second = await client_b.open_channel("set-a", priority=2)
    response = await client_a.subscribe(f"/user/{ALICE}", "set-a")
    sent = await first.next()
    assert sent.channel_id == first.channel_id
    assert sent.subscription_id == subscription_id(response)
    wrong_host = await client_b.events(
        "POST",
        "/channel/eventresponse",
        f'<EventResponse xmlns="{XSI}"><eventID>{sent.event_id}</eventID>'
        "<statusCode>200</statusCode><reason>OK</reason></EventResponse>",
    )
    assert wrong_host.status_code == 404
    await client_a.ack(sent, status=status, reason="retry")
    resent = await second.next()
    assert resent.event_id == sent.event_id
    assert resent.sequence == sent.sequence
    assert resent.channel_id == second.channel_id
    if status == 404:
        await first.wait_closed()
    else:
        assert not first.closed.is_set()


async def test_bad_bodies_get_400_error_info(pbx: Pbx) -> None:
    client = pbx.xsi(ALICE)
    bodies = [
        "<not-xml",
        f'<Subscription xmlns="{XSI}"><event>No Such Package</event>'
        "<channelSetId>s</channelSetId></Subscription>",
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'
        f'<Subscription xmlns="{XSI}"><event>&e;</event></Subscription>',
        f'<Channel xmlns="{XSI}"><channelSetId>s</channelSetId></Channel>',
    ]
    for body in bodies:
        response = await client.events("POST", f"/user/{ALICE}", body)
        assert response.status_code == 400, body
        assert error_summary(response)
    no_set = await client.events("POST", f"/user/{ALICE}", f'<Subscription xmlns="{XSI}"/>')
    assert no_set.status_code == 400


async def test_channel_expiry_ends_the_channel_with_expired(pbx: Pbx) -> None:
    await pbx.config(channel_expires_s=0.3)
    channel = await pbx.xsi(ALICE).open_channel("set-a")
    assert channel.expires == 1  # whole seconds on the wire
    terminated = await channel.next(kinds=("ChannelTerminatedEvent",))
    assert terminated.reason == "Expired"
    await channel.wait_closed()
