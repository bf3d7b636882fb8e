"""``cloudcti serve`` as a real process, killed with SIGKILL in the middle of a call and
started again: after the PBX resync the call is shown as it is (same id, active, same caller),
its end is seen, and the journal has every call exactly once — the one finished before the
kill and the one that spanned it — whatever the PBX redelivers of what was never acked."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from cloudcti.app import CloudCti
from cloudcti.app.demo import set_up_demo
from cloudcti.sim.server import SimServer
from tests.e2e.e2e_rig import ANNA, CALLER, demo_company, until
from tests.web.server import login, settings_for

KEY = "A" * 43
CLI = [sys.executable, "-m", "cloudcti", "serve"]
OTHER_CALLER = "+4940112233445"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(data_dir: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``cloudcti serve`` in its own process until the block ends (or the test kills it)."""
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


def _ready(url: str) -> bool:
    try:
        ready = httpx.get(f"{url}/readyz", timeout=2)
    except httpx.TransportError:
        return False
    return ready.status_code == 200 and "connected" in ready.text


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(host="127.0.0.1", ports=[0], scenario="demo")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _calls(api: httpx.Client, headers: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get("/api/v1/users/me/calls", headers=headers).json()
    return found


def _journal(api: httpx.Client, headers: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get("/api/v1/users/me/journal", headers=headers).json()
    return found


def test_a_call_survives_a_sigkill_and_is_journaled_once(sim: SimServer, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    log = tmp_path / "serve.log"
    company = demo_company(sim)

    async def setup() -> None:
        cti = await CloudCti.open(settings_for(data_dir), start_runtimes=False)
        try:
            await set_up_demo(cti, company)
        finally:
            await cti.close()

    asyncio.run(setup())
    control = httpx.Client(base_url=sim.urls[0], timeout=15)
    with _serve(data_dir, log) as (url, process), httpx.Client(base_url=url, timeout=15) as api:
        headers = login(api, "anna.schmidt", company.user_password)
        first = control.post("/sim/v1/calls", json={"from": OTHER_CALLER, "to": ANNA}).json()["id"]
        until("the first call rings", lambda: _calls(api, headers), lambda c: len(c) == 1)
        control.post(f"/sim/v1/calls/{first}/answer", json={"at": "primary"})
        control.post(f"/sim/v1/calls/{first}/hangup", json={"side": "caller"})
        until("the first call journaled", lambda: _journal(api, headers), lambda j: len(j) == 1)

        second = control.post("/sim/v1/calls", json={"from": CALLER, "to": ANNA}).json()["id"]
        until("the second call rings", lambda: _calls(api, headers), lambda c: len(c) == 1)
        control.post(f"/sim/v1/calls/{second}/answer", json={"at": "primary"})
        before = until(
            "the second call is active",
            lambda: _calls(api, headers),
            lambda c: len(c) == 1 and c[0]["state"] == "active",
        )[0]
        process.send_signal(signal.SIGKILL)
        assert process.wait(10) == -signal.SIGKILL

    with _serve(data_dir, log) as (url, _), httpx.Client(base_url=url, timeout=15) as api:
        headers = login(api, "anna.schmidt", company.user_password)
        after = until(
            "the call is shown again after the resync",
            lambda: _calls(api, headers),
            lambda c: len(c) == 1 and c[0]["state"] == "active",
        )[0]
        assert after["id"] == before["id"]
        assert after["remote"]["number"] == CALLER
        assert after["direction"] == "inbound"
        control.post(f"/sim/v1/calls/{second}/hangup", json={"side": "caller"})
        until("the call ended", lambda: _calls(api, headers), lambda c: c == [])
        journal = until(
            "both calls journaled", lambda: _journal(api, headers), lambda j: len(j) >= 2
        )
        time.sleep(1.0)  # late redeliveries would add entries now
        journal = _journal(api, headers)
        assert sorted(e["remote"]["number"] for e in journal) == sorted([CALLER, OTHER_CALLER])
        assert len({e["call_id"] for e in journal}) == 2
    control.close()
