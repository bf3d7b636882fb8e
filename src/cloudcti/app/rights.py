"""Rights: who may see whose forwarding target (CONTRACT.md §2.1 Presence).

Members of a team see each other's targets; a grant lets one viewer see one subject's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cloudcti.app._store import new_id, store_errors
from cloudcti.app.errors import FieldError, InvalidInputError, NotFoundError
from cloudcti.store import Store, TeamRecord, Transaction

__all__ = ["GrantView", "RightsService", "TeamSpec", "TeamView"]


@dataclass(frozen=True, slots=True)
class TeamSpec:
    """A team's name and its members (user ids)."""

    name: str
    member_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TeamView:
    """A team as the API shows it; members sorted."""

    id: str
    name: str
    member_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GrantView:
    """``viewer_id`` may see ``subject_id``'s forwarding target."""

    viewer_id: str
    subject_id: str


def _view(r: TeamRecord) -> TeamView:
    return TeamView(r.id, r.name, tuple(sorted(r.members)))


async def _check_team(tx: Transaction, spec: TeamSpec) -> TeamSpec:
    errors: list[FieldError] = []
    if not spec.name.strip():
        errors.append(FieldError("name", "must not be empty"))
    for i, user_id in enumerate(spec.member_ids):
        if await tx.users.get(user_id) is None:
            errors.append(FieldError(f"member_ids.{i}", f"no user {user_id}"))
    if errors:
        raise InvalidInputError(errors)
    return TeamSpec(spec.name.strip(), tuple(sorted(set(spec.member_ids))))


async def _team(tx: Transaction, id: str) -> TeamRecord:
    for team in await tx.rights.teams():
        if team.id == id:
            return team
    raise NotFoundError(f"no team {id}")


class RightsService:
    """Teams and grants."""

    def __init__(self, store: Store, on_changed: Callable[[], None] | None = None) -> None:
        self._store = store
        self._on_changed = on_changed
        """Told after teams or grants changed (presence re-sends forwarding targets)."""

    def _changed(self) -> None:
        if self._on_changed is not None:
            self._on_changed()

    async def teams(self) -> list[TeamView]:
        """Every team, by name."""
        async with self._store.transaction() as tx:
            return [_view(t) for t in await tx.rights.teams()]

    async def team(self, id: str) -> TeamView:
        """One team; ``NotFoundError`` if unknown."""
        async with self._store.transaction() as tx:
            return _view(await _team(tx, id))

    async def team_spec(self, id: str) -> TeamSpec:
        """The stored team as a spec (the base a PATCH is merged into)."""
        team = await self.team(id)
        return TeamSpec(team.name, team.member_ids)

    async def create_team(self, spec: TeamSpec) -> TeamView:
        """Store a new team; ``ConflictError`` if the name is taken."""
        async with self._store.transaction() as tx:
            spec = await _check_team(tx, spec)
            record = TeamRecord(new_id(), spec.name, frozenset(spec.member_ids))
            with store_errors(f"a team named {spec.name!r} exists already"):
                await tx.rights.add_team(record)
        self._changed()
        return _view(record)

    async def replace_team(self, id: str, spec: TeamSpec) -> TeamView:
        """Rename a team and set its members."""
        async with self._store.transaction() as tx:
            await _team(tx, id)
            spec = await _check_team(tx, spec)
            record = TeamRecord(id, spec.name, frozenset(spec.member_ids))
            await tx.rights.delete_team(id)
            with store_errors(f"a team named {spec.name!r} exists already"):
                await tx.rights.add_team(record)
        self._changed()
        return _view(record)

    async def delete_team(self, id: str) -> None:
        """Delete a team."""
        async with self._store.transaction() as tx:
            await _team(tx, id)
            await tx.rights.delete_team(id)
        self._changed()

    async def grants(self) -> list[GrantView]:
        """Every grant, by viewer and subject."""
        async with self._store.transaction() as tx:
            by_viewer = await tx.rights.grants()
        return [
            GrantView(viewer, subject)
            for viewer in sorted(by_viewer)
            for subject in sorted(by_viewer[viewer])
        ]

    async def grant(self, viewer_id: str, subject_id: str) -> GrantView:
        """Let the viewer see the subject's forwarding target (idempotent)."""
        async with self._store.transaction() as tx:
            errors = [
                FieldError(name, f"no user {value}")
                for name, value in (("viewer_id", viewer_id), ("subject_id", subject_id))
                if await tx.users.get(value) is None
            ]
            if errors:
                raise InvalidInputError(errors)
            await tx.rights.grant(viewer_id, subject_id)
        self._changed()
        return GrantView(viewer_id, subject_id)

    async def revoke(self, viewer_id: str, subject_id: str) -> None:
        """Withdraw a grant; ``NotFoundError`` if there is none."""
        async with self._store.transaction() as tx:
            if subject_id not in (await tx.rights.grants()).get(viewer_id, frozenset()):
                raise NotFoundError("no such grant")
            await tx.rights.revoke(viewer_id, subject_id)
        self._changed()
