"""The connection test: every check passes on a good setup; each failing check produced for
real, with its message; nothing left behind; proxies with and without authentication."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from cloudcti.pbx import ProxyConfig
from cloudcti.pbx import connection_test as ct
from tests.pbx.forward_proxy import ForwardProxy
from tests.pbx.pbx_helpers import ALICE, LINE_PASSWORD, MONITOR, PASSWORD, Sim


def settings(sim: Sim, **changes: object) -> ct.ConnectionSettings:
    values: dict[str, object] = {
        "xsi_urls": sim.urls,
        "username": MONITOR,
        "password": PASSWORD,
        "timeout": 3.0,
    }
    values.update(changes)
    return ct.ConnectionSettings(**values)  # type: ignore[arg-type]


def by_name(checks: list[ct.Check]) -> dict[str, ct.Check]:
    assert [c.name for c in checks] == list(ct.CHECKS)
    return {c.name: c for c in checks}


def failed_at(checks: list[ct.Check], name: str) -> ct.Check:
    """The one failing check is ``name``; those before passed, those after were skipped."""
    names = [c.name for c in checks]
    index = names.index(name)
    assert all(c.ok for c in checks[:index]), checks
    assert not checks[index].ok, checks[index]
    assert not checks[index].skipped, checks[index]
    assert all(c.skipped for c in checks[index + 1 :]), checks
    return checks[index]


@pytest.fixture
async def proxy() -> AsyncIterator[ForwardProxy]:
    server = ForwardProxy()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def auth_proxy() -> AsyncIterator[ForwardProxy]:
    server = ForwardProxy(username="proxy-user", password="Proxy-Pw-99-secret")
    await server.start()
    yield server
    await server.stop()


async def test_all_checks_pass_and_nothing_is_left_behind(sim: Sim) -> None:
    checks = await ct.test_connection(settings(sim))
    named = by_name(checks)
    assert all(c.ok for c in checks), checks
    assert "heartbeat round trip" in named["events"].detail
    assert "bob.berg" in named["subscription"].detail or "alice" in named["subscription"].detail
    state = await sim.state()
    assert state["channels"] == []
    assert state["subscriptions"] == []


async def test_url_check_names_a_bad_url(sim: Sim) -> None:
    check = failed_at(
        await ct.test_connection(settings(sim, xsi_urls=["ftp://pbx.example"])), "url"
    )
    assert "is not an http(s) URL" in check.detail
    check = failed_at(
        await ct.test_connection(
            settings(sim, xsi_urls=[sim.urls[0] + "/com.broadsoft.xsi-actions"])
        ),
        "url",
    )
    assert "has a path" in check.detail


async def test_dns_check_names_the_host(sim: Sim) -> None:
    checks = await ct.test_connection(settings(sim, xsi_urls=["https://xsi.no-such-host.invalid"]))
    check = failed_at(checks, "dns")
    assert "xsi.no-such-host.invalid does not resolve" in check.detail


async def test_tcp_check_names_a_refused_connection(sim: Sim) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    check = failed_at(
        await ct.test_connection(settings(sim, xsi_urls=[f"http://127.0.0.1:{port}"])), "tcp_tls"
    )
    assert "connection refused" in check.detail


async def test_wrong_password_is_tried_once_with_the_pbx_reason(sim: Sim) -> None:
    before = await sim.requests(user_id=MONITOR)
    check = failed_at(
        await ct.test_connection(settings(sim, password="Wrong-Pw-1")), "authentication"
    )
    assert "rejected the monitoring user" in check.detail
    assert "Invalid user id or password" in check.detail
    rejected = [r for r in await sim.requests(user_id=MONITOR) if r not in before]
    assert [r["status"] for r in rejected] == [401]


async def test_locked_account_is_named(sim: Sim) -> None:
    assert (await sim.patch(f"/users/{MONITOR}", {"locked": True})).status_code == 200
    check = failed_at(await ct.test_connection(settings(sim)), "authentication")
    assert "locked" in check.detail


async def test_subscription_refused_for_an_ordinary_user(sim: Sim) -> None:
    checks = await ct.test_connection(settings(sim, username=ALICE, password=LINE_PASSWORD))
    check = failed_at(checks, "subscription")
    assert "403" in check.detail
    assert "dedicated CTI user" in check.detail
    assert (await sim.state())["channels"] == []


async def test_through_a_proxy_without_auth(sim: Sim, proxy: ForwardProxy) -> None:
    checks = await ct.test_connection(settings(sim, proxy=ProxyConfig(proxy.url)))
    assert all(c.ok for c in checks), checks
    assert "reached through the proxy" in by_name(checks)["proxy"].detail
    assert proxy.forwarded >= 4


async def test_through_a_proxy_with_auth(sim: Sim, auth_proxy: ForwardProxy) -> None:
    config = ProxyConfig(auth_proxy.url, "proxy-user", "Proxy-Pw-99-secret")
    checks = await ct.test_connection(settings(sim, proxy=config))
    assert all(c.ok for c in checks), checks
    assert auth_proxy.rejected == 0


async def test_wrong_proxy_credentials_are_named(sim: Sim, auth_proxy: ForwardProxy) -> None:
    before = await sim.requests(user_id=MONITOR)
    wrong = ProxyConfig.from_url(f"http://proxy-user:Nope-1@127.0.0.1:{auth_proxy.port}")
    check = failed_at(await ct.test_connection(settings(sim, proxy=wrong)), "proxy")
    assert "407" in check.detail
    assert "password wrong" in check.detail
    missing = ProxyConfig(auth_proxy.url)
    check = failed_at(await ct.test_connection(settings(sim, proxy=missing)), "proxy")
    assert "password missing" in check.detail
    assert (await sim.requests(user_id=MONITOR)) == before  # the PBX never saw the monitor
