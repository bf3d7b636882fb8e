"""Login, logout and the language switch of the admin pages."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cloudcti.app.errors import NotAuthenticatedError, TooManyAttemptsError
from cloudcti.app.users import LANGUAGES
from cloudcti.web.admin_ui.base import (
    PREFIX,
    Session,
    cti_of,
    read_form,
    redirect,
    render,
)
from cloudcti.web.security import clear_session_cookies, set_session_cookies

__all__ = ["router"]

router = APIRouter()

LOGIN_COOKIE = "cloudcti_login_csrf"


def _next(target: str) -> str:
    """Only a path under ``/admin`` (no open redirect)."""
    if target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX + "/gateways"


@router.get("/")
async def home(session: Session) -> Response:
    """The admin pages start with the gateways, as the seed chapter does."""
    return redirect("/gateways")


@router.get("/login")
async def login_page(request: Request) -> Response:
    """The login form (in the browser's language) with a fresh pre-session CSRF token."""
    return _login_form(request, "", request.query_params.get("next", ""))


def _login_form(
    request: Request, username: str, next: str, error: str | None = None, status: int = 200
) -> Response:
    """The login form; its token is also set as a short-lived cookie (double submit), so
    another site cannot log the browser in to an account of its choosing."""
    token = secrets.token_urlsafe(32)
    extra = {"login_error": error} if error else {}
    response = render(
        request,
        None,
        "login.html",
        status=status,
        username=username,
        next=next,
        login_csrf=token,
        **extra,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=PREFIX + "/login",
    )
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the credentials with the auth service; set the session and CSRF cookies.
    A non-admin gets the message that the admin pages need the admin role."""
    form = await read_form(request, None)
    cti = cti_of(request)
    client = request.client.host if request.client else "unknown"
    username, target = form.get("username"), _next(form.get("next"))
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, form.get("csrf")):
        return _login_form(request, username, form.get("next"), "login.expired", 400)
    error = None
    try:
        issued = await cti.auth.login(username, form.raw("password"), client)
    except NotAuthenticatedError:
        error = "login.failed"
    except TooManyAttemptsError:
        error = "login.too_many"
    if error is None:
        principal = await cti.auth.authenticate(issued.token)
        if not principal.is_admin:
            await cti.auth.logout(principal)
            error = "login.not_admin"
    if error is not None:
        return _login_form(request, username, form.get("next"), error, 401)
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path=PREFIX + "/login")
    max_age = max(0, (issued.expires_at - cti.clock()) // 1000)
    set_session_cookies(response, request, issued.token, max_age)
    return response


@router.post("/logout")
async def logout(request: Request, session: Session) -> Response:
    """End the session (token revoked, cookies cleared)."""
    await read_form(request, session)
    await cti_of(request).auth.logout(session.principal)
    response = RedirectResponse(PREFIX + "/login", status_code=303)
    clear_session_cookies(response, request)
    return response


@router.post("/language")
async def language(request: Request, session: Session) -> Response:
    """Store the admin's language and show the page they came from in it."""
    form = await read_form(request, session)
    chosen = form.get("language")
    cti = cti_of(request)
    if chosen in LANGUAGES:
        spec = await cti.users.spec(session.principal.user_id)
        await cti.users.replace(session.principal.user_id, replace(spec, language=chosen))
    return RedirectResponse(_next(form.get("next")), status_code=303)
