"""Load benchmark of the simulated Cloud PBX: events per second to one channel, heartbeats.

10,000 users; the monitoring user subscribes to the enterprise (Advanced Call) on one
channel; a producer inside the simulator's loop starts and releases calls from outside
numbers to random users at a target rate (2 events per call); the client reads the
chunked stream over a raw socket, acknowledges every event (aiohttp) and sends a heartbeat
every second, timing each until its ``ChannelHeartBeat`` chunk arrives.

Run: ``.venv/bin/python bench/sim_load.py [--seconds 60] [--runs 3] [--rate 600]``.
Not part of the test suite. Client and simulator share one process (two threads).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import random
import statistics
import time
from dataclasses import dataclass, field

import aiohttp

from cloudcti.sim.model import User
from cloudcti.sim.server import SimServer

XSI = "http://schema.broadsoft.com/xsi"
EVENTS = "/com.broadsoft.xsi-events/v2.0"
ASYNC = "/com.broadsoft.async/com.broadsoft.xsi-events/v2.0/channel"
MONITOR = "monitor@bench.example"
PASSWORD = "bench"  # noqa: S105 - a throw-away simulator login


@dataclass
class Result:
    events: int = 0
    seconds: float = 0.0
    heartbeat_ms: list[float] = field(default_factory=list)
    closed: bool = False

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def build(users: int) -> SimServer:
    server = SimServer(host="127.0.0.1", ports=[0], scenario="empty")
    pbx = server.sim.pbx
    for index in range(users):
        extension = f"{10000 + index}"
        pbx.users[f"u{index}@bench.example"] = User(
            f"u{index}@bench.example", PASSWORD, "User", str(index), f"+4989{extension}", extension
        )
        pbx.users[f"u{index}@bench.example"].half_prefix = 1000 + index
    pbx.users[MONITOR] = User(MONITOR, PASSWORD, "CTI", "Monitor", "+49899", "99", monitoring=True)
    server.sim.config.patch({"unacked_limit": 100_000, "event_timeout_s": 5.0})
    return server


async def produce(server: SimServer, rate: float, stop: asyncio.Event) -> None:
    """Runs on the simulator's loop: one call every 2/rate seconds, released right away."""
    sim = server.sim
    users = [u for u in sim.pbx.users if u != MONITOR]
    interval = 2.0 / rate
    next_at = time.perf_counter()
    while not stop.is_set():
        call, notices = sim.pbx.start_call("+4930123456", random.choice(users), sim.now_ms(), 30)
        sim.apply(notices)
        sim.apply(sim.pbx.release(call, call.caller, sim.now_ms(), decline=True))
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))


async def run_once(server: SimServer, seconds: float, rate: float) -> Result:
    url = server.urls[0]
    host, port = url.removeprefix("http://").split(":")
    token = base64.b64encode(f"{MONITOR}:{PASSWORD}".encode()).decode()
    set_id = f"bench-{time.monotonic_ns()}"
    body = (
        f'<Channel xmlns="{XSI}"><channelSetId>{set_id}</channelSetId><priority>1</priority>'
        "<weight>50</weight><expires>3600</expires></Channel>"
    ).encode()
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"POST {ASYNC} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {token}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    while (await reader.readline()).strip():
        pass
    result = Result()
    acks: asyncio.Queue[str] = asyncio.Queue()
    beats: asyncio.Queue[float] = asyncio.Queue()
    channel_id = ""
    first = asyncio.get_running_loop().create_future()

    async def read() -> None:
        nonlocal channel_id
        while True:
            size_line = await reader.readline()
            if not size_line or int(size_line.strip(), 16) == 0:
                result.closed = True
                return
            chunk = await reader.readexactly(int(size_line.strip(), 16))
            await reader.readexactly(2)
            if b"<ChannelHeartBeat" in chunk:
                result.heartbeat_ms.append((time.perf_counter() - await beats.get()) * 1000)
            elif b"<xsi:eventID>" in chunk:
                start = chunk.index(b"<xsi:eventID>") + 13
                acks.put_nowait(chunk[start : chunk.index(b"<", start)].decode())
                result.events += 1
            elif b"<channelId>" in chunk and not first.done():
                start = chunk.index(b"<channelId>") + 11
                channel_id = chunk[start : chunk.index(b"<", start)].decode()
                first.set_result(None)

    headers = {"Authorization": f"Basic {token}"}
    async with aiohttp.ClientSession(url, headers=headers) as session:
        reading = asyncio.create_task(read())
        await first
        sub = (
            f'<Subscription xmlns="{XSI}"><event>Advanced Call</event><expires>3600</expires>'
            f"<channelSetId>{set_id}</channelSetId><applicationId>bench</applicationId>"
            "</Subscription>"
        )
        async with session.post(
            f"{EVENTS}/enterprise/{server.sim.pbx.enterprise_id}", data=sub
        ) as r:
            assert r.status == 200, await r.text()

        async def ack_worker() -> None:
            while True:
                event_id = await acks.get()
                doc = (
                    f'<EventResponse xmlns="{XSI}"><eventID>{event_id}</eventID>'
                    "<statusCode>200</statusCode><reason>OK</reason></EventResponse>"
                )
                async with session.post(f"{EVENTS}/channel/eventresponse", data=doc) as r:
                    await r.read()

        async def heartbeat() -> None:
            while True:
                await asyncio.sleep(1.0)
                beats.put_nowait(time.perf_counter())
                async with session.put(f"{EVENTS}/channel/{channel_id}/heartbeat") as r:
                    await r.read()

        workers = [asyncio.create_task(ack_worker()) for _ in range(8)]
        beating = asyncio.create_task(heartbeat())
        stop = asyncio.Event()
        assert server._loop is not None
        producing = asyncio.run_coroutine_threadsafe(produce(server, rate, stop), server._loop)
        started, counted = time.perf_counter(), result.events
        await asyncio.sleep(seconds)
        result.events -= counted
        result.seconds = time.perf_counter() - started
        server._loop.call_soon_threadsafe(stop.set)
        producing.result(5)
        for task in (*workers, beating, reading):
            task.cancel()
    writer.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=600.0, help="target events per second")
    args = parser.parse_args()
    server = build(args.users)
    server.start()
    try:
        results = []
        for run in range(args.runs):
            result = asyncio.run(run_once(server, args.seconds, args.rate))
            beats = sorted(result.heartbeat_ms) or [0.0]
            print(
                f"run {run + 1}: {result.events} events in {result.seconds:.1f} s = "
                f"{result.rate:.0f}/s; heartbeats {len(result.heartbeat_ms)}, "
                f"median {statistics.median(beats):.1f} ms, max {beats[-1]:.1f} ms; "
                f"stream closed: {result.closed}"
            )
            results.append(result)
        median = statistics.median(r.rate for r in results)
        print(f"median events/s over {args.runs} runs: {median:.0f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
