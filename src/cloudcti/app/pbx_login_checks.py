"""``PbxLoginChecks``: the implicit check of users' stored Cloud PBX credentials (R16).

A check is ONE profile GET with the stored credentials, sent before any other request with
them (``UserPbx`` waits for it: ``settled``). It runs when a gateway's runtime starts (so at
every server start too), and when a line starts for its user (created, enabled, assigned).
Triggers that meet while a user's check runs join it, so a restart counts once.

Only ``valid`` and ``invalid`` credentials are checked: a rejection is counted by
``PbxAttempts`` (``invalid``, then ``suspended`` at 3 in total, across restarts since the
count is stored); ``suspended`` and ``missing`` credentials are never sent. This also catches
a password changed in the portal while the state was ``valid`` (that is attempt 1). A check
the adapter refused locally (``LoginResult.sent`` false) or the PBX did not answer is not
counted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from cloudcti.app.errors import AppError
from cloudcti.app.pbx_attempts import PbxAttempts
from cloudcti.app.ports import Credentials, GatewayConfig, PbxLogin
from cloudcti.app.runtimes import gateway_config
from cloudcti.store import Store

__all__ = ["CHECKED_STATES", "PbxLoginChecks"]

CHECKED_STATES = ("valid", "invalid")
PARALLEL_CHECKS = 8
_log = logging.getLogger(__name__)


class PbxLoginChecks:
    """Runs the implicit checks in the background, at most one per user at a time."""

    def __init__(self, store: Store, login: PbxLogin, attempts: PbxAttempts) -> None:
        self._store = store
        self._login = login
        self._attempts = attempts
        self._users: dict[str, asyncio.Task[None]] = {}
        self._scans: set[asyncio.Task[None]] = set()
        self._parallel = asyncio.Semaphore(PARALLEL_CHECKS)

    def gateway_started(self, gateway_id: str) -> None:
        """A gateway's runtime (re)started: check every user with an enabled line on it."""
        self._scan(self._gateway_users(gateway_id))

    def line_started(self, user_id: str) -> None:
        """A line of the user was created, enabled or assigned to them: check the user."""
        self.check_user(user_id)

    def check_user(self, user_id: str) -> None:
        """Check the user's stored credentials in the background (joins a running check)."""
        running = self._users.get(user_id)
        if running is not None and not running.done():
            return
        task = asyncio.create_task(self._check_guarded(user_id), name=f"pbx login {user_id}")
        self._users[user_id] = task
        task.add_done_callback(lambda t: self._forget(user_id, t))

    async def settled(self, user_id: str) -> None:
        """Return once no scan is pending and the user's check (if any) is done."""
        while self._scans:
            await asyncio.gather(*[asyncio.shield(t) for t in self._scans], return_exceptions=True)
        running = self._users.get(user_id)
        if running is not None:
            await asyncio.gather(asyncio.shield(running), return_exceptions=True)

    async def idle(self) -> None:
        """Return once every scan and check is done."""
        while self._scans or self._users:
            pending = [*self._scans, *self._users.values()]
            await asyncio.gather(*[asyncio.shield(t) for t in pending], return_exceptions=True)

    async def stop(self) -> None:
        """Cancel what is still running."""
        pending = [*self._scans, *self._users.values()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def check(self, user_id: str) -> str | None:
        """Check the user's stored credentials now: the new state, or ``None`` if nothing
        was sent (no credentials to check, no enabled line, refused locally, no answer)."""
        target = await self._target(user_id)
        if target is None:
            return None
        config, credentials = target
        try:
            result = await self._login.check_login(config, credentials)
        except AppError as error:  # the PBX failed or did not answer: nothing to count
            _log.info("PBX login check of user %s not done: %s", user_id, error.detail)
            return None
        if result.accepted:
            await self._attempts.stored_accepted(user_id, credentials)
            return "valid"
        if not result.sent:
            return None
        return await self._attempts.stored_rejected(user_id, result.reason, credentials)

    async def _target(self, user_id: str) -> tuple[GatewayConfig, Credentials] | None:
        async with self._store.transaction() as tx:
            user = await tx.users.get(user_id)
            if user is None or user.pbx_state not in CHECKED_STATES or not user.pbx_username:
                return None
            password = await tx.users.pbx_password(user_id)
            if password is None:
                return None
            lines = sorted(await tx.lines.all(user_id=user_id), key=lambda x: x.id)
            for line in lines:
                gateway = await tx.gateways.get(line.gateway_id)
                if not line.disabled and gateway is not None and not gateway.disabled:
                    config = await gateway_config(tx, gateway)
                    return config, Credentials(user.pbx_username, password)
        return None

    async def _gateway_users(self, gateway_id: str) -> None:
        try:
            async with self._store.transaction() as tx:
                lines = await tx.lines.all(gateway_id=gateway_id)
        except Exception:  # the store is closing or failed; the next start checks again
            _log.exception("listing the users of gateway %s failed", gateway_id)
            return
        for user_id in sorted({x.user_id for x in lines if x.user_id and not x.disabled}):
            self.check_user(user_id)

    def _scan(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name="pbx login scan")
        self._scans.add(task)
        task.add_done_callback(self._scans.discard)

    async def _check_guarded(self, user_id: str) -> None:
        try:
            async with self._parallel:  # a start checks every user: not all at once
                await self.check(user_id)
        except Exception:  # a failed check must not end the others; logged
            _log.exception("PBX login check of user %s failed", user_id)

    def _forget(self, user_id: str, task: asyncio.Task[None]) -> None:
        if self._users.get(user_id) is task:
            del self._users[user_id]
