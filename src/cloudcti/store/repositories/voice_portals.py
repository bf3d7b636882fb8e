"""The voice portal number learnt per gateway (where its PBX redirects calls to
voicemail; Xsi has no request that names it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.repositories._sql import upsert
from cloudcti.store.tables import voice_portals as t

__all__ = ["VoicePortalsRepository"]


class VoicePortalsRepository:
    """One number per gateway: read it, set or change it."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, gateway_id: str) -> str | None:
        """The gateway's voice portal number (E.164), if learnt."""
        return await self._conn.scalar(select(t.c.number).where(t.c.gateway_id == gateway_id))

    async def set(self, gateway_id: str, number: str) -> None:
        """Remember ``number`` as the gateway's voice portal (replacing an older one)."""
        await upsert(self._conn, t, [{"gateway_id": gateway_id, "number": number}])
