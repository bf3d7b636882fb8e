"""``PbxAdapter``: the app's ``PbxPort`` over ``cloudcti.pbx`` (the real PBX connection).

One ``cloudcti.pbx.GatewayRuntime`` per gateway, run as a background task, with the
installation identity the store keeps (``GatewayConfig.channel_set_id``/``application_id``:
the database is the one source of truth, not ``pbx.Identity.load``'s file). Each gateway has
one ``PbxLog`` (ring + rotating file under ``<data_dir>/pbx-log``) that its runtime, its
connection tests and its directory reads all write to, so ``GET …/log`` shows all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cloudcti.app.errors import (
    PbxFailedError,
    PbxRefusedError,
    PbxTimeoutError,
    PbxUnavailableError,
)
from cloudcti.app.ports import (
    Check,
    Credentials,
    DirectoryEntry,
    GatewayConfig,
    GatewayRuntime,
    LogEntry,
    LoginResult,
    LogQuery,
    PbxCredentialsRejectedError,
    Status,
)
from cloudcti.pbx import (
    LINE_PACKAGES,
    BasicCredentials,
    CredentialGuard,
    Delivery,
    Identity,
    OnDelivery,
    PbxLog,
    ProxyConfig,
    TransportSettings,
    XsiAuthError,
    XsiClient,
    XsiCredentialRejectedError,
    XsiError,
    XsiTimeoutError,
    XsiTransportError,
)
from cloudcti.pbx import GatewayConfig as PbxGatewayConfig
from cloudcti.pbx import GatewayRuntime as PbxRuntime
from cloudcti.pbx.connection_test import ConnectionSettings, run_connection_test
from cloudcti.xsi import (
    EventPackage,
    RemoteProtocolError,
    SubscriptionEvent,
    XsiRequest,
    parse_enterprise_directory,
    search_enterprise_directory,
)

__all__ = ["EventSink", "PbxAdapter", "epoch_ms", "pbx_config"]

_PAGE = 500
_CALLS = f"|{EventPackage.ADVANCED_CALL}"


def epoch_ms(iso_time: str) -> int:
    """``2026-11-25T14:03:07.123Z`` → epoch milliseconds."""
    return int(datetime.fromisoformat(iso_time.replace("Z", "+00:00")).timestamp() * 1000)


def _proxy(config: GatewayConfig) -> ProxyConfig | None:
    proxy = config.proxy
    if proxy is None:
        return None
    if proxy.credentials is None:
        return ProxyConfig(proxy.url)
    return ProxyConfig(proxy.url, proxy.credentials.username, proxy.credentials.password.reveal())


def pbx_config(config: GatewayConfig) -> PbxGatewayConfig:
    """The runtime's configuration for the app's view of a gateway (secrets revealed)."""
    return PbxGatewayConfig(
        name=config.name,
        xsi_urls=config.xsi_urls,
        username=config.monitoring.username,
        password=config.monitoring.password.reveal(),
        proxy=_proxy(config),
        ca_file=config.tls_ca_file,
        event_timeout_s=float(config.event_timeout_s),
    )


EventSink = Callable[[str, SubscriptionEvent], Awaitable[None]]
"""Receives ``(gateway_id, event)``; the runtime acks the event once it returns."""


def _deliver_to(sink: EventSink | None, gateway_id: str) -> OnDelivery:
    """The runtime's callback: every delivered event to ``sink`` (dropped without one)."""

    async def deliver(delivery: Delivery) -> None:
        if sink is not None:
            await sink(gateway_id, delivery.event)

    return deliver


