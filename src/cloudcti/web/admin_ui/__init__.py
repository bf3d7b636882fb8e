"""The admin web pages under ``/admin`` (issue 10): server-rendered with Jinja2, texts from
the catalogs in ``catalogs/``, small plain-JS modules in ``static/`` (no build, no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from cloudcti.app.errors import NotFoundError
from cloudcti.web.admin_ui import (
    pages_auth,
    pages_dialing,
    pages_gateways,
    pages_lines,
    pages_locations,
    pages_rights,
    pages_users,
)
from cloudcti.web.admin_ui.base import (
    PREFIX,
    CsrfRejectedError,
    LoginRequiredError,
    NotAdminError,
    render,
)
from cloudcti.web.problems import problem_response

__all__ = ["PREFIX", "mount"]

STATIC = Path(__file__).parent / "static"


async def _login_required(request: Request, error: Exception) -> Response:
    target = request.url.path if request.method == "GET" else PREFIX + "/gateways"
    return RedirectResponse(f"{PREFIX}/login?next={target}", status_code=303)


async def _not_admin(request: Request, error: Exception) -> Response:
    return render(request, None, "error.html", status=403, message="error.not_admin")


async def _csrf(request: Request, error: Exception) -> Response:
    return render(request, None, "error.html", status=403, message="error.csrf")


async def _not_found(request: Request, error: Exception) -> Response:
    assert isinstance(error, NotFoundError)
    path = request.url.path
    if path == PREFIX or path.startswith(PREFIX + "/"):
        return render(request, None, "error.html", status=404, message="error.not_found")
    return problem_response(404, error.slug, error.title, error.detail)


def mount(app: FastAPI) -> None:
    """Serve the admin pages and their assets under ``/admin`` on ``app``."""
    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    router.include_router(pages_auth.router)
    for module in (
        pages_gateways,
        pages_dialing,
        pages_lines,
        pages_users,
        pages_locations,
        pages_rights,
    ):
        router.include_router(module.router)
    app.include_router(router)
    app.mount(PREFIX + "/static", StaticFiles(directory=STATIC), name="admin-static")
    app.add_exception_handler(LoginRequiredError, _login_required)
    app.add_exception_handler(NotAdminError, _not_admin)
    app.add_exception_handler(CsrfRejectedError, _csrf)
    app.add_exception_handler(NotFoundError, _not_found)
