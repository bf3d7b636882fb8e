"""The runtime against the simulator: channels on every host, heartbeats, acks, snapshots."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from cloudcti.pbx import LINE_PACKAGES, GatewayConfig, GatewayState
from tests.pbx.pbx_helpers import (
    ALICE,
    BOB,
    Running,
    Sim,
    gateway_config,
)


async def test_connects_on_every_host_and_subscribes_every_line(
    sim: Sim, start_runtime: Callable[[GatewayConfig, list[str]], Running]
) -> None:
    running = start_runtime(gateway_config(sim), [ALICE, BOB])
    await running.state(GatewayState.CONNECTED)
    state = await sim.state()
    hosts = {c["host"] for c in state["channels"]}
    assert hosts == {sim.host(0), sim.host(1)}
    subs = Counter((s["target_id"], s["event"]) for s in state["subscriptions"])
    assert subs == Counter((u, str(p)) for u in (ALICE, BOB) for p in LINE_PACKAGES)
    # each line's call snapshot arrived (initial event of a user subscription)
    await running.app.until(
        lambda: bool(running.app.snapshots(ALICE) and running.app.snapshots(BOB))
    )
