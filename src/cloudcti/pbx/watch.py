"""``cloudcti pbx watch``: the server's runtime, printing one line (or JSON object) per event.

Without ``--enterprise``/``--group`` every user of the monitoring user's enterprise directory
is a monitored line (snapshots on connect and resync); with them one enterprise or group
subscription carries Advanced Call for everybody (no snapshots). A snapshot prints one line
per call in it (CONTRACT.md §1).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cloudcti.pbx.channels import Delivery
from cloudcti.pbx.client import XsiClient
from cloudcti.pbx.gateway import GatewayConfig, GatewayRuntime, GatewayState
from cloudcti.pbx.log import PbxLog
from cloudcti.pbx.transport import ProxyConfig
from cloudcti.xsi import (
    Call,
    CallEvent,
    CallRedirectedEvent,
    CallSnapshotEvent,
    SubscriptionEvent,
    parse_enterprise_directory,
    search_enterprise_directory,
)

_PAGE = 500


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
    found = []
    for call in calls:
        redirect = call.redirect.reason if call.redirect is not None else None
        if redirect is None and call.redirections:
            redirect = call.redirections[-1].reason
        remote = call.remote_party.address if call.remote_party is not None else None
        found.append(
            base
            | {
                "call_id": call.call_id,
                "state": str(call.state),
                "remote": remote,
                "personality": str(call.personality),
                "redirect_reason": redirect,
            }
        )
    return found


def line_of(record: dict[str, Any]) -> str:
    """One human-readable line for a record."""
    text = f"#{record['sequence']} {record['target']} {record['type']}"
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


async def directory_users(client: XsiClient, user_id: str) -> list[str]:
    """Every user id of ``user_id``'s enterprise directory."""
    users: list[str] = []
    start = 1
    while True:
        response = await client.send(
            search_enterprise_directory(user_id, start=start, results=_PAGE)
        )
        page = parse_enterprise_directory(response.body)
        users += [e.user_id for e in page.entries]
        start += page.number_of_records
        if not page.entries or start > page.total_available_records:
            return users


async def run_watch(
    options: WatchOptions, echo: Callable[[str], object], stop: asyncio.Event | None = None
) -> GatewayState:
    """Watch until ``stop`` is set (or forever); the final state of the runtime."""
    proxy = ProxyConfig.from_url(options.proxy) if options.proxy else None
    config = GatewayConfig(
        "watch", tuple(options.xsi_urls), options.username, options.password, proxy=proxy
    )

    def show(delivery: Delivery) -> None:
        for record in records(delivery.event):
            echo(json.dumps(record) if options.as_json else line_of(record))

    def state(new: GatewayState, reason: str) -> None:
        if not options.as_json:
            echo(f"-- {new.value}: {reason}")

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
    else:
        assert options.enterprise is not None
        runtime.watch_enterprise(options.enterprise)
    task = asyncio.create_task(runtime.run())
    try:
        if stop is None:
            await task
        else:
            await stop.wait()
    finally:
        final = runtime.state
        await runtime.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return final


__all__ = ["WatchOptions", "directory_users", "line_of", "records", "run_watch"]
