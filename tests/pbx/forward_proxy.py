"""A tiny HTTP forward proxy on loopback for the proxy tests (CONNECT and absolute-form
requests, optional Basic proxy auth). Written here rather than using tinyproxy, so the tests
need no system package and can count what the proxy saw."""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cloudcti.pbx.transport import basic_authorization


@dataclass
class ForwardProxy:
    username: str | None = None
    password: str | None = None
    forwarded: int = 0
    rejected: int = 0
    port: int = 0
    rechunk: bool = False
    """Pass what the Xsi host sends on in random pieces of 1-64 bytes (re-chunking)."""
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # stopped; Python 3.11's start_server logs a cancelled handler as an error
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers = [line for line in lines[1:] if line]
        auth = next(
            (
                h.split(":", 1)[1].strip()
                for h in headers
                if h.lower().startswith("proxy-authorization:")
            ),
            None,
        )
        if self.username is not None and auth != basic_authorization(
            self.username, self.password or ""
        ):
            self.rejected += 1
            writer.write(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n'
                b"Connection: close\r\n\r\n"
            )
            await writer.drain()
            return
        self.forwarded += 1
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
        else:
            parts = urlsplit(target)
            up_reader, up_writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            kept = [
                h
                for h in headers
                if not h.lower().startswith(
                    ("proxy-authorization:", "proxy-connection:", "connection:")
                )
            ]
            rewritten = [f"{method} {path} {version}", *kept, "Connection: close", "", ""]
            up_writer.write("\r\n".join(rewritten).encode("latin-1"))
        await asyncio.gather(
            _pipe(reader, up_writer), _pipe(up_reader, writer, rechunk=self.rechunk)
        )


async def _pipe(
    source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, rechunk: bool = False
) -> None:
    pieces = random.Random(7)
    try:
        while data := await source.read(65536):
            while data:
                size = pieces.randint(1, 64) if rechunk else len(data)
                sink.write(data[:size])
                data = data[size:]
                await sink.drain()
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.close()
