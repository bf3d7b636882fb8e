"""The connection test (R3): named checks, in order, each with a detail a person can act on.

URL → DNS → TCP/TLS → proxy → monitoring user authentication → Xsi-Actions profile →
Xsi-Events channel with a heartbeat round trip → a subscription to a user of the enterprise.
A failed check skips the ones that depend on it; a rejected password is tried exactly once.
The test uses a channel set of its own and deletes its subscription and channel again.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cloudcti.pbx.client import XsiClient, host_name, normalize_url
from cloudcti.pbx.errors import (
    XsiAuthError,
    XsiError,
    XsiProxyAuthError,
    XsiProxyError,
    XsiTransportError,
)
from cloudcti.pbx.log import PbxLog
from cloudcti.pbx.transport import (
    AiohttpTransport,
    BasicCredentials,
    HttpStream,
    ProxyConfig,
    Transport,
    TransportSettings,
)
from cloudcti.xsi import (
    ACTIONS_ROOT,
    Channel,
    ChannelHeartBeat,
    ChannelTerminatedEvent,
    Event,
    EventPackage,
    EventStream,
    Profile,
    RemoteProtocolError,
    SubscriptionEvent,
    add_channel,
    delete_channel,
    delete_subscription,
    event_response,
    heartbeat,
    parse_enterprise_directory,
    parse_event,
    parse_subscription,
    search_enterprise_directory,
    subscribe_user,
)

CHECKS = ("url", "dns", "tcp_tls", "proxy", "authentication", "actions", "events", "subscription")
"""The names of the checks, in the order they run."""


@dataclass(frozen=True, slots=True)
class Check:
    """One step of the test: ``ok``, or why not (``skipped``: an earlier step failed)."""

    name: str
    ok: bool
    detail: str
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """What the test needs of a gateway's configuration."""

    xsi_urls: Sequence[str]
    username: str
    password: str = field(repr=False)
    proxy: ProxyConfig | None = None
    ca_file: str | None = None
    timeout: float = 10.0


class _AbortError(Exception):
    """Later checks cannot run."""


