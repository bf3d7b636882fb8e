"""``cloudcti serve`` as a real process on a data dir, for tests that kill it (SIGKILL) and
start it again on the same data: the demo company set up beforehand, the server started
and waited for until its gateway is connected, killed like a crash."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from cloudcti.app import CloudCti
from cloudcti.app.demo import DemoCompany, set_up_demo
from cloudcti.sim.server import SimServer
from tests.e2e.e2e_rig import demo_company, until
from tests.web.server import settings_for

KEY = "A" * 43
CLI = [sys.executable, "-m", "cloudcti", "serve"]


def set_up_company(sim: SimServer, data_dir: Path) -> DemoCompany:
    """The demo company of ``sim`` configured in ``data_dir`` (no runtime started)."""
    company = demo_company(sim)

    async def setup() -> None:
        cti = await CloudCti.open(settings_for(data_dir), start_runtimes=False)
        try:
            await set_up_demo(cti, company)
        finally:
            await cti.close()

    asyncio.run(setup())
    return company


@contextmanager
def serve_process(data_dir: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``cloudcti serve`` in its own process (output appended to ``log``) until the block
    ends or the test kills it: its base URL and the process, once the gateway is connected."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDCTI_")}
    env["CLOUDCTI_SECRET_KEY"] = KEY
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*CLI, "--port", str(port), "--data-dir", str(data_dir)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        until("the server answers", lambda: _ready(url), lambda ok: ok, timeout=30)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: the server dies at once, as in a crash (nothing flushed, nothing closed)."""
    process.send_signal(signal.SIGKILL)
    assert process.wait(10) == -signal.SIGKILL


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(url: str) -> bool:
    try:
        ready = httpx.get(f"{url}/readyz", timeout=2)
    except httpx.TransportError:
        return False
    return ready.status_code == 200 and "connected" in ready.text
