"""``cloudcti pbx watch``: the server's runtime, printing one line (or JSON object) per event.

Without ``--enterprise``/``--group`` every user of the monitoring user's enterprise directory
is a monitored line (snapshots on connect and resync); with them one enterprise or group
subscription carries Advanced Call for everybody (no snapshots). A snapshot prints one line
per call in it (CONTRACT.md §1).

Because an enterprise/group subscription brings no snapshot (PROTOCOL.md §3.3), the watch then
polls instead: each time the runtime becomes ``connected`` (at start and after every
reconnect) it reads the enterprise's users (only the group's with ``--group``) from the
directory, ``GET calls`` of each and ``GET calls/<id>`` of each call, at most
``POLL_CONCURRENCY`` requests at a time and never with a rejected credential, and prints one
record per call with ``type`` = ``"CallPoll"`` (``event_id`` and ``sequence`` null).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cloudcti.pbx.channels import Delivery
from cloudcti.pbx.client import XsiClient
from cloudcti.pbx.errors import (
    XsiAuthError,
    XsiCredentialRejectedError,
    XsiError,
    XsiTransportError,
)
from cloudcti.pbx.gateway import GatewayConfig, GatewayRuntime, GatewayState
from cloudcti.pbx.log import Direction, PbxLog
from cloudcti.pbx.transport import ProxyConfig
from cloudcti.xsi import (
    Call,
    CallEvent,
    CallRedirectedEvent,
    CallSnapshotEvent,
    ChannelConfig,
    DirectoryEntry,
    RemoteProtocolError,
    SubscriptionEvent,
    get_call,
    get_calls,
    parse_call,
    parse_calls,
    parse_enterprise_directory,
    search_enterprise_directory,
)

_PAGE = 500
POLL_CONCURRENCY = 4
"""Requests in flight at once while polling the calls of an enterprise or group."""
POLL_TYPE = "CallPoll"
"""The ``type`` of a record read by polling (no event carried it)."""


def records(event: SubscriptionEvent) -> list[dict[str, Any]]:
    """The JSON objects for one event: one per call for a snapshot or redirect, else one."""
    envelope = event.envelope
    base: dict[str, Any] = {
        "type": type(event).__name__,
        "target": envelope.target_id or envelope.user_id,
        "call_id": None,
        "state": None,
        "remote": None,
        "personality": None,
        "redirect_reason": None,
        "event_id": envelope.event_id,
        "sequence": envelope.sequence_number,
    }
    calls: tuple[Call, ...]
    if isinstance(event, CallEvent):
        calls = (event.call,)
    elif isinstance(event, CallSnapshotEvent | CallRedirectedEvent):
        calls = event.calls
        if not calls:
            return [base]
    else:
        return [base]
    return [call_record(base, call) for call in calls]


def call_record(base: dict[str, Any], call: Call) -> dict[str, Any]:
    """``base`` with the call's fields (CONTRACT.md §1) filled in."""
    redirect = call.redirect.reason if call.redirect is not None else None
    if redirect is None and call.redirections:
        redirect = call.redirections[-1].reason
    remote = call.remote_party.address if call.remote_party is not None else None
    return base | {
        "call_id": call.call_id,
        "state": str(call.state),
        "remote": remote,
        "personality": str(call.personality),
        "redirect_reason": redirect,
    }


def poll_record(user_id: str, call: Call) -> dict[str, Any]:
    """The record of a call read by polling: ``type`` ``CallPoll``, no event id or sequence."""
    base: dict[str, Any] = {"type": POLL_TYPE, "target": user_id, "event_id": None}
    return call_record(base | {"sequence": None}, call)


def line_of(record: dict[str, Any]) -> str:
    """One human-readable line for a record."""
    number = "poll" if record["sequence"] is None else f"#{record['sequence']}"
    text = f"{number} {record['target']} {record['type']}"
    if record["call_id"] is not None:
        text += f" {record['call_id']} {record['personality']} {record['state']}"
        if record["remote"]:
            text += f" with {record['remote']}"
        if record["redirect_reason"]:
            text += f" (redirected: {record['redirect_reason']})"
    return text


@dataclass
class WatchOptions:
    """What ``cloudcti pbx watch`` was asked for."""

    xsi_urls: list[str]
    username: str
    password: str = field(repr=False)
    enterprise: str | None = None
    group: str | None = None
    proxy: str | None = None
    as_json: bool = False
    channel: ChannelConfig | None = None
    """Channel timings override (tests); default: the runtime's."""
    poll_concurrency: int = POLL_CONCURRENCY


async def directory_entries(client: XsiClient, user_id: str) -> list[DirectoryEntry]:
    """Every entry of ``user_id``'s enterprise directory, page by page."""
    entries: list[DirectoryEntry] = []
    start = 1
    while True:
        response = await client.send(
            search_enterprise_directory(user_id, start=start, results=_PAGE)
        )
        page = parse_enterprise_directory(response.body)
        entries += page.entries
        start += page.number_of_records
        if not page.entries or start > page.total_available_records:
            return entries


async def directory_users(client: XsiClient, user_id: str) -> list[str]:
    """Every user id of ``user_id``'s enterprise directory."""
    return [entry.user_id for entry in await directory_entries(client, user_id)]


def _same(a: str | None, b: str) -> bool:
    return a is None or a.lower() == b.lower()


