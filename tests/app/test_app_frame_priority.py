"""Call frames go before presence: the frame log writes ``presence_updated`` frames after
everything else queued, in slices of ``MAX_BULK_FRAMES``, so a wave of presence holds a call
frame back by one slice at most; each user's ``seq`` still runs 1, 2, 3, … without gaps; the
text sent (``Frame.to_text``) is the JSON of ``to_json`` and is encoded once per shared data;
a resume (``since``) gives the very frames that were delivered. Real SQLite store, bus,
frame log and hub (which records the order it hands frames out)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cloudcti.app.bus import InProcessBus, LineEvents, UserFrame
from cloudcti.app.frames import MAX_BULK_FRAMES, Frame, FrameHub, FrameLog
from cloudcti.domain.events import CallCreated
from cloudcti.store import Store, load_keyring
from cloudcti.xsi import CallReceivedEvent
from tests.domain.domain_factories import T0, Subscription, fresh, leg
from tests.store.store_fixtures import FAST_HASHING

CALLED = "u-007"
"""The user a call comes in for; also a viewer of everyone's presence."""
VIEWERS = [f"u-{n:03d}" for n in range(40)]
CHANGES = 25  # presence changes per viewer: 1,000 presence frames in all


class RecordingHub(FrameHub):
    """The real hub, which also notes every frame in the order it was handed out."""

    def __init__(self) -> None:
        super().__init__(max_pending=100_000)
        self.order: list[tuple[str, Frame]] = []
        self.first = asyncio.Event()

    def deliver(self, user_id: str, frames: list[Frame]) -> None:
        self.order.extend((user_id, frame) for frame in frames)
        self.first.set()
        super().deliver(user_id, frames)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[tuple[InProcessBus, FrameLog, RecordingHub]]:
    keyring = load_keyring(tmp_path, {"CLOUDCTI_SECRET_KEY": "A" * 43})
    store = await Store.open(keyring, data_dir=tmp_path, hashing=FAST_HASHING)
    hub = RecordingHub()
    log = FrameLog(store, hub, lambda: 1_800_000_000_000)
    bus = InProcessBus()
    bus.subscribe(log.on_message)
    log.start()
    try:
        yield bus, log, hub
    finally:
        await log.stop()
        await store.close()


def call_created() -> LineEvents:
    """What the pipeline publishes for a call coming in on the called user's line."""
    _, events = fresh().apply(Subscription().call(CallReceivedEvent, leg()), now=T0)
    created = tuple(e for e in events if isinstance(e, CallCreated))
    assert len(created) == 1
    return LineEvents("line-alice", CALLED, created)


def presence_wave(bus: InProcessBus) -> None:
    """``CHANGES`` rounds of presence changes; each round's data object is shared by every
    viewer (as ``PresenceService`` publishes them)."""
    for n in range(CHANGES):
        data = {
            "user_id": f"subject-{n}",
            "presence": {"state": "dnd", "forwarding": {"kind": None, "target": None}},
            "note": "Ärger über Öl",
        }
        for viewer in VIEWERS:
            bus.publish(UserFrame(viewer, "presence_updated", data))


def position_of_call(hub: RecordingHub) -> int:
    (found,) = [i for i, (_, f) in enumerate(hub.order) if f.type == "call_created"]
    return found


async def test_a_call_frame_queued_behind_a_presence_wave_is_in_the_first_slice(
    rig: tuple[InProcessBus, FrameLog, RecordingHub],
) -> None:
    bus, log, hub = rig
    presence_wave(bus)
    bus.publish(UserFrame(CALLED, "line_updated", {"state": "in_service"}))
    bus.publish(call_created())
    await asyncio.wait_for(log.idle(), 30)
    total = len(VIEWERS) * CHANGES + 2
    assert len(hub.order) == total
    assert position_of_call(hub) <= MAX_BULK_FRAMES + 1
    assert log.writes >= len(VIEWERS) * CHANGES // MAX_BULK_FRAMES  # presence went in slices
    # the called user's own stream: the line and the call first, then the presence frames
    own = [f for user, f in hub.order if user == CALLED]
    assert [f.type for f in own[:2]] == ["line_updated", "call_created"]
    assert {f.type for f in own[2:]} == {"presence_updated"}


async def test_a_call_arriving_during_a_presence_wave_waits_for_one_slice_at_most(
    rig: tuple[InProcessBus, FrameLog, RecordingHub],
) -> None:
    bus, log, hub = rig
    presence_wave(bus)
    await asyncio.wait_for(hub.first.wait(), 10)  # the first slice is out
    arrived_at = len(hub.order)
    bus.publish(call_created())
    await asyncio.wait_for(log.idle(), 30)
    assert arrived_at < len(VIEWERS) * CHANGES, "the wave was written without a break"
    assert position_of_call(hub) <= arrived_at + MAX_BULK_FRAMES + 1


async def test_each_users_seq_runs_without_gaps_across_mixed_frames_and_resumes_alike(
    rig: tuple[InProcessBus, FrameLog, RecordingHub],
) -> None:
    bus, log, hub = rig
    for round in range(3):
        presence_wave(bus)
        bus.publish(call_created())
        for viewer in VIEWERS[::7]:
            bus.publish(UserFrame(viewer, "line_updated", {"state": "in_service", "n": round}))
        await asyncio.sleep(0)  # let some of it be written in between
    await asyncio.wait_for(log.idle(), 60)
    delivered: dict[str, list[Frame]] = {}
    for user, frame in hub.order:
        delivered.setdefault(user, []).append(frame)
    assert set(delivered) == set(VIEWERS)
    for user, frames in delivered.items():
        assert [f.seq for f in frames] == list(range(1, len(frames) + 1)), user
        assert await log.latest_seq(user) == len(frames)
        resumed = await log.since(user, 0)
        assert resumed is not None
        assert [(f.seq, f.type, f.data, f.to_text()) for f in resumed] == [
            (f.seq, f.type, f.data, f.to_text()) for f in frames
        ]
        later = await log.since(user, frames[-3].seq)
        assert later is not None
        assert [f.to_text() for f in later] == [f.to_text() for f in frames[-2:]]
    assert [f.type for f in delivered[CALLED]].count("call_created") == 3


def _as_starlette_sends(frame: Frame) -> str:
    return json.dumps(frame.to_json(), separators=(",", ":"), ensure_ascii=False)


async def test_the_text_sent_is_the_json_of_the_frame_and_shared_data_is_encoded_once(
    rig: tuple[InProcessBus, FrameLog, RecordingHub],
) -> None:
    bus, log, hub = rig
    presence_wave(bus)
    bus.publish(call_created())
    odd: dict[str, Any] = {"text": 'Anführungszeichen " und \\ und \u2028', "n": [1, 2.5, None]}
    bus.publish(UserFrame(CALLED, "forwarding_updated", odd))
    await asyncio.wait_for(log.idle(), 30)
    for _, frame in hub.order:
        assert frame.to_text() == _as_starlette_sends(frame)
        assert json.loads(frame.to_text()) == frame.to_json()
        assert Frame(frame.seq, frame.type, frame.data).to_text() == frame.to_text()
    first_round = [f for _, f in hub.order if f.data.get("user_id") == "subject-0"]
    assert len(first_round) == len(VIEWERS)
    assert all(f.encoded is first_round[0].encoded for f in first_round)
    resumed = await log.since(CALLED, 0)
    assert resumed is not None
    assert any(f.data == odd for f in resumed)
    for frame in resumed:
        assert frame.to_text() == _as_starlette_sends(frame)
