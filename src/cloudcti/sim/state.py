"""The running simulator: PBX model, event hub, config, request log and Basic-auth checks."""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Iterable
from typing import Any

from cloudcti.sim import scenarios
from cloudcti.sim.channels import EventHub
from cloudcti.sim.config import SimConfig
from cloudcti.sim.errors import CODE_LOCKED, CODE_UNAUTHORIZED, XsiError
from cloudcti.sim.faults import KINDS, LASTING, Fault, Faults
from cloudcti.sim.model import Notice, Pbx, User

REQUEST_LOG_LIMIT = 100_000


def basic_username(header: str | None) -> tuple[str, str] | None:
    """(user, password) from an ``Authorization: Basic`` header, None if absent or malformed."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


class Sim:
    """Everything one simulated PBX holds; all methods run on the server's event loop."""

    def __init__(self, scenario: str = "empty", clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.config = SimConfig()
        self.requests: list[dict[str, Any]] = []
        self._request_seq = 0
        self.pbx: Pbx = scenarios.build(scenario)
        self.hub = EventHub(self.pbx, self.config)
        self.faults = Faults()
        # Set by the server: takes one host down (True) or brings it back (False).
        self.host_switch: Callable[[str, bool], None] | None = None
        self.hosts: list[str] = []  # ``host:port`` of every Xsi host, set by the server

    def now(self) -> float:
        """Current time in epoch seconds."""
        return self.clock()

    def now_ms(self) -> int:
        """Current time in epoch milliseconds."""
        return int(self.clock() * 1000)

    def reset(self, scenario: str) -> None:
        """A fresh PBX (ValueError for unknown scenarios); open streams are closed."""
        pbx = scenarios.build(scenario)
        self.clear_faults()
        self.hub.close_all()
        self.pbx = pbx
        self.hub = EventHub(pbx, self.config)

    def apply(self, notices: Iterable[Notice]) -> None:
        """Publish what the model reported (and conference changes it caused), then forget
        ended calls."""
        self.hub.publish(notices)
        self.hub.publish(self.pbx.tidy())
        self.pbx.forget_released()

    def tick(self) -> None:
        """Fire every due timer (called periodically by the server)."""
        self.apply(self.pbx.expire_unanswered(self.now(), self.config.no_answer_s))
        self.hub.tick(self.now())
        for fault in self.faults.expire(self.now()):
            self._ended(fault)

    # ---- faults ------------------------------------------------------------------------

    def inject(self, kind: str, host: str | None, seconds: float | None) -> None:
        """Misbehave as ``kind`` says (ValueError for unknown kinds or a missing host)."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; choose one of {', '.join(KINDS)}")
        if kind == "host_down" and host is None:
            raise ValueError("host_down needs a host")
        if kind in ("drop_channels", "restart", "host_down"):
            for channel in list(self.hub.channels.values()):
                if host is None or channel.host == host:
                    self.hub.terminate(channel.channel_id, None)
                    if kind == "restart":
                        self.hub.resync_sets.add(channel.set_id)
        if kind in LASTING:
            self.faults.add(kind, host, seconds, self.now())
        if kind == "host_down" and host is not None and self.host_switch is not None:
            self.host_switch(host, True)

    def clear_faults(self) -> None:
        """End every lasting fault now."""
        for fault in self.faults.clear():
            self._ended(fault)

    def fault(self, kind: str, host: str) -> bool:
        """True while ``kind`` holds for ``host``."""
        return self.faults.on(kind, host, self.now())

    def _ended(self, fault: Fault) -> None:
        host, switch = fault.host, self.host_switch
        if fault.kind != "host_down" or not host or switch is None:
            return
        if not self.faults.on("host_down", host, self.now()):
            switch(host, False)

    # ---- auth and log ------------------------------------------------------------------

    def authenticate(self, header: str | None) -> User:
        """The user named by valid Basic credentials; 401 (with challenge) otherwise.

        ``lockout_after`` consecutive failures lock the account until the control API unlocks it.
        """
        credentials = basic_username(header)
        if credentials is None:
            raise XsiError(401, "Authentication required", CODE_UNAUTHORIZED, challenge=True)
        user_id, password = credentials
        user = self.pbx.users.get(user_id.lower())
        if user is None:
            raise XsiError(401, "Invalid user id or password", CODE_UNAUTHORIZED, challenge=True)
        if user.locked:
            raise XsiError(
                401,
                "Account is locked after too many failed login attempts",
                CODE_LOCKED,
                challenge=True,
            )
        if password != user.password:
            user.failures += 1
            if user.failures >= self.config.lockout_after:
                user.locked = True
            raise XsiError(401, "Invalid user id or password", CODE_UNAUTHORIZED, challenge=True)
        user.failures = 0
        return user

    def record(
        self, host: str, method: str, path: str, query: str, user_id: str | None, status: int
    ) -> None:
        """Append one Xsi request to the log (oldest entries drop past the limit)."""
        self._request_seq += 1
        self.requests.append(
            {
                "seq": self._request_seq,
                "at": _iso(self.now()),
                "host": host,
                "method": method,
                "path": path,
                "query": query,
                "user_id": user_id,
                "status": status,
            }
        )
        if len(self.requests) > REQUEST_LOG_LIMIT:
            del self.requests[: len(self.requests) - REQUEST_LOG_LIMIT]

    def state(self) -> dict[str, Any]:
        """``GET /sim/v1/state``."""
        return {
            "enterprise_id": self.pbx.enterprise_id,
            "group_id": self.pbx.group_id,
            "users": [u.public() for u in self.pbx.users.values()],
            "calls": [c.public() for c in self.pbx.calls.values()],
            "channels": [c.public() for c in self.hub.channels.values()],
            "subscriptions": [s.public() for s in self.hub.subscriptions.values()],
            "config": self.config.as_dict(),
            "faults": [f.public() for f in self.faults.active],
        }


def _iso(epoch: float) -> str:
    millis = int(epoch * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{millis:03d}Z"
