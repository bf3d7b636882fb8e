"""Local accounts: roles, language, location, lines, and the state of their PBX login."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from cloudcti.app._store import new_id, store_errors
from cloudcti.app.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from cloudcti.domain.numbers import (
    Context,
    DialingParameters,
    NumberError,
    NumberKind,
    normalise,
)
from cloudcti.store import Store, Transaction, UserRecord

__all__ = [
    "LANGUAGES",
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "PbxCredentialsView",
    "UserSpec",
    "UserView",
    "UsersService",
    "forget_pbx_login_without_lines",
]

ROLES = ("admin", "user")
LANGUAGES = ("de", "en")
MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}")
_GERMANY = DialingParameters.cloud_pbx()  # reads a national mobile number typed without +49


@dataclass(frozen=True, slots=True)
class UserSpec:
    """What an admin writes; ``password`` ``None`` keeps the stored one (required when
    creating); ``line_ids`` ``None`` leaves the line assignment as it is."""

    username: str
    display_name: str = ""
    password: str | None = None
    role: str = "user"
    language: str = "de"
    location_id: str | None = None
    mobile_number: str | None = None
    line_ids: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class PbxCredentialsView:
    """The state of the user's own Cloud PBX login (never the credentials themselves)."""

    state: str
    failed_attempts: int


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as the API shows it."""

    id: str
    username: str
    display_name: str
    role: str
    language: str
    location_id: str | None
    mobile_number: str | None
    line_ids: tuple[str, ...]
    pbx_credentials: PbxCredentialsView


def _mobile(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    try:
        number = normalise(raw, _GERMANY, context=Context.INCOMING)
    except NumberError as error:
        raise InvalidInputError.field("mobile_number", str(error)) from None
    if number.kind is not NumberKind.E164:
        raise InvalidInputError.field("mobile_number", "must be a full number, e.g. +491701234567")
    return number.value


async def _check(tx: Transaction, spec: UserSpec, *, creating: bool) -> UserSpec:
    errors: list[FieldError] = []
    if not _USERNAME.fullmatch(spec.username):
        errors.append(
            FieldError("username", "1-200 letters, digits or . _ @ + -, starting alphanumeric")
        )
    if creating and spec.password is None:
        errors.append(FieldError("password", "required when creating a user"))
    if spec.password is not None and len(spec.password) < MIN_PASSWORD_LENGTH:
        errors.append(FieldError("password", f"at least {MIN_PASSWORD_LENGTH} characters"))
    if spec.role not in ROLES:
        errors.append(FieldError("role", "must be admin or user"))
    if spec.language not in LANGUAGES:
        errors.append(FieldError("language", "must be de or en"))
    if spec.location_id is not None and await tx.locations.get(spec.location_id) is None:
        errors.append(FieldError("location_id", f"no location {spec.location_id}"))
    for i, line_id in enumerate(spec.line_ids or ()):
        if await tx.lines.get(line_id) is None:
            errors.append(FieldError(f"line_ids.{i}", f"no line {line_id}"))
    if errors:
        raise InvalidInputError(errors)
    return replace(
        spec,
        display_name=spec.display_name.strip() or spec.username,
        mobile_number=_mobile(spec.mobile_number),
    )


def _record(id: str, spec: UserSpec) -> UserRecord:
    return UserRecord(
        id=id,
        username=spec.username,
        display_name=spec.display_name,
        role=spec.role,
        language=spec.language,
        location_id=spec.location_id,
        mobile_number=spec.mobile_number,
    )


async def forget_pbx_login_without_lines(tx: Transaction, user_ids: Iterable[str | None]) -> None:
    """R17: a user left without any line loses their stored Cloud PBX login (and its count)."""
    for user_id in {u for u in user_ids if u is not None}:
        user = await tx.users.get(user_id)
        if user is None or (user.pbx_state == "missing" and not user.pbx_failed_attempts):
            continue
        if not await tx.lines.all(user_id=user_id):
            await tx.users.clear_pbx_credentials(user_id)


async def _assign_lines(tx: Transaction, user_id: str, line_ids: tuple[str, ...]) -> list[str]:
    """Give the user exactly ``line_ids``; the lines newly theirs and enabled."""
    wanted = set(line_ids)
    for line in await tx.lines.all(user_id=user_id):
        if line.id not in wanted:
            await tx.lines.update(replace(line, user_id=None))
    started = []
    losers: list[str | None] = [user_id]
    for line_id in sorted(wanted):
        found = await tx.lines.get(line_id)
        if found is not None and found.user_id != user_id:
            losers.append(found.user_id)
            await tx.lines.update(replace(found, user_id=user_id))
            if not found.disabled:
                started.append(line_id)
    await forget_pbx_login_without_lines(tx, losers)
    return started


async def _get(tx: Transaction, id: str) -> UserRecord:
    record = await tx.users.get(id)
    if record is None:
        raise NotFoundError(f"no user {id}")
    return record


async def view(tx: Transaction, r: UserRecord) -> UserView:
    """The API's view of a stored user."""
    line_ids = tuple(line.id for line in await tx.lines.all(user_id=r.id))
    return UserView(
        id=r.id,
        username=r.username,
        display_name=r.display_name,
        role=r.role,
        language=r.language,
        location_id=r.location_id,
        mobile_number=r.mobile_number,
        line_ids=line_ids,
        pbx_credentials=PbxCredentialsView(r.pbx_state, r.pbx_failed_attempts),
    )