class _Run:
    def __init__(self, settings: ConnectionSettings, transport: Transport | None, log: PbxLog):
        self.settings = settings
        self.urls = [normalize_url(u) for u in settings.xsi_urls]
        self.log = log
        log.add_secret(settings.password)
        if settings.proxy is not None:
            log.add_secret(settings.proxy.password)
        transport_settings = TransportSettings(
            proxy=settings.proxy,
            ca_file=settings.ca_file,
            connect_timeout=settings.timeout,
            request_timeout=settings.timeout,
        )
        self.transport = transport or AiohttpTransport(transport_settings)
        self.owns_transport = transport is None
        self.client = XsiClient(
            self.urls,
            BasicCredentials(settings.username, settings.password),
            transport=self.transport,
            log=log,
        )
        self.checks: list[Check] = []

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, self.log.redact(detail)))
        if not ok:
            raise _AbortError

    async def run(self) -> list[Check]:
        steps = (
            self.check_url,
            self.check_dns,
            self.check_tcp,
            self.check_proxy,
            self.check_auth,
            self.check_events,
        )
        try:
            for step in steps:
                await step()
        except _AbortError:
            pass
        finally:
            if self.owns_transport:
                await self.transport.aclose()
        done = {c.name for c in self.checks}
        for name in CHECKS:
            if name not in done:
                self.checks.append(Check(name, False, "not run: an earlier check failed", True))
        return self.checks

    # --- the checks ---------------------------------------------------------------------------

    async def check_url(self) -> None:
        problems = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                problems.append(f"{url!r} is not an http(s) URL with a host name")
            elif parts.path not in ("", "/"):
                problems.append(
                    f"{url} has a path; give the Xsi host's root, e.g. https://{parts.netloc}"
                )
            elif parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
                problems.append(f"{url} is not encrypted; the Cloud PBX needs https")
        proxy = self.settings.proxy
        if proxy is not None and urlsplit(proxy.url).scheme not in ("http", "https"):
            problems.append(f"proxy {proxy.url!r} is not an http(s) URL")
        if not self.urls:
            problems.append("no Xsi URL given")
        self.add("url", not problems, "; ".join(problems) or ", ".join(self.urls))

    def _endpoints(self) -> list[tuple[str, int, bool, str]]:
        """(host, port, tls, label) to reach: the proxy if one is set, else every Xsi host."""
        proxy = self.settings.proxy
        if proxy is not None:
            parts = urlsplit(proxy.url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            return [(parts.hostname or "", port, parts.scheme == "https", f"proxy {parts.netloc}")]
        found = []
        for url in self.urls:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            found.append((parts.hostname or "", port, parts.scheme == "https", parts.netloc))
        return found

    async def check_dns(self) -> None:
        loop = asyncio.get_running_loop()
        details, ok = [], True
        for host, port, _tls, label in self._endpoints():
            try:
                infos = await asyncio.wait_for(
                    loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), self.settings.timeout
                )
            except (OSError, TimeoutError) as error:
                ok = False
                details.append(f"{label}: {host} does not resolve ({error})")
                continue
            addresses = sorted({str(info[4][0]) for info in infos})
            details.append(f"{label}: {', '.join(addresses)}")
        self.add("dns", ok, "; ".join(details))

    async def check_tcp(self) -> None:
        context = ssl.create_default_context(cafile=self.settings.ca_file)
        details, ok = [], True
        for host, port, tls, label in self._endpoints():
            started = time.perf_counter()
            try:
                _reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port, ssl=context if tls else None),
                    self.settings.timeout,
                )
            except ssl.SSLCertVerificationError as error:
                ok = False
                details.append(f"{label}: TLS certificate not accepted: {error.verify_message}")
                continue
            except ssl.SSLError as error:
                ok = False
                details.append(f"{label}: TLS handshake failed: {error.reason}")
                continue
            except TimeoutError:
                ok = False
                details.append(f"{label}: no answer within {self.settings.timeout:g} s")
                continue
            except OSError as error:
                ok = False
                details.append(f"{label}: connection refused or unreachable ({error.strerror})")
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            ms = (time.perf_counter() - started) * 1000
            details.append(f"{label}: {'TLS' if tls else 'TCP'} connected in {ms:.0f} ms")
        self.add("tcp_tls", ok, "; ".join(details))

    async def check_proxy(self) -> None:
        proxy = self.settings.proxy
        if proxy is None:
            self.add("proxy", True, "no proxy configured")
            return
        details = []
        for url in self.urls:
            try:
                response = await self.transport.request(url, "GET", f"{ACTIONS_ROOT}/")
            except XsiProxyAuthError:
                given = "wrong" if proxy.username else "missing"
                self.add(
                    "proxy",
                    False,
                    f"the proxy answered 407 Proxy Authentication Required: proxy user name or "
                    f"password {given}",
                )
            except XsiProxyError as error:
                self.add("proxy", False, str(error))
            except XsiTransportError as error:
                self.add("proxy", False, f"through the proxy to {host_name(url)}: {error}")
            else:
                details.append(f"{host_name(url)} reached through the proxy ({response.status})")
        self.add("proxy", True, "; ".join(details))

    async def check_auth(self) -> None:
        try:
            profile = await self.client.probe()
        except XsiAuthError as error:
            self.add(
                "authentication",
                False,
                f"the PBX rejected the monitoring user {self.settings.username} (401: "
                f"{error.summary}); the password is not tried again",
            )
            return
        except XsiError as error:
            name = "authentication" if error.status == 403 else "actions"
            if name == "actions":  # not a 401: the PBX did not reject the password
                self.add(
                    "authentication",
                    True,
                    f"{self.settings.username} not rejected (the profile request answered "
                    f"{error.status})",
                )
            self.add(name, False, f"profile of {self.settings.username}: {error}")
            return
        except (XsiTransportError, RemoteProtocolError) as error:
            self.add("authentication", False, f"no answer to the login: {error}")
            return
        self.profile = profile
        self.add("authentication", True, f"{self.settings.username} accepted")
        where = ", ".join(
            p
            for p in (
                profile.group_id and f"group {profile.group_id}",
                profile.service_provider and f"enterprise {profile.service_provider}",
                profile.number and f"number {profile.number}",
            )
            if p
        )
        self.add("actions", True, f"profile of {profile.user_id} read ({where})")

    async def check_events(self) -> None:
        profile: Profile = self.profile
        set_id = f"cloudcti-test-{uuid.uuid4().hex}"
        url = self.urls[0]
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        try:
            async with self.client.stream(url, add_channel(set_id), read_timeout=None) as stream:
                reader = asyncio.create_task(_read(stream, queue))
                try:
                    await self._events_on(url, profile, set_id, queue)
                finally:
                    reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await reader
        except _AbortError:
            raise
        except XsiTransportError as error:
            self.add("events", False, f"event channel on {host_name(url)}: {error}")

    async def _events_on(
        self, url: str, profile: Profile, set_id: str, queue: asyncio.Queue[Event | None]
    ) -> None:
        timeout = self.settings.timeout
        first = await _next(queue, (Channel,), timeout)
        if not isinstance(first, Channel):
            self.add("events", False, f"{host_name(url)} opened no event channel")
            return
        channel_id = first.channel_id
        try:
            started = time.perf_counter()
            await self.client.send(heartbeat(channel_id), url=url)
            echo = await _next(queue, (ChannelHeartBeat,), timeout)
            if echo is None:
                self.add(
                    "events",
                    False,
                    "the heartbeat was accepted but never echoed on the stream "
                    "(a proxy buffering the stream?)",
                )
            ms = (time.perf_counter() - started) * 1000
            self.add(
                "events",
                True,
                f"channel opened on {host_name(url)}, heartbeat round trip {ms:.0f} ms",
            )
            await self._subscription(url, profile, set_id, queue)
        finally:
            with contextlib.suppress(XsiTransportError):
                await self.client.send(delete_channel(channel_id), url=url)
                await _next(queue, (ChannelTerminatedEvent,), 2.0)

    async def _subscription(
        self, url: str, profile: Profile, set_id: str, queue: asyncio.Queue[Event | None]
    ) -> None:
        target = profile.user_id
        with contextlib.suppress(XsiTransportError, RemoteProtocolError):
            page = await self.client.send(search_enterprise_directory(profile.user_id, results=10))
            others = [
                e.user_id
                for e in parse_enterprise_directory(page.body).entries
                if e.user_id.lower() != profile.user_id.lower()
            ]
            target = others[0] if others else target
        try:
            response = await self.client.send(
                subscribe_user(target, EventPackage.ADVANCED_CALL, channel_set_id=set_id)
            )
            subscription = parse_subscription(response.body)
        except XsiError as error:
            hint = (
                ": the monitoring user may not watch other users; use the dedicated CTI user "
                "of the Cloud PBX"
                if error.status == 403
                else ""
            )
            self.add("subscription", False, f"subscribing to {target} refused ({error}){hint}")
            return
        snapshot = await _next(queue, (SubscriptionEvent,), self.settings.timeout)
        if isinstance(snapshot, SubscriptionEvent):
            with contextlib.suppress(XsiTransportError):
                await self.client.send(event_response(snapshot.envelope.event_id), url=url)
        with contextlib.suppress(XsiTransportError):
            await self.client.send(delete_subscription(subscription.subscription_id))
        self.add("subscription", True, f"subscription to the events of {target} allowed")


