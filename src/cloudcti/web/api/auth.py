"""``/auth/token``: log in for a bearer token (also set as an HttpOnly cookie), log out."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from cloudcti.app.clock import iso
from cloudcti.web.api.types import INPUT, Name, Password
from cloudcti.web.problems import Problem
from cloudcti.web.security import (
    Cti,
    LoggedIn,
    clear_session_cookies,
    set_session_cookies,
)

__all__ = ["router"]

router = APIRouter(prefix="/auth", tags=["auth"])


class Login(BaseModel):
    """A local account's credentials."""

    model_config = INPUT

    username: Name = Field(min_length=1, examples=["admin"])
    password: Password = Field(json_schema_extra={"writeOnly": True}, examples=["…"])


class Token(BaseModel):
    """A bearer token (send ``Authorization: Bearer <token>``) and when it expires."""

    token: str
    expires_at: str = Field(examples=["2026-11-25T14:03:07.123Z"])


@router.post(
    "/token",
    responses={
        401: {"model": Problem, "description": "Wrong username or password"},
        429: {"model": Problem, "description": "Too many failed logins (Retry-After)"},
    },
)
async def login(body: Login, request: Request, response: Response, cti: Cti) -> Token:
    """Log in. The token is also set as an HttpOnly, SameSite=Lax cookie (Secure over
    HTTPS) for the web pages, with the readable ``cloudcti_csrf`` cookie whose value a
    cookie-authenticated unsafe request must echo in ``X-CSRF-Token``."""
    client = request.client.host if request.client else "unknown"
    issued = await cti.auth.login(body.username, body.password, client)
    max_age = max(0, (issued.expires_at - cti.clock()) // 1000)
    set_session_cookies(response, request, issued.token, max_age)
    return Token(token=issued.token, expires_at=iso(issued.expires_at))


@router.delete("/token", status_code=204)
async def logout(principal: LoggedIn, request: Request, cti: Cti) -> Response:
    """Log out: the token used is revoked and the cookie cleared."""
    await cti.auth.logout(principal)
    response = Response(status_code=204)
    clear_session_cookies(response, request)
    return response
