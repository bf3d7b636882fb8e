"""Time as the app sees it: epoch milliseconds from an injectable clock, ISO-8601 for the API."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "iso", "system_clock"]

Clock = Callable[[], int]
"""Returns the current time in epoch milliseconds."""


def system_clock() -> int:
    """The wall clock in epoch milliseconds."""
    return time.time_ns() // 1_000_000


def iso(ms: int) -> str:
    """Epoch milliseconds as ISO-8601 UTC with ``Z`` (CONTRACT.md §0)."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
