"""API tokens: only a SHA-256 of each token is stored (tokens are random, so no salt or
slow hash is needed: there is nothing to guess)."""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.records import TokenRecord
from cloudcti.store.tables import api_tokens as t

__all__ = ["TokensRepository", "token_hash"]


def token_hash(token: str) -> str:
    """The stored form of a bearer token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokensRepository:
    """Remember issued tokens, find a token's record, revoke and purge them."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, record: TokenRecord, token: str) -> None:
        """Remember ``token`` (hashed) as ``record``."""
        await self._conn.execute(
            t.insert().values(
                id=record.id,
                user_id=record.user_id,
                token_hash=token_hash(token),
                created_at=record.created_at,
                expires_at=record.expires_at,
            )
        )

    async def find(self, token: str, now: int) -> TokenRecord | None:
        """The record of ``token`` if it was issued and has not expired at ``now``."""
        row = (
            await self._conn.execute(
                select(t.c.id, t.c.user_id, t.c.created_at, t.c.expires_at).where(
                    t.c.token_hash == token_hash(token), t.c.expires_at > now
                )
            )
        ).first()
        return None if row is None else TokenRecord(*row)

    async def revoke(self, id: str) -> None:
        """Forget one token."""
        await self._conn.execute(delete(t).where(t.c.id == id))

    async def revoke_user(self, user_id: str) -> None:
        """Forget every token of a user (e.g. after a password change)."""
        await self._conn.execute(delete(t).where(t.c.user_id == user_id))

    async def purge_expired(self, now: int) -> int:
        """Delete tokens expired at ``now``; how many."""
        return (await self._conn.execute(delete(t).where(t.c.expires_at <= now))).rowcount