async def _read(stream: HttpStream, queue: asyncio.Queue[Event | None]) -> None:
    framer = EventStream()
    try:
        async for chunk in stream.chunks():
            framer.feed(chunk)
            for document in framer.documents():
                with contextlib.suppress(RemoteProtocolError):
                    queue.put_nowait(parse_event(document))
    except XsiTransportError:
        pass
    finally:
        queue.put_nowait(None)


async def _next(
    queue: asyncio.Queue[Event | None], kinds: tuple[type[Event], ...], timeout: float
) -> Event | None:
    """The next document of one of ``kinds`` within ``timeout``; None if none came."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                event = await queue.get()
                if event is None:
                    return None
                if isinstance(event, kinds):
                    return event
    except TimeoutError:
        return None


async def run_connection_test(
    settings: ConnectionSettings, *, transport: Transport | None = None, log: PbxLog | None = None
) -> list[Check]:
    """Run every check (``CHECKS``) against the PBX; never leaves a channel or subscription."""
    return await _Run(settings, transport, log or PbxLog("connection-test")).run()


run_connection_test.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
test_connection = run_connection_test
"""The name the issue gives it; ``run_connection_test`` keeps pytest and ruff from taking it
for a test."""

__all__ = ["CHECKS", "Check", "ConnectionSettings", "run_connection_test", "test_connection"]
