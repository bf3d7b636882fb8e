"""The runtime against the simulator: channels on every host, heartbeats on schedule, every
event acked exactly once, snapshots, lines added and removed, proxies, the PBX log."""

from __future__ import annotations

import asyncio
import itertools
import statistics
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cloudcti.pbx import LINE_PACKAGES, BasicCredentials, GatewayConfig, GatewayState, ProxyConfig
from cloudcti.xsi import VoiceMessaging
from tests.pbx.forward_proxy import ForwardProxy
from tests.pbx.pbx_helpers import (
    ALICE,
    BOB,
    EVENT_TIMEOUT,
    LINE_PASSWORD,
    MONITOR,
    PASSWORD,
    Running,
    Sim,
    gateway_config,
    until,
)

Start = Callable[[GatewayConfig, list[str]], Running]


def acked_everything(running: Running) -> bool:
    channels = running.runtime.channel_set
    return channels is not None and channels.stats.acked == channels.stats.applied


async def play_call(sim: Sim, running: Running, callee: str = ALICE) -> None:
    """An outside caller rings ``callee``, who answers; the caller hangs up."""
    released = len(running.app.calls_of(callee, "CallReleasedEvent"))
    received = len(running.app.calls_of(callee, "CallReceivedEvent"))
    call = await sim.call("+4930224455", callee)
    await running.app.until(
        lambda: len(running.app.calls_of(callee, "CallReceivedEvent")) > received
    )
    assert (await sim.post(f"/calls/{call}/answer", {"at": "primary"})).is_success
    assert (await sim.post(f"/calls/{call}/hangup", {"side": "caller"})).is_success
    await running.app.until(
        lambda: len(running.app.calls_of(callee, "CallReleasedEvent")) > released,
        what="the call's release arrived",
    )


async def test_connects_on_every_host_and_subscribes_every_line(
    sim: Sim, start_runtime: Start
) -> None:
    running = start_runtime(gateway_config(sim), [ALICE, BOB])
    await running.state(GatewayState.CONNECTED)
    state = await sim.state()
    assert {c["host"] for c in state["channels"]} == {sim.host(0), sim.host(1)}
    subs = Counter((s["target_id"], s["event"]) for s in state["subscriptions"])
    assert subs == Counter((u, str(p)) for u in (ALICE, BOB) for p in LINE_PACKAGES)
    await running.app.until(lambda: running.app.snapshots(ALICE) and running.app.snapshots(BOB))


async def test_a_gateway_without_lines_is_connected_once_its_channels_open(
    sim: Sim, start_runtime: Start
) -> None:
    # Heartbeats every 15 s: the open channel alone must tell the runtime, not the next beat.
    running = start_runtime(gateway_config(sim, channel=None, event_timeout_s=30.0), [])
    await running.state(GatewayState.CONNECTED, timeout=3.0)


async def test_heartbeats_on_schedule_and_every_event_acked_once(
    sim: Sim, start_runtime: Start
) -> None:
    first = max((r["seq"] for r in await sim.requests()), default=0)
    running = start_runtime(gateway_config(sim), [ALICE, BOB])
    await running.state(GatewayState.CONNECTED)
    for _ in range(3):
        await play_call(sim, running)
    await until(lambda: acked_everything(running))
    await until(
        lambda: (
            running.runtime.channel_set.stats.heartbeats >= 2
            if running.runtime.channel_set
            else False
        )
    )
    seen = [r for r in await sim.requests(since=first)]
    acks = [r for r in seen if r["path"].endswith("/channel/eventresponse")]
    assert all(r["status"] == 200 for r in acks)
    channels = running.runtime.channel_set
    assert channels is not None
    log = "\n".join(f"{e.direction} {e.summary} {e.detail}" for e in running.log.entries())
    assert channels.stats.channels_opened == 2, log  # no channel was lost
    assert len(acks) == channels.stats.applied  # no redelivery: one ack per event
    ids = running.app.event_ids()
    assert len(ids) == len(set(ids))  # the application saw every event once
    # heartbeats: every EVENT_TIMEOUT/2 on each host, to the host holding the channel
    window = await sim.requests(since=first)
    beats = Counter(r["host"] for r in window if r["path"].endswith("/heartbeat"))
    assert set(beats) == {sim.host(0), sim.host(1)}
    assert all(r["status"] == 200 for r in window if r["path"].endswith("/heartbeat"))
    assert "NonResponsiveChannel" not in str([e.summary for e in running.log.entries()])
    assert running.runtime.state is GatewayState.CONNECTED


async def test_heartbeat_interval(sim: Sim, start_runtime: Start) -> None:
    running = start_runtime(gateway_config(sim), [ALICE])
    await running.state(GatewayState.CONNECTED)
    first = max((r["seq"] for r in await sim.requests()), default=0)
    wanted = 5

    async def beats() -> dict[str, list[float]]:
        found: dict[str, list[float]] = {sim.host(0): [], sim.host(1): []}
        for r in await sim.requests(since=first):
            if r["path"].endswith("/heartbeat") and r["host"] in found:
                found[r["host"]].append(datetime.fromisoformat(r["at"]).timestamp())
        return found

    async with asyncio.timeout(wanted * EVENT_TIMEOUT):
        while True:
            counted = await beats()
            if min(len(times) for times in counted.values()) >= wanted:
                break
            await asyncio.sleep(0.05)
    interval = EVENT_TIMEOUT / 2
    for host, times in counted.items():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # every event_timeout/2, and never a gap the PBX would end the channel for
        assert 0.8 * interval <= statistics.median(gaps) <= 1.3 * interval, (host, gaps)
        assert max(gaps) < EVENT_TIMEOUT, (host, gaps)


