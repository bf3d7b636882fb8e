"""The end-user web client (issue #11): one HTML shell at ``/`` and its ES modules, CSS and
language catalogs under ``/static/client/`` — plain files, no build step, no CDN.

The page logs in with ``POST /api/v1/auth/token`` (HttpOnly cookie), then talks to the REST
API and the WebSocket with that cookie. Paths in the shell are relative, so the client also
works behind a reverse proxy under a prefix (``--root-path``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles

__all__ = ["STATIC_DIR", "install"]

STATIC_DIR = Path(__file__).parent / "static"
"""The client's files (installed as package data)."""

_NO_CACHE = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


@router.get("/")
async def client_page() -> FileResponse:
    """The client's HTML shell (revalidated on every load so an update shows at once)."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=_NO_CACHE)


def install(app: FastAPI) -> None:
    """Serve the client at ``/`` and its assets under ``/static/client/``."""
    app.include_router(router)
    app.mount("/static/client", StaticFiles(directory=STATIC_DIR), name="client-static")
