"""Encrypted secrets by row name (see ``cloudcti.store.vault`` for the format)."""

from __future__ import annotations

import time

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.repositories._sql import insert_ignoring_duplicates
from cloudcti.store.tables import secrets
from cloudcti.store.vault import KeyRing, Secret

__all__ = ["CANARY", "SecretsRepository"]

CANARY = "vault/canary"  # sealed at first start, opened at every start: a wrong key fails early


class SecretsRepository:
    """Seal, store, open and delete secrets; never logs or returns them in clear text."""

    def __init__(self, conn: AsyncConnection, keyring: KeyRing) -> None:
        self._conn = conn
        self._ring = keyring

    async def put(self, name: str, plaintext: str) -> None:
        """Store ``plaintext`` under ``name``, replacing what was there."""
        sealed = self._ring.seal(name, plaintext)
        row = {"key_id": self._ring.current.key_id.hex(), "sealed": sealed, "updated_at": _now()}
        done = await self._conn.execute(update(secrets).where(secrets.c.name == name), row)
        if done.rowcount == 0:
            await self._conn.execute(secrets.insert(), {"name": name, **row})

    async def get(self, name: str) -> Secret | None:
        """The secret stored under ``name``; raises ``SecretUnreadableError`` under a wrong key."""
        sealed = await self._conn.scalar(select(secrets.c.sealed).where(secrets.c.name == name))
        return None if sealed is None else self._ring.open(name, sealed)

    async def exists(self, name: str) -> bool:
        """Whether a secret is stored under ``name`` (without opening it)."""
        found = await self._conn.scalar(select(secrets.c.name).where(secrets.c.name == name))
        return found is not None

    async def delete(self, *names: str) -> None:
        """Forget the secrets stored under ``names`` (absent ones are ignored)."""
        if names:
            await self._conn.execute(delete(secrets).where(secrets.c.name.in_(names)))

    async def verify_key(self) -> None:
        """Open the canary (seal it first if this is a new database); raises on a wrong key."""
        row = {"name": CANARY, "updated_at": _now()}
        sealed = self._ring.seal(CANARY, "cloudcti")
        await insert_ignoring_duplicates(
            self._conn,
            secrets,
            [{**row, "key_id": self._ring.current.key_id.hex(), "sealed": sealed}],
        )
        await self.get(CANARY)

    async def reseal_all(self, target: KeyRing) -> int:
        """Re-encrypt every secret under ``target.current``; the number re-encrypted.

        Every row is opened first, so one unreadable secret aborts before anything changes."""
        rows = (await self._conn.execute(select(secrets.c.name, secrets.c.sealed))).all()
        opened = [(name, self._ring.open(name, sealed)) for name, sealed in rows]
        key_id = target.current.key_id.hex()
        for name, secret in opened:
            await self._conn.execute(
                update(secrets).where(secrets.c.name == name),
                {
                    "key_id": key_id,
                    "sealed": target.seal(name, secret.reveal()),
                    "updated_at": _now(),
                },
            )
        return len(opened)


def _now() -> int:
    return time.time_ns() // 1_000_000
