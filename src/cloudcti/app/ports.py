"""What the app needs from the PBX connection layer (``cloudcti.pbx``), as a port.

The app drives one ``GatewayRuntime`` per enabled gateway and asks the port for a
connection test and the enterprise directory. ``cloudcti.pbx`` provides the real
implementation; tests may pass their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from cloudcti.store import Secret
from cloudcti.xsi import XsiRequest

__all__ = [
    "Check",
    "Credentials",
    "DirectoryEntry",
    "GatewayConfig",
    "GatewayRuntime",
    "GatewayState",
    "LogEntry",
    "LogQuery",
    "LoginResult",
    "MonitoredLine",
    "PbxActions",
    "PbxCredentialsRejectedError",
    "PbxLogin",
    "PbxPort",
    "ProxyConfig",
    "Status",
]


class GatewayState(StrEnum):
    """The states of a gateway's connection (CONTRACT.md §2.2 ``state``)."""

    DISABLED = "disabled"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DEGRADED = "degraded"
    AUTH_FAILED = "auth_failed"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Status:
    """A state with the reason people read (``state_reason``)."""

    state: str
    reason: str


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """A user name and its password; the repr hides the password."""

    username: str
    password: Secret

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password=***)"


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    """An HTTP(S) proxy between cloudcti and the PBX (R2)."""

    url: str
    credentials: Credentials | None = None


@dataclass(frozen=True, slots=True)
class MonitoredLine:
    """A line the runtime subscribes to, with the line's PBX user as target."""

    line_id: str
    pbx_user_id: str


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Everything a runtime or a connection test needs to reach one Cloud PBX."""

    gateway_id: str
    name: str
    xsi_urls: tuple[str, ...]
    monitoring: Credentials
    proxy: ProxyConfig | None = None
    event_timeout_s: int = 30
    tls_ca_file: str | None = None
    lines: tuple[MonitoredLine, ...] = ()
    channel_set_id: str = ""
    application_id: str = ""


@dataclass(frozen=True, slots=True)
class Check:
    """One step of the connection test (R3)."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """A user of the PBX's enterprise directory (what ``import-lines`` turns into lines)."""

    pbx_user_id: str
    number: str | None
    extension: str | None
    display_name: str


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Filters of the PBX log; ``since`` is a ``seq`` (entries after it)."""

    since: int | None = None
    limit: int = 100
    line_id: str | None = None
    call_id: str | None = None
    direction: str | None = None


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One PBX log entry (R4); secrets are redacted by the runtime."""

    seq: int
    at: int
    direction: str
    summary: str
    detail: str


class GatewayRuntime(Protocol):
    """The live connection of one gateway (``cloudcti.pbx.GatewayRuntime``)."""

    def status(self) -> Status:
        """The gateway's state and its reason, now."""
        ...

    def line_status(self, line_id: str) -> Status | None:
        """Whether the line's subscription is active (``None``: the runtime does not know)."""
        ...

    async def start(self) -> None:
        """Begin connecting; returns at once, the runtime keeps trying in the background."""
        ...

    async def update(self, config: GatewayConfig) -> None:
        """Apply a changed configuration (lines added or removed → (un)subscribe)."""
        ...

    async def stop(self) -> None:
        """Close the channels and end every background task."""
        ...

    def log(self, query: LogQuery) -> Sequence[LogEntry]:
        """PBX log entries matching ``query``, oldest first."""
        ...


class PbxPort(Protocol):
    """The PBX connection layer as the app uses it."""

    def runtime(self, config: GatewayConfig) -> GatewayRuntime:
        """A new, not yet started runtime for the gateway."""
        ...

    async def test_connection(self, config: GatewayConfig) -> Sequence[Check]:
        """The connection test's checks, in order; leaves no channel behind."""
        ...

    async def directory(self, config: GatewayConfig) -> Sequence[DirectoryEntry]:
        """The users of the enterprise the monitoring user belongs to."""
        ...


@dataclass(frozen=True, slots=True)
class LoginResult:
    """Whether the PBX accepted a user's own credentials; ``reason`` is what it said if not."""

    accepted: bool
    reason: str = ""
    sent: bool = True
    """False if refused locally without a request (a credential rejected before)."""
    pbx_user_id: str | None = None
    """The PBX user the accepted credentials log in as (the profile's ``userId``)."""


@runtime_checkable
class PbxLogin(Protocol):
    """Checks a user's own Cloud PBX credentials (a ``PbxPort`` may offer this too)."""

    async def check_login(self, config: GatewayConfig, credentials: Credentials) -> LoginResult:
        """One profile GET with ``credentials`` on the gateway's hosts, never more (R16); a
        credential already rejected too often is refused without a request. ``PbxFailedError``
        or ``PbxTimeoutError`` if the PBX cannot be asked."""
        ...


class PbxCredentialsRejectedError(Exception):
    """The PBX answered 401 to a user's own credentials; ``reason`` is what it said."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@runtime_checkable
class PbxActions(Protocol):
    """Sends Xsi-Actions requests with a user's own credentials (call control, services)."""

    async def user_request(
        self, config: GatewayConfig, credentials: Credentials, request: XsiRequest
    ) -> bytes:
        """Send ``request`` once on the gateway's hosts; the 2xx answer's body.

        ``PbxCredentialsRejectedError`` on 401, ``PbxRefusedError`` on another 4xx (detail: the
        PBX's summary), ``PbxFailedError`` on 5xx or a broken connection, ``PbxTimeoutError``,
        ``PbxUnavailableError`` if the gateway is not running."""
        ...
