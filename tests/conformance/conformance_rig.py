"""A simulated Cloud PBX watched over real HTTP, whose recorded events the domain replays.

``Rig`` drives the simulator through its control API and Xsi-Actions (with each user's own
credentials) and records every event the monitoring user's channel decodes, per target.
``replay`` feeds one target's recording to a fresh ``LineState`` and keeps what it said.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from cloudcti.domain.calls import Call
from cloudcti.domain.events import (
    CallCreated,
    CallEnded,
    CallUpdated,
    DomainEvent,
    JournalEntryCreated,
)
from cloudcti.domain.journal import JournalEntry
from cloudcti.domain.lines import LineConfig, LineState
from cloudcti.domain.numbers import DialingParameters, Directory
from cloudcti.sim.server import SimServer
from cloudcti.xsi import (
    CallEvent,
    Event,
    EventPackage,
    ServiceSettings,
    SubscriptionEvent,
    XsiRequest,
    put_service,
)
from tests.conformance.monitor import Monitor

PASSWORD = "Test-Passw0rd"
ALICE = "alice@deutschland-lan.de"
BOB = "bob@deutschland-lan.de"
MONITOR = "monitor@deutschland-lan.de"
ALICE_NUMBER = "+49898877667770"
BOB_NUMBER = "+49898877667771"
ALICE_MOBILE = "+4915112345678"
OUTSIDE = "+493022334455"
VOICE_PORTAL = "+4989887766999"  # the simulator's group voice portal

PARAMS = DialingParameters.cloud_pbx(area_code="89", base_number="887766")
DIRECTORY = Directory({"7770": ALICE_NUMBER, "7771": BOB_NUMBER})
WAIT_S = 5.0


def config_of(user_id: str) -> LineConfig:
    """The line of ``user_id`` as the application would configure it for the domain."""
    return LineConfig(
        line_id=user_id, params=PARAMS, directory=DIRECTORY, voice_portal=VOICE_PORTAL
    )


@dataclass
class Replay:
    """What the domain made of one line's recorded events."""

    state: LineState
    events: list[DomainEvent]

    @property
    def journal(self) -> list[JournalEntry]:
        """The journal entries, in order."""
        return [e.entry for e in self.events if isinstance(e, JournalEntryCreated)]

    def last_view(self, call_id: str) -> Call:
        """The last view of a call the domain reported (created, updated or ended)."""
        views = [
            e.call
            for e in self.events
            if isinstance(e, CallCreated | CallUpdated | CallEnded) and e.call.id == call_id
        ]
        assert views, f"no call {call_id} reported"
        return views[-1]

    def ended(self) -> list[Call]:
        """The calls that ended, in order."""
        return [e.call for e in self.events if isinstance(e, CallEnded)]


def replay(events: list[Event], user_id: str) -> Replay:
    """Apply ``events`` to a fresh line of ``user_id`` (``now`` is the wall clock)."""
    state = LineState.new(config_of(user_id))
    produced: list[DomainEvent] = []
    now = int(time.time() * 1000)
    for event in events:
        state, out = state.apply(event, now=now)
        produced.extend(out)
    return Replay(state, produced)


