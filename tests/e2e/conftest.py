"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cloudcti.sim.server import SimServer


@pytest.fixture
def sim() -> Iterator[SimServer]:
    """The demo company's simulated Cloud PBX on a free loopback port, for one test (the
    tests that start and kill their own server process keep the PBX across restarts)."""
    server = SimServer(host="127.0.0.1", ports=[0], scenario="demo")
    server.start()
    try:
        yield server
    finally:
        server.stop()
