"""Teams and grants: who may see whose forwarding target (CONTRACT.md §2.1 Presence)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.records import TeamRecord
from cloudcti.store.repositories._sql import execute_or_conflict, insert_ignoring_duplicates
from cloudcti.store.tables import grants, team_members, teams

__all__ = ["RightsRepository"]


class RightsRepository:
    """Teams with their members, and viewer → subject grants."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_team(self, record: TeamRecord) -> None:
        """Store a new team with its members; ``ConflictError`` if the id or name is taken."""
        await execute_or_conflict(
            self._conn, teams.insert().values(id=record.id, name=record.name), "team"
        )
        await self.set_members(record.id, record.members)

    async def set_members(self, team_id: str, user_ids: Iterable[str]) -> None:
        """Make ``user_ids`` the team's members."""
        await self._conn.execute(delete(team_members).where(team_members.c.team_id == team_id))
        rows = [{"team_id": team_id, "user_id": u} for u in sorted(set(user_ids))]
        if rows:
            await self._conn.execute(team_members.insert(), rows)

    async def teams(self) -> list[TeamRecord]:
        """Every team with its members, by name."""
        members: dict[str, set[str]] = {}
        for team_id, user_id in await self._conn.execute(select(team_members)):
            members.setdefault(team_id, set()).add(user_id)
        rows = await self._conn.execute(select(teams).order_by(teams.c.name))
        return [TeamRecord(id, name, frozenset(members.get(id, ()))) for id, name in rows]

    async def delete_team(self, team_id: str) -> None:
        """Delete the team (its grants to members go with it)."""
        await self._conn.execute(delete(team_members).where(team_members.c.team_id == team_id))
        await self._conn.execute(delete(teams).where(teams.c.id == team_id))

    async def grant(self, viewer_id: str, subject_id: str) -> None:
        """Let ``viewer_id`` see ``subject_id``'s forwarding target."""
        await insert_ignoring_duplicates(
            self._conn, grants, [{"viewer_id": viewer_id, "subject_id": subject_id}]
        )

    async def revoke(self, viewer_id: str, subject_id: str) -> None:
        """Withdraw a grant (absent ones are ignored)."""
        await self._conn.execute(
            delete(grants).where(grants.c.viewer_id == viewer_id, grants.c.subject_id == subject_id)
        )

    async def grants(self) -> dict[str, frozenset[str]]:
        """Every grant: viewer id → the subject ids they may see."""
        by_viewer: dict[str, set[str]] = {}
        for viewer, subject in await self._conn.execute(select(grants)):
            by_viewer.setdefault(viewer, set()).add(subject)
        return {v: frozenset(s) for v, s in by_viewer.items()}