async def test_lines_added_and_removed_at_run_time(sim: Sim, start_runtime: Start) -> None:
    running = start_runtime(gateway_config(sim), [ALICE])
    await running.state(GatewayState.CONNECTED)
    running.runtime.set_lines([BOB])

    async def only_bob() -> bool:
        targets = {s["target_id"] for s in (await sim.state())["subscriptions"]}
        return targets == {BOB}

    async with asyncio.timeout(5):
        while not await only_bob():
            await asyncio.sleep(0.05)
    await running.app.until(lambda: running.app.snapshots(BOB))
    await play_call(sim, running, BOB)


async def test_runtime_through_an_authenticating_proxy(sim: Sim, start_runtime: Start) -> None:
    proxy = ForwardProxy(username="proxy-user", password="Proxy-Pw-99-secret")
    await proxy.start()
    try:
        config = gateway_config(
            sim, proxy=ProxyConfig(proxy.url, "proxy-user", "Proxy-Pw-99-secret")
        )
        running = start_runtime(config, [ALICE])
        await running.state(GatewayState.CONNECTED)
        await play_call(sim, running)
        assert proxy.forwarded > 0
        assert proxy.rejected == 0
        await until(lambda: acked_everything(running))
    finally:
        await running.stop()
        await proxy.stop()


async def test_pbx_log_says_what_happened_and_hides_every_secret(
    sim: Sim, start_runtime: Start, tmp_path: Path
) -> None:
    running = start_runtime(gateway_config(sim), [ALICE, BOB])
    running.runtime.set_lines([ALICE, BOB], {ALICE: _alice()})
    await running.state(GatewayState.CONNECTED)
    await play_call(sim, running)
    log = running.log
    received = running.app.calls_of(ALICE, "CallReceivedEvent")[0]
    call_id = received.call.call_id
    about_call = log.entries(call_id=call_id)
    assert any("CallReceivedEvent" in e.summary for e in about_call)
    assert any("CallReleasedEvent" in e.summary for e in about_call)
    assert all(e.line == ALICE for e in about_call)
    assert log.entries(line=BOB)
    assert all(e.line == BOB for e in log.entries(line=BOB))
    outgoing = log.entries(direction="out")
    assert any("POST /com.broadsoft.async" in e.summary for e in outgoing)
    assert any("gateway connected" in e.summary for e in log.entries(direction="state"))
    await running.stop()
    path = log.path
    assert path is not None
    text = path.read_text("utf-8") + repr(log.entries())
    assert "CallReceivedEvent" in text
    for secret in (PASSWORD, LINE_PASSWORD, "Proxy-Pw-99-secret"):
        assert secret not in text
    assert "Basic " not in text


def _alice() -> BasicCredentials:
    return BasicCredentials(ALICE, LINE_PASSWORD)


async def test_a_new_monitoring_identity_is_kept_across_restarts(tmp_path: Path) -> None:
    from cloudcti.pbx import Identity

    first = Identity.load(tmp_path)
    assert Identity.load(tmp_path) == first
    assert Identity.load(tmp_path / "other") != first
    assert MONITOR  # the identity is per installation, not per user


async def test_every_event_acked_once_when_the_stream_is_rechunked(
    sim: Sim, start_runtime: Start
) -> None:
    proxy = ForwardProxy(rechunk=True)
    await proxy.start()
    try:
        running = start_runtime(gateway_config(sim, proxy=ProxyConfig(proxy.url)), [ALICE, BOB])
        await running.state(GatewayState.CONNECTED)
        for callee in (ALICE, BOB, ALICE):
            await play_call(sim, running, callee)
        await until(lambda: acked_everything(running))
        ids = running.app.event_ids()
        assert len(ids) == len(set(ids))
        assert running.runtime.state is GatewayState.CONNECTED
    finally:
        await running.stop()
        await proxy.stop()


async def test_voice_messaging_reread_with_the_line_credentials(
    sim: Sim, start_runtime: Start
) -> None:
    first = max((r["seq"] for r in await sim.requests()), default=0)
    running = start_runtime(gateway_config(sim), [ALICE, BOB])
    seen: dict[str, VoiceMessaging] = {}

    def reread(line: str, settings: VoiceMessaging) -> None:
        seen[line] = settings

    running.runtime.on_voice_messaging = reread
    running.runtime.set_lines([ALICE, BOB], {ALICE: _alice()})
    await running.state(GatewayState.CONNECTED)
    await until(lambda: ALICE in seen)
    assert BOB not in seen  # no own credentials: nothing read for Bob
    reads = [
        r for r in await sim.requests(since=first) if r["path"].endswith("/services/VoiceMessaging")
    ]
    assert [r["user_id"] for r in reads] == [ALICE]
