"""Local accounts: argon2id password hashes, language, location, and the user's own Cloud
PBX credentials (username in the row, password sealed in the vault)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.errors import NotFoundError
from cloudcti.store.passwords import PasswordHashing
from cloudcti.store.records import UserRecord
from cloudcti.store.repositories._sql import execute_or_conflict
from cloudcti.store.repositories.lines import pbx_secret_name
from cloudcti.store.repositories.secrets import SecretsRepository
from cloudcti.store.tables import users as t
from cloudcti.store.vault import Secret

__all__ = ["UsersRepository"]

_COLUMNS = [c for c in t.c if c.name != "password_hash"]


class UsersRepository:
    """Add, read, replace and delete users; check their passwords; keep their PBX login."""

    def __init__(
        self, conn: AsyncConnection, secrets: SecretsRepository, hashing: PasswordHashing
    ) -> None:
        self._conn = conn
        self._secrets = secrets
        self._hashing = hashing
        self.changed = False
        """Whether this transaction replaced or deleted a user (their profile or lines)."""
        self.pbx_changed = False
        """Whether this transaction changed a user's PBX credentials or their state."""

    async def add(self, record: UserRecord, *, password: str) -> None:
        """Store a new user with ``password`` hashed; ``ConflictError`` if id or username is taken.

        PBX credentials are set with ``set_pbx_credentials``, not here."""
        row = {**_row(record), "password_hash": self._hashing.hash(password)}
        row.update(pbx_username=None, pbx_state="missing", pbx_failed_attempts=0)
        await execute_or_conflict(self._conn, t.insert().values(row), f"user {record.username!r}")

    async def get(self, id: str) -> UserRecord | None:
        """The user with this id, if any."""
        return await self._one(t.c.id == id)

    async def by_username(self, username: str) -> UserRecord | None:
        """The user with this username, if any."""
        return await self._one(t.c.username == username)

    async def all(self) -> list[UserRecord]:
        """Every user, by username."""
        rows = (await self._conn.execute(select(*_COLUMNS).order_by(t.c.username))).mappings()
        return [UserRecord(**r) for r in rows]

    async def update(self, record: UserRecord) -> None:
        """Replace profile fields (not the password, not the PBX credentials)."""
        self.changed = True
        values = _row(record)
        del values["id"]
        if await self.get(record.id) is None:
            raise NotFoundError(f"user {record.id}")
        await execute_or_conflict(
            self._conn, update(t).where(t.c.id == record.id).values(values), "username"
        )

    async def set_password(self, id: str, password: str) -> None:
        """Replace the user's password."""
        done = await self._conn.execute(
            update(t).where(t.c.id == id).values(password_hash=self._hashing.hash(password))
        )
        if done.rowcount == 0:
            raise NotFoundError(f"user {id}")

    async def authenticate(self, username: str, password: str) -> UserRecord | None:
        """The user if ``password`` is theirs, else ``None``; upgrades an outdated hash."""
        row = (
            await self._conn.execute(
                select(t.c.id, t.c.password_hash).where(t.c.username == username)
            )
        ).first()
        if row is None:
            self._hashing.verify_nobody(password)  # same cost whether or not the user exists
            return None
        id, stored = row
        if not self._hashing.verify(stored, password):
            return None
        if self._hashing.needs_rehash(stored):
            await self.set_password(id, password)
        return await self.get(id)

    async def set_pbx_credentials(
        self, id: str, username: str, password: str, *, state: str = "valid"
    ) -> None:
        """Keep the user's own Cloud PBX login (password sealed); resets failed attempts."""
        self.pbx_changed = True
        done = await self._conn.execute(
            update(t)
            .where(t.c.id == id)
            .values(pbx_username=username, pbx_state=state, pbx_failed_attempts=0)
        )
        if done.rowcount == 0:
            raise NotFoundError(f"user {id}")
        await self._secrets.put(pbx_secret_name(id), password)

    async def pbx_password(self, id: str) -> Secret | None:
        """The user's Cloud PBX password, opened from the vault."""
        return await self._secrets.get(pbx_secret_name(id))

    async def set_pbx_state(self, id: str, state: str, failed_attempts: int) -> None:
        """Record the outcome of a login with the stored PBX credentials (R16)."""
        self.pbx_changed = True
        await self._conn.execute(
            update(t)
            .where(t.c.id == id)
            .values(pbx_state=state, pbx_failed_attempts=failed_attempts)
        )

    async def clear_pbx_credentials(self, id: str) -> None:
        """Forget the user's Cloud PBX login."""
        self.pbx_changed = True
        await self._secrets.delete(pbx_secret_name(id))
        await self._conn.execute(
            update(t)
            .where(t.c.id == id)
            .values(pbx_username=None, pbx_state="missing", pbx_failed_attempts=0)
        )

    async def delete(self, id: str) -> None:
        """Delete the user, their PBX credentials, tokens and rights; their lines stay,
        unassigned."""
        self.changed = True
        await self._secrets.delete(pbx_secret_name(id))
        await self._conn.execute(delete(t).where(t.c.id == id))

    async def _one(self, where: Any) -> UserRecord | None:
        row = (await self._conn.execute(select(*_COLUMNS).where(where))).mappings().first()
        return None if row is None else UserRecord(**row)


def _row(r: UserRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "username": r.username,
        "display_name": r.display_name,
        "role": r.role,
        "language": r.language,
        "location_id": r.location_id,
        "mobile_number": r.mobile_number,
    }
