"""The R16 count of rejected requests with a user's own Cloud PBX credentials.

``users.pbx_failed_attempts`` counts the rejected requests cloudcti sent for the user's PBX
account since the PBX last accepted one — implicit checks, users' requests and explicit
``PUT /users/me/pbx-credentials`` tries alike, across passwords, because the PBX locks the
account after ``PBX_LOCKOUT_AFTER`` consecutive failures whatever the password was.

- Stored credentials rejected: ``invalid``; at ``MAX_FAILED_ATTEMPTS`` ``suspended`` (nothing
  more is sent with them); the user gets a ``pbx_credentials_required`` frame.
- An explicit try with new credentials rejected: counted, the stored state stays as it is.
  Once ``MAX_EXPLICIT_FAILURES`` are counted, another try could lock the account, so it is
  refused without a request until an admin clears the login
  (``DELETE /admin/users/{id}/pbx-credentials``, after checking the account in the portal).
  The user's own ``DELETE`` keeps the count.
- Any accepted request resets the count (as it resets the PBX's)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from cloudcti.app.bus import EventBus, UserFrame
from cloudcti.app.ports import Credentials
from cloudcti.store import Store

__all__ = [
    "ASK_AGAIN",
    "MAX_EXPLICIT_FAILURES",
    "MAX_FAILED_ATTEMPTS",
    "PBX_LOCKOUT_AFTER",
    "PbxAttempts",
]

MAX_FAILED_ATTEMPTS = 3
"""Rejected requests before the stored credentials are ``suspended`` (R16)."""
PBX_LOCKOUT_AFTER = 5
"""Consecutive failures after which the Cloud PBX locks the account."""
MAX_EXPLICIT_FAILURES = PBX_LOCKOUT_AFTER - 1
"""Counted failures from which an explicit try is refused (it could be the locking one)."""

ASK_AGAIN = {
    "missing": "enter your Cloud PBX credentials",
    "invalid": "the Cloud PBX rejected your stored credentials; enter them again",
    "suspended": "the Cloud PBX rejected your stored credentials 3 times; nothing more is "
    "tried until you enter them again",
}


class PbxAttempts:
    """Counts accepted and rejected requests per user, one at a time per user; ``on_change``
    hears of every state change (line states depend on it)."""

    def __init__(
        self, store: Store, bus: EventBus, on_change: Callable[[], None] | None = None
    ) -> None:
        self._store = store
        self._bus = bus
        self.on_change = on_change
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, user_id: str) -> asyncio.Lock:
        """The lock serialising the user's count (hold it across check and update)."""
        return self._locks.setdefault(user_id, asyncio.Lock())

    def changed(self) -> None:
        """Tell ``on_change`` that a user's credential state changed."""
        if self.on_change is not None:
            self.on_change()

    async def stored_rejected(
        self, user_id: str, reason: str, tried: Credentials | None = None
    ) -> str:
        """Count one rejected request with the stored credentials (``tried``: ignored if
        they were replaced meanwhile); the new state, announced in a frame."""
        async with self.lock(user_id), self._store.transaction() as tx:
            user = await tx.users.get(user_id)
            if user is None:
                return "missing"
            if user.pbx_state in ("missing", "suspended"):
                return user.pbx_state
            if tried is not None:
                password = await tx.users.pbx_password(user_id)
                if (
                    user.pbx_username != tried.username
                    or password is None
                    or password.reveal() != tried.password.reveal()
                ):
                    return user.pbx_state  # replaced while the request was under way
            attempts = user.pbx_failed_attempts + 1
            state = "suspended" if attempts >= MAX_FAILED_ATTEMPTS else "invalid"
            await tx.users.set_pbx_state(user_id, state, attempts)
        self._bus.publish(
            UserFrame(user_id, "pbx_credentials_required", {"state": state, "reason": reason})
        )
        self.changed()
        return state

    async def explicit_rejected(self, user_id: str) -> None:
        """Count one rejected explicit try (new credentials); the stored state stays."""
        async with self._store.transaction() as tx:
            user = await tx.users.get(user_id)
            if user is not None:
                await tx.users.set_pbx_state(user_id, user.pbx_state, user.pbx_failed_attempts + 1)

    async def stored_accepted(self, user_id: str, tried: Credentials | None = None) -> None:
        """The PBX accepted the stored credentials: ``valid``, nothing counted."""
        async with self.lock(user_id), self._store.transaction() as tx:
            user = await tx.users.get(user_id)
            if user is None or user.pbx_state == "missing":
                return
            if user.pbx_state == "valid" and user.pbx_failed_attempts == 0:
                return
            if tried is not None and user.pbx_username != tried.username:
                return
            await tx.users.set_pbx_state(user_id, "valid", 0)
        self.changed()
