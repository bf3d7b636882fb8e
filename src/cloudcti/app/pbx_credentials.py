"""A user's own Cloud PBX login (CONTRACT.md §2.1 ``PUT``/``DELETE /users/me/pbx-credentials``):
checked with the PBX before anything is stored; stored sealed in the vault, state ``valid``."""

from __future__ import annotations

from cloudcti.app.errors import (
    ConflictError,
    FieldError,
    InvalidInputError,
    NotFoundError,
    PbxUnavailableError,
)
from cloudcti.app.ports import Credentials, GatewayConfig, LoginResult, PbxLogin
from cloudcti.app.runtimes import gateway_config
from cloudcti.store import Secret, Store

__all__ = ["NoPbxLogin", "PbxCredentialsService"]

_MAX_LENGTH = {"username": 200, "password": 500}


class NoPbxLogin:
    """For a PBX port that cannot check logins: every check is ``PbxUnavailableError``."""

    async def check_login(self, config: GatewayConfig, credentials: Credentials) -> LoginResult:
        """Refuse: there is nothing to check the credentials with."""
        raise PbxUnavailableError("this installation's PBX connection cannot check logins")


def _check_fields(username: str, password: str) -> None:
    errors = [
        FieldError(name, f"1-{_MAX_LENGTH[name]} characters")
        for name, value in (("username", username), ("password", password))
        if not value or len(value) > _MAX_LENGTH[name]
    ]
    if errors:
        raise InvalidInputError(errors)


class PbxCredentialsService:
    """Sets (after the PBX accepted them) and clears a user's own PBX credentials."""

    def __init__(self, store: Store, login: PbxLogin) -> None:
        self._store = store
        self._login = login

    async def set(self, user_id: str, username: str, password: str) -> None:
        """Check ``username``/``password`` with one profile GET on the PBX of the user's first
        line, then store them (state ``valid``, no failed attempts). ``InvalidInputError``
        naming the PBX's reason if it rejected them (nothing stored, state unchanged);
        ``ConflictError`` if the user has no line, hence no PBX to ask."""
        username = username.strip()
        _check_fields(username, password)
        async with self._store.transaction() as tx:
            if await tx.users.get(user_id) is None:
                raise NotFoundError(f"no user {user_id}")
            lines = sorted(await tx.lines.all(user_id=user_id), key=lambda x: (x.disabled, x.id))
            gateway = await tx.gateways.get(lines[0].gateway_id) if lines else None
            if gateway is None:
                raise ConflictError("you have no line, so there is no Cloud PBX to log in to")
            config = await gateway_config(tx, gateway)
        result = await self._login.check_login(config, Credentials(username, Secret(password)))
        if not result.accepted:
            message = f"the Cloud PBX rejected these credentials: {result.reason}"
            raise InvalidInputError([FieldError("password", message)], detail=message)
        async with self._store.transaction() as tx:
            if await tx.users.get(user_id) is None:
                raise NotFoundError(f"no user {user_id}")
            await tx.users.set_pbx_credentials(user_id, username, password)

    async def clear(self, user_id: str) -> None:
        """Forget the user's own PBX credentials (state ``missing``)."""
        async with self._store.transaction() as tx:
            if await tx.users.get(user_id) is None:
                raise NotFoundError(f"no user {user_id}")
            await tx.users.clear_pbx_credentials(user_id)