class _Runtime:
    """One gateway's ``cloudcti.pbx`` runtime as the app's ``GatewayRuntime``."""

    def __init__(
        self, config: GatewayConfig, log: PbxLog, on_stop: _Forget, sink: EventSink | None
    ) -> None:
        self._config = config
        self.log_book = log
        self._on_stop = on_stop
        identity = (
            Identity(config.channel_set_id, config.application_id)
            if config.channel_set_id
            else Identity.ephemeral()
        )
        self._runtime = PbxRuntime(
            pbx_config(config), _deliver_to(sink, config.gateway_id), identity=identity, log=log
        )
        self._lines: dict[str, str] = {}
        self._set_lines(config)
        self._task: asyncio.Task[None] | None = None
        self._actions: XsiClient | None = None

    def actions(self) -> XsiClient:
        """The client for users' own requests on this gateway (credentials per request)."""
        if self._actions is None:
            pbx = pbx_config(self._config)
            self._actions = XsiClient(
                pbx.xsi_urls,
                BasicCredentials(pbx.username, pbx.password),
                settings=TransportSettings(proxy=pbx.proxy, ca_file=pbx.ca_file),
                log=self.log_book,
            )
        return self._actions

    async def _close_actions(self) -> None:
        actions, self._actions = self._actions, None
        if actions is not None:
            await actions.aclose()

    def _set_lines(self, config: GatewayConfig) -> None:
        self._lines = {line.line_id: line.pbx_user_id for line in config.lines}
        self._runtime.set_lines(self._lines.values())

    def status(self) -> Status:
        """The runtime's state and reason (``starting`` before its first step)."""
        runtime = self._runtime
        return Status(runtime.state.value, runtime.reason or "starting")

    def line_status(self, line_id: str) -> Status | None:
        """``in_service`` once the line's call subscription is granted; refused → out of
        service with the PBX's reason; ``None`` while no channel set runs."""
        user = self._lines.get(line_id)
        channels = self._runtime.channel_set
        if user is None or channels is None:
            return None
        keys = [f"{user}|{package}" for package in LINE_PACKAGES]
        refused = [channels.refused[k] for k in keys if k in channels.refused]
        if refused:
            return Status("out_of_service", f"the Cloud PBX refused the subscription: {refused[0]}")
        if channels.granted(f"{user}{_CALLS}"):
            return Status("in_service", "monitored")
        return Status("unknown", "subscribing to the line's events")

    async def start(self) -> None:
        """Run the runtime in the background."""
        if self._task is None:
            self._task = asyncio.create_task(
                self._runtime.run(), name=f"gateway {self._config.name}"
            )

    async def update(self, config: GatewayConfig) -> None:
        """Reconnect if the connection settings changed; (un)subscribe changed lines."""
        old, self._config = self._config, config
        if pbx_config(old) != pbx_config(config):
            await self._close_actions()
            await self._runtime.update_config(pbx_config(config))
        self._set_lines(config)

    async def stop(self) -> None:
        """Delete channels and subscriptions, end the task, close the log."""
        await self._runtime.close()
        await self._close_actions()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._on_stop(self._config.gateway_id, self)
        self.log_book.close()

    def log(self, query: LogQuery) -> Sequence[LogEntry]:
        """Entries of the gateway's PBX log; ``line_id`` is mapped to the line's PBX user."""
        line = None
        if query.line_id is not None:
            line = self._lines.get(query.line_id)
            if line is None:
                return ()
        found = self.log_book.entries(
            since=query.since,
            limit=query.limit,
            line=line,
            call_id=query.call_id,
            direction=query.direction,
        )
        return [
            LogEntry(e.seq, epoch_ms(e.at), e.direction.value, e.summary, e.detail) for e in found
        ]


class _Forget:
    """Callable the runtime calls when stopped, so the adapter drops it."""

    def __init__(self, running: dict[str, _Runtime]) -> None:
        self._running = running

    def __call__(self, gateway_id: str, runtime: _Runtime) -> None:
        if self._running.get(gateway_id) is runtime:
            del self._running[gateway_id]


