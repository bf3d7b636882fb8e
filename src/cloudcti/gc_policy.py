"""Garbage collection for the long-running processes (``serve``, ``sim``).

CPython's automatic full collections walk every tracked object. With 500 WebSocket clients
and a busy PBX they ran every few seconds and stopped the event loop for 60-250 ms each
(measured with ``bench/e2e_latency.py``), several times the latency target. So once a
process has started: the objects alive then (modules, number metadata, the line states,
the configuration) are collected once and frozen out of every later collection; automatic
full collections become rare (young collections run as before and free most garbage);
and a full collection of what is not frozen runs on a schedule instead,
``FULL_COLLECTION_S`` apart, so reference cycles do not accumulate."""

from __future__ import annotations

import asyncio
import gc

__all__ = ["FULL_COLLECTION_S", "THRESHOLDS", "collect_periodically", "settle"]

THRESHOLDS = (700, 10, 1000)
"""``gc.set_threshold``: CPython's young generations, full collections 100 times rarer."""
FULL_COLLECTION_S = 300.0


def settle() -> None:
    """Call once startup is done: collect, freeze what survives, raise the thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


async def collect_periodically(interval_s: float = FULL_COLLECTION_S) -> None:
    """Run a full collection (of what is not frozen) every ``interval_s``, until cancelled."""
    while True:
        await asyncio.sleep(interval_s)
        gc.collect()
