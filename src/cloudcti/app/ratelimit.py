"""Failed-login counting: too many failures per key within a window block further tries."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable

__all__ = ["FailureLimiter"]


class FailureLimiter:
    """At most ``max_failures`` per key in ``window_ms``; remembers at most ``max_keys`` keys
    (the least recently failed are forgotten first, so memory stays bounded)."""

    def __init__(self, max_failures: int, window_ms: int, max_keys: int = 10_000) -> None:
        self._max = max_failures
        self._window = window_ms
        self._max_keys = max_keys
        self._failures: OrderedDict[str, deque[int]] = OrderedDict()

    def retry_after_ms(self, keys: Iterable[str], now: int) -> int:
        """0 if every key may try now, else how long until the first may."""
        wait = 0
        for key in keys:
            times = self._recent(key, now)
            if len(times) >= self._max:
                wait = max(wait, times[0] + self._window - now)
        return wait

    def failed(self, keys: Iterable[str], now: int) -> None:
        """Count one failure for each key."""
        for key in keys:
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times
            self._failures.move_to_end(key)
        while len(self._failures) > self._max_keys:
            self._failures.popitem(last=False)

    def clear(self, key: str) -> None:
        """Forget a key's failures (after a successful login)."""
        self._failures.pop(key, None)

    def _recent(self, key: str, now: int) -> deque[int]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        return times
