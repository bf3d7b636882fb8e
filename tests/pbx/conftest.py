"""The simulator on two real loopback ports (two Xsi hosts of one PBX), reset per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from cloudcti.pbx import GatewayConfig, GatewayRuntime, PbxLog
from cloudcti.sim.server import SimServer
from tests.pbx.pbx_helpers import (
    ALICE,
    BOB,
    LINE_PASSWORD,
    MONITOR,
    PASSWORD,
    SIM_CONFIG,
    App,
    Running,
    Sim,
    user_body,
)


@pytest.fixture(scope="session")
def sim_server() -> Iterator[SimServer]:
    server = SimServer(host="127.0.0.1", ports=[0, 0], scenario="empty")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def sim(sim_server: SimServer) -> AsyncIterator[Sim]:
    """An empty PBX with Alice (7770), Bob (7771) and the monitoring user (7799)."""
    async with httpx.AsyncClient(base_url=sim_server.urls[0], timeout=5.0) as control:
        handle = Sim(sim_server, control)
        assert (await handle.post("/reset", {"scenario": "empty"})).status_code == 200
        assert (await handle.patch("/config", SIM_CONFIG)).status_code == 200
        for body in (
            user_body(ALICE, "Alice", "7770", LINE_PASSWORD),
            user_body(BOB, "Bob", "7771", LINE_PASSWORD),
            user_body(MONITOR, "CTI", "7799", PASSWORD, monitoring=True),
        ):
            assert (await handle.post("/users", body)).status_code == 201, body
        yield handle
        await handle.post("/reset", {"scenario": "empty"})


@pytest.fixture
async def start_runtime(
    tmp_path: Path,
) -> AsyncIterator[Callable[[GatewayConfig, list[str]], Running]]:
    """Start a GatewayRuntime monitoring the given lines; stopped after the test."""
    started: list[Running] = []

    def start(config: GatewayConfig, lines: list[str]) -> Running:
        app = App()
        log = PbxLog(config.name, directory=tmp_path / "log")
        runtime = GatewayRuntime(config, app.on_event, on_state=app.on_state, log=log)
        runtime.set_lines(lines)
        task = asyncio.create_task(runtime.run())
        running = Running(runtime, app, task, log)
        started.append(running)
        return running

    yield start
    for running in started:
        await running.stop()
        running.log.close()
