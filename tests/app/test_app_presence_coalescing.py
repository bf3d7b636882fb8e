"""The ``presence_updated`` fan-out: changes to one person less than ``COALESCE_S`` apart make
one frame per viewer, with the presence current at sending and the forwarding target only
for viewers allowed to see it; changes further apart make a frame each; a steady stream is
still sent every ``MAX_DELAY_S``; a presence ending as last sent makes none. Real SQLite
store and bus; the line states are scripted (``of_user``), so timing is the only variable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest

from cloudcti.app.bus import BusMessage, InProcessBus, UserFrame
from cloudcti.app.presence import COALESCE_S, MAX_DELAY_S, PresenceService
from cloudcti.domain.presence import ForwardingKind, Presence, PresenceForwarding, PresenceState
from cloudcti.store import Store, TeamRecord, UserRecord, load_keyring
from tests.store.store_fixtures import FAST_HASHING

ANNA, BEN, CLARA = "u-anna", "u-ben", "u-clara"
AVAILABLE = Presence(PresenceState.AVAILABLE)
DND = Presence(PresenceState.DND)
FORWARDED = Presence(
    PresenceState.FORWARDED, PresenceForwarding(ForwardingKind.NUMBER, "+4915199998888")
)


class Scripted(PresenceService):
    """The real fan-out over presences the test sets."""

    current: dict[str, Presence]

    async def of_user(self, user_id: str) -> Presence:
        return self.current[user_id]


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[tuple[Scripted, list[UserFrame]]]:
    keyring = load_keyring(tmp_path, {"CLOUDCTI_SECRET_KEY": "A" * 43})
    store = await Store.open(keyring, data_dir=tmp_path, hashing=FAST_HASHING)
    async with store.transaction() as tx:
        for user_id, name in ((ANNA, "anna"), (BEN, "ben"), (CLARA, "clara")):
            await tx.users.add(UserRecord(user_id, name, name.title()), password="Passw0rd-1")
        await tx.rights.add_team(TeamRecord("t-1", "Vertrieb", frozenset({ANNA, BEN})))
    bus = InProcessBus()
    frames: list[UserFrame] = []

    def collect(message: BusMessage) -> None:
        if isinstance(message, UserFrame):
            frames.append(message)

    bus.subscribe(collect)
    presence = Scripted(store, cast(Any, None), cast(Any, None), bus, lambda: 0)
    presence.current = {ANNA: AVAILABLE}
    try:
        yield presence, frames
    finally:
        await presence.stop()
        await store.close()


def seen_by(frames: list[UserFrame], viewer: str) -> list[dict[str, Any]]:
    return [f.data["presence"] for f in frames if f.user_id == viewer]


async def changes(presence: Scripted, values: list[Presence], gap_s: float) -> None:
    for value in values:
        presence.current[ANNA] = value
        presence.changed(ANNA)
        await asyncio.sleep(gap_s)


async def test_a_burst_is_one_frame_per_viewer_with_the_target_per_rights(
    service: tuple[Scripted, list[UserFrame]],
) -> None:
    presence, frames = service
    await changes(presence, [DND, AVAILABLE, DND, AVAILABLE, FORWARDED], COALESCE_S / 5)
    await asyncio.sleep(COALESCE_S * 3)
    target = {"kind": "number", "target": "+4915199998888"}
    assert seen_by(frames, BEN) == [{"state": "forwarded", "forwarding": target}]
    assert seen_by(frames, ANNA) == []  # not to herself
    hidden = {"kind": "number", "target": None}
    assert seen_by(frames, CLARA) == [{"state": "forwarded", "forwarding": hidden}]
    assert {f.data["user_id"] for f in frames} == {ANNA}
    assert presence.frames_sent == 2


async def test_changes_further_apart_are_a_frame_each(
    service: tuple[Scripted, list[UserFrame]],
) -> None:
    presence, frames = service
    await changes(presence, [DND, AVAILABLE], COALESCE_S * 3)
    states = [p["state"] for p in seen_by(frames, CLARA)]
    assert states == ["dnd", "available"]


async def test_a_steady_stream_is_still_sent_every_max_delay(
    service: tuple[Scripted, list[UserFrame]],
) -> None:
    presence, frames = service
    count = int(2 * MAX_DELAY_S / (COALESCE_S / 2))  # 2 * MAX_DELAY_S of changes
    values = [
        Presence(PresenceState.FORWARDED, PresenceForwarding(ForwardingKind.NUMBER, f"+4930{i}"))
        for i in range(count)
    ]
    await changes(presence, values, COALESCE_S / 2)
    await asyncio.sleep(COALESCE_S * 3)
    assert 2 <= len(seen_by(frames, BEN)) <= 4


async def test_a_presence_ending_as_last_sent_makes_no_frame(
    service: tuple[Scripted, list[UserFrame]],
) -> None:
    presence, frames = service
    await changes(presence, [DND], COALESCE_S * 3)
    await changes(presence, [AVAILABLE, DND], COALESCE_S / 5)
    await asyncio.sleep(COALESCE_S * 3)
    assert [p["state"] for p in seen_by(frames, BEN)] == ["dnd"]
