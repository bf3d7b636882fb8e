"""Keeping forwarding live: ``forwarding_updated`` frames for a line's user, and the service
reads the domain asks for (``ServiceReadRequired``: after ``*21``/``#21`` and on every
``VoiceMessagingEvent``, whose settings no event carries — R11, R12).

Reads are done with the line user's own credentials, bounded: at most ``MAX_CONCURRENT``
at a time over the installation, at most one per line at a time; requests arriving while a
line's read runs are merged into one more read after it (never a storm)."""

from __future__ import annotations

import asyncio
import logging

from cloudcti.app.bus import BusMessage, EventBus, UserFrame
from cloudcti.app.errors import AppError
from cloudcti.app.forwarding import ForwardingService, forwarding_frames
from cloudcti.app.pipeline import EventPipeline
from cloudcti.domain.events import ForwardingUpdated, ServiceReadRequired
from cloudcti.xsi import Service

__all__ = ["MAX_CONCURRENT", "ServiceReads"]

MAX_CONCURRENT = 4
_log = logging.getLogger(__name__)


class ServiceReads:
    """The bus subscriber for forwarding frames and service re-reads."""

    def __init__(
        self, forwarding: ForwardingService, pipeline: EventPipeline, bus: EventBus
    ) -> None:
        self._forwarding = forwarding
        self._pipeline = pipeline
        self._bus = bus
        self._limit = asyncio.Semaphore(MAX_CONCURRENT)
        self._pending: dict[str, tuple[str, set[Service]]] = {}
        self._running: dict[str, asyncio.Task[None]] = {}

    def on_message(self, message: BusMessage) -> None:
        """Bus subscriber: frames now, reads in the background. A line that comes into
        service (e.g. its user entered their Cloud PBX login) gets its voicemail redirect
        read, which no event carries."""
        if isinstance(message, UserFrame):
            data = message.data
            if message.type == "line_updated" and data.get("state") == "in_service":
                self.request(message.user_id, str(data["id"]), {Service.VOICE_MESSAGING})
            return
        if any(isinstance(e, ForwardingUpdated) for e in message.events):
            state = self._pipeline.states.get(message.line_id)
            number = state.config.voicemail_number if state is not None else None
            for frame in forwarding_frames(message, number):
                self._bus.publish(frame)
        wanted = {
            Service(e.service)
            for e in message.events
            if isinstance(e, ServiceReadRequired) and e.service in Service.__members__.values()
        }
        if wanted and message.user_id is not None:
            self.request(message.user_id, message.line_id, wanted)

    def request(self, user_id: str, line_id: str, services: set[Service]) -> None:
        """Read ``services`` of the user's line soon (merged with a read already waiting)."""
        _, queued = self._pending.setdefault(line_id, (user_id, set()))
        queued.update(services)
        if line_id not in self._running:
            task = asyncio.get_running_loop().create_task(self._run(line_id))
            self._running[line_id] = task

    async def idle(self) -> None:
        """Return once no read is running or waiting."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def stop(self) -> None:
        """Cancel running reads."""
        for task in self._running.values():
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
        self._running.clear()

    async def _run(self, line_id: str) -> None:
        try:
            while line_id in self._pending:
                user_id, services = self._pending.pop(line_id)
                async with self._limit:
                    await self._read(user_id, line_id, services)
        finally:
            self._running.pop(line_id, None)

    async def _read(self, user_id: str, line_id: str, services: set[Service]) -> None:
        ordered = [s for s in Service if s in services]
        try:
            await self._forwarding.read(user_id, line_id, ordered)
        except AppError as error:  # no valid credentials, PBX down: the next change retries
            _log.info("reading %s of line %s skipped: %s", ordered, line_id, error.detail)
        except Exception:
            _log.exception("reading %s of line %s failed", ordered, line_id)
