"""Who is calling (the bearer token from ``Authorization`` or the HttpOnly cookie), the CSRF
token bound to a cookie session, and the security headers of every HTML response.

CSRF: a request authenticated by the cookie (not by ``Authorization: Bearer``) with an
unsafe method must send ``X-CSRF-Token`` (forms: the field ``csrf``) equal to the
non-HttpOnly cookie ``cloudcti_csrf``. Its value is derived from the session token
(``csrf_token``), so it is bound to the session and a cookie planted by another site on a
sibling host does not pass."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloudcti.app import CloudCti
from cloudcti.app.auth import AuthService, Principal
from cloudcti.app.errors import ForbiddenError, NotAuthenticatedError

__all__ = [
    "COOKIE_NAME",
    "CSRF_COOKIE_NAME",
    "CSRF_HEADER",
    "Admin",
    "Cti",
    "LoggedIn",
    "SecurityHeaders",
    "clear_session_cookies",
    "csrf_ok",
    "csrf_token",
    "cti",
    "set_session_cookies",
]

COOKIE_NAME = "cloudcti_token"
CSRF_COOKIE_NAME = "cloudcti_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")
_cookie = APIKeyCookie(
    name=COOKIE_NAME, auto_error=False, description="The same token, set by the login"
)


def cti(request: Request) -> CloudCti:
    """The installation the app serves."""
    found: CloudCti = request.app.state.cti
    return found


Cti = Annotated[CloudCti, Depends(cti)]


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: a one-way digest of its token (safe to show to JS)."""
    digest = hashlib.sha256(b"cloudcti-csrf\0" + session_token.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_ok(session_token: str, sent: str | None) -> bool:
    """Whether ``sent`` is the CSRF token of the session (constant-time comparison)."""
    return bool(sent) and hmac.compare_digest(csrf_token(session_token), sent or "")


def set_session_cookies(
    response: Response, request: Request, token: str, max_age: int, path: str = "/"
) -> None:
    """Set the HttpOnly session cookie and the readable CSRF cookie (SameSite=Lax, Secure
    over HTTPS)."""
    secure = request.url.scheme == "https"
    response.set_cookie(
        COOKIE_NAME, token, max_age=max_age, httponly=True, samesite="lax", secure=secure, path=path
    )
    response.set_cookie(
        CSRF_COOKIE_NAME,
        csrf_token(token),
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=secure,
        path=path,
    )


def clear_session_cookies(response: Response, request: Request, path: str = "/") -> None:
    """Delete both session cookies."""
    secure = request.url.scheme == "https"
    response.delete_cookie(COOKIE_NAME, path=path, httponly=True, samesite="lax", secure=secure)
    response.delete_cookie(CSRF_COOKIE_NAME, path=path, samesite="lax", secure=secure)


async def _principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    token = bearer.credentials if bearer is not None else cookie
    if not token:
        raise NotAuthenticatedError("log in: send Authorization: Bearer <token>")
    principal = await cti(request).auth.authenticate(token)
    if (
        bearer is None
        and request.method not in SAFE_METHODS
        and not csrf_ok(token, request.headers.get(CSRF_HEADER))
    ):
        raise ForbiddenError(
            f"a request authenticated by the cookie must send {CSRF_HEADER} "
            f"equal to the {CSRF_COOKIE_NAME} cookie"
        )
    return principal


async def _admin(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
    return AuthService.require_admin(principal)


LoggedIn = Annotated[Principal, Depends(_principal)]
Admin = Annotated[Principal, Depends(_admin)]

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
_HEADERS = (
    (b"content-security-policy", _CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
)


class SecurityHeaders:
    """ASGI middleware: CSP (no inline scripts), framing, referrer and sniffing headers on
    every ``text/html`` response outside ``exempt`` path prefixes (the OpenAPI explorer);
    ``nosniff`` on every response."""

    def __init__(self, app: ASGIApp, exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.exempt):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                html = content_type.startswith(b"text/html")
                for name, value in _HEADERS:
                    if name not in names and (html or name == b"x-content-type-options"):
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
