"""The presence fan-out keeps to its frame budget (``frames_per_s``): a flood of changes to
many people makes at most the budgeted frames (plus one round) over the flood, and still
every viewer ends with the latest presence of every colleague. When teams or grants change
(``RightsService`` tells ``rights_changed``), exactly the viewers whose right to see a
current forwarding target changed get that presence again: with the target when they may
now see it, with ``target: null`` once they may not. Real SQLite store, bus and rights
service; the presences are scripted (``of_user``), as in ``test_app_presence_coalescing``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any, cast

import pytest

from cloudcti.app.bus import BusMessage, InProcessBus, UserFrame
from cloudcti.app.presence import COALESCE_S, PresenceService, presence_json
from cloudcti.app.rights import RightsService, TeamSpec
from cloudcti.domain.presence import ForwardingKind, Presence, PresenceForwarding, PresenceState
from cloudcti.store import Store, TeamRecord, UserRecord, load_keyring
from tests.store.store_fixtures import FAST_HASHING

AVAILABLE = Presence(PresenceState.AVAILABLE)


def forwarded(number: str) -> Presence:
    return Presence(PresenceState.FORWARDED, PresenceForwarding(ForwardingKind.NUMBER, number))


class Scripted(PresenceService):
    """The real fan-out over presences the test sets."""

    current: dict[str, Presence]

    async def of_user(self, user_id: str) -> Presence:
        return self.current[user_id]


class Frames:
    """Every ``presence_updated`` frame published, with the loop time it was published at."""

    def __init__(self) -> None:
        self.got: list[tuple[float, UserFrame]] = []

    def __call__(self, message: BusMessage) -> None:
        if isinstance(message, UserFrame) and message.type == "presence_updated":
            self.got.append((asyncio.get_running_loop().time(), message))

    def to(self, viewer: str) -> list[dict[str, Any]]:
        return [f.data for _, f in self.got if f.user_id == viewer]

    def latest(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(viewer, subject) → the presence last sent."""
        return {(f.user_id, f.data["user_id"]): f.data["presence"] for _, f in self.got}


async def open_service(
    tmp_path: Path, current: dict[str, Presence], frames_per_s: float, team: list[str]
) -> tuple[Store, Scripted, Frames]:
    """The fan-out over users with the ``current`` presences (taken as known to clients),
    ``team`` (if any) seeing each other's targets."""
    users = list(current)
    keyring = load_keyring(tmp_path, {"CLOUDCTI_SECRET_KEY": "A" * 43})
    store = await Store.open(keyring, data_dir=tmp_path, hashing=FAST_HASHING)
    async with store.transaction() as tx:
        for user_id in users:
            await tx.users.add(UserRecord(user_id, user_id, user_id.title()), password="Pw-1")
        if team:
            await tx.rights.add_team(TeamRecord("t-all", "Alle", frozenset(team)))
    bus = InProcessBus()
    frames = Frames()
    bus.subscribe(frames)
    service = Scripted(
        store, cast(Any, None), cast(Any, None), bus, lambda: 0, frames_per_s=frames_per_s
    )
    service.current = dict(current)
    await service.start()
    return store, service, frames


PEOPLE = [f"u-{n:02d}" for n in range(20)]
FRAMES_PER_S = 400.0
ROUND_MAX = len(PEOPLE) * (len(PEOPLE) - 1)  # every subject to every other viewer


@pytest.fixture
async def flood_rig(tmp_path: Path) -> AsyncIterator[tuple[Scripted, Frames]]:
    store, service, frames = await open_service(
        tmp_path, dict.fromkeys(PEOPLE, AVAILABLE), FRAMES_PER_S, team=PEOPLE
    )
    try:
        yield service, frames
    finally:
        await service.stop()
        await store.close()


async def test_a_flood_keeps_to_the_budget_and_every_viewer_ends_with_the_latest(
    flood_rig: tuple[Scripted, Frames],
) -> None:
    service, frames = flood_rig
    loop = asyncio.get_running_loop()
    started = loop.time()
    changes = 0
    # each person changes every 200 ms (> COALESCE_S): without a budget each change would
    # be sent, about 20 * 7 * 19 = 2,660 frames in 1.5 s; the budget allows 600 + a round
    while loop.time() - started < 1.5:
        subject = PEOPLE[changes % len(PEOPLE)]
        service.current[subject] = forwarded(f"+49301{changes:06d}")
        service.changed(subject)
        changes += 1
        await asyncio.sleep(0.01)
    ended = loop.time()
    during = sum(1 for at, _ in frames.got if at <= ended)
    budget = FRAMES_PER_S * (ended - started) + ROUND_MAX
    assert during <= budget, (during, budget)
    assert during > 0

    expected = {
        (viewer, subject): presence_json(service.current[subject])
        for subject in PEOPLE
        for viewer in PEOPLE
        if viewer != subject
    }
    deadline = loop.time() + 30
    while frames.latest() != expected:
        assert loop.time() < deadline, "viewers did not get everyone's latest presence"
        await asyncio.sleep(0.1)
    await asyncio.sleep(COALESCE_S * 3)
    assert frames.latest() == expected  # nothing older arrived after the latest
    assert len(frames.got) < changes * (len(PEOPLE) - 1) / 2  # merged, not one per change
    assert service.frames_sent == len(frames.got)


