"""Lines ("Leitungen", R5): CRUD, their parameters and their live state."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields

from cloudcti.app._store import new_id, store_errors
from cloudcti.app.dialing import to_domain
from cloudcti.app.errors import FieldError, InvalidInputError, NotFoundError
from cloudcti.app.ports import GatewayState, Status
from cloudcti.app.runtimes import Runtimes
from cloudcti.app.users import forget_pbx_login_without_lines
from cloudcti.domain.numbers import (
    Context,
    DialingParameters,
    NumberError,
    NumberKind,
    normalise,
)
from cloudcti.store import GatewayRecord, LineRecord, Store, Transaction, UserRecord

__all__ = [
    "DEFAULT_LINE_PARAMETERS",
    "LineSpec",
    "LineView",
    "LinesService",
    "line_status",
    "normalise_line_number",
    "spec_of",
    "view_of",
]

DEFAULT_LINE_PARAMETERS: Mapping[str, str] = {"BSVoiceMailNumber": "*86"}
"""R5: a non-empty ``BSVoiceMailNumber`` enables the voicemail redirect for the line."""

_LIVE = {GatewayState.CONNECTED.value, GatewayState.DEGRADED.value}
_FEW_USERS = 8
"""Up to this many users a view reads them one by one, beyond it all at once."""


@dataclass(frozen=True, slots=True)
class LineSpec:
    """What an admin writes about a line."""

    gateway_id: str
    pbx_user_id: str
    number: str
    extension: str | None = None
    display_name: str = ""
    user_id: str | None = None
    disabled: bool = False
    parameters: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_LINE_PARAMETERS))


@dataclass(frozen=True, slots=True)
class LineView:
    """A line as the API shows it, with its live state."""

    id: str
    gateway_id: str
    pbx_user_id: str
    number: str
    extension: str | None
    display_name: str
    user_id: str | None
    disabled: bool
    parameters: Mapping[str, str]
    state: str
    state_reason: str


def line_status(
    line: LineRecord, gateway: GatewayRecord, user: UserRecord | None, runtimes: Runtimes
) -> Status:
    """The line's state (CONTRACT.md ``Line.state``) from the gateway's runtime and the
    assigned user's PBX credentials."""
    if line.disabled:
        return Status("disabled", "the line is disabled")
    if gateway.disabled:
        return Status("disabled", "the gateway is disabled")
    gateway_status = runtimes.status(gateway)
    if gateway_status.state not in _LIVE:
        state = "unknown" if gateway_status.state == GatewayState.CONNECTING else "out_of_service"
        return Status(state, f"gateway {gateway.name}: {gateway_status.reason}")
    monitored = runtimes.line_status(gateway.id, line.id)
    if monitored is not None and monitored.state != "in_service":
        return monitored
    if user is None:
        return Status("in_service", "monitored; not assigned to a user")
    if user.pbx_state != "valid":
        reasons = {
            "missing": "the user has not entered their Cloud PBX credentials",
            "invalid": "the Cloud PBX rejected the user's credentials",
            "suspended": "the Cloud PBX rejected the user's credentials 3 times; "
            "nothing is tried until the user enters new ones",
        }
        return Status("needs_user_auth", reasons.get(user.pbx_state, user.pbx_state))
    return Status("in_service", "monitored; call control with the user's credentials")


_SPEC_FIELDS = tuple(f.name for f in dataclass_fields(LineSpec))


def view_of(r: LineRecord, status: Status) -> LineView:
    """The line as shown, in the given state."""
    spec = spec_of(r)
    values = {name: getattr(spec, name) for name in _SPEC_FIELDS}
    return LineView(id=r.id, **values, state=status.state, state_reason=status.reason)


def spec_of(r: LineRecord) -> LineSpec:
    """The stored line as an admin writes it (its own copy of the parameters)."""
    return LineSpec(
        gateway_id=r.gateway_id,
        pbx_user_id=r.pbx_user_id,
        number=r.number,
        extension=r.extension,
        display_name=r.display_name,
        user_id=r.user_id,
        disabled=r.disabled,
        parameters=dict(r.parameters),
    )


def normalise_line_number(
    raw: str, gateway_params: DialingParameters, field_name: str = "number"
) -> str:
    """``raw`` as E.164 under the gateway's dialing parameters; ``InvalidInputError`` otherwise."""
    try:
        parsed = normalise(raw, gateway_params, context=Context.INCOMING)
    except NumberError as error:
        raise InvalidInputError.field(field_name, str(error)) from None
    if parsed.kind is not NumberKind.E164:
        raise InvalidInputError.field(field_name, "must be a full number, e.g. +4989887766771")
    return parsed.value


async def _gateway(tx: Transaction, id: str, field_name: str = "gateway_id") -> GatewayRecord:
    gateway = await tx.gateways.get(id)
    if gateway is None:
        raise InvalidInputError.field(field_name, f"no gateway {id}")
    return gateway


