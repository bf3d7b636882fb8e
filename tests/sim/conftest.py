"""The simulator on two real loopback ports (two Xsi hosts), fresh per test, XSD-checked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from cloudcti.sim.server import SimServer
from tests.sim.sim_helpers import ALICE, BOB, FAST_CONFIG, MONITOR, Pbx, XsdCheck, user_body


@pytest.fixture(scope="session")
def sim_server() -> Iterator[SimServer]:
    server = SimServer(host="127.0.0.1", ports=[0, 0], scenario="empty")
    server.start()
    yield server
    server.stop()
    assert not server.is_alive(), "the simulator thread did not stop"


@pytest.fixture
def xsd_check(request: pytest.FixtureRequest) -> XsdCheck:
    """Every test validates what the simulator sends; without the XSD set (not under CI,
    where ``xsd_schema`` fails) only ``test_xsd_is_checked`` reports the skip."""
    try:
        validate = request.getfixturevalue("assert_xsd_valid")
    except pytest.skip.Exception:
        validate = None
    return XsdCheck(validate)


@pytest.fixture
async def pbx(sim_server: SimServer, xsd_check: XsdCheck) -> AsyncIterator[Pbx]:
    """A fresh empty PBX with Alice (7770), Bob (7771) and the monitoring user (7799)."""
    async with httpx.AsyncClient(base_url=sim_server.urls[0], timeout=5.0) as control:
        setup = Pbx(sim_server, control, xsd_check)
        assert (await setup.post("/reset", {"scenario": "empty"})).status_code == 200
        await setup.config(**FAST_CONFIG)
        for user in (
            user_body(ALICE, "Alice", "Adler", "7770"),
            user_body(BOB, "Bob", "Berg", "7771"),
            user_body(MONITOR, "CTI", "Monitor", "7799", monitoring=True),
        ):
            assert (await setup.post("/users", user)).status_code == 201
        yield setup
        for client in setup.clients:
            errors = [c.error for c in client.channels if c.error is not None]
            await client.aclose()
            assert not errors, errors
        await setup.post("/reset", {"scenario": "empty"})
