"""``FrameHub`` bounds each connection: frames wait up to ``max_pending``; a connection that
would hold more is overflowed (its frames dropped, memory freed, no more deliveries) while
the user's other connections go on receiving."""

from __future__ import annotations

from cloudcti.app.frames import Frame, FrameHub


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
