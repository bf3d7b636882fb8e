"""Presence of users (CONTRACT.md §2.1 ``Presence``, R12, R13): computed from their lines' live
state, shown to each viewer with the forwarding target only where the rights allow, and
fanned out as ``presence_updated`` frames.

Fan-out is coalesced per contact: a change schedules the contact; further changes within
``COALESCE_S`` (a trailing window, at most ``MAX_DELAY_S`` after the first) are merged, and
one frame per viewer carries the presence then current. A contact whose presence ends up as
it was last sent makes no frames. Every user sees every colleague's presence (a company
directory; not their own, which their calls and forwarding frames already tell them); the
forwarding target is filtered per viewer (``app/rights.py``), and when teams or grants
change, viewers whose right to see a current target changed get the presence again.

Fan-out has a budget: one change makes a frame for every colleague, so a busy company would
otherwise spend its time on presence. After a round of ``n`` frames the next round waits
``n / FRAMES_PER_S`` seconds; changes meanwhile are merged (the latest state wins), so under
a flood presence arrives later and in fewer frames, while call frames (which the frame log
writes first, ``app/frames.py``) stay prompt. Below the budget nothing waits longer than the
coalescing window.

The presences at start are the baseline (``start``): clients read them with
``GET /contacts``; a line whose gateway is still connecting (``unknown``) keeps its presence,
so a server start is no wave of frames, while a gateway going down or a line disabled is
``offline``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from cloudcti.app.bus import BusMessage, EventBus, UserFrame
from cloudcti.app.clock import Clock
from cloudcti.app.lines import LinesService, LineView
from cloudcti.app.pipeline import EventPipeline
from cloudcti.domain.events import PresenceUpdated
from cloudcti.domain.presence import (
    Presence,
    PresenceState,
    Rights,
    combine,
    presence_for_viewer,
)
from cloudcti.store import Store, Transaction

__all__ = ["COALESCE_S", "FRAMES_PER_S", "MAX_DELAY_S", "PresenceService", "presence_json"]

COALESCE_S = 0.1
MAX_DELAY_S = 1.0
FRAMES_PER_S = 1000.0
"""Presence frames per second over all viewers that the fan-out paces itself to."""
_AVAILABLE = Presence(PresenceState.AVAILABLE)
_MONITORED = frozenset({"in_service", "needs_user_auth", "unknown"})
"""Line states whose presence is known; ``unknown`` (the gateway is connecting) keeps it, so a
server start is no wave of offline→available; ``disabled``/``out_of_service`` are offline."""
_log = logging.getLogger(__name__)


def presence_json(presence: Presence) -> dict[str, Any]:
    """CONTRACT.md ``Presence``."""
    kind = presence.forwarding.kind
    return {
        "state": presence.state.value,
        "forwarding": {
            "kind": kind.value if kind is not None else None,
            "target": presence.forwarding.target,
        },
    }


async def load_rights(tx: Transaction) -> Rights:
    """The stored teams and grants as the domain's ``Rights``."""
    teams = {t.id: frozenset(t.members) for t in await tx.rights.teams()}
    return Rights(teams=teams, grants=await tx.rights.grants())


