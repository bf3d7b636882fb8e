"""The frame log writes the frames of the bus messages queued together in one transaction,
numbered per user. ``FrameHub`` bounds each connection: frames wait up to ``max_pending``; a
connection that would hold more is overflowed (its frames dropped, memory freed, no more
deliveries) while the user's other connections go on receiving."""

from __future__ import annotations

from pathlib import Path

from cloudcti.app.bus import UserFrame
from cloudcti.app.frames import Frame, FrameHub, FrameLog
from cloudcti.store import Store, load_keyring
from tests.store.store_fixtures import FAST_HASHING


def _frames(first: int, count: int) -> list[Frame]:
    return [Frame(seq, "pong", {}) for seq in range(first, first + count)]


def test_a_connection_that_does_not_read_is_overflowed_and_dropped() -> None:
    hub = FrameHub(max_pending=3)
    with hub.connect("u1") as slow, hub.connect("u1") as fast:
        hub.deliver("u1", _frames(1, 2))
        for _ in range(2):
            fast.queue.get_nowait()
        hub.deliver("u1", _frames(3, 2))  # slow would hold 4 > 3
        assert slow.overflowed.is_set()
        assert slow.queue.qsize() == 0
        assert not fast.overflowed.is_set()
        assert hub.connections("u1") == 1
        hub.deliver("u1", _frames(5, 1))
        assert slow.queue.qsize() == 0
        assert [fast.queue.get_nowait().seq for _ in range(3)] == [3, 4, 5]
    assert hub.connections("u1") == 0


def test_memory_stays_bounded_under_a_flood() -> None:
    hub = FrameHub(max_pending=100)
    with hub.connect("u1") as connection:
        for seq in range(1, 10_001):
            hub.deliver("u1", _frames(seq, 1))
            assert connection.queue.qsize() <= 100
        assert connection.overflowed.is_set()


async def test_messages_queued_together_are_stored_in_one_write_numbered_per_user(
    tmp_path: Path,
) -> None:
    keyring = load_keyring(tmp_path, {"CLOUDCTI_SECRET_KEY": "A" * 43})
    store = await Store.open(keyring, data_dir=tmp_path, hashing=FAST_HASHING)
    log = FrameLog(store, FrameHub(), lambda: 1_800_000_000_000)
    log.start()
    try:
        with log.hub.connect("u1") as one, log.hub.connect("u2") as two:
            for n in range(5):
                log.on_message(UserFrame("u1", "line_updated", {"n": n}))
                log.on_message(UserFrame("u2", "line_updated", {"n": n}))
            await log.idle()
            assert log.writes == 1
            for connection in (one, two):
                got = [connection.queue.get_nowait() for _ in range(5)]
                assert [(f.seq, f.data["n"]) for f in got] == [(n + 1, n) for n in range(5)]
        replay = await log.since("u2", 2)
        assert replay is not None
        assert [f.seq for f in replay] == [3, 4, 5]
        log.on_message(UserFrame("u1", "line_updated", {"n": 5}))
        await log.idle()
        assert await log.latest_seq("u1") == 6
    finally:
        await log.stop()
        await store.close()
