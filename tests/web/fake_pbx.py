"""A PBX port for tests that need no real PBX: scripted checks, log and directory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cloudcti.app.ports import (
    Check,
    DirectoryEntry,
    GatewayConfig,
    GatewayRuntime,
    LogEntry,
    LogQuery,
    Status,
)

LOG = (
    LogEntry(1, 1_764_079_387_123, "out", "GET /profile 200 4 ms", "user cti-monitor"),
    LogEntry(2, 1_764_079_388_000, "in", "CallReceivedEvent", "callId=call1 line l-1"),
    LogEntry(3, 1_764_079_389_000, "state", "connected", "2 of 2 hosts"),
)


@dataclass
class FakeRuntime:
    """Connected at once; remembers the last configuration."""

    config: GatewayConfig
    started: bool = False

    def status(self) -> Status:
        return Status("connected", "fake PBX")

    def line_status(self, line_id: str) -> Status | None:
        return None

    async def start(self) -> None:
        self.started = True

    async def update(self, config: GatewayConfig) -> None:
        self.config = config

    async def stop(self) -> None:
        self.started = False

    def log(self, query: LogQuery) -> Sequence[LogEntry]:
        return [
            e
            for e in LOG
            if (query.since is None or e.seq > query.since)
            and (query.direction is None or e.direction == query.direction)
        ][: query.limit]


@dataclass
class FakePbx:
    """Accepts the password ``right``; the directory has three users and the monitor."""

    runtimes: list[FakeRuntime] = field(default_factory=list)
    configs: list[GatewayConfig] = field(default_factory=list)

    def runtime(self, config: GatewayConfig) -> GatewayRuntime:
        runtime = FakeRuntime(config)
        self.runtimes.append(runtime)
        return runtime

    async def test_connection(self, config: GatewayConfig) -> Sequence[Check]:
        self.configs.append(config)
        accepted = config.monitoring.password.reveal() == "right"
        return [
            Check("url", True, "valid"),
            Check("authentication", accepted, "accepted" if accepted else "401 from the PBX"),
        ]

    async def directory(self, config: GatewayConfig) -> Sequence[DirectoryEntry]:
        return [
            DirectoryEntry("anna@firma.de", "+4989887766771", "771", "Anna Schmidt"),
            DirectoryEntry("ben@firma.de", "+49898877667770", "7770", "Ben Meyer"),
            DirectoryEntry("cleo@firma.de", "+49898877667701", "7701", "Cleo Wagner"),
            DirectoryEntry("fax@firma.de", None, None, "Fax"),
            DirectoryEntry(config.monitoring.username, "+49898877669999", "9999", "Monitor"),
        ]
