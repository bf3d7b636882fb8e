"""The FastAPI application: REST v1 under ``/api/v1``, health probes, problem+json errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from cloudcti import __version__, gc_policy
from cloudcti.app import CloudCti, Settings
from cloudcti.app.ports import PbxPort
from cloudcti.web import admin_ui, client_ui
from cloudcti.web.api import (
    auth,
    calls,
    conferences,
    contacts,
    dialing,
    events,
    forwarding,
    gateways,
    health,
    lines,
    live,
    locations,
    me,
    rights,
    transfers,
    users,
)
from cloudcti.web.problems import PROBLEM_RESPONSES, install_problem_handlers
from cloudcti.web.security import SecurityHeaders

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"

_DESCRIPTION = """\
cloudcti's REST API (CONTRACT.md §2). Log in with `POST /api/v1/auth/token` and send
`Authorization: Bearer <token>`. Errors are `application/problem+json` with a stable
`type` (`/problems/<slug>`); 422 lists the invalid fields in `errors`. Passwords are
write-only: accepted on write, never returned; a PATCH without them keeps the stored ones.
A request authenticated by the `cloudcti_token` cookie instead of the header must send
`X-CSRF-Token` equal to the `cloudcti_csrf` cookie for POST, PUT, PATCH and DELETE (403).
"""


def create_app(settings: Settings, *, pbx: PbxPort | None = None) -> FastAPI:
    """An app that opens the installation on startup and closes it on shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cti = await CloudCti.open(settings, pbx=pbx)
        app.state.cti = cti
        gc_policy.settle()
        collector = asyncio.create_task(gc_policy.collect_periodically())
        try:
            yield
        finally:
            collector.cancel()
            await cti.close()

    app = FastAPI(
        title="cloudcti",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.include_router(health.router)
    api = APIRouter(prefix=API_PREFIX, responses=PROBLEM_RESPONSES)
    api.include_router(auth.router)
    api.include_router(me.router)
    api.include_router(live.router)
    api.include_router(events.router)
    for calling in (calls, transfers, conferences):
        api.include_router(calling.router)
    api.include_router(forwarding.router)
    api.include_router(contacts.router)
    admin = APIRouter(prefix="/admin")
    for module in (dialing, gateways, lines, users, locations, rights):
        admin.include_router(module.router)
    api.include_router(admin)
    app.include_router(api)
    admin_ui.mount(app)
    client_ui.install(app)
    app.add_middleware(SecurityHeaders, exempt=(f"{API_PREFIX}/docs",))
    return app
