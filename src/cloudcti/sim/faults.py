"""Injected misbehaviour (``POST /sim/v1/faults``), optionally limited to one Xsi host.

One-shot kinds act at once (``drop_channels``, ``restart``); the others hold for ``seconds``
(or until the faults are cleared): ``stall_heartbeats``, ``http_errors``, ``slow_acks``,
``host_down``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ONE_SHOT = ("drop_channels", "restart")
LASTING = ("stall_heartbeats", "http_errors", "slow_acks", "host_down")
KINDS = ONE_SHOT + LASTING


@dataclass(frozen=True)
class Fault:
    """A lasting fault: ``host`` None means every host; ``until`` None means until cleared."""

    kind: str
    host: str | None
    until: float | None

    def public(self) -> dict[str, object]:
        """The fault as ``GET /sim/v1/state`` shows it."""
        return {"kind": self.kind, "host": self.host, "until": self.until}


@dataclass
class Faults:
    """The lasting faults in force."""

    active: list[Fault] = field(default_factory=list)

    def add(self, kind: str, host: str | None, seconds: float | None, now: float) -> Fault:
        """Start a lasting fault."""
        fault = Fault(kind, host, None if seconds is None else now + seconds)
        self.active.append(fault)
        return fault

    def on(self, kind: str, host: str, now: float) -> bool:
        """True while a fault of ``kind`` holds for ``host``."""
        return any(
            f.kind == kind and f.host in (None, host) and (f.until is None or now < f.until)
            for f in self.active
        )

    def expire(self, now: float) -> list[Fault]:
        """Drop and return the faults whose time is up."""
        ended = [f for f in self.active if f.until is not None and now >= f.until]
        self.active = [f for f in self.active if f not in ended]
        return ended

    def clear(self) -> list[Fault]:
        """End every fault; the ones that were in force."""
        ended, self.active = self.active, []
        return ended
