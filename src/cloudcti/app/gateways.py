"""Gateways (R1–R4): CRUD with write-only secrets, connection test, PBX log, line import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from cloudcti.app._store import new_id, store_errors
from cloudcti.app.dialing import to_domain
from cloudcti.app.errors import FieldError, InvalidInputError, NotFoundError
from cloudcti.app.lines import DEFAULT_LINE_PARAMETERS, LinesService, LineView
from cloudcti.app.ports import (
    Check,
    Credentials,
    GatewayConfig,
    LogEntry,
    LogQuery,
    ProxyConfig,
)
from cloudcti.app.runtimes import Runtimes, gateway_config
from cloudcti.domain.numbers import Context, NumberError, NumberKind, normalise
from cloudcti.store import GatewayRecord, LineRecord, Secret, Store, Transaction

__all__ = [
    "GATEWAY_TYPE",
    "GatewaySpec",
    "GatewayView",
    "GatewaysService",
    "ImportResult",
    "ProxySpec",
    "ProxyView",
    "Skipped",
]

GATEWAY_TYPE = "deutschlandlan-cloud-pbx"


@dataclass(frozen=True, slots=True)
class ProxySpec:
    """An HTTP(S) proxy; ``password`` ``None`` keeps the stored one."""

    url: str
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True, slots=True)
class GatewaySpec:
    """What an admin writes; ``monitoring_password`` ``None`` keeps the stored one (required
    when creating)."""

    name: str
    xsi_urls: tuple[str, ...]
    dialing_parameters_id: str
    monitoring_username: str
    monitoring_password: str | None = None
    type: str = GATEWAY_TYPE
    disabled: bool = False
    proxy: ProxySpec | None = None
    event_timeout_s: int = 30
    tls_ca_file: str | None = None
    portal_url: str | None = None


@dataclass(frozen=True, slots=True)
class ProxyView:
    """A proxy without its password."""

    url: str
    username: str | None


@dataclass(frozen=True, slots=True)
class GatewayView:
    """A gateway as the API shows it: no secrets, the live state."""

    id: str
    name: str
    type: str
    xsi_urls: tuple[str, ...]
    dialing_parameters_id: str
    disabled: bool
    monitoring_username: str
    proxy: ProxyView | None
    event_timeout_s: int
    tls_ca_file: str | None
    portal_url: str | None
    state: str
    state_reason: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A directory user that ``import-lines`` did not turn into a line, and why."""

    pbx_user_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What ``import-lines`` created and what it skipped."""

    created: tuple[LineView, ...]
    skipped: tuple[Skipped, ...]


def _url_error(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host"
    if parts.query or parts.fragment:
        return "must not have a query or fragment"
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "has an invalid port"
    return None


def _check(spec: GatewaySpec, *, creating: bool) -> GatewaySpec:
    errors: list[FieldError] = []
    if not spec.name.strip():
        errors.append(FieldError("name", "must not be empty"))
    if spec.type != GATEWAY_TYPE:
        errors.append(FieldError("type", f"must be {GATEWAY_TYPE}"))
    if not spec.xsi_urls:
        errors.append(FieldError("xsi_urls", "at least one Xsi URL"))
    urls = tuple(u.strip().rstrip("/") for u in spec.xsi_urls)
    for i, url in enumerate(urls):
        problem = _url_error(url)
        if problem:
            errors.append(FieldError(f"xsi_urls.{i}", problem))
    if len(set(urls)) != len(urls):
        errors.append(FieldError("xsi_urls", "each URL at most once"))
    if not spec.monitoring_username.strip():
        errors.append(FieldError("monitoring.username", "must not be empty"))
    if creating and not spec.monitoring_password:
        errors.append(FieldError("monitoring.password", "required when creating a gateway"))
    if spec.monitoring_password is not None and not spec.monitoring_password:
        errors.append(FieldError("monitoring.password", "must not be empty"))
    if spec.proxy is not None:
        problem = _url_error(spec.proxy.url)
        if problem:
            errors.append(FieldError("proxy.url", problem))
        if spec.proxy.password and not spec.proxy.username:
            errors.append(FieldError("proxy.username", "required with a proxy password"))
    if not 5 <= spec.event_timeout_s <= 3600:
        errors.append(FieldError("event_timeout_s", "must be between 5 and 3600 seconds"))
    if spec.tls_ca_file is not None and not Path(spec.tls_ca_file).is_file():
        errors.append(FieldError("tls_ca_file", "no such file on the server"))
    if spec.portal_url is not None and _url_error(spec.portal_url):
        errors.append(FieldError("portal_url", "must be an http:// or https:// URL"))
    if errors:
        raise InvalidInputError(errors)
    return GatewaySpec(
        name=spec.name.strip(),
        xsi_urls=urls,
        dialing_parameters_id=spec.dialing_parameters_id,
        monitoring_username=spec.monitoring_username.strip(),
        monitoring_password=spec.monitoring_password,
        type=spec.type,
        disabled=spec.disabled,
        proxy=spec.proxy,
        event_timeout_s=spec.event_timeout_s,
        tls_ca_file=spec.tls_ca_file,
        portal_url=spec.portal_url,
    )


def _record(id: str, spec: GatewaySpec) -> GatewayRecord:
    return GatewayRecord(
        id=id,
        name=spec.name,
        xsi_urls=spec.xsi_urls,
        dialing_parameters_id=spec.dialing_parameters_id,
        monitoring_username=spec.monitoring_username,
        type=spec.type,
        disabled=spec.disabled,
        proxy_url=spec.proxy.url if spec.proxy else None,
        proxy_username=spec.proxy.username if spec.proxy else None,
        event_timeout_s=spec.event_timeout_s,
        tls_ca_file=spec.tls_ca_file,
        portal_url=spec.portal_url,
    )


async def _dialing_exists(tx: Transaction, id: str) -> None:
    if await tx.dialing_parameters.get(id) is None:
        raise InvalidInputError.field("dialing_parameters_id", f"no dialing parameters {id}")


async def _get(tx: Transaction, id: str) -> GatewayRecord:
    record = await tx.gateways.get(id)
    if record is None:
        raise NotFoundError(f"no gateway {id}")
    return record


class GatewaysService:
    """Gateways, their runtimes' state, connection test, PBX log and line import."""

    def __init__(self, store: Store, runtimes: Runtimes, lines: LinesService) -> None:
        self._store = store
        self._runtimes = runtimes
        self._lines = lines

    def _view(self, r: GatewayRecord) -> GatewayView:
        status = self._runtimes.status(r)
        return GatewayView(
            id=r.id,
            name=r.name,
            type=r.type,
            xsi_urls=r.xsi_urls,
            dialing_parameters_id=r.dialing_parameters_id,
            disabled=r.disabled,
            monitoring_username=r.monitoring_username,
            proxy=ProxyView(r.proxy_url, r.proxy_username) if r.proxy_url else None,
            event_timeout_s=r.event_timeout_s,
            tls_ca_file=r.tls_ca_file,
            portal_url=r.portal_url,
            state=status.state,
            state_reason=status.reason,
        )

    async def list(self) -> list[GatewayView]:
        """Every gateway, by name."""
        async with self._store.transaction() as tx:
            return [self._view(r) for r in await tx.gateways.all()]

    async def get(self, id: str) -> GatewayView:
        """One gateway; ``NotFoundError`` if unknown."""
        async with self._store.transaction() as tx:
            return self._view(await _get(tx, id))

    async def spec(self, id: str) -> GatewaySpec:
        """The stored gateway as a spec without secrets (the base a PATCH is merged into)."""
        async with self._store.transaction() as tx:
            r = await _get(tx, id)
        proxy = ProxySpec(r.proxy_url, r.proxy_username) if r.proxy_url else None
        return GatewaySpec(
            name=r.name,
            xsi_urls=r.xsi_urls,
            dialing_parameters_id=r.dialing_parameters_id,
            monitoring_username=r.monitoring_username,
            type=r.type,
            disabled=r.disabled,
            proxy=proxy,
            event_timeout_s=r.event_timeout_s,
            tls_ca_file=r.tls_ca_file,
            portal_url=r.portal_url,
        )

    async def create(self, spec: GatewaySpec) -> GatewayView:
        """Store a new gateway and start its runtime unless disabled."""
        spec = _check(spec, creating=True)
        record = _record(new_id(), spec)
        assert spec.monitoring_password is not None
        async with self._store.transaction() as tx:
            await _dialing_exists(tx, spec.dialing_parameters_id)
            with store_errors(f"a gateway named {record.name!r} exists already"):
                await tx.gateways.add(
                    record,
                    monitoring_password=spec.monitoring_password,
                    proxy_password=spec.proxy.password if spec.proxy else None,
                )
        await self._runtimes.sync(record.id)
        return await self.get(record.id)

    async def replace(self, id: str, spec: GatewaySpec) -> GatewayView:
        """Replace a gateway; passwords given as ``None`` are kept. The runtime follows."""
        spec = _check(spec, creating=False)
        record = _record(id, spec)
        async with self._store.transaction() as tx:
            old = await _get(tx, id)
            await _dialing_exists(tx, spec.dialing_parameters_id)
            with store_errors(f"a gateway named {record.name!r} exists already"):
                await tx.gateways.update(record)
            if spec.monitoring_password is not None:
                await tx.gateways.set_monitoring_password(id, spec.monitoring_password)
            if spec.proxy is not None and spec.proxy.password is not None:
                await tx.gateways.set_proxy_password(id, spec.proxy.password)
            elif spec.proxy is not None and (
                spec.proxy.url != old.proxy_url or not spec.proxy.username
            ):
                await tx.gateways.set_proxy_password(id, None)  # not for another proxy
        await self._runtimes.sync(id)
        return await self.get(id)

    async def delete(self, id: str) -> None:
        """Delete a gateway with its lines and secrets, after stopping its runtime."""
        async with self._store.transaction() as tx:
            await _get(tx, id)
            await tx.gateways.delete(id)
        await self._runtimes.sync(id)

    async def test(self, id: str) -> Sequence[Check]:
        """Run the connection test (R3) with the stored configuration."""
        async with self._store.transaction() as tx:
            config = await gateway_config(tx, await _get(tx, id))
        return await self._runtimes.pbx.test_connection(config)

    async def test_unsaved(self, spec: GatewaySpec, id: str | None = None) -> Sequence[Check]:
        """Run the connection test (R3) with settings not saved yet (the admin page tests
        the form before "Speichern"); passwords given as ``None`` are those stored for
        gateway ``id``. Nothing is stored."""
        spec = _check(spec, creating=id is None)
        async with self._store.transaction() as tx:
            if id is not None:
                await _get(tx, id)
                config = await gateway_config(tx, _record(id, spec))
            else:
                assert spec.monitoring_password is not None  # _check: required when creating
                identity = await tx.installation.identity()
                config = GatewayConfig(
                    gateway_id="unsaved",
                    name=spec.name,
                    xsi_urls=spec.xsi_urls,
                    monitoring=Credentials(
                        spec.monitoring_username, Secret(spec.monitoring_password)
                    ),
                    event_timeout_s=spec.event_timeout_s,
                    tls_ca_file=spec.tls_ca_file,
                    channel_set_id=identity.channel_set_id,
                    application_id=identity.application_id,
                )
        if spec.monitoring_password is not None:
            monitoring = Credentials(spec.monitoring_username, Secret(spec.monitoring_password))
            config = replace(config, monitoring=monitoring)
        if spec.proxy is None:
            config = replace(config, proxy=None)
        elif spec.proxy.password is not None and spec.proxy.username:
            credentials = Credentials(spec.proxy.username, Secret(spec.proxy.password))
            config = replace(config, proxy=ProxyConfig(spec.proxy.url, credentials))
        elif config.proxy is None:
            config = replace(config, proxy=ProxyConfig(spec.proxy.url))
        return await self._runtimes.pbx.test_connection(config)

    async def log(self, id: str, query: LogQuery) -> Sequence[LogEntry]:
        """The gateway's PBX log (R4), filtered."""
        async with self._store.transaction() as tx:
            await _get(tx, id)
        return self._runtimes.log(id, query)

    async def import_lines(self, id: str) -> ImportResult:
        """Create a line for each user of the PBX's enterprise directory not yet known."""
        async with self._store.transaction() as tx:
            gateway = await _get(tx, id)
            config = await gateway_config(tx, gateway)
        entries = await self._runtimes.pbx.directory(config)
        created: list[str] = []
        skipped: list[Skipped] = []
        async with self._store.transaction() as tx:
            params_record = await tx.dialing_parameters.get(gateway.dialing_parameters_id)
            assert params_record is not None  # a foreign key
            params = to_domain(params_record)
            known = {line.pbx_user_id for line in await tx.lines.all(gateway_id=id)}
            for entry in entries:
                reason = None
                if entry.pbx_user_id == gateway.monitoring_username:
                    reason = "the gateway's monitoring user"
                elif entry.pbx_user_id in known:
                    reason = "a line for this PBX user exists already"
                elif not entry.number:
                    reason = "the PBX user has no number"
                if reason is None:
                    assert entry.number is not None
                    try:
                        number = normalise(entry.number, params, context=Context.INCOMING)
                    except NumberError as error:
                        number = None
                        reason = f"number {entry.number!r}: {error}"
                    if number is not None and number.kind is not NumberKind.E164:
                        reason = f"number {entry.number!r} is not a full number"
                if reason is not None:
                    skipped.append(Skipped(entry.pbx_user_id, reason))
                    continue
                assert number is not None
                line_id = new_id()
                await tx.lines.add(
                    LineRecord(
                        id=line_id,
                        gateway_id=id,
                        pbx_user_id=entry.pbx_user_id,
                        number=number.value,
                        extension=entry.extension if (entry.extension or "").isdigit() else None,
                        display_name=entry.display_name or entry.extension or number.value,
                        parameters=DEFAULT_LINE_PARAMETERS,
                    )
                )
                known.add(entry.pbx_user_id)
                created.append(line_id)
        await self._runtimes.sync(id)
        async with self._store.transaction() as tx:
            records = [r for r in await tx.lines.all(gateway_id=id) if r.id in set(created)]
            views = await self._lines.views(tx, records)
        return ImportResult(tuple(views), tuple(skipped))
