"""The one error the Xsi side raises: an HTTP status with an ``ErrorInfo`` body."""

from __future__ import annotations

# BroadWorks-style internal error numbers (the real values are not published; these are ours).
CODE_BAD_REQUEST = 4000
CODE_UNAUTHORIZED = 4001
CODE_LOCKED = 4002
CODE_FORBIDDEN = 4003
CODE_NOT_FOUND = 4008
CODE_CONFLICT = 4009
CODE_CALL_STATE = 4100


class XsiError(Exception):
    """An Xsi request fails with ``status``; the body is ``ErrorInfo(summary, code)``."""

    def __init__(self, status: int, summary: str, code: int, challenge: bool = False) -> None:
        super().__init__(summary)
        self.status = status
        self.summary = summary
        self.code = code
        self.challenge = challenge


def bad_request(summary: str) -> XsiError:
    """400 with ``summary``."""
    return XsiError(400, summary, CODE_BAD_REQUEST)


def forbidden(summary: str) -> XsiError:
    """403 with ``summary``."""
    return XsiError(403, summary, CODE_FORBIDDEN)


def not_found(summary: str) -> XsiError:
    """404 with ``summary``."""
    return XsiError(404, summary, CODE_NOT_FOUND)


def conflict(summary: str) -> XsiError:
    """409 with ``summary``."""
    return XsiError(409, summary, CODE_CONFLICT)
