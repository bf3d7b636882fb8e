"""Simulator → PBX runtime → application callback: events/s sustained with acks, and the
latency from the simulator's emit to the callback (with ``--commit-ms``: to the end of a
simulated group commit that the callback awaits, as the server's event pipeline does).

Run: ``.venv/bin/python bench/pbx_pipeline.py [--lines 40] [--seconds 10] [--rate 200]
[--commit-ms 14]``.
Three processes on this machine: ``cloudcti sim`` (two Xsi hosts), a load driver placing
calls through the control API, and this process running ``GatewayRuntime`` (aiohttp) with a
callback that only records. Latency per event = callback time − the call's ``startTime``,
``answerTime`` or ``releaseTime`` (epoch ms written by the simulator when it emits the event),
for CallReceived/Answered/Released. Targets (issue 5): ≥ 1,000 events/s sustained, p99 ≤ 50 ms
at 200 events/s. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

import aiohttp
import httpx

from bench_company import MONITOR, PASSWORD, free_port, line_user, process_cpu, set_up_sim
from cloudcti.pbx import Delivery, GatewayConfig, GatewayRuntime, GatewayState
from cloudcti.xsi import CallAnsweredEvent, CallReceivedEvent, CallReleasedEvent

CALLERS = 32  # concurrent calls of the driver in the unpaced phase
EVENTS_PER_CALL = 5  # measured: what one ring-answer-hangup sends on the line's subscriptions


async def drive(url: str, lines: int, rate: float, seconds: float) -> None:
    """Place calls (ring, answer, hang up) so that ``rate`` events/s reach the lines;
    rate 0 = as fast as CALLERS concurrent callers go."""
    # aiohttp here too: with httpx the driver's own CPU capped the unpaced phase.
    async with aiohttp.ClientSession(url) as control:
        deadline = time.monotonic() + seconds
        n = 0

        async def one_call(k: int) -> None:
            line = line_user(k % lines)
            body = {"from": "+4930224455", "to": line}
            async with control.post("/sim/v1/calls", json=body) as made:
                call = (await made.json())["id"]
            async with control.post(f"/sim/v1/calls/{call}/answer", json={"at": "primary"}) as r:
                await r.read()
            async with control.post(f"/sim/v1/calls/{call}/hangup", json={"side": "caller"}) as r:
                await r.read()

        if rate > 0:
            interval = EVENTS_PER_CALL / rate
            start = time.monotonic()
            tasks = set()
            while time.monotonic() < deadline:
                task = asyncio.create_task(one_call(n))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
                await asyncio.sleep(max(0.0, start + n * interval - time.monotonic()))
            await asyncio.gather(*tasks)
        else:

            async def caller(offset: int) -> None:
                k = offset
                while time.monotonic() < deadline:
                    await one_call(k)
                    k += CALLERS

            await asyncio.gather(*(caller(i) for i in range(CALLERS)))


class GroupCommit:
    """Stands in for the server's event pipeline: one commit at a time taking ``seconds``;
    events that arrive while one runs go into the next (group commit)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.batches: list[int] = []
        self._waiting: list[asyncio.Future[None]] = []
        self._task: asyncio.Task[None] | None = None

    async def commit(self) -> None:
        """Return once a commit that includes this call ended."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(done)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        await done

    async def _run(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            await asyncio.sleep(self.seconds)
            self.batches.append(len(batch))
            for done in batch:
                if not done.done():  # its caller may have been cancelled
                    done.set_result(None)


async def phase(
    urls: list[str], lines: int, rate: float, seconds: float, sim_pid: int, commit_ms: float
) -> dict[str, Any]:
    latencies: list[float] = []
    counted = 0
    committer = GroupCommit(commit_ms / 1000)

    async def on_event(delivery: Delivery) -> None:
        nonlocal counted
        event = delivery.event
        if commit_ms > 0:
            await committer.commit()
        now_ms = time.time() * 1000
        stamp: int | None = None
        if isinstance(event, CallReceivedEvent):
            stamp = event.call.start_time
        elif isinstance(event, CallAnsweredEvent):
            stamp = event.call.answer_time
        elif isinstance(event, CallReleasedEvent):
            stamp = event.call.release_time
        if stamp is not None:
            counted += 1
            latencies.append(now_ms - stamp)

    config = GatewayConfig("bench", tuple(urls), MONITOR, PASSWORD)
    runtime = GatewayRuntime(config, on_event)
    runtime.set_lines([line_user(k) for k in range(lines)])
    task = asyncio.create_task(runtime.run())
    await runtime.wait_for(lambda r: r.state is GatewayState.CONNECTED, 30)
    channels = runtime.channel_set
    assert channels is not None
    applied0 = channels.stats.applied
    cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    sim0 = process_cpu(sim_pid)
    driver = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--drive",
        urls[0],
        "--lines",
        str(lines),
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
    )
    await driver.wait()
    drained = time.monotonic() + 30  # then report what is still unacked instead of waiting

    def unacked() -> int:
        return channels.stats.applied - channels.stats.acked - channels.stats.ack_failures

    while unacked() > 0 and time.monotonic() < drained:
        await asyncio.sleep(0.01)
    backlog = unacked()
    wall = time.monotonic() - wall0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    events = channels.stats.applied - applied0
    sim_cpu = process_cpu(sim_pid) - sim0
    result: dict[str, Any] = {
        "events": events,
        "events_per_s": events / wall,
        "runtime_cpu_us_per_event": cpu / max(events, 1) * 1e6,
        "sim_cpu_share": sim_cpu / wall,
        "runtime_cpu_share": cpu / wall,
        "ack_failures": channels.stats.ack_failures,
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": statistics.quantiles(latencies, n=100)[98]
        if len(latencies) > 100
        else float("nan"),
        "state": runtime.state.value,
        "backlog": backlog,
        "mean_batch": statistics.mean(committer.batches) if committer.batches else 0.0,
    }
    await runtime.close()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return result


async def main(args: argparse.Namespace) -> None:
    ports = [free_port(), free_port()]
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cloudcti",
            "sim",
            "--port",
            str(ports[0]),
            "--port",
            str(ports[1]),
            "--scenario",
            "empty",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        async with asyncio.timeout(20):
            while True:
                try:
                    async with httpx.AsyncClient() as probe:
                        await probe.get(urls[0] + "/sim/v1/state")
                        await probe.get(urls[1] + "/sim/v1/state")
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
        print(
            f"machine: {os.cpu_count()} cores; {args.lines} lines, 2 Xsi hosts, "
            f"{args.seconds:g} s per phase"
        )
        for rate in (args.rate, 0.0):
            await set_up_sim(urls[0], args.lines)
            result = await phase(urls, args.lines, rate, args.seconds, sim.pid, args.commit_ms)
            label = f"paced at {rate:g} events/s" if rate else "as fast as the driver goes"
            print(
                f"{label}: {result['events']} events, {result['events_per_s']:.0f} events/s "
                f"sustained with acks, emit→callback p50 {result['p50_ms']:.1f} ms, "
                f"p99 {result['p99_ms']:.1f} ms, runtime CPU "
                f"{result['runtime_cpu_us_per_event']:.0f} µs/event, CPU busy: simulator "
                f"{result['sim_cpu_share']:.0%}, runtime "
                f"{result['runtime_cpu_share']:.0%} of a core; ack failures "
                f"{result['ack_failures']}, state {result['state']}"
                + (f"; {result['backlog']} still unacked 30 s later" if result["backlog"] else "")
                + (f"; mean commit batch {result['mean_batch']:.1f}" if args.commit_ms else "")
            )
    finally:
        sim.terminate()
        sim.wait(10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument(
        "--commit-ms",
        type=float,
        default=0.0,
        help="the callback waits for a simulated group commit of this many ms (0: none)",
    )
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.drive:
        asyncio.run(drive(arguments.drive, arguments.lines, arguments.rate, arguments.seconds))
    else:
        asyncio.run(main(arguments))
