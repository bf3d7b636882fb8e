"""A user's own Cloud PBX login (CONTRACT.md §2.1 ``PUT``/``DELETE /users/me/pbx-credentials``):
checked with the PBX before anything is stored; stored sealed in the vault, state ``valid``.

The PBX must accept them as the PBX user of the user's line (the profile's ``userId`` equal to
the line's ``pbx_user_id``): a colleague's login is refused (422), nothing stored. A rejected
try is counted for the account (``PbxAttempts``); once another failure could make the PBX
lock the account, tries are refused without a request (409) until an admin clears the login."""

from __future__ import annotations

from cloudcti.app.bus import InProcessBus
from cloudcti.app.errors import (
    ConflictError,
    FieldError,
    InvalidInputError,
    NotFoundError,
    PbxUnavailableError,
)
from cloudcti.app.pbx_attempts import MAX_EXPLICIT_FAILURES, PBX_LOCKOUT_AFTER, PbxAttempts
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

    def __init__(self, store: Store, login: PbxLogin, attempts: PbxAttempts | None = None) -> None:
        self._store = store
        self._login = login
        self._attempts = attempts or PbxAttempts(store, InProcessBus())

    async def set(self, user_id: str, username: str, password: str) -> None:
        """Check ``username``/``password`` with one profile GET on the PBX of the user's first
        line, then store them (state ``valid``, no failed attempts). ``InvalidInputError``
        naming the PBX's reason if it rejected them, or naming both PBX users if they log in
        as another one than the line's (nothing stored, state unchanged); ``ConflictError``
        if the user has no line, hence no PBX to ask, or if another failure could lock the
        PBX account."""
        username = username.strip()
        _check_fields(username, password)
        async with self._attempts.lock(user_id):
            async with self._store.transaction() as tx:
                user = await tx.users.get(user_id)
                if user is None:
                    raise NotFoundError(f"no user {user_id}")
                lines = sorted(
                    await tx.lines.all(user_id=user_id), key=lambda x: (x.disabled, x.id)
                )
                gateway = await tx.gateways.get(lines[0].gateway_id) if lines else None
                if gateway is None:
                    raise ConflictError("you have no line, so there is no Cloud PBX to log in to")
                if user.pbx_failed_attempts >= MAX_EXPLICIT_FAILURES:
                    raise ConflictError(
                        f"the Cloud PBX rejected {user.pbx_failed_attempts} logins in a row; "
                        f"it locks the account after {PBX_LOCKOUT_AFTER}, so nothing more is "
                        "tried: check the account in the Cloud PBX portal and ask your "
                        "administrator to clear your Cloud PBX login"
                    )
                config = await gateway_config(tx, gateway)
            credentials = Credentials(username, Secret(password))
            result = await self._login.check_login(config, credentials)
            if not result.accepted:
                if result.sent:
                    await self._attempts.explicit_rejected(user_id)
                message = f"the Cloud PBX rejected these credentials: {result.reason}"
                raise InvalidInputError([FieldError("password", message)], detail=message)
            wanted = lines[0].pbx_user_id
            if (result.pbx_user_id or "").lower() != wanted.lower():
                message = (
                    f"these credentials log in as the Cloud PBX user {result.pbx_user_id!r}, "
                    f"but your line belongs to {wanted!r}"
                )
                raise InvalidInputError([FieldError("username", message)], detail=message)
            async with self._store.transaction() as tx:
                if await tx.users.get(user_id) is None:
                    raise NotFoundError(f"no user {user_id}")
                await tx.users.set_pbx_credentials(user_id, username, password)
        self._attempts.changed()

    async def clear(self, user_id: str) -> None:
        """Forget the user's own PBX credentials (state ``missing``); the count of rejected
        logins stays (only an admin clears it, R16)."""
        async with self._attempts.lock(user_id), self._store.transaction() as tx:
            user = await tx.users.get(user_id)
            if user is None:
                raise NotFoundError(f"no user {user_id}")
            await tx.users.clear_pbx_credentials(user_id)
            await tx.users.set_pbx_state(user_id, "missing", user.pbx_failed_attempts)
        self._attempts.changed()
