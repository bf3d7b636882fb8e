"""WebSocket ``/api/v1/events`` (CONTRACT.md §3): ``hello`` with the user's latest seq, then
the user's frames; ``resume`` replays from the frame log (or ``resync_required``), ``ping`` →
``pong``. The token comes from ``?token=`` or the cookie; it is never logged.

Hardening: logged in by the cookie, a browser's ``Origin`` must be this server's own (host
and port as in ``Host``), else the handshake is refused (cross-site WebSocket hijacking; a
``?token=`` cannot be forged by another site). A connection that does not read its frames
fast enough (``FrameHub.max_pending`` waiting) is closed with code ``CLOSE_TOO_SLOW`` (4008):
the client reconnects and sends ``resume`` with the last ``seq`` it got."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from cloudcti.app import CloudCti
from cloudcti.app.errors import NotAuthenticatedError
from cloudcti.app.frames import Connection, Frame
from cloudcti.web.security import COOKIE_NAME

__all__ = ["CLOSE_TOO_SLOW", "router"]

CLOSE_TOO_SLOW = 4008
"""Close code: the client fell too far behind; reconnect and ``resume``."""
_CLOSE_WAIT_S = 2.0

router = APIRouter()


class _Stream:
    """One connection's outgoing side: frames in ``seq`` order, each at most once."""

    def __init__(self, socket: WebSocket, sent_seq: int) -> None:
        self._socket = socket
        self.sent_seq = sent_seq
        self._lock = asyncio.Lock()

    async def control(self, message: dict[str, Any]) -> None:
        async with self._lock:
            await self._socket.send_json(message)

    async def frames(self, frames: list[Frame]) -> None:
        async with self._lock:
            for frame in frames:
                if frame.seq > self.sent_seq:
                    await self._socket.send_json(frame.to_json())
                    self.sent_seq = frame.seq

    async def resume(self, cti: CloudCti, user_id: str, since: int) -> None:
        async with self._lock:
            missed = await cti.live.frames.since(user_id, since)
            if missed is None:
                await self._socket.send_json({"type": "resync_required"})
                return
            for frame in missed:
                await self._socket.send_json(frame.to_json())
            self.sent_seq = max([since, *(f.seq for f in missed)])


async def _user_id(cti: CloudCti, socket: WebSocket) -> str | None:
    token = socket.query_params.get("token")
    if not token:
        token = socket.cookies.get(COOKIE_NAME)
        if not token or not _same_origin(socket):
            return None
    try:
        return (await cti.auth.authenticate(token)).user_id
    except NotAuthenticatedError:
        return None


def _same_origin(socket: WebSocket) -> bool:
    """No ``Origin`` (not a browser) or this server's own one."""
    origin = socket.headers.get("origin")
    if origin is None:
        return True
    host = socket.headers.get("host", "")
    return bool(host) and urlsplit(origin).netloc.lower() == host.lower()


@router.websocket("/events")
async def events(socket: WebSocket) -> None:
    """The logged-in user's event stream."""
    cti: CloudCti = socket.app.state.cti
    user_id = await _user_id(cti, socket)
    if user_id is None:
        await socket.close(code=status.WS_1008_POLICY_VIOLATION, reason="not logged in")
        return
    await socket.accept()
    live = cti.live.frames
    with live.hub.connect(user_id) as connection:
        stream = _Stream(socket, await live.latest_seq(user_id))
        await socket.send_json({"type": "hello", "data": {"seq": stream.sent_seq}})
        pusher = asyncio.create_task(_push(connection, stream))
        listener = asyncio.create_task(_listen(cti, user_id, socket, stream))
        behind = asyncio.create_task(connection.overflowed.wait())
        try:
            await asyncio.wait({pusher, listener, behind}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pusher, listener, behind):
                task.cancel()
            await asyncio.gather(pusher, listener, behind, return_exceptions=True)
        if connection.overflowed.is_set():
            with contextlib.suppress(Exception):  # the client may be gone or not reading
                await asyncio.wait_for(
                    socket.close(code=CLOSE_TOO_SLOW, reason="too slow: reconnect and resume"),
                    _CLOSE_WAIT_S,
                )


async def _push(connection: Connection, stream: _Stream) -> None:
    while True:
        await stream.frames([await connection.queue.get()])


async def _listen(cti: CloudCti, user_id: str, socket: WebSocket, stream: _Stream) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            try:
                message = json.loads(await socket.receive_text())
            except (ValueError, KeyError):  # not JSON, or a binary message
                await stream.control({"type": "error", "data": {"detail": "not a JSON message"}})
                continue
            op = message.get("op") if isinstance(message, dict) else None
            since = message.get("since") if isinstance(message, dict) else None
            if op == "ping":
                await stream.control({"type": "pong"})
            elif op == "resume" and type(since) is int and since >= 0:
                await stream.resume(cti, user_id, since)
            else:
                await stream.control({"type": "error", "data": {"detail": "unknown op"}})
