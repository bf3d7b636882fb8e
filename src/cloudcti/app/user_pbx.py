"""``UserPbx``: Xsi-Actions requests on a user's own line with the user's own Cloud PBX
credentials (call control, forwarding), and the R16 accounting of rejected credentials.

Nothing is sent unless the stored credentials are ``valid``. A 401 turns them ``invalid``
(``failed_attempts`` + 1) or, at ``MAX_FAILED_ATTEMPTS``, ``suspended``; either way the user
gets a ``pbx_credentials_required`` frame and the request fails with
``PbxCredentialsRequiredError``. Only the user entering new credentials makes them ``valid``
again (``PbxCredentialsService.set``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cloudcti.app.bus import EventBus
from cloudcti.app.errors import NotFoundError, PbxCredentialsRequiredError, PbxUnavailableError
from cloudcti.app.pbx_attempts import ASK_AGAIN, MAX_FAILED_ATTEMPTS, PbxAttempts
from cloudcti.app.ports import Credentials, GatewayConfig, PbxActions, PbxCredentialsRejectedError
from cloudcti.app.runtimes import gateway_config
from cloudcti.store import LineRecord, Store
from cloudcti.xsi import XsiRequest

__all__ = ["MAX_FAILED_ATTEMPTS", "NoPbxActions", "UserLine", "UserPbx"]


class NoPbxActions:
    """For a PBX port that cannot send users' requests: each is ``PbxUnavailableError``."""

    async def user_request(
        self, config: GatewayConfig, credentials: Credentials, request: XsiRequest
    ) -> bytes:
        """Refuse: there is no PBX connection to send with."""
        raise PbxUnavailableError("this installation's PBX connection cannot send requests")


@dataclass(frozen=True, slots=True)
class UserLine:
    """A line of the user, with what a request on it needs."""

    line: LineRecord
    config: GatewayConfig
    credentials: Credentials
    failed_attempts: int = 0


class UserPbx:
    """Sends requests on the user's own lines with the user's own credentials."""

    def __init__(
        self,
        store: Store,
        actions: PbxActions,
        bus: EventBus,
        attempts: PbxAttempts | None = None,
        settled: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._store = store
        self._actions = actions
        self.attempts = attempts or PbxAttempts(store, bus)
        self._settled = settled
        """Awaited before a user's request: the implicit login check runs first (R16)."""

    async def line(self, user_id: str, line_id: str | None = None) -> UserLine:
        """The user's line ``line_id`` (default: the first enabled one) with its gateway and
        the user's credentials. ``NotFoundError`` if the user has no such line (another
        user's line is unknown, not forbidden); ``PbxCredentialsRequiredError`` unless the
        stored credentials are ``valid``."""
        async with self._store.transaction() as tx:
            user = await tx.users.get(user_id)
            if user is None:
                raise NotFoundError(f"no user {user_id}")
            lines = sorted(await tx.lines.all(user_id=user_id), key=lambda x: (x.disabled, x.id))
            if line_id is None:
                line = next((x for x in lines if not x.disabled), None)
                if line is None:
                    raise NotFoundError("you have no enabled line")
            else:
                line = next((x for x in lines if x.id == line_id), None)
                if line is None:
                    raise NotFoundError(f"you have no line {line_id}")
            gateway = await tx.gateways.get(line.gateway_id)
            if gateway is None:
                raise NotFoundError(f"the gateway of line {line.id} is gone")
            config = await gateway_config(tx, gateway)
            password = await tx.users.pbx_password(user_id)
            if user.pbx_state != "valid" or user.pbx_username is None or password is None:
                raise PbxCredentialsRequiredError(
                    ASK_AGAIN.get(user.pbx_state, ASK_AGAIN["missing"])
                )
        credentials = Credentials(user.pbx_username, password)
        return UserLine(line, config, credentials, user.pbx_failed_attempts)

    async def send(
        self,
        user_id: str,
        build: Callable[[str], XsiRequest],
        *,
        line_id: str | None = None,
    ) -> bytes:
        """Send ``build(pbx_user_id)`` on the user's line; the PBX's answer body. Errors as
        ``line`` and ``PbxActions.user_request`` say; a 401 is counted (R16) and raised as
        ``PbxCredentialsRequiredError``."""
        if self._settled is not None:
            await self._settled(user_id)
        target = await self.line(user_id, line_id)
        request = build(target.line.pbx_user_id)
        try:
            body = await self._actions.user_request(target.config, target.credentials, request)
        except PbxCredentialsRejectedError as rejected:
            state = await self.attempts.stored_rejected(
                user_id, rejected.reason, target.credentials
            )
            raise PbxCredentialsRequiredError(ASK_AGAIN.get(state, ASK_AGAIN["missing"])) from None
        if target.failed_attempts:
            await self.attempts.stored_accepted(user_id, target.credentials)
        return body

    async def rejected(self, user_id: str, reason: str) -> str:
        """Count one rejected request with the user's stored credentials; the new state
        (``invalid`` or ``suspended``), announced to the user in a frame."""
        return await self.attempts.stored_rejected(user_id, reason)
