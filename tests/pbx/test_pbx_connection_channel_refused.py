"""The connection test's ``events`` check when the XSP refuses the channel POST itself (503 or
403), produced with a loopback fake XSP that otherwise forwards to the simulator."""

from __future__ import annotations

import pytest

from cloudcti.pbx import connection_test as ct
from tests.pbx.fake_xsp import FakeXsp
from tests.pbx.pbx_helpers import Sim
from tests.pbx.test_pbx_connection import failed_at, settings


@pytest.mark.parametrize(
    ("status", "summary"),
    [(503, "Service temporarily unavailable"), (403, "Event channels not permitted")],
)
async def test_events_check_names_a_refused_channel(sim: Sim, status: int, summary: str) -> None:
    xsp = FakeXsp(sim.urls[0], status, summary)
    await xsp.start()
    try:
        checks = await ct.test_connection(settings(sim, xsi_urls=[xsp.url]))
    finally:
        await xsp.stop()
    check = failed_at(checks, "events")
    assert xsp.refused == 1
    assert check.detail.startswith(f"event channel on 127.0.0.1:{xsp.port}: ")
    assert f"HTTP {status}" in check.detail
    assert summary in check.detail
    assert (await sim.state())["channels"] == []
