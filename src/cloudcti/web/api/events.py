"""WebSocket ``/api/v1/events`` (CONTRACT.md §3): ``hello`` with the user's latest seq, then
the user's frames; ``resume`` replays from the frame log (or ``resync_required``), ``ping`` →
``pong``. The token comes from ``?token=`` or the cookie; it is never logged."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from cloudcti.app import CloudCti
from cloudcti.app.errors import NotAuthenticatedError
from cloudcti.app.frames import Frame
from cloudcti.web.security import COOKIE_NAME

__all__ = ["router"]

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
    token = socket.query_params.get("token") or socket.cookies.get(COOKIE_NAME)
    if not token:
        return None
    try:
        return (await cti.auth.authenticate(token)).user_id
    except NotAuthenticatedError:
        return None


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
    with live.hub.connect(user_id) as queue:
        stream = _Stream(socket, await live.latest_seq(user_id))
        await socket.send_json({"type": "hello", "data": {"seq": stream.sent_seq}})
        pusher = asyncio.create_task(_push(queue, stream))
        try:
            await _listen(cti, user_id, socket, stream)
        except WebSocketDisconnect:
            pass
        finally:
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await pusher


async def _push(queue: asyncio.Queue[Frame], stream: _Stream) -> None:
    while True:
        await stream.frames([await queue.get()])


async def _listen(cti: CloudCti, user_id: str, socket: WebSocket, stream: _Stream) -> None:
    while True:
        message = await socket.receive_json()
        op = message.get("op") if isinstance(message, dict) else None
        if op == "ping":
            await stream.control({"type": "pong"})
        elif op == "resume" and isinstance(message.get("since"), int) and message["since"] >= 0:
            await stream.resume(cti, user_id, message["since"])
        else:
            await stream.control({"type": "error", "data": {"detail": "unknown op"}})