async def test_rounds_are_spaced_by_their_size_over_the_budget(
    flood_rig: tuple[Scripted, Frames],
) -> None:
    service, frames = flood_rig
    loop = asyncio.get_running_loop()
    for wave in range(3):  # three changes of everyone, 380 frames each
        for subject in PEOPLE:
            service.current[subject] = forwarded(f"+4989{wave}{subject[-2:]}")
            service.changed(subject)
        deadline = loop.time() + 30
        while len(frames.got) < (wave + 1) * ROUND_MAX:
            assert loop.time() < deadline, len(frames.got)
            await asyncio.sleep(0.02)
    # each round of n frames is followed by a pause of n / FRAMES_PER_S (however the
    # subjects fell into rounds), so all but the last round's frames took that long
    span = frames.got[-1][0] - frames.got[0][0]
    assert span >= (3 * ROUND_MAX - ROUND_MAX) / FRAMES_PER_S * 0.95, span


ANNA, BEN, CLARA, DAVID = "u-anna", "u-ben", "u-clara", "u-david"
TARGET = "+4915199998888"


@pytest.fixture
async def rights_rig(
    tmp_path: Path,
) -> AsyncIterator[tuple[RightsService, Scripted, Frames]]:
    current = {ANNA: forwarded(TARGET), BEN: AVAILABLE, CLARA: AVAILABLE, DAVID: AVAILABLE}
    store, service, frames = await open_service(tmp_path, current, 1000.0, team=[])
    rights = RightsService(store, service.rights_changed)
    try:
        yield rights, service, frames
    finally:
        await service.stop()
        await store.close()


def anna_as_seen(target: str | None) -> dict[str, Any]:
    return {
        "user_id": ANNA,
        "presence": {"state": "forwarded", "forwarding": {"kind": "number", "target": target}},
    }


def assert_only_ben_got_annas_target(frames: Frames, viewers: Iterable[str]) -> None:
    """Ben (now Anna's teammate) got her presence once, with the target; nobody else any."""
    about_anna = {v: [d for d in frames.to(v) if d["user_id"] == ANNA] for v in viewers}
    assert about_anna == {ANNA: [], BEN: [anna_as_seen(TARGET)], CLARA: [], DAVID: []}


async def settled(frames: Frames, count: int) -> None:
    """Wait until ``count`` frames were published, then a little longer for stray ones."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while len(frames.got) < count and loop.time() < deadline:
        await asyncio.sleep(0.02)
    await asyncio.sleep(COALESCE_S * 3)


async def test_a_new_team_or_grant_sends_the_target_to_exactly_the_new_viewers(
    rights_rig: tuple[RightsService, Scripted, Frames],
) -> None:
    rights, _, frames = rights_rig
    team = await rights.create_team(TeamSpec("Vertrieb", (ANNA, BEN)))
    await settled(frames, 1)
    assert frames.to(BEN) == [anna_as_seen(TARGET)]
    assert frames.to(CLARA) == frames.to(DAVID) == frames.to(ANNA) == []

    await rights.grant(DAVID, ANNA)
    await settled(frames, 2)
    assert frames.to(DAVID) == [anna_as_seen(TARGET)]
    assert frames.to(BEN) == [anna_as_seen(TARGET)]  # nothing new for Ben
    assert frames.to(CLARA) == []

    await rights.grant(ANNA, CLARA)  # Clara has no target: nothing to re-send
    await settled(frames, 3)
    assert len(frames.got) == 2

    await rights.revoke(DAVID, ANNA)
    await settled(frames, 3)
    assert frames.to(DAVID) == [anna_as_seen(TARGET), anna_as_seen(None)]
    await rights.delete_team(team.id)
    await settled(frames, 4)
    assert frames.to(BEN) == [anna_as_seen(TARGET), anna_as_seen(None)]
    assert frames.to(CLARA) == frames.to(ANNA) == []
    assert len(frames.got) == 4


async def test_a_rights_change_while_the_subject_is_due_unchanged_still_sends_the_target(
    tmp_path: Path,
) -> None:
    """The round after a budget pause has Anna due (her line changed, her presence did not)
    and a new team: Ben must still get her target."""
    current = {ANNA: forwarded(TARGET), BEN: AVAILABLE, CLARA: AVAILABLE, DAVID: AVAILABLE}
    store, service, frames = await open_service(tmp_path, current, 5.0, team=[])
    rights = RightsService(store, service.rights_changed)
    try:
        service.current[CLARA] = Presence(PresenceState.DND)
        service.changed(CLARA)
        async with asyncio.timeout(5):
            while len(frames.got) < 3:  # three frames: the fan-out now pauses 0.6 s
                await asyncio.sleep(0.01)
        service.changed(ANNA)  # e.g. a line_updated of hers; her presence stays the same
        await asyncio.sleep(COALESCE_S * 1.2)  # due while the fan-out still pauses
        await rights.create_team(TeamSpec("Vertrieb", (ANNA, BEN)))
        await settled(frames, 4)
        assert_only_ben_got_annas_target(frames, current)
    finally:
        await service.stop()
        await store.close()


async def test_a_round_that_reads_new_rights_before_the_notice_loses_no_target(
    tmp_path: Path,
) -> None:
    """The team is committed, a round for someone else runs (and reads the new rights), and
    only then ``rights_changed`` comes (as when a commit's reply is still on its way from
    PostgreSQL): Ben must still get Anna's target."""
    current = {ANNA: forwarded(TARGET), BEN: AVAILABLE, CLARA: AVAILABLE, DAVID: AVAILABLE}
    store, service, frames = await open_service(tmp_path, current, 1000.0, team=[])
    try:
        async with store.transaction() as tx:
            await tx.rights.add_team(TeamRecord("t-1", "Vertrieb", frozenset({ANNA, BEN})))
        service.current[CLARA] = Presence(PresenceState.DND)
        service.changed(CLARA)
        await settled(frames, 3)
        service.rights_changed()
        await settled(frames, 4)
        assert_only_ben_got_annas_target(frames, current)
    finally:
        await service.stop()
        await store.close()