@dataclass
class Rig:
    """The simulator (reset to Alice, Bob and the monitoring user) plus one event channel."""

    sim: SimServer
    control: httpx.AsyncClient
    recorded: list[Event] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    channel: Monitor | None = None

    async def _record(self, event: Event) -> None:
        async with self._changed:
            self.recorded.append(event)
            self._changed.notify_all()

    async def setup(self, *, alice: dict[str, Any] | None = None) -> None:
        """A fresh PBX; ``alice`` adds fields to Alice's user (e.g. ``mobile``)."""
        assert (await self.control.post("/sim/v1/reset", json={"scenario": "empty"})).is_success
        await self.configure(event_timeout_s=30, auto_answer_click_to_dial=True, no_answer_s=30)
        for user_id, ext, number, monitoring, extra in (
            (ALICE, "7770", ALICE_NUMBER, False, alice or {}),
            (BOB, "7771", BOB_NUMBER, False, {}),
            (MONITOR, "7799", "+49898877667799", True, {}),
        ):
            body = {
                "user_id": user_id,
                "password": PASSWORD,
                "first_name": user_id.split("@")[0].title(),
                "last_name": "Test",
                "number": number,
                "extension": ext,
                "monitoring": monitoring,
                **extra,
            }
            assert (await self.control.post("/sim/v1/users", json=body)).status_code == 201

    async def watch(self, *targets: str, packages: tuple[EventPackage, ...] = ()) -> None:
        """Open the monitoring channel and subscribe each target to Advanced Call (and
        ``packages``); returns once every subscription's first event arrived."""
        await self.reopen()
        assert self.channel is not None
        expected = 0
        for target in targets:
            for package in (EventPackage.ADVANCED_CALL, *packages):
                refused = await self.channel.subscribe(target, package)
                assert refused is None, refused
                expected += 1
        await self.until(lambda: len(self._subscriptions()) >= expected, "first events")

    async def reopen(self, channel_set_id: str | None = None) -> None:
        """Open the monitoring channel (in ``channel_set_id``'s set: its subscriptions)."""
        channel = Monitor(self.sim.urls[0], MONITOR, PASSWORD, self._record)
        if channel_set_id is not None:
            channel.channel_set_id = channel_set_id
        self.channel = channel
        await channel.start()

    def _subscriptions(self) -> set[str]:
        return {
            e.envelope.subscription_id for e in self.recorded if isinstance(e, SubscriptionEvent)
        }

    async def close(self) -> None:
        """Stop reading the channel (its subscriptions stay at the PBX, as after a crash)."""
        if self.channel is not None:
            await self.channel.abandon()

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Wait (at most ``WAIT_S``) until ``condition`` holds for the recording."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(condition), WAIT_S)
            except TimeoutError:
                kinds = [type(e).__name__ for e in self.recorded]
                raise AssertionError(f"timed out waiting for {what}; recorded {kinds}") from None

    def of(self, target: str) -> list[Event]:
        """The events recorded for ``target``, in arrival order."""
        return [
            e
            for e in self.recorded
            if isinstance(e, SubscriptionEvent) and e.envelope.target_id == target
        ]

    def count(self, target: str, kind: type[Event]) -> int:
        """How many events of ``kind`` ``target`` got."""
        return sum(1 for e in self.of(target) if isinstance(e, kind))

    async def until_event(self, target: str, kind: type[Event], count: int = 1) -> Event:
        """Wait for the ``count``-th event of ``kind`` for ``target``; that event."""
        await self.until(lambda: self.count(target, kind) >= count, f"{kind.__name__} #{count}")
        return [e for e in self.of(target) if isinstance(e, kind)][count - 1]

    def call_ids(self, target: str) -> list[str]:
        """The Xsi call ids ``target``'s call events named, first seen first."""
        ids = [e.call.call_id for e in self.of(target) if isinstance(e, CallEvent)]
        return list(dict.fromkeys(ids))

    # --- driving the simulator ---------------------------------------------------------------

    async def configure(self, **changes: Any) -> None:
        """``PATCH /sim/v1/config``."""
        assert (await self.control.patch("/sim/v1/config", json=changes)).is_success

    async def call(self, caller: str, callee: str) -> str:
        """Start a call; its simulator id."""
        response = await self.control.post("/sim/v1/calls", json={"from": caller, "to": callee})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def answer(self, call_id: str, at: str = "primary") -> None:
        """The called side picks up at ``at``."""
        response = await self.control.post(f"/sim/v1/calls/{call_id}/answer", json={"at": at})
        assert response.is_success, response.text

    async def hangup(self, call_id: str, side: str) -> None:
        """``caller`` or ``callee`` hangs up."""
        response = await self.control.post(f"/sim/v1/calls/{call_id}/hangup", json={"side": side})
        assert response.is_success, response.text

    async def dial(self, user_id: str, digits: str, device: str = "primary") -> str | None:
        """The user dials on a device; the simulator's call id (``None`` for a service code)."""
        body = {"digits": digits, "device": device}
        response = await self.control.post(f"/sim/v1/users/{user_id}/dial", json=body)
        assert response.status_code == 201, response.text
        found = response.json()["id"]
        return None if found is None else str(found)

    async def patch_user(self, user_id: str, **changes: Any) -> None:
        """``PATCH /sim/v1/users/{id}`` (remote office, parallel ring, mobile)."""
        response = await self.control.patch(f"/sim/v1/users/{user_id}", json=changes)
        assert response.is_success, response.text

    async def xsi(self, user_id: str, request: XsiRequest) -> httpx.Response:
        """Send an Xsi-Actions request with the user's own credentials; must succeed."""
        async with httpx.AsyncClient(
            base_url=self.sim.urls[0], auth=(user_id, PASSWORD), timeout=5.0
        ) as client:
            response = await client.request(
                request.method, request.path, params=list(request.query), content=request.body
            )
        assert response.is_success, response.text
        return response

    async def service(self, user_id: str, settings: ServiceSettings) -> None:
        """Set one of the user's services through Xsi-Actions."""
        await self.xsi(user_id, put_service(user_id, settings))
