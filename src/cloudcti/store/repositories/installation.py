"""Installation-wide values: the Xsi ``channelSetId``/``applicationId`` and settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.repositories._sql import insert_ignoring_duplicates
from cloudcti.store.tables import installation as t

__all__ = ["InstallationIdentity", "InstallationRepository"]


@dataclass(frozen=True, slots=True)
class InstallationIdentity:
    """What tells this installation's Xsi channels from another's (DuplicateChannelSet)."""

    channel_set_id: str
    application_id: str


class InstallationRepository:
    """A small key-value table; the identity is created once and then never changes."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def identity(self) -> InstallationIdentity:
        """The installation's ids, created on first call (concurrent first calls agree)."""
        suffix = uuid.uuid4().hex
        await insert_ignoring_duplicates(
            self._conn,
            t,
            [
                {"key": "channel_set_id", "value": f"cloudcti-{suffix}"},
                {"key": "application_id", "value": f"cloudcti-{suffix[:12]}"},
            ],
        )
        return InstallationIdentity(
            channel_set_id=await self._required("channel_set_id"),
            application_id=await self._required("application_id"),
        )

    async def get(self, key: str) -> str | None:
        """The setting's value, if set."""
        return await self._conn.scalar(select(t.c.value).where(t.c.key == key))

    async def set(self, key: str, value: str) -> None:
        """Set a setting."""
        done = await self._conn.execute(update(t).where(t.c.key == key).values(value=value))
        if done.rowcount == 0:
            await self._conn.execute(t.insert().values(key=key, value=value))

    async def _required(self, key: str) -> str:
        value = await self.get(key)
        assert value is not None, key
        return value
