"""The transport against small loopback servers: session cookies stay with the host that set
them, and an idempotent request (or an ack) is retried once after a connection reset."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cloudcti.pbx import BasicCredentials, XsiClient
from cloudcti.pbx.errors import XsiConnectionLostError
from cloudcti.pbx.transport import AiohttpTransport
from cloudcti.xsi import ACTIONS_ROOT, event_response
from tests.pbx.tls_front import CookieServer, ResettingServer


@pytest.fixture
async def transport() -> AsyncIterator[AiohttpTransport]:
    client = AiohttpTransport()
    yield client
    await client.aclose()


async def test_a_cookie_goes_back_only_to_the_host_that_set_it(
    transport: AiohttpTransport,
) -> None:
    first, second = CookieServer(name="xsp-a"), CookieServer(name="xsp-b")
    await first.start()
    await second.start()
    try:
        for _ in range(2):
            assert (await transport.request(first.url, "GET", f"{ACTIONS_ROOT}/")).status == 200
        for _ in range(2):
            assert (await transport.request(second.url, "GET", f"{ACTIONS_ROOT}/")).status == 200
        assert (await transport.request(first.url, "GET", f"{ACTIONS_ROOT}/")).status == 200
    finally:
        await first.stop()
        await second.stop()
    assert first.cookies == [None, "JSESSIONID=xsp-a", "JSESSIONID=xsp-a"]
    assert second.cookies == [None, "JSESSIONID=xsp-b"]  # never xsp-a's session


@pytest.fixture
async def resetting() -> AsyncIterator[ResettingServer]:
    server = ResettingServer(resets=1)
    await server.start()
    yield server
    await server.stop()


async def test_an_idempotent_request_is_retried_once_after_a_reset(
    transport: AiohttpTransport, resetting: ResettingServer
) -> None:
    response = await transport.request(resetting.url, "GET", "/x", idempotent=True)
    assert response.status == 200
    assert resetting.requests == ["GET /x HTTP/1.1", "GET /x HTTP/1.1"]
    assert resetting.connections == 2


async def test_a_non_idempotent_request_is_not_repeated(
    transport: AiohttpTransport, resetting: ResettingServer
) -> None:
    with pytest.raises(XsiConnectionLostError):
        await transport.request(resetting.url, "POST", "/x", body=b"<a/>")
    assert resetting.requests == ["POST /x HTTP/1.1"]


async def test_only_once_a_second_reset_is_reported() -> None:
    """Sent twice in all, never three times (aiohttp retries GET itself; the transport not)."""
    server = ResettingServer(resets=2)
    await server.start()
    client = AiohttpTransport()
    try:
        with pytest.raises(XsiConnectionLostError):
            await client.request(server.url, "GET", "/x", idempotent=True)
    finally:
        await client.aclose()
        await server.stop()
    assert server.requests == ["GET /x HTTP/1.1", "GET /x HTTP/1.1"]


async def test_an_ack_is_retried_once_after_a_reset(resetting: ResettingServer) -> None:
    client = XsiClient([resetting.url], BasicCredentials("cti@example.net", "Pw-1-secret"))
    try:
        response = await client.send(event_response("ev-1"), url=resetting.url, quiet=True)
    finally:
        await client.aclose()
    assert response.status == 200
    assert [r.split(" ")[0] for r in resetting.requests] == ["POST", "POST"]
    assert all(r.endswith("/channel/eventresponse HTTP/1.1") for r in resetting.requests)


async def test_after_close_nothing_opens_a_new_connection(resetting: ResettingServer) -> None:
    # A runtime task still finishing after close() used to open a pool nobody closed.
    transport = AiohttpTransport()
    await transport.aclose()
    with pytest.raises(XsiConnectionLostError, match="closed"):
        await transport.request(resetting.url, "GET", "/x", idempotent=True)
    assert resetting.connections == 0
