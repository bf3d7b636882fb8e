"""The connection test's later checks failing for real: the Actions profile, the event channel's
heartbeat, and the TLS certificate (a self-signed one, then trusted through ``ca_file``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cloudcti.pbx import ProxyConfig
from cloudcti.pbx import connection_test as ct
from tests.pbx.forward_proxy import ForwardProxy
from tests.pbx.pbx_helpers import Sim
from tests.pbx.test_pbx_connection import by_name, failed_at, settings
from tests.pbx.tls_front import TlsFront, self_signed


@pytest.fixture
async def front(sim: Sim, tmp_path: Path) -> AsyncIterator[TlsFront]:
    """HTTPS with a self-signed certificate for 127.0.0.1 in front of the simulator's host 0."""
    cert, key = self_signed(tmp_path)
    server = TlsFront(upstream=int(sim.urls[0].rsplit(":", 1)[1]), cert=cert, key=key)
    await server.start()
    yield server
    await server.stop()


async def test_actions_check_fails_when_the_profile_cannot_be_read(sim: Sim) -> None:
    assert (await sim.fault("http_errors")).status_code in (200, 201)
    checks = await ct.test_connection(settings(sim))
    check = failed_at(checks, "actions")
    assert check.detail.startswith("profile of cti.monitor@")
    assert "HTTP 503: Service temporarily unavailable" in check.detail
    assert "not rejected" in by_name(checks)["authentication"].detail
    assert (await sim.state())["channels"] == []


async def test_events_check_fails_when_the_heartbeat_is_not_echoed(sim: Sim) -> None:
    assert (await sim.fault("stall_heartbeats")).status_code in (200, 201)
    checks = await ct.test_connection(settings(sim, timeout=1.0))
    check = failed_at(checks, "events")
    assert "heartbeat was accepted but never echoed" in check.detail
    assert "proxy buffering" in check.detail
    assert (await sim.state())["channels"] == []  # the test's channel was deleted again


async def test_self_signed_certificate_is_named_and_trusted_with_ca_file(
    sim: Sim, front: TlsFront
) -> None:
    assert front.cert is not None
    checks = await ct.test_connection(settings(sim, xsi_urls=[front.url]))
    check = failed_at(checks, "tcp_tls")
    assert "TLS certificate not accepted: self-signed certificate" in check.detail
    assert f"127.0.0.1:{front.port}" in check.detail

    checks = await ct.test_connection(settings(sim, xsi_urls=[front.url], ca_file=str(front.cert)))
    named = by_name(checks)
    assert all(c.ok for c in checks), checks
    assert "TLS connected" in named["tcp_tls"].detail
    assert "heartbeat round trip" in named["events"].detail
    assert (await sim.state())["channels"] == []


async def test_certificate_for_another_host_is_named(sim: Sim, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path, names=("xsp.example.net",))
    server = TlsFront(upstream=int(sim.urls[0].rsplit(":", 1)[1]), cert=cert, key=key)
    await server.start()
    try:
        checks = await ct.test_connection(settings(sim, xsi_urls=[server.url], ca_file=str(cert)))
    finally:
        await server.stop()
    check = failed_at(checks, "tcp_tls")
    assert "TLS certificate not accepted: IP address mismatch" in check.detail


async def test_https_through_the_proxy_with_connect(sim: Sim, front: TlsFront) -> None:
    assert front.cert is not None
    proxy = ForwardProxy(username="proxy-user", password="Proxy-Pw-99-secret")
    await proxy.start()
    try:
        config = ProxyConfig(proxy.url, "proxy-user", "Proxy-Pw-99-secret")
        checks = await ct.test_connection(
            settings(sim, xsi_urls=[front.url], proxy=config, ca_file=str(front.cert))
        )
        tunnels, handshakes = proxy.forwarded, front.connections
        wrong_ca = await ct.test_connection(settings(sim, xsi_urls=[front.url], proxy=config))
    finally:
        await proxy.stop()
    named = by_name(checks)
    assert all(c.ok for c in checks), checks
    assert f"127.0.0.1:{front.port} reached through the proxy" in named["proxy"].detail
    assert proxy.rejected == 0
    assert tunnels >= 2  # the event stream and the requests: separate connections
    assert handshakes == tunnels  # each one a CONNECT tunnel to the TLS front
    # Through the tunnel the certificate is still checked, and named.
    check = failed_at(wrong_ca, "proxy")
    assert "certificate not accepted: self-signed certificate" in check.detail
