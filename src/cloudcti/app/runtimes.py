"""One ``GatewayRuntime`` per enabled gateway, kept in step with the configuration."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from cloudcti.app.errors import PbxUnavailableError
from cloudcti.app.ports import (
    Credentials,
    GatewayConfig,
    GatewayRuntime,
    GatewayState,
    LogEntry,
    LogQuery,
    MonitoredLine,
    PbxPort,
    ProxyConfig,
    Status,
)
from cloudcti.store import GatewayRecord, Store, Transaction

__all__ = ["Runtimes", "gateway_config"]

_DISABLED = Status(GatewayState.DISABLED, "the gateway is disabled")
_STARTING = Status(GatewayState.CONNECTING, "starting")


async def gateway_config(tx: Transaction, gateway: GatewayRecord) -> GatewayConfig:
    """The runtime's view of a stored gateway: secrets opened, enabled lines listed."""
    password = await tx.gateways.monitoring_password(gateway.id)
    if password is None:
        raise PbxUnavailableError(f"gateway {gateway.name!r} has no monitoring password")
    proxy = None
    if gateway.proxy_url:
        proxy_password = await tx.gateways.proxy_password(gateway.id)
        credentials = (
            Credentials(gateway.proxy_username, proxy_password)
            if gateway.proxy_username and proxy_password is not None
            else None
        )
        proxy = ProxyConfig(gateway.proxy_url, credentials)
    identity = await tx.installation.identity()
    lines = tuple(
        MonitoredLine(line.id, line.pbx_user_id)
        for line in await tx.lines.all(gateway_id=gateway.id)
        if not line.disabled
    )
    return GatewayConfig(
        gateway_id=gateway.id,
        name=gateway.name,
        xsi_urls=gateway.xsi_urls,
        monitoring=Credentials(gateway.monitoring_username, password),
        proxy=proxy,
        event_timeout_s=gateway.event_timeout_s,
        tls_ca_file=gateway.tls_ca_file,
        lines=lines,
        channel_set_id=identity.channel_set_id,
        application_id=identity.application_id,
    )


class Runtimes:
    """Starts, updates and stops the runtimes as gateways and lines change."""

    def __init__(
        self, store: Store, pbx: PbxPort, on_sync: Callable[[str], None] | None = None
    ) -> None:
        self._store = store
        self._pbx = pbx
        self._on_sync = on_sync
        self.on_start: Callable[[str], None] | None = None
        """Told the gateway id when its runtime (re)starts (R16's implicit login checks)."""
        self._running: dict[str, GatewayRuntime] = {}
        self._lock = asyncio.Lock()

    @property
    def pbx(self) -> PbxPort:
        """The PBX port the runtimes come from."""
        return self._pbx

    async def start(self) -> None:
        """Start a runtime for every enabled gateway."""
        async with self._store.transaction() as tx:
            ids = [g.id for g in await tx.gateways.all()]
        for id in ids:
            await self.sync(id)

    async def sync(self, gateway_id: str) -> None:
        """Bring the gateway's runtime in line with what is stored (start, update or stop);
        ``on_sync`` hears of it first."""
        if self._on_sync is not None:
            self._on_sync(gateway_id)
        async with self._lock:
            async with self._store.transaction() as tx:
                gateway = await tx.gateways.get(gateway_id)
                config = (
                    await gateway_config(tx, gateway)
                    if gateway is not None and not gateway.disabled
                    else None
                )
            running = self._running.get(gateway_id)
            if config is None:
                if running is not None:
                    del self._running[gateway_id]
                    await running.stop()
            elif running is not None:
                await running.update(config)
            else:
                runtime = self._pbx.runtime(config)
                self._running[gateway_id] = runtime
                await runtime.start()
                if self.on_start is not None:
                    self.on_start(gateway_id)

    async def stop(self) -> None:
        """Stop every runtime."""
        async with self._lock:
            running, self._running = list(self._running.values()), {}
        for runtime in running:
            await runtime.stop()

    def status(self, gateway: GatewayRecord) -> Status:
        """The gateway's live state and reason."""
        if gateway.disabled:
            return _DISABLED
        runtime = self._running.get(gateway.id)
        return _STARTING if runtime is None else runtime.status()

    def line_status(self, gateway_id: str, line_id: str) -> Status | None:
        """The line's monitoring state as the runtime knows it."""
        runtime = self._running.get(gateway_id)
        return None if runtime is None else runtime.line_status(line_id)

    def log(self, gateway_id: str, query: LogQuery) -> Sequence[LogEntry]:
        """The gateway's PBX log (empty while the gateway has no runtime)."""
        runtime = self._running.get(gateway_id)
        return () if runtime is None else runtime.log(query)
