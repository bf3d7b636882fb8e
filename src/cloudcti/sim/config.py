"""Tunable behaviour of the simulator (``PATCH /sim/v1/config``); every timer lives here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


class ConfigError(ValueError):
    """A config patch names an unknown key or has a value of the wrong kind."""


@dataclass
class SimConfig:
    """Timers in seconds (floats allowed so tests run fast); ``None`` expires = honour the request.

    ``channel_expires_s``/``subscription_expires_s`` are what the PBX grants, whatever the
    client asked (a real XSP answered 86400 to a request of 120); with ``None`` the request is
    honoured, clamped to at least 3600. A channel set holding more than ``unacked_limit``
    unacknowledged events is ended with ``NonResponsiveChannel``. The default leaves room for
    the snapshot burst after a reconnect (eight packages per monitored line arrive at once
    and are acked one by one); a client that stops acking still trips it within seconds.
    """

    event_timeout_s: float = 30.0
    channel_expires_s: float | None = 86400
    subscription_expires_s: float | None = 86400
    unacked_limit: int = 500
    no_answer_s: float = 30.0
    auto_answer_click_to_dial: bool = True
    lockout_after: int = 5

    def as_dict(self) -> dict[str, Any]:
        """The config as JSON-ready values."""
        return asdict(self)

    def patch(self, changes: dict[str, Any]) -> None:
        """Apply ``changes`` atomically; raise ConfigError and change nothing on a bad entry."""
        kinds = {f.name: f.type for f in fields(self)}
        checked: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in kinds:
                raise ConfigError(f"unknown config key {key!r}")
            kind = str(kinds[key])
            if kind == "bool":
                ok = isinstance(value, bool)
            elif kind == "int":
                ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
            else:
                number = isinstance(value, int | float) and not isinstance(value, bool)
                ok = (number and value > 0) or (value is None and "None" in kind)
            if not ok:
                raise ConfigError(f"bad value for {key!r}: {value!r}")
            checked[key] = value
        for key, value in checked.items():
            setattr(self, key, value)


def granted_expires(requested: int | None, policy: float | None) -> float:
    """The expiry the PBX grants: its policy value, else the request clamped to ≥ 3600 s."""
    if policy is not None:
        return policy
    return float(max(requested or 3600, 3600))
