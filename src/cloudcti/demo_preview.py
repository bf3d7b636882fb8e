"""``cloudcti demo`` until the server exists: the simulated Cloud PBX watched by the Xsi core.

A minimal event-channel client for the demo and the conformance tests: it opens one channel
for the monitoring user, subscribes to lines, acknowledges every event, heartbeats, and hands
each decoded event to a callback. It is not the production runtime (issue 5's ``pbx``
layer, with failover, refresh and resync); it keeps no state beyond the open channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from cloudcti.xsi import (
    Channel,
    ChannelHeartBeat,
    ChannelTerminatedEvent,
    Event,
    EventPackage,
    EventStream,
    RemoteProtocolError,
    SubscriptionEvent,
    XsiRequest,
    add_channel,
    event_response,
    heartbeat,
    parse_event,
    subscribe_user,
)

OnEvent = Callable[[Event], Awaitable[None] | None]


def _send(client: httpx.AsyncClient, request: XsiRequest) -> Awaitable[httpx.Response]:
    return client.request(
        request.method,
        request.path,
        params=list(request.query),
        content=request.body,
        headers={"Content-Type": "application/xml; charset=UTF-8"} if request.body else None,
    )


@dataclass
class PreviewChannel:
    """One event channel of ``username`` on the Xsi host ``xsi_url`` (its root URL)."""

    xsi_url: str
    username: str
    password: str
    on_event: OnEvent
    heartbeat_s: float = 15.0
    channel_set_id: str = field(default_factory=lambda: f"cloudcti-demo-{uuid.uuid4()}")
    channel_id: str | None = None
    acked: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    _opened: asyncio.Event = field(default_factory=asyncio.Event)
    _http: httpx.AsyncClient | None = None

    async def run(self) -> None:
        """Open the channel and read it until it ends or the task is cancelled."""
        auth = httpx.BasicAuth(self.username, self.password)
        timeout = httpx.Timeout(10.0, read=None)
        async with httpx.AsyncClient(base_url=self.xsi_url, auth=auth, timeout=timeout) as http:
            self._http = http
            request = add_channel(self.channel_set_id, expires=3600)
            async with http.stream(request.method, request.path, content=request.body) as response:
                response.raise_for_status()
                beats = asyncio.create_task(self._heartbeats(http))
                try:
                    await self._read(http, response)
                finally:
                    beats.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await beats

    async def opened(self, timeout: float = 10.0) -> str:
        """Wait until the PBX granted the channel; its id."""
        await asyncio.wait_for(self._opened.wait(), timeout)
        assert self.channel_id is not None
        return self.channel_id

    async def subscribe(self, target: str, package: EventPackage) -> httpx.Response:
        """Subscribe the channel set to ``package`` events of ``target``."""
        if self._http is None:
            raise RuntimeError("the channel is not open")
        request = subscribe_user(target, package, channel_set_id=self.channel_set_id)
        return await _send(self._http, request)

    async def _read(self, http: httpx.AsyncClient, response: httpx.Response) -> None:
        stream = EventStream()
        async for chunk in response.aiter_raw():
            stream.feed(chunk)
            for document in stream.documents():
                try:
                    event = parse_event(document)
                except RemoteProtocolError as error:
                    self.rejected.append(str(error))
                    if error.event_id is not None:
                        await _send(http, event_response(error.event_id, 400))
                    continue
                if isinstance(event, Channel):
                    self.channel_id = event.channel_id
                    self._opened.set()
                elif isinstance(event, SubscriptionEvent):
                    answer = await _send(http, event_response(event.event_id))
                    if answer.status_code == httpx.codes.OK:
                        self.acked.append(event.event_id)
                if not isinstance(event, ChannelHeartBeat):
                    result = self.on_event(event)
                    if result is not None:
                        await result
                if isinstance(event, ChannelTerminatedEvent):
                    return

    async def _heartbeats(self, http: httpx.AsyncClient) -> None:
        await self._opened.wait()
        while self.channel_id is not None:
            await asyncio.sleep(self.heartbeat_s)
            await _send(http, heartbeat(self.channel_id))


def describe(event: Event) -> str:
    """One line for a person watching the channel."""
    name = type(event).__name__
    if isinstance(event, ChannelTerminatedEvent):
        return f"{name}: {event.reason}"
    if isinstance(event, Channel):
        return f"{name}: channel {event.channel_id} granted for {event.expires} s"
    if not isinstance(event, SubscriptionEvent):
        return name
    target = event.envelope.target_id or event.envelope.user_id
    call = getattr(event, "call", None)
    if call is not None:
        party = call.remote_party
        remote = party.address if party is not None else "?"
        detail = f"{call.call_id} {call.personality} {call.state} with {remote}"
        return f"#{event.envelope.sequence_number} {target} {name}: {detail}"
    hook = getattr(event, "hook_status", None)
    calls = getattr(event, "calls", ())
    extra = f" hook {hook}" if hook is not None else ""
    return f"#{event.envelope.sequence_number} {target} {name}:{extra} {len(calls)} call(s)"


async def run_demo(xsi_url: str, echo: Callable[[str], object], *, scripted_call: bool) -> None:
    """Watch every line of the simulated company; optionally play one incoming call."""
    async with httpx.AsyncClient(base_url=xsi_url, timeout=10.0) as control:
        state = (await control.get("/sim/v1/state")).json()
        monitor = next(u for u in state["users"] if u.get("monitoring"))
        lines = [u for u in state["users"] if not u.get("monitoring")]

        def show(event: Event) -> None:
            echo(describe(event))

        channel = PreviewChannel(xsi_url, monitor["user_id"], monitor["password"], show)
        reader = asyncio.create_task(channel.run())
        try:
            await channel.opened()
            for line in lines:
                await channel.subscribe(line["user_id"], EventPackage.ADVANCED_CALL)
            if scripted_call and lines:
                await asyncio.sleep(0.5)
                echo(f"-- an outside caller rings {lines[0]['user_id']} --")
                call = await control.post(
                    "/sim/v1/calls", json={"from": "+4930224455", "to": lines[0]["user_id"]}
                )
                call_id = call.json()["id"]
                await asyncio.sleep(1.0)
                await control.post(f"/sim/v1/calls/{call_id}/answer", json={"at": "primary"})
                await asyncio.sleep(1.0)
                await control.post(f"/sim/v1/calls/{call_id}/hangup", json={"side": "caller"})
            await reader
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