@dataclass
class PbxAdapter:
    """The ``PbxPort`` of a real installation; ``data_dir`` ``None``: logs stay in memory."""

    data_dir: Path | None = None
    test_timeout_s: float = 10.0
    events: EventSink | None = None
    """Where the runtimes' events go (the event pipeline); set before the first runtime."""

    def __post_init__(self) -> None:
        self._running: dict[str, _Runtime] = {}
        self._guard = CredentialGuard()  # users' own credentials the PBX rejected

    def _new_log(self, gateway_id: str) -> PbxLog:
        directory = self.data_dir / "pbx-log" if self.data_dir is not None else None
        return PbxLog(gateway_id, directory=directory)

    @contextlib.contextmanager
    def _log_for(self, config: GatewayConfig) -> Iterator[PbxLog]:
        """The running gateway's log, else a log of the moment (ring and file)."""
        running = self._running.get(config.gateway_id)
        if running is not None:
            yield running.log_book
            return
        log = self._new_log(config.gateway_id)
        try:
            yield log
        finally:
            log.close()

    def runtime(self, config: GatewayConfig) -> GatewayRuntime:
        """A new, not yet started runtime; it writes the gateway's PBX log."""
        log = self._new_log(config.gateway_id)
        runtime = _Runtime(config, log, _Forget(self._running), self.events)
        self._running[config.gateway_id] = runtime
        return runtime

    async def test_connection(self, config: GatewayConfig) -> Sequence[Check]:
        """The connection test (R3) with the gateway's settings; written to its log."""
        pbx = pbx_config(config)
        settings = ConnectionSettings(
            xsi_urls=pbx.xsi_urls,
            username=pbx.username,
            password=pbx.password,
            proxy=pbx.proxy,
            ca_file=pbx.ca_file,
            timeout=self.test_timeout_s,
        )
        with self._log_for(config) as log:
            checks = await run_connection_test(settings, log=log)
        return [Check(c.name, c.ok, c.detail) for c in checks]

    async def directory(self, config: GatewayConfig) -> Sequence[DirectoryEntry]:
        """Every user of the monitoring user's enterprise directory. ``PbxFailedError`` or
        ``PbxTimeoutError`` with what the PBX said if it cannot be read."""
        pbx = pbx_config(config)
        with self._log_for(config) as log:
            log.add_secret(pbx.password)
            client = XsiClient(
                pbx.xsi_urls,
                BasicCredentials(pbx.username, pbx.password),
                settings=TransportSettings(proxy=pbx.proxy, ca_file=pbx.ca_file),
                log=log,
            )
            try:
                return await _read_directory(client, pbx.username)
            except XsiTimeoutError as error:
                raise PbxTimeoutError(f"the Cloud PBX did not answer: {error}") from None
            except (XsiTransportError, RemoteProtocolError) as error:
                raise PbxFailedError(f"reading the enterprise directory failed: {error}") from None
            finally:
                await client.aclose()

    async def check_login(self, config: GatewayConfig, credentials: Credentials) -> LoginResult:
        """A user's own credentials against the gateway's PBX: one profile GET (R16); the
        same rejected credential is tried at most ``MAX_ATTEMPTS`` times per process."""
        pbx = pbx_config(config)
        password = credentials.password.reveal()
        basic = BasicCredentials(credentials.username, password)
        with self._log_for(config) as log:
            log.add_secret(password)
            client = XsiClient(
                pbx.xsi_urls,
                basic,
                settings=TransportSettings(proxy=pbx.proxy, ca_file=pbx.ca_file),
                log=log,
                guard=self._guard,
            )
            try:
                profile = await client.probe()
            except XsiCredentialRejectedError:
                reason = self._guard.reason(basic) or "rejected before"
                return LoginResult(False, f"{reason} (not tried again)", sent=False)
            except XsiError as error:
                if error.status >= 500:
                    raise PbxFailedError(f"the Cloud PBX failed: {error}") from None
                return LoginResult(False, error.summary or f"HTTP {error.status}")
            except XsiTimeoutError as error:
                raise PbxTimeoutError(f"the Cloud PBX did not answer: {error}") from None
            except (XsiTransportError, RemoteProtocolError) as error:
                raise PbxFailedError(f"the Cloud PBX could not be asked: {error}") from None
            finally:
                await client.aclose()
        return LoginResult(True, pbx_user_id=profile.user_id)

    async def user_request(
        self, config: GatewayConfig, credentials: Credentials, request: XsiRequest
    ) -> bytes:
        """One Xsi-Actions request with a user's own credentials on the running gateway's
        hosts (logged in its PBX log, the password redacted); errors as ``PbxActions`` says."""
        running = self._running.get(config.gateway_id)
        if running is None:
            raise PbxUnavailableError(f"the gateway {config.name!r} is not running")
        password = credentials.password.reveal()
        running.log_book.add_secret(password)
        basic = BasicCredentials(credentials.username, password)
        try:
            response = await running.actions().send(request, credentials=basic)
        except XsiCredentialRejectedError as error:
            raise PbxCredentialsRejectedError(str(error)) from None
        except XsiAuthError as error:
            raise PbxCredentialsRejectedError(error.summary or "HTTP 401") from None
        except XsiError as error:
            if error.status >= 500:
                raise PbxFailedError(f"the Cloud PBX failed: {error}") from None
            raise PbxRefusedError(error.summary or f"HTTP {error.status}") from None
        except XsiTimeoutError as error:
            raise PbxTimeoutError(f"the Cloud PBX did not answer: {error}") from None
        except XsiTransportError as error:
            raise PbxFailedError(f"the Cloud PBX could not be asked: {error}") from None
        return response.body


async def _read_directory(client: XsiClient, username: str) -> list[DirectoryEntry]:
    profile = await client.probe()
    entries: list[DirectoryEntry] = []
    start = 1
    while True:
        request = search_enterprise_directory(
            profile.user_id or username, start=start, results=_PAGE
        )
        page = parse_enterprise_directory((await client.send(request)).body)
        for e in page.entries:
            name = " ".join(part for part in (e.first_name, e.last_name) if part)
            entries.append(DirectoryEntry(e.user_id, e.number, e.extension, name))
        start += page.number_of_records
        if not page.entries or start > page.total_available_records:
            return entries
