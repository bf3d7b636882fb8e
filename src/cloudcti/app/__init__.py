"""Use cases and wiring: the services of one installation over the store and the PBX port.

``CloudCti.open(Settings(...))`` gives every service; ``web`` and ``cli`` talk to these
only. Errors are ``cloudcti.app.errors.AppError`` subclasses with a stable slug."""

from __future__ import annotations

from cloudcti.app.core import CloudCti, GatewayHealth, Readiness, Settings, StartupError

__all__ = ["CloudCti", "GatewayHealth", "Readiness", "Settings", "StartupError"]
