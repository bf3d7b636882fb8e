"""Every simulator fault: recovered within heartbeat interval + back-off, snapshot handed
over, no duplicate effects, events keep flowing on the surviving host."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cloudcti.pbx import GatewayConfig, GatewayState
from tests.pbx.pbx_helpers import ALICE, BOB, Running, Sim, gateway_config, until
from tests.pbx.test_pbx_channels import play_call

Start = Callable[[GatewayConfig, list[str]], Running]
RECOVERY = 6.0  # seconds: silence timeout (1.6) + back-off cap (0.5) + resync, with margin


async def connected(sim: Sim, start_runtime: Start) -> Running:
    running = start_runtime(gateway_config(sim), [ALICE, BOB])
    await running.state(GatewayState.CONNECTED)
    await running.app.until(lambda: running.app.snapshots(ALICE) and running.app.snapshots(BOB))
    return running


def no_duplicates(running: Running) -> None:
    ids = running.app.event_ids()
    assert len(ids) == len(set(ids)), "an event reached the application twice"


def answered_everything(running: Running) -> bool:
    stats = running.runtime.channel_set.stats if running.runtime.channel_set else None
    return stats is not None and stats.acked + stats.ack_failures == stats.applied


async def recovered(sim: Sim, running: Running, *, acks_lost: bool = False) -> None:
    """Both channels back, state connected, a call flows and everything is acked (except,
    with ``acks_lost``, acks owed to a host that was down: nobody can take them)."""
    await running.state(GatewayState.CONNECTED, timeout=RECOVERY)
    await play_call(sim, running)
    await until(lambda: answered_everything(running), timeout=RECOVERY)
    channels = running.runtime.channel_set
    assert channels is not None
    if not acks_lost:
        assert channels.stats.ack_failures == 0
    no_duplicates(running)
    lines = [f"{e.direction} {e.summary} {e.detail}" for e in running.log.entries()]
    bad = [i for i, line in enumerate(lines) if "NonResponsiveChannel" in line]
    assert not bad, "\n".join(lines[max(0, bad[0] - 25) : bad[0] + 3])


@pytest.mark.parametrize("kind", ["drop_channels", "restart"])
async def test_channels_dropped_or_pbx_restarted(sim: Sim, start_runtime: Start, kind: str) -> None:
    running = await connected(sim, start_runtime)
    snapshots = len(running.app.snapshots(ALICE))
    assert (await sim.fault(kind)).status_code == 201
    # the snapshot is handed over again after the reconnect (state is never guessed)
    await running.app.until(lambda: len(running.app.snapshots(ALICE)) > snapshots, timeout=RECOVERY)
    channels = running.runtime.channel_set
    assert channels is not None
    await recovered(sim, running)
    assert channels.stats.channels_opened >= 4


async def test_one_host_down_events_flow_on_the_other(sim: Sim, start_runtime: Start) -> None:
    running = await connected(sim, start_runtime)
    assert (await sim.fault("host_down", seconds=3.0, host=sim.host(1))).status_code == 201
    await running.state(GatewayState.DEGRADED, timeout=RECOVERY)
    assert "1 of 2 Xsi hosts down" in running.runtime.reason
    await play_call(sim, running)  # carried by the surviving host
    survivors = {d.host for d in running.app.deliveries[-3:]}
    assert survivors == {sim.urls[0]}
    await recovered(sim, running, acks_lost=True)


async def test_stalled_heartbeats_are_noticed(sim: Sim, start_runtime: Start) -> None:
    running = await connected(sim, start_runtime)
    channels = running.runtime.channel_set
    assert channels is not None
    opened = channels.stats.channels_opened
    assert (await sim.fault("stall_heartbeats", seconds=2.5)).status_code == 201
    await until(lambda: channels.stats.channels_opened > opened, timeout=RECOVERY)
    await recovered(sim, running)


async def test_http_errors_are_ridden_out(sim: Sim, start_runtime: Start) -> None:
    running = await connected(sim, start_runtime)
    assert (await sim.fault("http_errors", seconds=1.0)).status_code == 201
    await recovered(sim, running)


async def test_slow_acks_keep_the_channel(sim: Sim, start_runtime: Start) -> None:
    running = await connected(sim, start_runtime)
    assert (await sim.fault("slow_acks", seconds=1.5)).status_code == 201
    await play_call(sim, running)
    await recovered(sim, running)
