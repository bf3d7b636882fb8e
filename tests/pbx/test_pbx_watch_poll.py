"""``pbx watch --enterprise/--group`` polls the current calls on every connect (no snapshot).

The simulator lets a user read only its own calls (403 for others), so the calls polled here
are the monitoring user's; the 403 for other users is asked once per poll, not per user."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from cloudcti.pbx import GatewayRuntime, GatewayState
from cloudcti.pbx.transport import HttpResponse
from cloudcti.pbx.watch import CallPoller, WatchOptions, line_of, poll_record, run_watch
from cloudcti.xsi import Call, CallState, Personality, XsiRequest
from tests.pbx.pbx_helpers import (
    ALICE,
    BOB,
    FAST_CHANNEL,
    MONITOR,
    PASSWORD,
    Sim,
    gateway_config,
    until,
)


async def enterprise_and_group(sim: Sim) -> tuple[str, str]:
    state = await sim.state()
    return str(state["enterprise_id"]), str(state["group_id"])


def parsed(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]


def polled(lines: list[str], call_id: str) -> list[dict[str, Any]]:
    return [r for r in parsed(lines) if r["type"] == "CallPoll" and r["call_id"] == call_id]


async def test_a_call_in_progress_is_polled_then_live_events_follow(sim: Sim) -> None:
    enterprise, _ = await enterprise_and_group(sim)
    call = await sim.call("+4930224455", MONITOR)
    assert (await sim.post(f"/calls/{call}/answer", {"at": "primary"})).is_success
    lines: list[str] = []
    stop = asyncio.Event()
    options = WatchOptions(list(sim.urls), MONITOR, PASSWORD, enterprise=enterprise, as_json=True)
    watcher = asyncio.create_task(run_watch(options, lines.append, stop))
    try:
        await until(lambda: any(r["type"] == "CallPoll" for r in parsed(lines)), timeout=5)
        first = next(r for r in parsed(lines) if r["type"] == "CallPoll")
        assert first["target"] == MONITOR
        assert first["state"] == "Active"
        assert first["personality"] == "Terminator"
        assert "4930224455" in str(first["remote"])
        assert first["event_id"] is None
        assert first["sequence"] is None
        await sim.call("+4940112233", BOB)
        await until(
            lambda: any(
                r["type"] == "CallReceivedEvent" and r["target"] == BOB for r in parsed(lines)
            ),
            timeout=5,
        )
    finally:
        stop.set()
        await watcher
    kinds = [r["type"] for r in parsed(lines)]
    assert kinds.index("CallPoll") < kinds.index("CallReceivedEvent")
    assert kinds.count("CallPoll") == 1  # one call in progress, one poll: one record
    assert (await sim.state())["channels"] == []


async def test_the_group_is_polled_again_after_a_reconnect(sim: Sim) -> None:
    enterprise, group = await enterprise_and_group(sim)
    await sim.call("+4930224455", MONITOR)
    lines: list[str] = []
    stop = asyncio.Event()
    options = WatchOptions(
        list(sim.urls), MONITOR, PASSWORD, enterprise, group, as_json=True, channel=FAST_CHANNEL
    )
    watcher = asyncio.create_task(run_watch(options, lines.append, stop))
    try:
        await until(lambda: any(r["type"] == "CallPoll" for r in parsed(lines)), timeout=5)
        call_id = next(r["call_id"] for r in parsed(lines) if r["type"] == "CallPoll")
        assert len(polled(lines, call_id)) == 1
        assert (await sim.fault("drop_channels")).status_code in (200, 201)
        await until(lambda: len(polled(lines, call_id)) >= 2, timeout=6)
    finally:
        stop.set()
        await watcher
    assert all(r["target"] == MONITOR and r["state"] == "Alerting" for r in polled(lines, call_id))


async def test_a_group_that_is_not_the_users_polls_nothing(sim: Sim) -> None:
    enterprise, _ = await enterprise_and_group(sim)
    await sim.call("+4930224455", MONITOR)
    runtime = GatewayRuntime(gateway_config(sim), lambda d: None)
    found: list[dict[str, Any]] = []
    poller = CallPoller(runtime, enterprise, "another-group", found.append)
    try:
        runtime.profile_user = MONITOR
        before = len(await sim.requests())
        await poller.poll()
        paths = [r["path"] for r in (await sim.requests())[before:]]
    finally:
        await runtime.close()
    assert found == []
    assert poller.polls == 1
    assert not any(p.endswith("/calls") for p in paths), paths


async def test_never_polls_with_a_rejected_credential(sim: Sim) -> None:
    runtime = GatewayRuntime(gateway_config(sim), lambda d: None)
    found: list[dict[str, Any]] = []
    poller = CallPoller(runtime, None, None, found.append)
    try:
        await sim.call("+4930224455", MONITOR)
        runtime.profile_user = MONITOR
        runtime.client.guard.rejected(runtime.config.credentials, "password changed")
        before = len(await sim.requests())
        poller.on_state(GatewayState.CONNECTED)
        await poller.close()
        await poller.poll()
        after = len(await sim.requests())
    finally:
        await runtime.close()
    assert after == before
    assert found == []
    assert poller.polls == 0


async def test_requests_in_flight_are_bounded(sim: Sim) -> None:
    for callee in (ALICE, BOB, MONITOR):
        await sim.call("+4930224455", callee)
    runtime = GatewayRuntime(gateway_config(sim), lambda d: None)
    found: list[dict[str, Any]] = []
    poller = CallPoller(runtime, None, None, found.append, concurrency=2)
    in_flight, most = 0, 0
    send = runtime.client.send

    async def counting(request: XsiRequest, **kwargs: Any) -> HttpResponse:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            await asyncio.sleep(0)  # let the other workers start theirs
            return await send(request, **kwargs)
        finally:
            in_flight -= 1

    runtime.client.send = counting  # type: ignore[method-assign]
    before = len(await sim.requests())
    try:
        runtime.profile_user = MONITOR
        await poller.poll()
    finally:
        await runtime.close()
    assert most == 2
    assert [r["target"] for r in found] == [MONITOR]
    assert poller.forbidden
    asked = [
        r["path"]
        for r in (await sim.requests())[before:]
        if r["method"] == "GET" and "xsi-actions" in r["path"] and r["path"].endswith("/calls")
    ]
    assert len(asked) == 3  # Alice and Bob in parallel (both 403), then only the own calls


def test_a_polled_call_reads_as_a_line() -> None:
    call = Call("callhalf-1:0", "ext-1", Personality.TERMINATOR, CallState.ACTIVE, 0)
    record = poll_record(ALICE, call)
    assert line_of(record).startswith(f"poll {ALICE} CallPoll callhalf-1:0 Terminator Active")
