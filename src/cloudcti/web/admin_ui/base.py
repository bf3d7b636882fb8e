"""What every admin page shares: the logged-in admin (cookie session), rendering with the
catalogs, reading forms with their CSRF token, and mapping field errors to form fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cloudcti.app.auth import Principal
from cloudcti.app.errors import FieldError, NotAuthenticatedError
from cloudcti.web.admin_ui.i18n import (
    CATALOGS,
    DEFAULT_LANGUAGE,
    Translate,
    from_accept_language,
    translator,
)
from cloudcti.web.security import COOKIE_NAME, csrf_ok, csrf_token
from cloudcti.web.security import cti as cti_of

__all__ = [
    "PREFIX",
    "AdminSession",
    "CsrfRejectedError",
    "Form",
    "LoginRequiredError",
    "NotAdminError",
    "Session",
    "admin_session",
    "cti_of",
    "errors_by_field",
    "field_error_text",
    "read_form",
    "redirect",
    "render",
]

PREFIX = "/admin"
MAX_FORM_BYTES = 64 * 1024

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class LoginRequiredError(Exception):
    """No valid session: the handler redirects to the login page."""


class NotAdminError(Exception):
    """Logged in without the admin role: the handler shows 403."""


class CsrfRejectedError(Exception):
    """A form without the session's CSRF token."""


@dataclass(frozen=True, slots=True)
class AdminSession:
    """The logged-in admin of a page request."""

    principal: Principal
    token: str
    language: str
    display_name: str

    @property
    def csrf(self) -> str:
        """The CSRF token every form of this session carries."""
        return csrf_token(self.token)

    @property
    def t(self) -> Translate:
        """The catalog of the admin's language."""
        return translator(self.language)


@dataclass
class Form:
    """A submitted form: first value (``get``), all values (``all``), checkboxes (``flag``)."""

    values: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        """The first value of ``name`` stripped, or ``default``."""
        found = self.values.get(name)
        return found[0].strip() if found else default

    def raw(self, name: str) -> str:
        """The first value of ``name`` unstripped (passwords), empty when absent."""
        found = self.values.get(name)
        return found[0] if found else ""

    def all(self, name: str) -> list[str]:
        """Every non-empty value of ``name``."""
        return [v for v in self.values.get(name, ()) if v.strip()]

    def flag(self, name: str) -> bool:
        """Whether the checkbox ``name`` was ticked."""
        return bool(self.values.get(name))

    def integer(self, name: str, default: int) -> int | str:
        """``name`` as int; the raw text when it is not a number (the service rejects it)."""
        text = self.get(name)
        if not text:
            return default
        try:
            return int(text)
        except ValueError:
            return text


async def admin_session(request: Request) -> AdminSession:
    """The admin logged in by cookie; ``LoginRequiredError``/``NotAdminError`` otherwise."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        raise LoginRequiredError
    cti = cti_of(request)
    try:
        principal = await cti.auth.authenticate(token)
    except NotAuthenticatedError:
        raise LoginRequiredError from None
    if not principal.is_admin:
        raise NotAdminError
    user = await cti.users.get(principal.user_id)
    return AdminSession(principal, token, user.language, user.display_name or user.username)


async def read_form(request: Request, session: AdminSession | None) -> Form:
    """The urlencoded body; with a session its ``csrf`` field must be the session's token."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, f"a form is at most {MAX_FORM_BYTES // 1024} KiB")
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        values.setdefault(name, []).append(value)
    form = Form(values)
    if session is not None and not csrf_ok(session.token, form.get("csrf")):
        raise CsrfRejectedError
    return form


def page_language(request: Request, session: AdminSession | None) -> str:
    """The admin's stored language, else the browser's (``Accept-Language``)."""
    if session is not None:
        return session.language
    return from_accept_language(request.headers.get("accept-language"))


def render(
    request: Request,
    session: AdminSession | None,
    template: str,
    *,
    status: int = 200,
    language: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` with the catalog, the session's CSRF token and ``context``."""
    lang = language or page_language(request, session)
    t = translator(lang)
    flash = _flash(request, t)
    html = _env.get_template(template).render(
        t=t,
        lang=lang,
        session=session,
        csrf=session.csrf if session else "",
        prefix=PREFIX,
        path=request.url.path,
        flash=flash,
        errors={k: field_error_text(t, v) for k, v in context.pop("errors", {}).items()},
        **context,
    )
    return HTMLResponse(html, status_code=status)


def field_error_text(t: Translate, message: str) -> str:
    """A service's field message in the page's language when the catalog has it
    (``field_error.<English message>``), else as the service worded it."""
    key = "field_error." + message
    return t(key) if key in CATALOGS[DEFAULT_LANGUAGE] else message


def _flash(request: Request, t: Translate) -> str | None:
    """The message named by ``?flash=`` (only catalog keys ``flash.*``) with its numbers."""
    key = "flash." + request.query_params.get("flash", "")
    if key not in CATALOGS[DEFAULT_LANGUAGE]:
        return None
    values = {k: v for k, v in request.query_params.items() if k.startswith("n_") and v.isdigit()}
    try:
        return t(key, **values)
    except (KeyError, IndexError):
        return None


def redirect(path: str, flash: str | None = None, **values: int) -> RedirectResponse:
    """303 to ``path`` (under ``/admin``) with an optional message key and numbers."""
    url = PREFIX + path
    if flash:
        url += "?flash=" + quote(flash) + "".join(f"&n_{k}={int(v)}" for k, v in values.items())
    return RedirectResponse(url, status_code=303)


def errors_by_field(
    errors: Sequence[FieldError], aliases: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Field errors keyed by form field (``monitoring.username`` → ``monitoring_username``)."""
    found: dict[str, str] = {}
    for error in errors:
        name = (aliases or {}).get(error.field, error.field.replace(".", "_"))
        found.setdefault(name, error.message)
    return found


Session = Annotated[AdminSession, Depends(admin_session)]
"""A route parameter: the logged-in admin's session (login page otherwise)."""
