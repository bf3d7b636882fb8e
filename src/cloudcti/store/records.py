"""What the repositories return: frozen dataclasses, one per stored thing, without secrets.

The app layer maps these to and from domain values; the store knows nothing of the domain.
Times are epoch milliseconds; numbers are E.164 strings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

__all__ = [
    "DialingParametersRecord",
    "FrameRecord",
    "GatewayRecord",
    "IdempotencyRecord",
    "JournalRecord",
    "LineRecord",
    "LocationRecord",
    "TeamRecord",
    "TokenRecord",
    "UserRecord",
]


_K = TypeVar("_K")
_V = TypeVar("_V")


def _frozen_mapping(value: Mapping[_K, _V]) -> Mapping[_K, _V]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True, slots=True)
class DialingParametersRecord:
    """A set of dialing parameters (CONTRACT.md §2.2); ``advanced`` are the named settings."""

    id: str
    name: str
    country_code: str
    area_code: str = ""
    base_number: str = ""
    internal_number_length: int = 4
    outside_line_prefix: str = ""
    dial_format: str = "e164"
    advanced: Mapping[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "advanced", _frozen_mapping(self.advanced))


@dataclass(frozen=True, slots=True)
class GatewayRecord:
    """A gateway without its passwords (those are in the vault)."""

    id: str
    name: str
    xsi_urls: tuple[str, ...]
    dialing_parameters_id: str
    monitoring_username: str
    type: str = "deutschlandlan-cloud-pbx"
    disabled: bool = False
    proxy_url: str | None = None
    proxy_username: str | None = None
    event_timeout_s: int = 30
    tls_ca_file: str | None = None
    portal_url: str | None = None


@dataclass(frozen=True, slots=True)
class LineRecord:
    """A monitored line of a gateway, optionally assigned to a user."""

    id: str
    gateway_id: str
    pbx_user_id: str
    number: str
    display_name: str
    extension: str | None = None
    user_id: str | None = None
    disabled: bool = False
    parameters: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", _frozen_mapping(self.parameters))


@dataclass(frozen=True, slots=True)
class LocationRecord:
    """A location with its special parameters (string or boolean values)."""

    id: str
    name: str
    journal_retention_days: int = 90
    parameters: Mapping[str, str | bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", _frozen_mapping(self.parameters))


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A local account; neither its password hash nor its PBX password is in here."""

    id: str
    username: str
    display_name: str
    role: str = "user"
    language: str = "de"
    location_id: str | None = None
    mobile_number: str | None = None
    pbx_username: str | None = None
    pbx_state: str = "missing"
    pbx_failed_attempts: int = 0


@dataclass(frozen=True, slots=True)
class TeamRecord:
    """A team: its members may see each other's forwarding targets."""

    id: str
    name: str
    members: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """An API token as stored: only its hash is kept, so the token itself is not here."""

    id: str
    user_id: str
    created_at: int
    expires_at: int


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """The remembered outcome of a request made with an ``Idempotency-Key``."""

    user_id: str
    key: str
    request_hash: str
    status: int
    response: str
    created_at: int


@dataclass(frozen=True, slots=True)
class JournalRecord:
    """One journal entry (CONTRACT.md §2.1 ``JournalEntry``) plus the line's user."""

    id: str
    call_id: str
    line_id: str
    user_id: str | None
    direction: str
    remote_number: str | None
    remote_display: str
    remote_name: str | None
    status: str
    device: str
    started_at: int
    answered_at: int | None
    ended_at: int
    duration_s: int


@dataclass(frozen=True, slots=True)
class FrameRecord:
    """One WebSocket frame of a user's stream, kept for resume (CONTRACT.md §3)."""

    seq: int
    type: str
    data: str
    at: int
