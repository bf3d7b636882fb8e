"""The monitoring user's events for the conformance tests, through the production runtime:
``cloudcti.pbx``'s ``EventChannelSet`` on one Xsi host, every applied event handed on."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from cloudcti.pbx import (
    BasicCredentials,
    Delivery,
    EventChannelSet,
    PbxLog,
    SubscriptionSpec,
    XsiClient,
)
from cloudcti.xsi import Event, EventPackage, subscribe_user

OnEvent = Callable[[Event], Awaitable[None] | None]
WAIT_S = 10.0


async def _until(condition: Callable[[], bool], what: str) -> None:
    try:
        async with asyncio.timeout(WAIT_S):
            while not condition():
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


@dataclass
class Monitor:
    """One channel set of ``username`` on ``url``; ``start`` opens it, ``abandon`` drops it
    the way a crash would (the PBX keeps its subscriptions)."""

    url: str
    username: str
    password: str = field(repr=False)
    on_event: OnEvent
    channel_set_id: str = field(default_factory=lambda: f"cloudcti-test-{uuid.uuid4().hex}")
    log: PbxLog = field(default_factory=lambda: PbxLog("conformance"))
    _client: XsiClient | None = None
    _channels: EventChannelSet | None = None
    _task: asyncio.Task[str] | None = None

    @property
    def channels(self) -> EventChannelSet:
        """The running channel set."""
        assert self._channels is not None, "the monitor is not started"
        return self._channels

    async def start(self) -> None:
        """Open the channel; returns once the PBX granted it."""
        credentials = BasicCredentials(self.username, self.password)
        self._client = XsiClient([self.url], credentials, log=self.log)
        self._channels = EventChannelSet(self._client, self.channel_set_id, self._deliver)
        self._task = asyncio.create_task(self._channels.run())
        await _until(lambda: bool(self.channels.open_hosts), "the channel to open")

    async def subscribe(self, target: str, package: EventPackage) -> str | None:
        """Subscribe the set to ``package`` of ``target``; ``None`` once granted, else the
        PBX's reason for refusing it."""
        key = f"{target}|{package}"
        request = subscribe_user(target, package, channel_set_id=self.channel_set_id)
        self.channels.add(SubscriptionSpec(key, request, line=target))
        channels = self.channels
        await _until(
            lambda: key in channels.subscriptions or key in channels.refused, f"subscription {key}"
        )
        return channels.refused.get(key)

    @property
    def rejected(self) -> list[str]:
        """Documents of the stream that did not decode."""
        return [e.summary for e in self.log.entries() if e.summary.startswith("undecodable")]

    async def until_acked(self, count: int) -> None:
        """Wait until ``count`` events were acknowledged (acks follow the callback)."""
        await _until(lambda: self.channels.stats.acked >= count, f"{count} acks")

    async def abandon(self) -> None:
        """Stop reading without deleting anything at the PBX."""
        task = self._task
        if task is not None:
            while not task.done():  # Python 3.11's wait_for can swallow one cancellation
                task.cancel()
                await asyncio.wait({task}, timeout=0.1)
            await asyncio.gather(task, return_exceptions=True)
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _deliver(self, delivery: Delivery) -> None:
        result = self.on_event(delivery.event)
        if inspect.isawaitable(result):
            await result