async def _other_admins(tx: Transaction, id: str) -> int:
    return sum(1 for u in await tx.users.all() if u.role == "admin" and u.id != id)


class UsersService:
    """Users: CRUD, line assignment, clearing PBX credentials."""

    def __init__(self, store: Store, on_line_started: Callable[[str], None] | None = None) -> None:
        self._store = store
        self._on_line_started = on_line_started
        """Told the user id when a line starts for its user (R16's implicit check)."""

    def _started(self, user_id: str, line_ids: list[str]) -> None:
        if line_ids and self._on_line_started is not None:
            self._on_line_started(user_id)

    async def list(self) -> list[UserView]:
        """Every user, by username."""
        async with self._store.transaction() as tx:
            return [await view(tx, r) for r in await tx.users.all()]

    async def get(self, id: str) -> UserView:
        """One user; ``NotFoundError`` if unknown."""
        async with self._store.transaction() as tx:
            return await view(tx, await _get(tx, id))

    async def spec(self, id: str) -> UserSpec:
        """The stored user as a spec (the base a PATCH is merged into)."""
        user = await self.get(id)
        return UserSpec(
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            language=user.language,
            location_id=user.location_id,
            mobile_number=user.mobile_number,
        )

    async def create(self, spec: UserSpec) -> UserView:
        """Store a new user; ``ConflictError`` if the username is taken."""
        id = new_id()
        async with self._store.transaction() as tx:
            spec = await _check(tx, spec, creating=True)
            assert spec.password is not None
            with store_errors(f"the username {spec.username!r} is taken"):
                await tx.users.add(_record(id, spec), password=spec.password)
            started = await _assign_lines(tx, id, spec.line_ids or ())
            result = await view(tx, await _get(tx, id))
        self._started(id, started)
        return result

    async def replace(self, id: str, spec: UserSpec) -> UserView:
        """Replace a user; a new password logs every session of the user out."""
        async with self._store.transaction() as tx:
            old = await _get(tx, id)
            spec = await _check(tx, spec, creating=False)
            if old.role == "admin" and spec.role != "admin" and not await _other_admins(tx, id):
                raise ConflictError("the last admin cannot lose the admin role")
            record = replace(
                _record(id, spec),
                pbx_username=old.pbx_username,
                pbx_state=old.pbx_state,
                pbx_failed_attempts=old.pbx_failed_attempts,
            )
            with store_errors(f"the username {spec.username!r} is taken"):
                await tx.users.update(record)
            if spec.password is not None:
                await tx.users.set_password(id, spec.password)
                await tx.tokens.revoke_user(id)
            started = (
                await _assign_lines(tx, id, spec.line_ids) if spec.line_ids is not None else []
            )
            result = await view(tx, await _get(tx, id))
        self._started(id, started)
        return result

    async def delete(self, id: str) -> None:
        """Delete a user (their lines stay, unassigned); not the last admin."""
        async with self._store.transaction() as tx:
            user = await _get(tx, id)
            if user.role == "admin" and not await _other_admins(tx, id):
                raise ConflictError("the last admin cannot be deleted")
            for line in await tx.lines.all(user_id=id):
                await tx.lines.update(replace(line, user_id=None))
            await tx.tokens.revoke_user(id)
            await tx.users.delete(id)

    async def clear_pbx_credentials(self, id: str) -> None:
        """Forget the user's own Cloud PBX login and its count of rejected logins (an admin
        who checked the account in the portal lets the user try again, R16)."""
        async with self._store.transaction() as tx:
            await _get(tx, id)
            await tx.users.clear_pbx_credentials(id)