class CallPoller:
    """Prints the current calls of an enterprise or group each time ``runtime`` becomes
    connected; ``concurrency`` bounds the requests in flight, a rejected credential stops it."""

    def __init__(
        self,
        runtime: GatewayRuntime,
        enterprise: str | None,
        group: str | None,
        emit: Callable[[dict[str, Any]], None],
        concurrency: int = POLL_CONCURRENCY,
    ) -> None:
        self.runtime = runtime
        self.enterprise = enterprise
        self.group = group
        self.emit = emit
        self.concurrency = max(1, concurrency)
        self.polls = 0
        """Completed polls."""
        self.forbidden = False
        """The PBX answered 403 to reading another user's calls: only the own ones are read."""
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._connected = False

    def on_state(self, state: GatewayState) -> None:
        """Start a poll when the runtime (re)enters ``connected``."""
        entered = state is GatewayState.CONNECTED and not self._connected
        self._connected = state is GatewayState.CONNECTED
        if not entered:
            return
        if self._task is not None and not self._task.done():
            self._again = True  # a reconnect during a poll: read everything once more after it
            return
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        self._again = True
        while self._again:
            self._again = False
            await self.poll()

    def _rejected(self) -> bool:
        runtime = self.runtime
        return runtime.client.guard.blocked(runtime.config.credentials)

    async def poll(self) -> None:
        """Read and emit every current call of the watched users once (errors logged)."""
        runtime, client = self.runtime, self.runtime.client
        user = runtime.profile_user
        if user is None or self._rejected():
            return
        try:
            entries = await directory_entries(client, user)
        except (XsiTransportError, RemoteProtocolError) as error:
            runtime.log.add(Direction.STATE, "call poll: directory not readable", str(error))
            return
        users: asyncio.Queue[str] = asyncio.Queue()
        for entry in entries:
            if self.enterprise is not None and not _same(entry.service_provider, self.enterprise):
                continue
            if self.group is not None and not _same(entry.group_id, self.group):
                continue
            users.put_nowait(entry.user_id)
        async with asyncio.TaskGroup() as workers:
            for _ in range(self.concurrency):
                workers.create_task(self._worker(client, users))
        self.polls += 1

    async def _worker(self, client: XsiClient, users: asyncio.Queue[str]) -> None:
        own = (self.runtime.profile_user or "").lower()
        while not users.empty() and not self._rejected():
            user = users.get_nowait()
            if self.forbidden and user.lower() != own:
                continue  # the credential may not read other users' calls: don't ask N times
            try:
                refs = parse_calls((await client.send(get_calls(user), line=user)).body)
                for ref in refs:
                    answer = await client.send(
                        get_call(user, ref.call_id), line=user, call_id=ref.call_id
                    )
                    self.emit(poll_record(user, parse_call(answer.body)))
            except (XsiAuthError, XsiCredentialRejectedError):
                self.runtime.log.add(Direction.STATE, "call poll stopped: credential rejected")
                return  # _rejected() now holds for the other workers too
            except XsiError as error:
                if error.status == 403 and user.lower() != own and not self.forbidden:
                    self.forbidden = True
                    self.runtime.log.add(
                        Direction.STATE,
                        "call poll: the monitoring user may not read other users' calls",
                        str(error),
                    )
                else:
                    self.runtime.log.add(Direction.STATE, f"calls of {user} not polled", str(error))
            except (XsiTransportError, RemoteProtocolError) as error:
                # One user's calls not readable (e.g. the call just ended): the others still are.
                self.runtime.log.add(Direction.STATE, f"calls of {user} not polled", str(error))

    async def close(self) -> None:
        """Stop a poll in progress."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def run_watch(
    options: WatchOptions, echo: Callable[[str], object], stop: asyncio.Event | None = None
) -> GatewayState:
    """Watch until ``stop`` is set (or forever); the final state of the runtime."""
    proxy = ProxyConfig.from_url(options.proxy) if options.proxy else None
    config = GatewayConfig(
        "watch",
        tuple(options.xsi_urls),
        options.username,
        options.password,
        proxy=proxy,
        channel=options.channel,
    )

    def emit(record: dict[str, Any]) -> None:
        echo(json.dumps(record) if options.as_json else line_of(record))

    def show(delivery: Delivery) -> None:
        for record in records(delivery.event):
            emit(record)

    poller: CallPoller | None = None

    def state(new: GatewayState, reason: str) -> None:
        if not options.as_json:
            echo(f"-- {new.value}: {reason}")
        if poller is not None:
            poller.on_state(new)

    log = PbxLog("watch")
    runtime = GatewayRuntime(config, show, on_state=state, log=log)
    if options.enterprise is None and options.group is None:
        # The runtime's own client: a rejected password counts once, wherever it was tried.
        try:
            profile = await runtime.client.probe()
            runtime.set_lines(await directory_users(runtime.client, profile.user_id))
        except BaseException:
            await runtime.close()
            raise
    elif options.group is not None:
        enterprise = options.enterprise
        if enterprise is None:
            enterprise = (await runtime.client.probe()).service_provider or ""
        runtime.watch_enterprise(enterprise, options.group)
        poller = CallPoller(runtime, enterprise, options.group, emit, options.poll_concurrency)
    else:
        assert options.enterprise is not None
        runtime.watch_enterprise(options.enterprise)
        poller = CallPoller(runtime, options.enterprise, None, emit, options.poll_concurrency)
    task = asyncio.create_task(runtime.run())
    try:
        if stop is None:
            await task
        else:
            await stop.wait()
    finally:
        final = runtime.state
        if poller is not None:
            await poller.close()
        await runtime.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return final


__all__ = [
    "POLL_CONCURRENCY",
    "POLL_TYPE",
    "CallPoller",
    "WatchOptions",
    "call_record",
    "directory_entries",
    "directory_users",
    "line_of",
    "poll_record",
    "records",
    "run_watch",
]
