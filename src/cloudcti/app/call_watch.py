"""``CallWatch``: wait, bounded, until the live line states show what a request caused
(the PBX answers an Xsi-Actions request before its events arrive on the event channel)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from cloudcti.app.bus import BusMessage, EventBus, LineEvents

__all__ = ["CallWatch"]

T = TypeVar("T")


class CallWatch:
    """Wakes waiters whenever the pipeline published what an event did to a line."""

    def __init__(self, bus: EventBus) -> None:
        self._waiters: set[asyncio.Event] = set()
        bus.subscribe(self._on_message)

    def _on_message(self, message: BusMessage) -> None:
        if isinstance(message, LineEvents):
            for waiter in self._waiters:
                waiter.set()

    async def until(self, look: Callable[[], T | None], timeout_s: float) -> T | None:
        """``look()`` once it returns something other than ``None``, checked now and after
        each line event; ``None`` if it still does after ``timeout_s`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        try:
            while True:
                found = look()
                if found is not None:
                    return found
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return None
                try:
                    await asyncio.wait_for(waiter.wait(), remaining)
                except TimeoutError:
                    return look()
                waiter.clear()
        finally:
            self._waiters.discard(waiter)
