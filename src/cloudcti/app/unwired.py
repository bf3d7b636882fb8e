"""The PBX port while ``cloudcti.pbx`` is not built in: says so instead of pretending."""

from __future__ import annotations

from collections.abc import Sequence

from cloudcti.app.errors import PbxUnavailableError
from cloudcti.app.ports import (
    Check,
    DirectoryEntry,
    GatewayConfig,
    GatewayRuntime,
    GatewayState,
    LogEntry,
    LogQuery,
    Status,
)

__all__ = ["MISSING_REASON", "UnwiredPbx"]

MISSING_REASON = "the PBX connection runtime (cloudcti.pbx) is not part of this build"


class _IdleRuntime:
    def status(self) -> Status:
        return Status(GatewayState.ERROR, MISSING_REASON)

    def line_status(self, line_id: str) -> Status | None:
        return None

    async def start(self) -> None:
        return None

    async def update(self, config: GatewayConfig) -> None:
        return None

    async def stop(self) -> None:
        return None

    def log(self, query: LogQuery) -> Sequence[LogEntry]:
        return ()


class UnwiredPbx:
    """Runtimes that stay in ``error`` with the reason; test and directory raise."""

    def runtime(self, config: GatewayConfig) -> GatewayRuntime:
        """An idle runtime that reports why it does nothing."""
        return _IdleRuntime()

    async def test_connection(self, config: GatewayConfig) -> Sequence[Check]:
        """Raises ``PbxUnavailableError``."""
        raise PbxUnavailableError(MISSING_REASON)

    async def directory(self, config: GatewayConfig) -> Sequence[DirectoryEntry]:
        """Raises ``PbxUnavailableError``."""
        raise PbxUnavailableError(MISSING_REASON)
