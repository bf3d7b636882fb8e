"""cloudcti.xsi against cloudcti.sim over real loopback HTTP.

The two were written apart from the spec, neither importing the other; here each checks the
other: every request the core builds is accepted by the simulator, and every document the
simulator sends decodes with the core into the event the flow calls for (PROTOCOL.md §5).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from cloudcti.sim.server import SimServer
from cloudcti.xsi import (
    CallAnsweredEvent,
    CallHeldEvent,
    CallReceivedEvent,
    CallReleasedEvent,
    CallRetrievedEvent,
    CallState,
    CallSubscriptionEvent,
    Event,
    EventPackage,
    HookStatus,
    Personality,
    SubscriptionEvent,
    XsiRequest,
    get_call,
    get_calls,
    get_profile,
    hold,
    new_call,
    parse_call,
    parse_call_start_info,
    parse_calls,
    parse_error_info,
    parse_profile,
    talk,
)
from tests.conformance.monitor import Monitor

PASSWORD = "Test-Passw0rd"
ALICE = "alice@deutschland-lan.de"
BOB = "bob@deutschland-lan.de"
MONITOR = "monitor@deutschland-lan.de"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    server = SimServer(host="127.0.0.1", ports=[0], scenario="empty")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def control(sim: SimServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sim.urls[0], timeout=5.0) as client:
        assert (await client.post("/sim/v1/reset", json={"scenario": "empty"})).is_success
        config = {"event_timeout_s": 30, "auto_answer_click_to_dial": True, "no_answer_s": 60}
        assert (await client.patch("/sim/v1/config", json=config)).is_success
        for user_id, ext, monitoring in (
            (ALICE, "7770", False),
            (BOB, "7771", False),
            (MONITOR, "7799", True),
        ):
            body = {
                "user_id": user_id,
                "password": PASSWORD,
                "first_name": user_id.split("@")[0].title(),
                "last_name": "Test",
                "number": f"+49898877667{ext}",
                "extension": ext,
                "monitoring": monitoring,
            }
            assert (await client.post("/sim/v1/users", json=body)).status_code == 201
        yield client


async def _send(sim: SimServer, user: str, request: XsiRequest) -> httpx.Response:
    async with httpx.AsyncClient(
        base_url=sim.urls[0], auth=(user, PASSWORD), timeout=5.0
    ) as client:
        return await client.request(
            request.method, request.path, params=list(request.query), content=request.body
        )


class Recorder:
    """Collects decoded events and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Condition()

    async def __call__(self, event: Event) -> None:
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    async def wait_for(self, kind: type[Event], count: int = 1) -> list[Event]:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.of(kind)) >= count), timeout=5.0
            )
        return self.of(kind)

    def of(self, kind: type[Event]) -> list[Event]:
        return [event for event in self.events if isinstance(event, kind)]


async def test_a_call_watched_and_controlled_through_the_core(
    sim: SimServer, control: httpx.AsyncClient
) -> None:
    recorder = Recorder()
    channel = Monitor(sim.urls[0], MONITOR, PASSWORD, recorder)
    try:
        await channel.start()
        assert await channel.subscribe(ALICE, EventPackage.ADVANCED_CALL) is None
        (snapshot,) = await recorder.wait_for(CallSubscriptionEvent)
        assert isinstance(snapshot, CallSubscriptionEvent)
        assert snapshot.hook_status is HookStatus.ON_HOOK
        assert snapshot.envelope.target_id in (ALICE, None)

        # Bob rings Alice; Alice answers, holds and takes the call back through Xsi-Actions.
        call = await control.post("/sim/v1/calls", json={"from": BOB, "to": ALICE})
        assert call.status_code == 201
        (received,) = await recorder.wait_for(CallReceivedEvent)
        assert isinstance(received, CallReceivedEvent)
        assert received.call.personality is Personality.TERMINATOR
        assert received.call.state is CallState.ALERTING
        assert received.call.remote_party is not None
        assert received.call.remote_party.call_type == "Group"

        listed = parse_calls((await _send(sim, ALICE, get_calls(ALICE))).content)
        assert [ref.call_id for ref in listed] == [received.call.call_id]
        details = parse_call(
            (await _send(sim, ALICE, get_call(ALICE, received.call.call_id))).content
        )
        assert details.call_id == received.call.call_id
        assert details.ext_tracking_id == received.call.ext_tracking_id

        answered = await control.post(
            f"/sim/v1/calls/{call.json()['id']}/answer", json={"at": "primary"}
        )
        assert answered.is_success
        await recorder.wait_for(CallAnsweredEvent)
        assert (await _send(sim, ALICE, hold(ALICE, received.call.call_id))).status_code == 200
        (held,) = await recorder.wait_for(CallHeldEvent)
        assert isinstance(held, CallHeldEvent)
        assert held.call.state is CallState.HELD
        assert (await _send(sim, ALICE, talk(ALICE, received.call.call_id))).status_code == 200
        await recorder.wait_for(CallRetrievedEvent)
        hangup = await control.post(
            f"/sim/v1/calls/{call.json()['id']}/hangup", json={"side": "caller"}
        )
        assert hangup.is_success
        (released,) = await recorder.wait_for(CallReleasedEvent)
        assert isinstance(released, CallReleasedEvent)
        assert released.call.call_id == received.call.call_id
        subscription_events = [e for e in recorder.events if isinstance(e, SubscriptionEvent)]
        await channel.until_acked(len(subscription_events))
    finally:
        await channel.abandon()

    assert channel.rejected == []
    # events are handled concurrently now: one may have come after the snapshot above
    subscription_events = [e for e in recorder.events if isinstance(e, SubscriptionEvent)]
    assert channel.channels.stats.acked == len(subscription_events)
    assert channel.channels.stats.ack_failures == 0
    assert len({e.envelope.event_id for e in subscription_events}) == len(subscription_events)
    numbers = [event.envelope.sequence_number for event in subscription_events]
    assert numbers == list(range(1, len(numbers) + 1))


async def test_actions_responses_decode(sim: SimServer, control: httpx.AsyncClient) -> None:
    profile = parse_profile((await _send(sim, ALICE, get_profile(ALICE))).content)
    assert profile.user_id == ALICE
    assert profile.extension == "7770"
    assert profile.group_id
    assert profile.service_provider

    started = await _send(sim, ALICE, new_call(ALICE, "7771"))
    assert started.status_code == 201
    info = parse_call_start_info(started.content)
    assert info.call_id
    assert started.headers["Location"].endswith(info.call_id)

    refused = await _send(sim, ALICE, get_profile(BOB))
    assert refused.status_code == 403
    assert parse_error_info(refused.content).summary_english
