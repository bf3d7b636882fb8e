"""Loopback test servers: a TLS front (self-signed certificate made with ``cryptography``)
forwarding bytes to a plain HTTP host, and raw HTTP servers that reset or set cookies."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import socket
import ssl
import struct
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(directory: Path, names: tuple[str, ...] = ("127.0.0.1",)) -> tuple[Path, Path]:
    """Write a self-signed CA-capable certificate for ``names`` (IPs or DNS names) and its
    key; returns (cert.pem, key.pem). The certificate is also the CA file that trusts it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cloudcti test XSP")])
    alt: list[x509.GeneralName] = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "xsp-cert.pem", directory / "xsp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class _Server:
    """Bookkeeping shared by the loopback servers: port, handler tasks, clean stop."""

    port: int = 0
    connections: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    async def stop(self) -> None:
        """Stop listening, end every connection and wait for the handlers."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _start(self, handler: object, context: ssl.SSLContext | None = None) -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)
            self._writers.add(writer)
            self.connections += 1
            try:
                await handler(reader, writer)  # type: ignore[operator]
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                pass
            except asyncio.CancelledError:
                pass  # stopped; Python 3.11's start_server logs a cancelled handler as an error
            finally:
                self._tasks.discard(task)
                self._writers.discard(writer)
                writer.close()

        self._server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
        self.port = self._server.sockets[0].getsockname()[1]


@dataclass
class TlsFront(_Server):
    """HTTPS on loopback in front of a plain HTTP ``upstream`` port (bytes passed through)."""

    upstream: int = 0
    cert: Path | None = None
    key: Path | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen with the certificate; each accepted connection opens one to ``upstream``."""
        assert self.cert is not None
        assert self.key is not None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        await self._start(self._forward, context)

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            up_writer.close()


@dataclass
class ResettingServer(_Server):
    """Plain HTTP: the first ``resets`` connections read a request and are reset (RST); later
    ones answer ``200`` with an empty body. ``requests`` lists every request line read."""

    resets: int = 1
    requests: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        await self._start(self._serve)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        reset = self.connections <= self.resets
        while True:
            head = await _read_request(reader)
            if head is None:
                return
            self.requests.append(head.split("\r\n", 1)[0])
            if reset:
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()


@dataclass
class CookieServer(_Server):
    """Plain HTTP answering ``200``; sets ``JSESSIONID=<name>`` on its first answer and records
    the Cookie header (or None) of every request."""

    name: str = "xsp"
    cookies: list[str | None] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        await self._start(self._serve)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await _read_request(reader)
            if head is None:
                return
            cookie = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in head.split("\r\n")[1:]
                    if line.lower().startswith("cookie:")
                ),
                None,
            )
            self.cookies.append(cookie)
            set_cookie = (
                f"Set-Cookie: JSESSIONID={self.name}; Path=/\r\n" if len(self.cookies) == 1 else ""
            )
            writer.write(
                f"HTTP/1.1 200 OK\r\n{set_cookie}Content-Length: 0\r\n\r\n".encode("latin-1")
            )
            await writer.drain()


async def _read_request(reader: asyncio.StreamReader) -> str | None:
    """One request head (its body, if any, read and dropped); None at end of stream."""
    try:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    except asyncio.IncompleteReadError:
        return None
    for line in head.split("\r\n"):
        if line.lower().startswith("content-length:"):
            await reader.readexactly(int(line.split(":", 1)[1]))
    return head


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            if sink.can_write_eof():
                sink.write_eof()
            else:
                sink.close()
