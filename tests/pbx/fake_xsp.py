"""A loopback fake XSP: proxies every request to the simulator except the async channel POST,
which it refuses with a fixed status and ``ErrorInfo`` (the PBX refusing to open a channel)."""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from cloudcti.xsi import ASYNC_EVENTS_ROOT

_REASONS = {403: "Forbidden", 503: "Service Unavailable"}


def error_info(summary: str, code: int) -> bytes:
    """An Xsi ``ErrorInfo`` document as an XSP sends it."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ErrorInfo xmlns="http://schema.broadsoft.com/xsi">'
        f"<summary>{summary}</summary><summaryEnglish>{summary}</summaryEnglish>"
        f"<errorCode>{code}</errorCode></ErrorInfo>"
    ).encode()


class FakeXsp:
    """HTTP/1.1 on 127.0.0.1, one request per connection (``Connection: close``)."""

    def __init__(self, upstream: str, channel_status: int, summary: str) -> None:
        self.upstream = upstream
        self.channel_status = channel_status
        self.summary = summary
        self.refused = 0
        """Channel POSTs answered with ``channel_status``."""
        self.port = 0
        self._server: asyncio.Server | None = None
        self._client = httpx.AsyncClient(base_url=upstream, timeout=5.0)
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._handlers):
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)
            await self._server.wait_closed()
        await self._client.aclose()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *header_lines = head.split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers: dict[str, str] = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        if method == "POST" and target.startswith(f"{ASYNC_EVENTS_ROOT}/channel"):
            self.refused += 1
            status, content = self.channel_status, error_info(self.summary, 110000)
        else:
            forward = {k: v for k, v in headers.items() if k in ("authorization", "content-type")}
            answer = await self._client.request(method, target, headers=forward, content=body)
            status, content = answer.status_code, answer.content
        reason = _REASONS.get(status, "OK")
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\n"
            f"Content-Length: {len(content)}\r\nConnection: close\r\n\r\n".encode()
            + content
        )
        await writer.drain()
