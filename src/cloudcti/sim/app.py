"""The simulator's ASGI app: Xsi roots dispatched by hand (case-insensitive), plus control API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloudcti.sim import actions, control, events_api, xml
from cloudcti.sim.errors import XsiError
from cloudcti.sim.state import Sim, basic_username

ACTIONS_ROOT = "/com.broadsoft.xsi-actions/v2.0/"
EVENTS_ROOT = "/com.broadsoft.xsi-events/v2.0/"
ASYNC_ROOT = "/com.broadsoft.async/com.broadsoft.xsi-events/v2.0/"
XSI_METHODS = ["GET", "POST", "PUT", "DELETE"]

Dispatch = Callable[[Sim, Request, list[str]], Awaitable[Response]]
_ROOTS: tuple[tuple[str, Dispatch], ...] = (
    (ASYNC_ROOT, events_api.handle_async),
    (EVENTS_ROOT, events_api.handle),
    (ACTIONS_ROOT, actions.handle),
)


def create_app(sim: Sim) -> Starlette:
    """The ASGI app serving ``sim`` (the same app is mounted on every Xsi host/port)."""

    async def xsi(request: Request) -> Response:
        path: str = request.scope["path"]
        lowered = path.lower()
        try:
            if sim.fault("http_errors", events_api.host_of(request)):
                raise XsiError(503, "Service temporarily unavailable", 5030)
            for root, dispatch in _ROOTS:
                if lowered.startswith(root) or lowered + "/" == root:
                    segments = [s for s in path[len(root) :].split("/") if s]
                    return await dispatch(sim, request, segments)
            raise XsiError(404, "resource not found", 4008)
        except XsiError as error:
            return _error_response(error)
        except xml.BadXmlError as error:
            return _error_response(XsiError(400, str(error), 4000))

    app = Starlette(
        routes=[
            *control.routes(lambda: sim),
            Route("/{path:path}", xsi, methods=XSI_METHODS),
        ]
    )
    app.add_middleware(RequestLog, sim=sim)
    return app


def _error_response(error: XsiError) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="BroadWorks"'} if error.challenge else None
    return actions.xml_response(
        xml.error_info(error.summary, error.code), status=error.status, headers=headers
    )


class RequestLog:
    """Records every Xsi request (host, method, path, query, Basic user, status) in the sim."""

    def __init__(self, app: ASGIApp, sim: Sim) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].lower().startswith("/com.broadsoft"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        credentials = basic_username(headers.get(b"authorization", b"").decode("latin-1"))
        server = scope.get("server") or ("unknown", 0)
        logged = False

        async def logging_send(message: Message) -> None:
            nonlocal logged
            if message["type"] == "http.response.start" and not logged:
                logged = True
                self.sim.record(
                    host=f"{server[0]}:{server[1]}",
                    method=scope["method"],
                    path=scope["path"],
                    query=scope["query_string"].decode("latin-1"),
                    user_id=credentials[0] if credentials else None,
                    status=message["status"],
                )
            await send(message)

        await self.app(scope, receive, logging_send)