async def _check(tx: Transaction, spec: LineSpec) -> LineSpec:
    errors: list[FieldError] = []
    if not spec.pbx_user_id.strip():
        errors.append(FieldError("pbx_user_id", "must not be empty"))
    if spec.extension is not None and not spec.extension.isdigit():
        errors.append(FieldError("extension", "digits only"))
    for name, value in spec.parameters.items():
        if not name.strip():
            errors.append(FieldError("parameters", "a parameter name must not be empty"))
        elif len(value) > 200:
            errors.append(FieldError(f"parameters.{name}", "at most 200 characters"))
    if spec.user_id is not None and await tx.users.get(spec.user_id) is None:
        errors.append(FieldError("user_id", f"no user {spec.user_id}"))
    if errors:
        raise InvalidInputError(errors)
    gateway = await _gateway(tx, spec.gateway_id)
    params = await tx.dialing_parameters.get(gateway.dialing_parameters_id)
    assert params is not None  # a foreign key
    number = normalise_line_number(spec.number, to_domain(params))
    display_name = spec.display_name.strip() or spec.extension or number
    return LineSpec(
        gateway_id=spec.gateway_id,
        pbx_user_id=spec.pbx_user_id.strip(),
        number=number,
        extension=spec.extension,
        display_name=display_name,
        user_id=spec.user_id,
        disabled=spec.disabled,
        parameters=dict(spec.parameters),
    )


def _record(id: str, spec: LineSpec) -> LineRecord:
    return LineRecord(
        id=id,
        gateway_id=spec.gateway_id,
        pbx_user_id=spec.pbx_user_id,
        number=spec.number,
        display_name=spec.display_name,
        extension=spec.extension,
        user_id=spec.user_id,
        disabled=spec.disabled,
        parameters=spec.parameters,
    )


class LinesService:
    """Lines of the gateways; every change is passed on to the gateway's runtime."""

    def __init__(
        self,
        store: Store,
        runtimes: Runtimes,
        on_line_started: Callable[[str], None] | None = None,
    ) -> None:
        self._store = store
        self._runtimes = runtimes
        self._on_line_started = on_line_started
        """Told the user id when a line starts for its user (R16's implicit check)."""

    def _started(self, old: LineRecord | None, new: LineRecord) -> None:
        """Tell ``on_line_started`` if ``new`` (was ``old``) starts for its user: created,
        enabled, assigned or pointed at another PBX user or gateway."""
        if new.user_id is None or new.disabled or self._on_line_started is None:
            return
        if old is None or (old.disabled, old.user_id, old.gateway_id, old.pbx_user_id) != (
            False,
            new.user_id,
            new.gateway_id,
            new.pbx_user_id,
        ):
            self._on_line_started(new.user_id)

    async def views(self, tx: Transaction, records: list[LineRecord]) -> list[LineView]:
        """Views of ``records`` with their live state."""
        gateways = {g.id: g for g in await tx.gateways.all()}
        wanted = {r.user_id for r in records if r.user_id is not None}
        if len(wanted) > _FEW_USERS:
            users = {u.id: u for u in await tx.users.all() if u.id in wanted}
        else:
            users = {u.id: u for u in [await tx.users.get(id) for id in wanted] if u is not None}
        return [
            view_of(r, self.status_of(r, gateways[r.gateway_id], users.get(r.user_id or "")))
            for r in records
        ]

    def status_of(
        self, record: LineRecord, gateway: GatewayRecord, user: UserRecord | None
    ) -> Status:
        """The line's live state (``line_status`` with this service's runtimes)."""
        return line_status(record, gateway, user, self._runtimes)

    async def list(
        self, *, gateway_id: str | None = None, user_id: str | None = None
    ) -> list[LineView]:
        """Lines by number, optionally of one gateway or one user."""
        async with self._store.read() as tx:
            return await self.views(tx, await tx.lines.all(gateway_id=gateway_id, user_id=user_id))

    async def get(self, id: str) -> LineView:
        """One line; ``NotFoundError`` if unknown."""
        async with self._store.read() as tx:
            return (await self.views(tx, [await _get(tx, id)]))[0]

    async def spec(self, id: str) -> LineSpec:
        """The stored line as a spec (the base a PATCH is merged into)."""
        async with self._store.read() as tx:
            return spec_of(await _get(tx, id))

    async def create(self, spec: LineSpec) -> LineView:
        """Store a new line; ``ConflictError`` if the gateway has one for the PBX user already."""
        async with self._store.transaction() as tx:
            record = _record(new_id(), await _check(tx, spec))
            with store_errors(f"the gateway has a line for {record.pbx_user_id!r} already"):
                await tx.lines.add(record)
        await self._runtimes.sync(record.gateway_id)
        self._started(None, record)
        return await self.get(record.id)

    async def replace(self, id: str, spec: LineSpec) -> LineView:
        """Replace a line (moving it to another gateway is allowed)."""
        async with self._store.transaction() as tx:
            old = await _get(tx, id)
            record = _record(id, await _check(tx, spec))
            with store_errors(f"the gateway has a line for {record.pbx_user_id!r} already"):
                await tx.lines.update(record)
            await forget_pbx_login_without_lines(tx, [old.user_id])
        for gateway_id in {old.gateway_id, record.gateway_id}:
            await self._runtimes.sync(gateway_id)
        self._started(old, record)
        return await self.get(id)

    async def delete(self, id: str) -> None:
        """Delete a line (R17: its user's PBX credentials go with their last line)."""
        async with self._store.transaction() as tx:
            old = await _get(tx, id)
            await tx.lines.delete(id)
            await forget_pbx_login_without_lines(tx, [old.user_id])
        await self._runtimes.sync(old.gateway_id)


async def _get(tx: Transaction, id: str) -> LineRecord:
    record = await tx.lines.get(id)
    if record is None:
        raise NotFoundError(f"no line {id}")
    return record
