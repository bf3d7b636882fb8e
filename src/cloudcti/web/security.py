"""Who is calling: the bearer token from ``Authorization`` or the HttpOnly cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from cloudcti.app import CloudCti
from cloudcti.app.auth import AuthService, Principal
from cloudcti.app.errors import NotAuthenticatedError

__all__ = ["COOKIE_NAME", "Admin", "Cti", "LoggedIn", "cti"]

COOKIE_NAME = "cloudcti_token"

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")
_cookie = APIKeyCookie(
    name=COOKIE_NAME, auto_error=False, description="The same token, set by the login"
)


def cti(request: Request) -> CloudCti:
    """The installation the app serves."""
    found: CloudCti = request.app.state.cti
    return found


Cti = Annotated[CloudCti, Depends(cti)]


async def _principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    token = bearer.credentials if bearer is not None else cookie
    if not token:
        raise NotAuthenticatedError("log in: send Authorization: Bearer <token>")
    return await cti(request).auth.authenticate(token)


async def _admin(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
    return AuthService.require_admin(principal)


LoggedIn = Annotated[Principal, Depends(_principal)]
Admin = Annotated[Principal, Depends(_admin)]
