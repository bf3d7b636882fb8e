"""WebSocket ``/api/v1/events`` (CONTRACT.md §3): ``hello`` with the user's latest seq, then
the user's frames; ``resume`` replays from the frame log (or ``resync_required``), ``ping`` →
``pong``. The token comes from ``?token=`` or the cookie; it is never logged.

Hardening: logged in by the cookie, a browser's ``Origin`` must be this server's own (host
and port as in ``Host``), else the handshake is refused (cross-site WebSocket hijacking; a
``?token=`` cannot be forged by another site). A connection that does not read its frames
fast enough (``FrameHub.max_pending`` waiting) is closed with code ``CLOSE_TOO_SLOW`` (4008):
the client reconnects and sends ``resume`` with the last ``seq`` it got. A token that is
revoked (logout) or expires while the socket is open closes it with ``CLOSE_LOGGED_OUT``
(4001): checked before each client message and every ``TOKEN_CHECK_S`` seconds.

Compression: permessage-deflate stays as uvicorn negotiates it (on when the client offers it).
Measured with ``bench/e2e_latency.py --lines 100 --rate 50`` against ``--no-deflate``: p50
85 vs 91 ms, p99 234 vs 222 ms, server CPU 63 vs 66 % of a core: no clear win from turning it
off, while it shrinks the repetitive JSON frames for clients on slow links."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from cloudcti.app import CloudCti
from cloudcti.app.errors import NotAuthenticatedError
from cloudcti.app.frames import Connection, Frame
from cloudcti.web.security import COOKIE_NAME

__all__ = ["CLOSE_LOGGED_OUT", "CLOSE_TOO_SLOW", "TOKEN_CHECK_S", "router"]

CLOSE_TOO_SLOW = 4008
"""Close code: the client fell too far behind; reconnect and ``resume``."""
CLOSE_LOGGED_OUT = 4001
"""Close code: the token was revoked or expired; log in again."""
TOKEN_CHECK_S = 15.0
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
                    await self._socket.send_text(frame.to_text())
                    self.sent_seq = frame.seq

    async def resume(self, cti: CloudCti, user_id: str, since: int) -> None:
        async with self._lock:
            missed = await cti.live.frames.since(user_id, since)
            if missed is None:
                await self._socket.send_json({"type": "resync_required"})
                return
            for frame in missed:
                await self._socket.send_text(frame.to_text())
            self.sent_seq = max([since, *(f.seq for f in missed)])


def _token(socket: WebSocket) -> str | None:
    token = socket.query_params.get("token")
    if not token:
        token = socket.cookies.get(COOKIE_NAME)
        if not token or not _same_origin(socket):
            return None
    return token


async def _user_id(cti: CloudCti, token: str | None) -> str | None:
    """The token's user, ``None`` if it is missing, revoked or expired."""
    if not token:
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
    token = _token(socket)
    user_id = await _user_id(cti, token)
    if token is None or user_id is None:
        await socket.close(code=status.WS_1008_POLICY_VIOLATION, reason="not logged in")
        return
    await socket.accept()
    live = cti.live.frames
    with live.hub.connect(user_id) as connection:
        stream = _Stream(socket, await live.latest_seq(user_id))
        await socket.send_json({"type": "hello", "data": {"seq": stream.sent_seq}})
        pusher = asyncio.create_task(_push(connection, stream))
        login = _Login(cti, token)
        listener = asyncio.create_task(_listen(cti, user_id, socket, stream, login))
        behind = asyncio.create_task(connection.overflowed.wait())
        watcher = asyncio.create_task(login.watch())
        tasks = (pusher, listener, behind, watcher)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if login.ended:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    socket.close(code=CLOSE_LOGGED_OUT, reason="logged out: log in again"),
                    _CLOSE_WAIT_S,
                )
        elif connection.overflowed.is_set():
            with contextlib.suppress(Exception):  # the client may be gone or not reading
                await asyncio.wait_for(
                    socket.close(code=CLOSE_TOO_SLOW, reason="too slow: reconnect and resume"),
                    _CLOSE_WAIT_S,
                )


async def _push(connection: Connection, stream: _Stream) -> None:
    queue = connection.queue
    while True:
        frames = [await queue.get()]
        while not queue.empty():
            frames.append(queue.get_nowait())
        await stream.frames(frames)


class _Login:
    """Whether the connection's token is still valid."""

    def __init__(self, cti: CloudCti, token: str) -> None:
        self._cti = cti
        self._token = token
        self.ended = False

    async def valid(self) -> bool:
        """Check the token now; once invalid, ``ended`` stays set."""
        if not self.ended and await _user_id(self._cti, self._token) is None:
            self.ended = True
        return not self.ended

    async def watch(self) -> None:
        """Return once the token is no longer valid (checked every ``TOKEN_CHECK_S``, the
        first time at a random point of the first interval: connections opened together,
        e.g. after a server restart, must not all check at the same moment)."""
        await asyncio.sleep(random.uniform(0, TOKEN_CHECK_S))
        while await self.valid():
            await asyncio.sleep(TOKEN_CHECK_S)


async def _listen(
    cti: CloudCti, user_id: str, socket: WebSocket, stream: _Stream, login: _Login
) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            received = await socket.receive()
            if received["type"] == "websocket.disconnect":
                return
            if not await login.valid():
                return
            try:
                message = json.loads(received["text"])
            except (ValueError, KeyError, TypeError):  # not JSON, or a binary message
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
