"""Monitoring password changed in the portal: auth_failed after at most 3 rejected requests in
total, the account never locked, a new password in the configuration recovers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

from cloudcti.pbx import MAX_ATTEMPTS, GatewayConfig, GatewayState
from tests.pbx.pbx_helpers import (
    ALICE,
    MONITOR,
    PASSWORD,
    Running,
    Sim,
    gateway_config,
)

Start = Callable[[GatewayConfig, list[str]], Running]
PORTAL_PASSWORD = "Portal-Pw-777-changed"


async def rejected(sim: Sim, since: int) -> list[dict[str, object]]:
    return [r for r in await sim.requests(user_id=MONITOR, since=since) if r["status"] == 401]


async def test_password_changed_in_portal(sim: Sim, start_runtime: Start) -> None:
    config = gateway_config(sim)
    running = start_runtime(config, [ALICE])
    await running.state(GatewayState.CONNECTED)
    first = max((r["seq"] for r in await sim.requests()), default=0)
    assert (await sim.patch(f"/users/{MONITOR}", {"password": PORTAL_PASSWORD})).is_success

    await running.runtime.wait_for(
        lambda r: r.state is GatewayState.AUTH_FAILED and "attempts failed" in r.reason, 10.0
    )
    reason = running.runtime.reason
    assert "rejected the monitoring user" in reason
    assert "password was changed in the Cloud PBX portal" in reason
    assert "no line of this gateway is monitored" in reason
    assert len(await rejected(sim, first)) <= MAX_ATTEMPTS
    # nothing more is tried while the configuration is unchanged: absence needs a window,
    # three times the retry interval the runtime would use
    quiet_from = max(r["seq"] for r in await sim.requests())
    await asyncio.sleep(3 * config.auth_retry_s)
    assert await sim.requests(user_id=MONITOR, since=quiet_from) == []
    monitor = next(u for u in (await sim.state())["users"] if u["user_id"] == MONITOR)
    assert not monitor.get("locked"), monitor

    # the right one recovers (the portal password, entered in the configuration)
    await running.runtime.update_config(replace(config, password=PORTAL_PASSWORD))
    await running.state(GatewayState.CONNECTED, timeout=10.0)
    monitor = next(u for u in (await sim.state())["users"] if u["user_id"] == MONITOR)
    assert not monitor.get("locked"), monitor
    assert PASSWORD not in repr(running.log.entries())
