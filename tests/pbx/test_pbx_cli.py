"""``cloudcti pbx test`` and ``cloudcti pbx watch`` (CONTRACT.md §1) against the simulator."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from cloudcti.pbx.watch import WatchOptions, run_watch
from tests.pbx.pbx_helpers import ALICE, MONITOR, PASSWORD, Sim

CONTRACT_KEYS = {
    "type",
    "target",
    "call_id",
    "state",
    "remote",
    "personality",
    "redirect_reason",
    "event_id",
    "sequence",
}


def cloudcti(*args: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cloudcti", *args],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


async def test_pbx_test_command_passes_and_fails(sim: Sim) -> None:
    args = [
        "pbx",
        "test",
        "--xsi-url",
        sim.urls[0],
        "--xsi-url",
        sim.urls[1],
        "--username",
        MONITOR,
    ]
    good = await asyncio.to_thread(cloudcti, *args, "--password-stdin", password=PASSWORD)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.count("✓") == 8
    assert "✓ events:" in good.stdout
    bad = await asyncio.to_thread(cloudcti, *args, "--password-stdin", password="Wrong-1")
    assert bad.returncode == 1
    assert "✗ authentication: the PBX rejected the monitoring user" in bad.stdout
    assert "Wrong-1" not in bad.stdout + bad.stderr


async def test_pbx_watch_json_lines(sim: Sim) -> None:
    lines: list[str] = []
    stop = asyncio.Event()
    options = WatchOptions(list(sim.urls), MONITOR, PASSWORD, as_json=True)
    watcher = asyncio.create_task(run_watch(options, lines.append, stop))

    def records() -> list[dict[str, object]]:
        return [json.loads(line) for line in lines]

    async def until(condition: object) -> None:
        async with asyncio.timeout(8):
            while not condition():  # type: ignore[operator]
                await asyncio.sleep(0.02)

    await until(
        lambda: any(
            r["type"] == "CallSubscriptionEvent" and r["target"] == ALICE for r in records()
        )
    )
    call = await sim.call("+4930224455", ALICE)
    await until(lambda: any(r["type"] == "CallReceivedEvent" for r in records()))
    assert (await sim.post(f"/calls/{call}/answer", {"at": "primary"})).is_success
    await until(lambda: any(r["type"] == "CallAnsweredEvent" for r in records()))
    stop.set()
    await watcher
    for record in records():
        assert set(record) >= CONTRACT_KEYS
    received = next(r for r in records() if r["type"] == "CallReceivedEvent")
    assert received["target"] == ALICE
    assert received["personality"] == "Terminator"
    assert received["remote"] is not None
    assert "4930224455" in str(received["remote"])
    assert (await sim.state())["channels"] == []  # closed in order on Ctrl-C


async def test_a_snapshot_prints_one_line_per_call(sim: Sim) -> None:
    first = await sim.call("+4930224455", ALICE)
    assert (await sim.post(f"/calls/{first}/answer", {"at": "primary"})).is_success
    await sim.call("+4940112233", ALICE)  # a second call rings (call waiting)
    lines: list[str] = []
    stop = asyncio.Event()
    options = WatchOptions(list(sim.urls), MONITOR, PASSWORD, as_json=True)
    watcher = asyncio.create_task(run_watch(options, lines.append, stop))

    def calls_per_snapshot() -> dict[object, set[object]]:
        # The watch keeps the runtime's own heartbeat period, longer than the test simulator's
        # eventTimeout, so on a slow machine its channel may be reopened and the snapshot sent
        # again: group the lines by the event that printed them.
        found: dict[object, set[object]] = {}
        for record in (json.loads(line) for line in lines):
            if record["type"] == "CallSubscriptionEvent" and record["target"] == ALICE:
                found.setdefault(record["event_id"], set()).add(record["call_id"])
        return found

    async with asyncio.timeout(8):
        while not any(len(calls) == 2 for calls in calls_per_snapshot().values()):
            await asyncio.sleep(0.02)
    stop.set()
    await watcher
    # One snapshot event printed one line per call: the answered one and the waiting one.
    assert any(len(calls) == 2 for calls in calls_per_snapshot().values())
