"""End to end: simulator emit → cloudcti server → WebSocket frame at the user's client.

Run: ``.venv/bin/python bench/e2e_latency.py [--lines 500] [--seconds 10] [--rate 200]``.
Processes on this machine: ``cloudcti sim`` (one Xsi host), ``cloudcti serve``, a load driver
placing calls through the simulator's control API (ring, answer, hang up; ``--rate`` PBX
events/s, 5 per call), and this process holding one WebSocket client per line, each logged
in as the line's user. Setup: the simulator's users through its control API; the
installation (gateway, lines imported from the PBX directory, one user per line, their
tokens) through the app's services, the same code the admin API runs.

Latency per frame = receive time − the call's ``created_at`` / ``answered_at`` / ``ended_at``
(epoch ms the simulator stamped when it emitted the event) for ``call_created``,
``call_updated`` to ``active`` and ``call_ended``. Reported: p50/p99, PBX events/s and frames/s
sustained, CPU of the server, and ``presence_updated`` frames/s separately (the presence
fan-out cost). Target (issue 9): p99 ≤ 50 ms at 200 events/s. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import uvloop
from argon2 import PasswordHasher
from websockets.asyncio.client import ClientConnection, connect

from bench_company import MONITOR, PASSWORD, free_port, line_user, process_cpu, set_up_sim
from cloudcti.app import CloudCti, Settings
from cloudcti.app.dialing import DialingParametersSpec
from cloudcti.app.gateways import GatewaySpec
from cloudcti.app.users import UserSpec
from cloudcti.store.passwords import PasswordHashing

LOGIN_PASSWORD = "bench-login-1"  # noqa: S105
KEY = "B" * 43
EVENTS_PER_CALL = 5  # what one ring-answer-hangup sends on the line's subscriptions
STAMPS = {"call_created": "created_at", "call_ended": "ended_at"}


def epoch_ms(iso_time: str) -> float:
    return datetime.fromisoformat(iso_time.replace("Z", "+00:00")).timestamp() * 1000


async def drive(url: str, lines: int, rate: float, seconds: float) -> None:
    """Place calls (ring, answer, hang up) to the lines in turn, ``rate`` PBX events/s.
    aiohttp, not httpx: this process shares the two cores, and httpx cost it 2-3 times
    the CPU per request."""
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base_url=url, timeout=timeout) as control:
        deadline = time.monotonic() + seconds

        async def post(path: str, body: dict[str, str]) -> dict[str, Any]:
            async with control.post(path, json=body) as response:
                response.raise_for_status()
                if response.status == 204:
                    return {}
                answer: dict[str, Any] = await response.json()
                return answer

        async def one_call(k: int) -> None:
            body = {"from": "+4930224455", "to": line_user(k % lines)}
            call = (await post("/sim/v1/calls", body))["id"]
            await post(f"/sim/v1/calls/{call}/answer", {"at": "primary"})
            await asyncio.sleep(0.2)
            await post(f"/sim/v1/calls/{call}/hangup", {"side": "caller"})

        interval = EVENTS_PER_CALL / rate
        start = time.monotonic()
        tasks = set()
        n = 0
        while time.monotonic() < deadline:
            task = asyncio.create_task(one_call(n))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
            await asyncio.sleep(max(0.0, start + n * interval - time.monotonic()))
        placed = time.monotonic() - start
        await asyncio.gather(*tasks)
        print(
            f"driver: {n} calls placed in {placed:.1f} s (~{n * EVENTS_PER_CALL / placed:.0f} "
            f"PBX events/s offered), all ended {time.monotonic() - start:.1f} s after the start"
        )


async def set_up_installation(settings: Settings, sim_url: str, lines: int) -> dict[str, str]:
    """Gateway, lines, one user per line; each line's PBX user → that user's token."""
    cti = await CloudCti.open(settings, start_runtimes=False)
    try:
        params = await cti.dialing_parameters.create(
            DialingParametersSpec(name="Bench", area_code="89")
        )
        gateway = await cti.gateways.create(
            GatewaySpec(
                name="Bench PBX",
                xsi_urls=(sim_url,),
                dialing_parameters_id=params.id,
                monitoring_username=MONITOR,
                monitoring_password=PASSWORD,
            )
        )
        imported = await cti.gateways.import_lines(gateway.id)
        tokens = {}
        for line in imported.created:
            if line.pbx_user_id == MONITOR:
                continue
            name = line.pbx_user_id.split("@")[0]
            await cti.users.create(UserSpec(name, name, LOGIN_PASSWORD, line_ids=(line.id,)))
            issued = await cti.auth.login(name, LOGIN_PASSWORD, "bench")
            tokens[line.pbx_user_id] = issued.token
        assert len(tokens) == lines, f"{len(tokens)} lines imported, {lines} wanted"
        return tokens
    finally:
        await cti.close()


async def wait_for_subscriptions(sim_url: str, lines: int, timeout: float = 120) -> None:
    """Until the simulator holds a call subscription for every line."""
    async with httpx.AsyncClient(base_url=sim_url, timeout=30) as control:
        deadline = time.monotonic() + timeout
        while True:
            state = (await control.get("/sim/v1/state")).json()
            subscribed = {
                str(s.get("target_id") or s.get("user_id") or "").lower()
                for s in state.get("subscriptions", [])
                if "call" in str(s.get("event", "")).lower()
            }
            if sum(1 for k in range(lines) if line_user(k) in subscribed) >= lines:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(subscribed)} lines subscribed")
            await asyncio.sleep(0.5)


class Clients:
    """One WebSocket per line, all read in this process."""

    def __init__(self, deflate: bool = True) -> None:
        self.deflate = deflate
        self.latencies: list[float] = []
        self.timeline: list[tuple[float, float]] = []  # (received at, latency) in ms
        self.by_type: dict[str, list[float]] = {}
        self.frames: Counter[str] = Counter()
        self.sockets: list[ClientConnection] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def open(self, ws_url: str, tokens: dict[str, str]) -> None:
        for token in tokens.values():
            ws = await connect(
                f"{ws_url}?token={token}",
                open_timeout=30,
                max_queue=None,
                compression="deflate" if self.deflate else None,
            )
            hello = json.loads(await ws.recv())
            assert hello["type"] == "hello", hello
            self.sockets.append(ws)
        self._tasks = [asyncio.create_task(self._read(ws)) for ws in self.sockets]

    async def _read(self, ws: ClientConnection) -> None:
        async for message in ws:
            now = time.time() * 1000
            frame = json.loads(message)
            kind = frame.get("type", "")
            self.frames[kind] += 1
            data = frame.get("data") or {}
            stamp = STAMPS.get(kind)
            if kind == "call_updated" and data.get("state") == "active":
                stamp = "answered_at"
            if stamp and data.get(stamp):
                self.latencies.append(now - epoch_ms(data[stamp]))
                self.timeline.append((now, now - epoch_ms(data[stamp])))
                self.by_type.setdefault(stamp, []).append(now - epoch_ms(data[stamp]))

    def span_s(self) -> float:
        """Seconds from the first call frame received to the last (at least 1 ms)."""
        times = [at for at, _ in self.timeline]
        return max((max(times) - min(times)) / 1000, 0.001) if times else 0.001

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


async def main(args: argparse.Namespace) -> None:
    sim_port, port = free_port(), free_port()
    sim_url, url = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDCTI_")}
    env["CLOUDCTI_SECRET_KEY"] = KEY
    data_dir = Path(tempfile.mkdtemp(prefix="cloudcti-bench-"))
    cli = [sys.executable, "-m", "cloudcti"]
    sim = subprocess.Popen(
        [*cli, "sim", "--port", str(sim_port), "--scenario", "empty"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server: subprocess.Popen[bytes] | None = None
    clients = Clients(deflate=not args.no_deflate)
    try:
        await _until_up(f"{sim_url}/sim/v1/state")
        await set_up_sim(sim_url, args.lines)
        hashing = PasswordHashing(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        settings = Settings(
            data_dir=data_dir, environ={"CLOUDCTI_SECRET_KEY": KEY}, hashing=hashing
        )
        began = time.monotonic()
        tokens = await set_up_installation(settings, sim_url, args.lines)
        print(f"setup: {args.lines} lines and users in {time.monotonic() - began:.1f} s")
        with (data_dir / "serve.log").open("wb") as log:
            server = subprocess.Popen(
                [*cli, "serve", "--port", str(port), "--data-dir", str(data_dir)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        if args.keep:
            print(f"server: data and log in {data_dir}")
        await _until_up(f"{url}/healthz", timeout=600)  # startup loads every line and user
        began = time.monotonic()
        await wait_for_subscriptions(sim_url, args.lines)
        await _until_connected(url)
        print(
            f"server: every line subscribed and its initial events applied "
            f"{time.monotonic() - began:.1f} s after start"
        )
        await clients.open(url.replace("http://", "ws://") + "/api/v1/events", tokens)
        print(f"clients: {len(clients.sockets)} WebSockets open")
        # This process reads 500 sockets; its own garbage collections (60-250 ms here) would
        # count as server latency. Nothing it keeps is cyclic garbage for the run's length.
        gc.collect()
        gc.freeze()
        gc.disable()
        settled = await _until_quiet(server.pid)
        print(f"server: quiet (startup work done) {settled:.1f} s later")

        spy: subprocess.Popen[bytes] | None = None
        if args.profile:  # py-spy is not a project dependency: pip install py-spy
            spy = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("py-spy")),
                    "record",
                    "-p",
                    str(server.pid),
                    "-d",
                    str(int(args.seconds) + 1),
                    "-f",
                    "raw",
                    "-o",
                    args.profile,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        cpu0, wall0 = process_cpu(server.pid), time.monotonic()
        sim_cpu0 = process_cpu(sim.pid)
        driver = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--drive",
            sim_url,
            "--lines",
            str(args.lines),
            "--rate",
            str(args.rate),
            "--seconds",
            str(args.seconds),
        )
        await driver.wait()
        await asyncio.sleep(1.0)  # the last frames
        if spy is not None:
            spy.wait(60)
        wall = time.monotonic() - wall0
        cpu = process_cpu(server.pid) - cpu0
        sim_cpu = process_cpu(sim.pid) - sim_cpu0
        latencies = sorted(clients.latencies)
        calls = clients.frames["call_created"]
        events = calls * EVENTS_PER_CALL
        span_s = clients.span_s()
        frames = sum(n for kind, n in clients.frames.items())
        p50 = statistics.median(latencies) if latencies else float("nan")
        p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 100 else float("nan")
        print(
            f"paced at {args.rate:g} PBX events/s for {args.seconds:g} s: {calls} calls, "
            f"~{events / span_s:.0f} PBX events/s and {frames / span_s:.0f} frames/s sustained "
            f"(over the {span_s:.1f} s from the first call frame to the last); "
            f"emit→frame p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(latencies)} frames; "
            f"server CPU {cpu / wall:.0%} of a core, simulator CPU {sim_cpu / wall:.0%}"
        )
        presence = clients.frames["presence_updated"]
        print(
            f"presence fan-out: {presence} presence_updated frames, "
            f"{presence / span_s:.0f} frames/s"
        )
        print(f"frames by type: {dict(sorted(clients.frames.items()))}")
        print(f"server memory: {_memory_mb(server.pid)}")
        medians = {k: round(statistics.median(v), 1) for k, v in sorted(clients.by_type.items())}
        print(f"p50 ms by stamp: {medians}")
        if args.timeline and clients.timeline:
            start = min(t for t, _ in clients.timeline)
            seconds: dict[int, list[float]] = {}
            for at, latency in clients.timeline:
                seconds.setdefault(int((at - start) / 1000), []).append(latency)
            for second, values in sorted(seconds.items()):
                values.sort()
                median = values[len(values) // 2]
                print(
                    f"  second {second:2d}: {len(values):4d} frames, p50 {median:6.1f} ms,"
                    f" max {values[-1]:6.1f} ms"
                )
    finally:
        await clients.close()
        for process in (server, sim):
            if process is not None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(15)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def _memory_mb(pid: int) -> str:
    """Resident and peak resident memory of ``pid`` (Linux /proc)."""
    with open(f"/proc/{pid}/status") as status:
        fields = dict(line.split(":", 1) for line in status if ":" in line)
    rss, peak = (int(fields[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM"))
    return f"{rss} MB resident, peak {peak} MB"


async def _until_quiet(pid: int, timeout: float = 120) -> float:
    """Until the server used under 10 % of a core over a second (its startup work, such as
    reading every line's services, is done); how long that took."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        before = process_cpu(pid)
        await asyncio.sleep(1.0)
        if process_cpu(pid) - before < 0.1:
            break
    return time.monotonic() - began


async def _until_connected(url: str, timeout: float = 600) -> None:
    """Until the gateway is ``connected`` (not resyncing) twice in a row, 1 s apart."""
    deadline = time.monotonic() + timeout
    streak = 0
    async with httpx.AsyncClient(base_url=url, timeout=30) as api:
        while streak < 2:
            gateways = (await api.get("/readyz")).json().get("gateways", [])
            connected = bool(gateways) and all(g["state"] == "connected" for g in gateways)
            streak = streak + 1 if connected else 0
            if time.monotonic() > deadline:
                raise TimeoutError(f"the gateway is still {gateways}")
            await asyncio.sleep(1.0)


async def _until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as probe:
        while True:
            try:
                if (await probe.get(url)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer")
            await asyncio.sleep(0.1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument(
        "--no-deflate", action="store_true", help="clients offer no permessage-deflate"
    )
    parser.add_argument("--timeline", action="store_true", help="latency per second of the run")
    parser.add_argument("--keep", action="store_true", help="keep the data dir and log")
    parser.add_argument("--profile", help="py-spy raw (collapsed) stacks of the server to here")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    # uvloop, as uvicorn picks it for the server: this process shares the two cores too.
    if arguments.drive:
        uvloop.run(drive(arguments.drive, arguments.lines, arguments.rate, arguments.seconds))
    else:
        uvloop.run(main(arguments))
