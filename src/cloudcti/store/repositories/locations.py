"""Locations with their special parameters and journal retention."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.errors import NotFoundError
from cloudcti.store.records import LocationRecord
from cloudcti.store.repositories._sql import execute_or_conflict
from cloudcti.store.tables import location_parameters as p
from cloudcti.store.tables import locations as t

__all__ = ["LocationsRepository"]


class LocationsRepository:
    """Add, read, replace and delete locations (parameters included)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, record: LocationRecord) -> None:
        """Store a new location; ``ConflictError`` if the id or name is taken."""
        await execute_or_conflict(
            self._conn, t.insert().values(_row(record)), f"location {record.name!r}"
        )
        await self._write_parameters(record.id, record.parameters)

    async def get(self, id: str) -> LocationRecord | None:
        """The location with this id, if any."""
        found = await self._select(t.c.id == id)
        return found[0] if found else None

    async def all(self) -> list[LocationRecord]:
        """Every location, by name."""
        return await self._select(None)

    async def update(self, record: LocationRecord) -> None:
        """Replace the stored location with ``record``; ``NotFoundError`` if it does not exist."""
        if await self.get(record.id) is None:
            raise NotFoundError(f"location {record.id}")
        values = _row(record)
        del values["id"]
        await execute_or_conflict(
            self._conn, update(t).where(t.c.id == record.id).values(values), "location name"
        )
        await self._conn.execute(delete(p).where(p.c.location_id == record.id))
        await self._write_parameters(record.id, record.parameters)

    async def delete(self, id: str) -> None:
        """Delete the location; its users keep their accounts without a location."""
        await self._conn.execute(delete(p).where(p.c.location_id == id))
        await self._conn.execute(delete(t).where(t.c.id == id))

    async def _write_parameters(self, id: str, parameters: Mapping[str, str | bool]) -> None:
        if parameters:
            await self._conn.execute(
                p.insert(),
                [{"location_id": id, "name": k, "value": v} for k, v in parameters.items()],
            )

    async def _select(self, where: Any) -> list[LocationRecord]:
        query = select(t).order_by(t.c.name)
        params = select(p)
        if where is not None:
            query = query.where(where)
            params = params.where(p.c.location_id.in_(select(t.c.id).where(where)))
        by_location: dict[str, dict[str, str | bool]] = {}
        for row in (await self._conn.execute(params)).mappings():
            by_location.setdefault(row["location_id"], {})[row["name"]] = row["value"]
        rows = (await self._conn.execute(query)).mappings()
        return [LocationRecord(**r, parameters=by_location.get(r["id"], {})) for r in rows]


def _row(r: LocationRecord) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "journal_retention_days": r.journal_retention_days}
