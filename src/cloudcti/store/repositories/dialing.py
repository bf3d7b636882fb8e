"""Dialing parameters ("Wahlparameter")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.errors import NotFoundError
from cloudcti.store.records import DialingParametersRecord
from cloudcti.store.repositories._sql import execute_or_conflict
from cloudcti.store.tables import dialing_parameters as t

__all__ = ["DialingParametersRepository"]


class DialingParametersRepository:
    """Add, read, replace and delete sets of dialing parameters."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, record: DialingParametersRecord) -> None:
        """Store a new set; ``ConflictError`` if the id or name is taken."""
        await execute_or_conflict(
            self._conn, t.insert().values(_row(record)), f"dialing parameters {record.name!r}"
        )

    async def get(self, id: str) -> DialingParametersRecord | None:
        """The set with this id, if any."""
        row = (await self._conn.execute(select(t).where(t.c.id == id))).mappings().first()
        return None if row is None else _record(row)

    async def all(self) -> list[DialingParametersRecord]:
        """Every set, by name."""
        rows = (await self._conn.execute(select(t).order_by(t.c.name))).mappings()
        return [_record(r) for r in rows]

    async def update(self, record: DialingParametersRecord) -> None:
        """Replace the stored set with ``record``; ``NotFoundError`` if it does not exist."""
        values = _row(record)
        del values["id"]
        statement = update(t).where(t.c.id == record.id).values(values)
        if await self.get(record.id) is None:
            raise NotFoundError(f"dialing parameters {record.id}")
        await execute_or_conflict(self._conn, statement, f"dialing parameters {record.name!r}")

    async def delete(self, id: str) -> None:
        """Delete the set; ``ConflictError`` while a gateway uses it."""
        await execute_or_conflict(
            self._conn, delete(t).where(t.c.id == id), f"dialing parameters {id} in use"
        )


def _row(r: DialingParametersRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "country_code": r.country_code,
        "area_code": r.area_code,
        "base_number": r.base_number,
        "internal_number_length": r.internal_number_length,
        "outside_line_prefix": r.outside_line_prefix,
        "dial_format": r.dial_format,
        "advanced": dict(r.advanced),
    }


def _record(row: RowMapping) -> DialingParametersRecord:
    return DialingParametersRecord(**row)