class PresenceService:
    """Users' presence, per viewer, and the coalesced ``presence_updated`` fan-out."""

    def __init__(
        self,
        store: Store,
        lines: LinesService,
        pipeline: EventPipeline,
        bus: EventBus,
        clock: Clock,
        *,
        frames_per_s: float = FRAMES_PER_S,
    ) -> None:
        self._store = store
        self._frames_per_s = frames_per_s
        self._lines = lines
        self._pipeline = pipeline
        self._bus = bus
        self._clock = clock
        self._due: dict[str, tuple[float, float]] = {}  # subject → (first change, last change)
        self._sent: dict[str, Presence] = {}
        self._rights = Rights()  # as of the last re-send of targets (or the start)
        self._rights_changed = False
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.frames_sent = 0

    def of_lines(self, lines: Iterable[LineView]) -> Presence:
        """A user's presence (unfiltered) over ``lines``: ``offline`` unless monitored."""
        presences = []
        for line in lines:
            if line.state not in _MONITORED:
                continue
            state = self._pipeline.states.get(line.id)
            presences.append(state.presence if state is not None else _AVAILABLE)
        return combine(presences)

    async def start(self) -> None:
        """Take every user's presence now as what clients know (they read it with
        ``GET /contacts``), so that only changes from here on make frames."""
        async with self._store.read() as tx:
            users = [u.id for u in await tx.users.all()]
            self._rights = await load_rights(tx)
        for user_id in users:
            self._sent.setdefault(user_id, await self.of_user(user_id))

    async def of_user(self, user_id: str) -> Presence:
        """The user's presence (unfiltered)."""
        return self.of_lines(await self._lines.list(user_id=user_id))

    # --- fan-out ---------------------------------------------------------------------------

    def on_message(self, message: BusMessage) -> None:
        """Bus subscriber: schedule the line's user when the line's presence changed, or
        when one of the user's lines changed state (monitored or not: ``offline``)."""
        if isinstance(message, UserFrame):
            if message.type == "line_updated":
                self.changed(message.user_id)
            return
        if message.user_id is None:
            return
        if any(isinstance(e, PresenceUpdated) for e in message.events):
            self.changed(message.user_id)

    def rights_changed(self) -> None:
        """Teams or grants changed: viewers whose right to see a current forwarding target
        changed get that presence again (soon, from the fan-out task)."""
        self._rights_changed = True
        self._ensure_task()
        self._wake.set()

    def changed(self, subject_id: str) -> None:
        """The subject's presence may have changed: send it soon (coalesced)."""
        now = asyncio.get_running_loop().time()
        first, _ = self._due.get(subject_id, (now, now))
        self._due[subject_id] = (first, now)
        self._ensure_task()
        self._wake.set()

    def _ensure_task(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="presence")

    async def stop(self) -> None:
        """Stop the fan-out (pending changes are dropped)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._due and not self._rights_changed:
                self._wake.clear()
                await self._wake.wait()
                continue
            now = loop.time()
            ready = [
                s
                for s, (first, last) in self._due.items()
                if now >= min(last + COALESCE_S, first + MAX_DELAY_S)
            ]
            if not ready and not self._rights_changed:
                wait = min(min(b + COALESCE_S, a + MAX_DELAY_S) for a, b in self._due.values())
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), max(wait - now, 0.001))
                continue
            for subject in ready:
                self._due.pop(subject, None)
            sent = 0
            try:
                sent = await self._send(ready)
            except Exception:  # one failed fan-out must not end the task; clients resync
                _log.exception("presence fan-out failed")
            if sent:  # the budget: merge what changes meanwhile
                await asyncio.sleep(sent / self._frames_per_s)

    async def _send(self, subjects: list[str]) -> int:
        """One round: frames for the subjects whose presence changed, and for viewers whose
        rights changed; the number of frames published."""
        async with self._store.read() as tx:
            viewers = [u.id for u in await tx.users.all()]
            rights = await load_rights(tx)
        resend, self._rights_changed = self._rights_changed, False
        old_rights = self._rights
        if resend:  # else keep the baseline: the notice may come after a round read them
            self._rights = rights
        sent = 0
        published: set[str] = set()
        for subject in subjects:
            presence = await self.of_user(subject)
            if self._sent.get(subject) == presence:
                continue
            self._sent[subject] = presence
            published.add(subject)
            sent += self._publish(subject, presence, [v for v in viewers if v != subject], rights)
            await asyncio.sleep(0)  # a round of many subjects must not hold up call events
        if resend:  # a subject due but unchanged is not in ``published``: re-sent here
            sent += self._resend_targets(viewers, old_rights, rights, published)
        return sent

    def _resend_targets(self, viewers: list[str], old: Rights, new: Rights, skip: set[str]) -> int:
        """Frames for viewers who now see a current target differently (``skip``: subjects
        sent afresh with the new rights in this round)."""
        sent = 0
        for subject, presence in self._sent.items():
            if presence.forwarding.target is None or subject in skip:
                continue
            changed = [
                v
                for v in viewers
                if v != subject
                and presence_for_viewer(presence, v, subject, old)
                != presence_for_viewer(presence, v, subject, new)
            ]
            sent += self._publish(subject, presence, changed, new)
        return sent

    def _publish(self, subject: str, presence: Presence, viewers: list[str], rights: Rights) -> int:
        """A ``presence_updated`` frame to each viewer; viewers who see the same presence
        share one data object (the frame log encodes it once)."""
        shared: dict[Presence, dict[str, Any]] = {}
        for viewer in viewers:
            seen = presence_for_viewer(presence, viewer, subject, rights)
            data = shared.get(seen)
            if data is None:
                data = shared[seen] = {"user_id": subject, "presence": presence_json(seen)}
            self._bus.publish(UserFrame(viewer, "presence_updated", data))
        self.frames_sent += len(viewers)
        return len(viewers)
