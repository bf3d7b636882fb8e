"""Faults seen from the client side, and limited to one Xsi host where asked."""

from __future__ import annotations

import asyncio

import httpx

from tests.sim.sim_helpers import ALICE, MONITOR, Pbx
from tests.sim.test_sim_flows import take, watch

OUTSIDE = "+4930123456"


async def fault(pbx: Pbx, **body: object) -> None:
    response = await pbx.post("/faults", body)
    assert response.status_code == 201, response.text


async def test_drop_channels_only_on_the_named_host(pbx: Pbx) -> None:
    client0, client1 = pbx.xsi(ALICE, host=0), pbx.xsi(ALICE, host=1)
    on0 = await client0.open_channel("set")
    on1 = await client1.open_channel("set")
    await fault(pbx, kind="drop_channels", host=on0.host)
    assert await on0.wait_closed() == []  # cut without a ChannelTerminatedEvent
    assert (await client0.heartbeat(on0.channel_id)).status_code == 404
    assert not on1.closed.is_set()
    assert (await client1.heartbeat(on1.channel_id)).status_code == 200


async def test_restart_keeps_calls_and_resyncs_on_the_new_channel(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE)
    await pbx.call(OUTSIDE, ALICE)
    await take(client, channel, 1)
    await fault(pbx, kind="restart")
    assert await channel.wait_closed() == []
    assert len((await pbx.state())["calls"]) == 1
    again = await client.open_channel("cti")
    resync = await again.next()
    assert resync.event_type == "CallSubscriptionResyncEvent"
    assert [c.state for c in resync.calls] == ["Alerting"]
    await client.ack(resync)


async def test_http_errors_answer_503_on_one_host_only(pbx: Pbx) -> None:
    await fault(pbx, kind="http_errors", host=pbx.hosts[1].removeprefix("http://"), seconds=30)
    assert (await pbx.xsi(ALICE, host=1).actions("GET", "/profile")).status_code == 503
    assert (await pbx.xsi(ALICE, host=0).actions("GET", "/profile")).status_code == 200
    assert (await pbx.control.delete("/sim/v1/faults")).status_code == 200
    assert (await pbx.xsi(ALICE, host=1).actions("GET", "/profile")).status_code == 200


async def test_stall_heartbeats_sends_no_heartbeat_chunk(pbx: Pbx) -> None:
    client = pbx.xsi(ALICE)
    channel = await client.open_channel("set")
    await fault(pbx, kind="stall_heartbeats", seconds=0.5)
    assert (await client.heartbeat(channel.channel_id)).status_code == 200
    assert await channel.nothing_pending()
    await _until_fault_gone(pbx)
    assert (await client.heartbeat(channel.channel_id)).status_code == 200
    await channel.next(kinds=("ChannelHeartBeat",))


async def test_slow_acks_hold_the_event_response(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE)
    await pbx.call(OUTSIDE, ALICE)
    doc = await channel.next()
    await fault(pbx, kind="slow_acks", seconds=0.4)
    ack = asyncio.create_task(client.ack(doc))
    await asyncio.sleep(0.1)
    assert not ack.done()
    await asyncio.wait_for(ack, 5)


async def test_host_down_refuses_connections_then_comes_back(pbx: Pbx) -> None:
    host = pbx.hosts[1].removeprefix("http://")
    channel = await pbx.xsi(MONITOR, host=1).open_channel("set")
    await fault(pbx, kind="host_down", host=host, seconds=0.5)
    await channel.wait_closed()
    async with httpx.AsyncClient(base_url=pbx.hosts[1], timeout=2) as direct:
        try:
            await direct.get("/sim/v1/state")
            refused = False
        except httpx.ConnectError:
            refused = True
    assert refused
    assert (await pbx.xsi(ALICE, host=0).actions("GET", "/profile")).status_code == 200
    await _until_fault_gone(pbx)
    for _ in range(100):
        try:
            async with httpx.AsyncClient(base_url=pbx.hosts[1], timeout=2) as direct:
                if (await direct.get("/sim/v1/state")).status_code == 200:
                    return
        except httpx.ConnectError:
            await asyncio.sleep(0.02)
    raise AssertionError("the host did not come back")


async def _until_fault_gone(pbx: Pbx, timeout: float = 5.0) -> None:
    async def gone() -> None:
        while (await pbx.state())["faults"]:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(gone(), timeout)
