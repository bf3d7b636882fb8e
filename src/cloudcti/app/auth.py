"""Logins and bearer tokens: random tokens stored hashed, with expiry; roles; rate limit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cloudcti.app._store import new_id
from cloudcti.app.clock import Clock
from cloudcti.app.errors import ForbiddenError, NotAuthenticatedError, TooManyAttemptsError
from cloudcti.app.ratelimit import FailureLimiter
from cloudcti.store import Store, TokenRecord

__all__ = ["AuthService", "IssuedToken", "Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request is from."""

    user_id: str
    username: str
    role: str
    token_id: str

    @property
    def is_admin(self) -> bool:
        """Whether the role is ``admin``."""
        return self.role == "admin"


@dataclass(frozen=True, slots=True, repr=False)
class IssuedToken:
    """A new token (shown once; only its hash is stored) and when it expires (epoch ms)."""

    token: str
    expires_at: int

    def __repr__(self) -> str:
        return f"IssuedToken(token=***, expires_at={self.expires_at})"


class AuthService:
    """Issues, checks and revokes tokens; limits failed logins per username and per client."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        token_ttl_s: int,
        max_failures_per_user: int,
        max_failures_per_client: int,
        failure_window_s: int,
    ) -> None:
        self._store = store
        self._clock = clock
        self._ttl_ms = token_ttl_s * 1000
        self._per_user = FailureLimiter(max_failures_per_user, failure_window_s * 1000)
        self._per_client = FailureLimiter(max_failures_per_client, failure_window_s * 1000)

    async def login(self, username: str, password: str, client: str) -> IssuedToken:
        """A new token for the user; ``NotAuthenticatedError`` for wrong credentials,
        ``TooManyAttemptsError`` while the username or the client is blocked."""
        now = self._clock()
        user_key, client_key = f"user:{username.casefold()}", f"client:{client}"
        wait = max(
            self._per_user.retry_after_ms([user_key], now),
            self._per_client.retry_after_ms([client_key], now),
        )
        if wait:
            raise TooManyAttemptsError(
                "too many failed logins; try again later", retry_after_s=-(-wait // 1000)
            )
        async with self._store.transaction() as tx:
            user = await tx.users.authenticate(username, password)
            if user is None:
                self._per_user.failed([user_key], now)
                self._per_client.failed([client_key], now)
                raise NotAuthenticatedError("wrong username or password")
            token = secrets.token_urlsafe(32)
            record = TokenRecord(new_id(), user.id, now, now + self._ttl_ms)
            await tx.tokens.add(record, token)
            await tx.tokens.purge_expired(now)
        self._per_user.clear(user_key)
        return IssuedToken(token, record.expires_at)

    async def authenticate(self, token: str) -> Principal:
        """Who holds ``token``; ``NotAuthenticatedError`` if it is unknown or expired."""
        async with self._store.read() as tx:
            record = await tx.tokens.find(token, self._clock())
            user = None if record is None else await tx.users.get(record.user_id)
        if record is None or user is None:
            raise NotAuthenticatedError("the token is unknown or has expired; log in again")
        return Principal(user.id, user.username, user.role, record.id)

    async def logout(self, principal: Principal) -> None:
        """Revoke the token the principal used."""
        async with self._store.transaction() as tx:
            await tx.tokens.revoke(principal.token_id)

    @staticmethod
    def require_admin(principal: Principal) -> Principal:
        """The principal if an admin; ``ForbiddenError`` otherwise."""
        if not principal.is_admin:
            raise ForbiddenError("this needs the admin role")
        return principal
