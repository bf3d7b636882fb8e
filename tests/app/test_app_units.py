"""Pure parts of the app layer: the login failure limiter and API time format."""

from __future__ import annotations

from cloudcti.app.clock import iso
from cloudcti.app.ratelimit import FailureLimiter


def test_failures_block_within_the_window_and_expire_after_it() -> None:
    limiter = FailureLimiter(max_failures=2, window_ms=1000)
    limiter.failed(["user:a"], now=0)
    assert limiter.retry_after_ms(["user:a"], now=10) == 0
    limiter.failed(["user:a"], now=100)
    assert limiter.retry_after_ms(["user:a"], now=200) == 800
    assert limiter.retry_after_ms(["user:b"], now=200) == 0
    assert limiter.retry_after_ms(["user:a"], now=1100) == 0
    limiter.failed(["user:a"], now=1200)
    limiter.clear("user:a")
    assert limiter.retry_after_ms(["user:a"], now=1200) == 0


def test_the_limiter_forgets_the_oldest_keys_beyond_its_bound() -> None:
    limiter = FailureLimiter(max_failures=1, window_ms=1000, max_keys=2)
    for key in ("a", "b", "c"):
        limiter.failed([key], now=0)
    assert limiter.retry_after_ms(["a"], now=1) == 0
    assert limiter.retry_after_ms(["c"], now=1) == 999


def test_times_are_iso_utc_with_z() -> None:
    assert iso(1_764_079_387_123) == "2025-11-25T14:03:07.123Z"
