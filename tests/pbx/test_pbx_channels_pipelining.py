"""Event delivery against the simulator: the reader keeps reading while the application
commits, each event is acked only after its own handling, a failed handling is answered 500
(the XSP resends it) and a poisonous event ends in a resync, the in-flight bound holds, and
the events of a line reach the application in stream order."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cloudcti.pbx import Delivery, GatewayConfig, GatewayRuntime, GatewayState, PbxLog
from cloudcti.pbx.transport import AiohttpTransport, HttpResponse
from cloudcti.xsi import CallSnapshotEvent
from tests.pbx.pbx_helpers import ALICE, BOB, Sim, gateway_config, until

OnEvent = Callable[[Delivery], Awaitable[None]]


class AckRecorder(AiohttpTransport):
    """The real transport, noting each EventResponse as it goes out: (eventID, status, time)."""

    def __init__(self) -> None:
        super().__init__()
        self.acks: list[tuple[str, int, float]] = []

    async def request(self, url: str, method: str, path: str, **kwargs: Any) -> HttpResponse:
        body: bytes | None = kwargs.get("body")
        if path.endswith("/channel/eventresponse") and body is not None:
            text = body.decode()
            event_id = re.search(r"<eventID>([^<]+)</eventID>", text)
            status = re.search(r"<statusCode>(\d+)</statusCode>", text)
            assert event_id is not None, text
            assert status is not None, text
            self.acks.append((event_id.group(1), int(status.group(1)), time.monotonic()))
        return await super().request(url, method, path, **kwargs)

    def of(self, event_id: str) -> list[int]:
        """The status codes sent for ``event_id``, in order."""
        return [status for eid, status, _ in self.acks if eid == event_id]


@dataclass
class Harness:
    runtime: GatewayRuntime
    transport: AckRecorder
    task: asyncio.Task[None]
    log: PbxLog

    @property
    def stats(self) -> Any:
        channels = self.runtime.channel_set
        assert channels is not None
        return channels.stats

    async def connected(self) -> None:
        await self.runtime.wait_for(lambda r: r.state is GatewayState.CONNECTED, 5.0)


@dataclass
class Recorder:
    """What the application saw: handling starts (in call order), ends, and the failures."""

    started: list[Delivery] = field(default_factory=list)
    ended: dict[str, float] = field(default_factory=dict)
    active: int = 0
    peak: int = 0

    def start(self, delivery: Delivery) -> None:
        self.started.append(delivery)
        self.active += 1
        self.peak = max(self.peak, self.active)

    def end(self, delivery: Delivery) -> None:
        self.active -= 1
        self.ended[delivery.event.envelope.event_id] = time.monotonic()

    def starts_of(self, event_id: str) -> int:
        return sum(1 for d in self.started if d.event.envelope.event_id == event_id)

    def snapshots(self) -> list[Delivery]:
        return [d for d in self.started if isinstance(d.event, CallSnapshotEvent)]

    def kinds(self, kind: str, user: str = ALICE) -> list[Delivery]:
        return [
            d
            for d in self.started
            if type(d.event).__name__ == kind
            and (d.event.envelope.target_id or "").lower() == user.lower()
        ]


Start = Callable[..., Harness]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """Start a GatewayRuntime with the given application callback and config."""
    started: list[Harness] = []

    def run(config: GatewayConfig, lines: Sequence[str], on_event: OnEvent) -> Harness:
        transport = AckRecorder()
        log = PbxLog(config.name, directory=tmp_path / f"log{len(started)}")
        runtime = GatewayRuntime(config, on_event, log=log, transport=transport)
        runtime.set_lines(list(lines))
        harness = Harness(runtime, transport, asyncio.create_task(runtime.run()), log)
        started.append(harness)
        return harness

    yield run
    for harness in started:
        await harness.runtime.close()
        harness.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await harness.task
        await harness.transport.aclose()  # the runtime leaves a transport it was given open
        harness.log.close()


async def play_call(sim: Sim, recorder: Recorder, callee: str = ALICE) -> None:
    """An outside caller rings ``callee``, who answers; the caller hangs up."""
    released = len(recorder.kinds("CallReleasedEvent", callee))
    call = await sim.call("+4930224455", callee)
    assert (await sim.post(f"/calls/{call}/answer", {"at": "primary"})).is_success
    assert (await sim.post(f"/calls/{call}/hangup", {"side": "caller"})).is_success
    await until(lambda: len(recorder.kinds("CallReleasedEvent", callee)) > released)


def all_acked(harness: Harness, recorder: Recorder) -> bool:
    """Every event handed over was answered 200 once its handling ended."""
    return all(200 in harness.transport.of(eid) for eid in recorder.ended)


async def test_a_failed_handling_is_answered_500_and_the_redelivery_applied(
    sim: Sim, start: Start
) -> None:
    recorder = Recorder()
    failed: list[str] = []

    async def on_event(delivery: Delivery) -> None:
        recorder.start(delivery)
        await asyncio.sleep(0)
        if type(delivery.event).__name__ == "CallReceivedEvent" and not failed:
            failed.append(delivery.event.envelope.event_id)
            recorder.active -= 1
            raise RuntimeError("the commit failed")
        recorder.end(delivery)

    harness = start(gateway_config(sim), [ALICE], on_event)
    await harness.connected()
    await play_call(sim, recorder)
    await until(lambda: bool(failed) and failed[0] in recorder.ended)
    await until(lambda: all_acked(harness, recorder))
    event_id = failed[0]
    assert recorder.starts_of(event_id) == 2  # the XSP resent it after the 500
    assert harness.transport.of(event_id) == [500, 200]
    redelivery = [d for d in recorder.started if d.event.envelope.event_id == event_id][1]
    assert redelivery.late
    # no other event was answered anything but one 200
    others = [(e, s) for e, s, _ in harness.transport.acks if e != event_id]
    assert all(s == 200 for _, s in others)
    assert len({e for e, _ in others}) == len(others)
    assert harness.stats.failed == 1
    assert harness.stats.given_up == 0
    assert harness.runtime.state is GatewayState.CONNECTED


async def test_a_poisonous_event_is_tried_three_times_then_acked_and_resynced(
    sim: Sim, start: Start
) -> None:
    recorder = Recorder()
    poison: list[str] = []

    async def on_event(delivery: Delivery) -> None:
        recorder.start(delivery)
        event_id = delivery.event.envelope.event_id
        kind = type(delivery.event).__name__
        wanted = kind in ("CallReceivedEvent", "CallReleasedEvent") and len(poison) < 2
        if wanted and event_id not in poison:
            poison.append(event_id)
        if event_id in poison:
            recorder.active -= 1
            raise RuntimeError("this event always fails")
        recorder.end(delivery)

    harness = start(gateway_config(sim), [ALICE], on_event)
    await harness.connected()
    await until(lambda: len(recorder.snapshots()) == 1)
    snapshots = len(recorder.snapshots())
    await play_call(sim, recorder)
    await until(lambda: harness.stats.given_up == 2)
    # the resync asked for a fresh snapshot of the line: its state is re-read, not lost
    await until(lambda: len(recorder.snapshots()) > snapshots)
    answers = [500, 500, 200]
    await until(lambda: all(harness.transport.of(eid) == answers for eid in poison))
    assert [recorder.starts_of(eid) for eid in poison] == [3, 3]
    assert harness.stats.failed == 6
    # the channel is not wedged: the next call flows and everything else is acked once
    await play_call(sim, recorder)
    await until(lambda: all_acked(harness, recorder))
    assert harness.stats.channels_opened == 2
    assert harness.runtime.state is GatewayState.CONNECTED
    summaries = " ".join(e.summary for e in harness.log.entries())
    assert "NonResponsiveChannel" not in summaries
    assert f"event {poison[1]} failed 3 times: resync" in summaries
    # two give-ups of one subscription within _GIVE_UP_RESYNC_GAP share one resync (no storm)
    assert harness.stats.resyncs == 1
    assert len(recorder.snapshots()) == snapshots + 1


async def test_the_reader_keeps_reading_while_events_commit(sim: Sim, start: Start) -> None:
    recorder = Recorder()
    acked_before_end: list[str] = []
    delay = 0.05

    async def on_event(delivery: Delivery) -> None:
        recorder.start(delivery)
        await asyncio.sleep(delay)  # a slow commit
        event_id = delivery.event.envelope.event_id
        if harness.transport.of(event_id):
            acked_before_end.append(event_id)
        recorder.end(delivery)

    harness = start(gateway_config(sim), [ALICE, BOB], on_event)
    await harness.connected()
    await until(lambda: len(recorder.started) >= 16)  # 2 lines x 8 packages of snapshots
    await until(lambda: all_acked(harness, recorder))
    first = len(recorder.started)
    began = time.monotonic()
    calls = [await sim.call("+4930224455", user) for user in (ALICE, BOB)]
    for call in calls:
        assert (await sim.post(f"/calls/{call}/answer", {"at": "primary"})).is_success
        assert (await sim.post(f"/calls/{call}/hangup", {"side": "caller"})).is_success
    await until(lambda: len(recorder.kinds("CallReleasedEvent", BOB)) == 1)
    await until(lambda: len(recorder.kinds("CallReleasedEvent", ALICE)) == 1)
    await until(lambda: recorder.active == 0 and all_acked(harness, recorder))
    burst = recorder.started[first:]
    elapsed = max(recorder.ended[d.event.envelope.event_id] for d in burst) - began
    # Handled one at a time per channel (two channels) they would take len/2 * delay at least.
    assert len(burst) >= 6
    assert recorder.peak > 2, recorder.peak
    assert elapsed < len(burst) * delay / 2 + 1.0
    assert acked_before_end == []  # no ack went out before its own handling ended
    for event_id, ended in recorder.ended.items():
        sent = [t for eid, s, t in harness.transport.acks if eid == event_id and s == 200]
        assert sent
        assert sent[0] >= ended


async def test_a_stalled_commit_does_not_stall_heartbeats_or_later_events(
    sim: Sim, start: Start
) -> None:
    recorder = Recorder()
    gate = asyncio.Event()
    first: list[str] = []

    async def on_event(delivery: Delivery) -> None:
        recorder.start(delivery)
        if not first:
            first.append(delivery.event.envelope.event_id)
            await gate.wait()  # a commit that hangs for a while
        recorder.end(delivery)

    harness = start(gateway_config(sim), [ALICE, BOB], on_event)
    await harness.connected()
    await until(lambda: bool(first))
    beats = harness.stats.heartbeats
    await play_call(sim, recorder, BOB)
    # longer than the silence timeout (1.6 s): the readers must keep reading heartbeat echoes
    await asyncio.sleep(2.0)
    assert harness.stats.heartbeats >= beats + 2
    assert harness.stats.channels_opened == 2  # no channel was given up as silent
    assert harness.transport.of(first[0]) == []  # not acked while its handling hangs
    assert len(recorder.ended) > 10  # everything behind it was handled meanwhile
    gate.set()
    await until(lambda: first[0] in recorder.ended and all_acked(harness, recorder))
    assert harness.transport.of(first[0]) == [200]


async def test_the_in_flight_bound_holds(sim: Sim, start: Start) -> None:
    recorder = Recorder()
    gate = asyncio.Event()

    async def on_event(delivery: Delivery) -> None:
        recorder.start(delivery)
        await gate.wait()
        recorder.end(delivery)

    harness = start(gateway_config(sim, max_in_flight=3), [ALICE, BOB], on_event)
    await until(lambda: len(recorder.started) == 3)
    await asyncio.sleep(0.5)  # 16 snapshots are waiting: no fourth one is handed over
    assert len(recorder.started) == 3
    assert recorder.peak == 3
    assert harness.transport.acks == []
    gate.set()
    await until(lambda: len(recorder.ended) >= 16 and recorder.active == 0)
    await until(lambda: all_acked(harness, recorder) and harness.stats.in_flight == 0)
    assert recorder.peak == 3
    assert harness.stats.peak_in_flight == 3


async def test_events_of_a_line_reach_the_application_in_stream_order(
    sim: Sim, start: Start
) -> None:
    # One host: the stream order is the PBX's order (across two channels it is not defined).
    recorder = Recorder()
    rng = random.Random(9)

    async def on_event(delivery: Delivery) -> None:
        recorder.start(delivery)
        await asyncio.sleep(rng.uniform(0.0, 0.03))  # commits end out of order
        recorder.end(delivery)

    harness = start(gateway_config(sim, xsi_urls=(sim.urls[0],)), [ALICE], on_event)
    await harness.connected()
    for _ in range(3):
        await play_call(sim, recorder)
    await until(lambda: all_acked(harness, recorder))
    by_subscription: dict[str, list[int]] = defaultdict(list)
    for delivery in recorder.started:
        envelope = delivery.event.envelope
        by_subscription[envelope.subscription_id].append(envelope.sequence_number)
    calls = [
        seqs
        for sid, seqs in by_subscription.items()
        if any(
            isinstance(d.event, CallSnapshotEvent)
            for d in recorder.started
            if d.event.envelope.subscription_id == sid
        )
    ]
    assert calls
    assert len(calls[0]) >= 10
    for seqs in by_subscription.values():
        assert seqs == sorted(seqs), seqs
        assert len(set(seqs)) == len(seqs), seqs
    ended_order = sorted(recorder.ended, key=recorder.ended.__getitem__)
    started_order = [d.event.envelope.event_id for d in recorder.started]
    assert ended_order != started_order  # the handlings did overlap and finish out of order
