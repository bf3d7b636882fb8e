"""Errors of the Xsi protocol core.

XsiError
├── RemoteProtocolError   the PBX sent something we cannot accept (malformed, hostile,
│                         too large); the only exception parsing ever raises
└── LocalProtocolError    we asked the core for something the protocol does not allow
                          (a bad argument to a request builder, a machine misuse)
"""

from __future__ import annotations


class XsiError(Exception):
    """Base class of every error raised by :mod:`cloudcti.xsi`."""


class RemoteProtocolError(XsiError):
    """The PBX sent bytes that are not a valid Xsi document; ``str(err)`` is a short reason.

    ``event_id`` is set when the envelope of a subscription event could be read but its
    payload could not: the caller can still answer that event (status 400, "cannot process")
    so that one bad event does not make the PBX think the channel is dead."""

    def __init__(self, reason: str, *, event_id: str | None = None) -> None:
        super().__init__(reason)
        self.event_id = event_id


class LocalProtocolError(XsiError):
    """Our own code misused the protocol core (a bug on our side, never the PBX's)."""
