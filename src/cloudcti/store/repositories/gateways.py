"""Gateways and their two passwords (monitoring user, proxy), which live in the vault."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudcti.store.errors import NotFoundError
from cloudcti.store.records import GatewayRecord
from cloudcti.store.repositories._sql import execute_or_conflict
from cloudcti.store.repositories.lines import LinesRepository
from cloudcti.store.repositories.secrets import SecretsRepository
from cloudcti.store.tables import gateways as t
from cloudcti.store.tables import lines
from cloudcti.store.vault import Secret

__all__ = ["GatewaysRepository"]


def _monitoring(id: str) -> str:
    return f"gateway/{id}/monitoring"


def _proxy(id: str) -> str:
    return f"gateway/{id}/proxy"


class GatewaysRepository:
    """Add, read, replace and delete gateways; their passwords are sealed in the vault."""

    def __init__(
        self, conn: AsyncConnection, secrets: SecretsRepository, lines: LinesRepository
    ) -> None:
        self._conn = conn
        self._secrets = secrets
        self._lines = lines
        self.changed = False
        """Whether this transaction added, replaced or deleted a gateway."""

    async def add(
        self,
        record: GatewayRecord,
        *,
        monitoring_password: str,
        proxy_password: str | None = None,
    ) -> None:
        """Store a new gateway and its passwords; ``ConflictError`` if the id or name is taken."""
        self.changed = True
        await execute_or_conflict(
            self._conn, t.insert().values(_row(record)), f"gateway {record.name!r}"
        )
        await self._secrets.put(_monitoring(record.id), monitoring_password)
        if proxy_password is not None:
            await self._secrets.put(_proxy(record.id), proxy_password)

    async def get(self, id: str) -> GatewayRecord | None:
        """The gateway with this id, if any."""
        row = (await self._conn.execute(select(t).where(t.c.id == id))).mappings().first()
        return None if row is None else _record(row)

    async def all(self) -> list[GatewayRecord]:
        """Every gateway, by name."""
        return [
            _record(r) for r in (await self._conn.execute(select(t).order_by(t.c.name))).mappings()
        ]

    async def update(self, record: GatewayRecord) -> None:
        """Replace the stored gateway (not its passwords); ``NotFoundError`` if unknown."""
        self.changed = True
        if await self.get(record.id) is None:
            raise NotFoundError(f"gateway {record.id}")
        values = _row(record)
        del values["id"]
        await execute_or_conflict(
            self._conn, update(t).where(t.c.id == record.id).values(values), "gateway"
        )
        if record.proxy_url is None:
            await self._secrets.delete(_proxy(record.id))

    async def set_monitoring_password(self, id: str, password: str) -> None:
        """Replace the monitoring user's password."""
        await self._secrets.put(_monitoring(id), password)

    async def set_proxy_password(self, id: str, password: str | None) -> None:
        """Replace (or, with ``None``, forget) the proxy password."""
        if password is None:
            await self._secrets.delete(_proxy(id))
        else:
            await self._secrets.put(_proxy(id), password)

    async def monitoring_password(self, id: str) -> Secret | None:
        """The monitoring user's password (opened from the vault)."""
        return await self._secrets.get(_monitoring(id))

    async def proxy_password(self, id: str) -> Secret | None:
        """The proxy password, if the gateway has one."""
        return await self._secrets.get(_proxy(id))

    async def delete(self, id: str) -> None:
        """Delete the gateway, its lines (R17 applies to their users) and its passwords."""
        self.changed = True
        line_ids = (
            await self._conn.scalars(select(lines.c.id).where(lines.c.gateway_id == id))
        ).all()
        for line_id in line_ids:
            await self._lines.delete(line_id)
        await self._secrets.delete(_monitoring(id), _proxy(id))
        await self._conn.execute(delete(t).where(t.c.id == id))


def _row(r: GatewayRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "type": r.type,
        "xsi_urls": list(r.xsi_urls),
        "dialing_parameters_id": r.dialing_parameters_id,
        "disabled": r.disabled,
        "monitoring_username": r.monitoring_username,
        "proxy_url": r.proxy_url,
        "proxy_username": r.proxy_username,
        "event_timeout_s": r.event_timeout_s,
        "tls_ca_file": r.tls_ca_file,
        "portal_url": r.portal_url,
    }


def _record(row: RowMapping) -> GatewayRecord:
    values = dict(row)
    values["xsi_urls"] = tuple(values["xsi_urls"])
    return GatewayRecord(**values)
