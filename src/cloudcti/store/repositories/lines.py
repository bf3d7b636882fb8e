"""Lines of the gateways, with their parameters; R17 lives here.

R17: when a user no longer has a Cloud PBX line (the last one deleted or reassigned), the
user's stored Cloud PBX credentials are deleted in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.errors import NotFoundError
from cloudcti.store.records import LineRecord
from cloudcti.store.repositories._sql import execute_or_conflict
from cloudcti.store.repositories.secrets import SecretsRepository
from cloudcti.store.tables import carried_calls, users
from cloudcti.store.tables import line_parameters as p
from cloudcti.store.tables import lines as t

__all__ = ["LinesRepository", "pbx_secret_name"]


def pbx_secret_name(user_id: str) -> str:
    """The vault row of a user's Cloud PBX password."""
    return f"user/{user_id}/pbx"


class LinesRepository:
    """Add, read, replace and delete lines; forgets a user's PBX credentials with their
    last line (R17)."""

    def __init__(self, conn: AsyncConnection, secrets: SecretsRepository) -> None:
        self._conn = conn
        self._secrets = secrets
        self.changed = False
        """Whether this transaction added, replaced or deleted a line."""

    async def add(self, record: LineRecord) -> None:
        """Store a new line; ``ConflictError`` if the id or (gateway, PBX user) is taken or a
        reference is unknown."""
        self.changed = True
        await execute_or_conflict(
            self._conn, t.insert().values(_row(record)), f"line {record.pbx_user_id!r}"
        )
        await self._write_parameters(record.id, record.parameters)

    async def get(self, id: str) -> LineRecord | None:
        """The line with this id, if any."""
        found = await self._select(t.c.id == id)
        return found[0] if found else None

    async def all(
        self, *, gateway_id: str | None = None, user_id: str | None = None
    ) -> list[LineRecord]:
        """Lines, by number; only one gateway's or one user's if given."""
        where = []
        if gateway_id is not None:
            where.append(t.c.gateway_id == gateway_id)
        if user_id is not None:
            where.append(t.c.user_id == user_id)
        return await self._select(*where)

    async def update(self, record: LineRecord) -> None:
        """Replace the stored line with ``record``; ``NotFoundError`` if it does not exist."""
        old = await self.get(record.id)
        if old is None:
            raise NotFoundError(f"line {record.id}")
        self.changed = True
        values = _row(record)
        del values["id"]
        await execute_or_conflict(
            self._conn, update(t).where(t.c.id == record.id).values(values), "line"
        )
        await self._conn.execute(delete(p).where(p.c.line_id == record.id))
        await self._write_parameters(record.id, record.parameters)
        if old.user_id is not None and old.user_id != record.user_id:
            await self.forget_credentials_if_lineless(old.user_id)

    async def delete(self, id: str) -> None:
        """Delete the line with its carried call histories (and, if it was its user's last,
        the user's PBX credentials)."""
        self.changed = True
        user_id = await self._conn.scalar(select(t.c.user_id).where(t.c.id == id))
        await self._conn.execute(delete(p).where(p.c.line_id == id))
        await self._conn.execute(delete(carried_calls).where(carried_calls.c.line_id == id))
        await self._conn.execute(delete(t).where(t.c.id == id))
        if user_id is not None:
            await self.forget_credentials_if_lineless(user_id)

    async def forget_credentials_if_lineless(self, user_id: str) -> bool:
        """Apply R17 to one user; whether credentials were deleted."""
        count = await self._conn.scalar(
            select(func.count()).select_from(t).where(t.c.user_id == user_id)
        )
        if count:
            return False
        await self._secrets.delete(pbx_secret_name(user_id))
        done = await self._conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.pbx_username.is_not(None))
            .values(pbx_username=None, pbx_state="missing", pbx_failed_attempts=0)
        )
        return done.rowcount > 0

    async def _write_parameters(self, id: str, parameters: Mapping[str, str]) -> None:
        if parameters:
            await self._conn.execute(
                p.insert(), [{"line_id": id, "name": k, "value": v} for k, v in parameters.items()]
            )

    async def _select(self, *where: Any) -> list[LineRecord]:
        query = select(t).where(*where).order_by(t.c.number, t.c.id)
        params = select(p).where(p.c.line_id.in_(select(t.c.id).where(*where)))
        by_line: dict[str, dict[str, str]] = {}
        for row in (await self._conn.execute(params)).mappings():
            by_line.setdefault(row["line_id"], {})[row["name"]] = row["value"]
        rows = (await self._conn.execute(query)).mappings()
        return [LineRecord(**r, parameters=by_line.get(r["id"], {})) for r in rows]


def _row(r: LineRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "gateway_id": r.gateway_id,
        "pbx_user_id": r.pbx_user_id,
        "number": r.number,
        "extension": r.extension,
        "display_name": r.display_name,
        "user_id": r.user_id,
        "disabled": r.disabled,
    }
