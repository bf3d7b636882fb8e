"""``UserPbx``: Xsi-Actions requests on a user's own line with the user's own Cloud PBX
credentials (call control, forwarding), and the R16 accounting of rejected credentials.

Nothing is sent unless the stored credentials are ``valid``. A 401 turns them ``invalid``
(``failed_attempts`` + 1) or, at ``MAX_FAILED_ATTEMPTS``, ``suspended``; either way the user
gets a ``pbx_credentials_required`` frame and the request fails with
``PbxCredentialsRequiredError``. Only the user entering new credentials makes them ``valid``
again (``PbxCredentialsService.set``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from cloudcti.app.bus import EventBus, UserFrame
from cloudcti.app.errors import NotFoundError, PbxCredentialsRequiredError, PbxUnavailableError
from cloudcti.app.ports import Credentials, GatewayConfig, PbxActions, PbxCredentialsRejectedError
from cloudcti.app.runtimes import gateway_config
from cloudcti.store import LineRecord, Store
from cloudcti.xsi import XsiRequest

__all__ = ["MAX_FAILED_ATTEMPTS", "NoPbxActions", "UserLine", "UserPbx"]

MAX_FAILED_ATTEMPTS = 3
"""Rejected requests with the same stored credentials before they are ``suspended`` (R16)."""

_ASK_AGAIN = {
    "missing": "enter your Cloud PBX credentials",
    "invalid": "the Cloud PBX rejected your stored credentials; enter them again",
    "suspended": "the Cloud PBX rejected your stored credentials 3 times; nothing more is "
    "tried until you enter them again",
}


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


class UserPbx:
    """Sends requests on the user's own lines with the user's own credentials."""

    def __init__(self, store: Store, actions: PbxActions, bus: EventBus) -> None:
        self._store = store
        self._actions = actions
        self._bus = bus
        self._locks: dict[str, asyncio.Lock] = {}

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
                    _ASK_AGAIN.get(user.pbx_state, _ASK_AGAIN["missing"])
                )
        return UserLine(line, config, Credentials(user.pbx_username, password))

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
        target = await self.line(user_id, line_id)
        request = build(target.line.pbx_user_id)
        try:
            return await self._actions.user_request(target.config, target.credentials, request)
        except PbxCredentialsRejectedError as rejected:
            state = await self.rejected(user_id, rejected.reason)
            raise PbxCredentialsRequiredError(_ASK_AGAIN[state]) from None

    async def rejected(self, user_id: str, reason: str) -> str:
        """Count one rejected request with the user's stored credentials; the new state
        (``invalid`` or ``suspended``), announced to the user in a frame."""
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        async with lock, self._store.transaction() as tx:
            user = await tx.users.get(user_id)
            if user is None or user.pbx_state in ("missing", "suspended"):
                return "missing" if user is None else user.pbx_state
            attempts = user.pbx_failed_attempts + 1
            state = "suspended" if attempts >= MAX_FAILED_ATTEMPTS else "invalid"
            await tx.users.set_pbx_state(user_id, state, attempts)
        self._bus.publish(
            UserFrame(user_id, "pbx_credentials_required", {"state": state, "reason": reason})
        )
        return state
