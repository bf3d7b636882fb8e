"""Xsi-Events routes: the streaming channel, heartbeats, event responses, subscriptions."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from cloudcti.sim import xml
from cloudcti.sim.actions import xml_response
from cloudcti.sim.channels import Channel
from cloudcti.sim.errors import XsiError, bad_request, forbidden, not_found
from cloudcti.sim.model import User
from cloudcti.sim.state import Sim

STREAM_TYPE = "text/xml;charset=UTF-8"
SLOW_ACK_POLL_S = 0.02


def host_of(request: Request) -> str:
    """``host:port`` of the Xsi host (listening socket) that received the request."""
    server = request.scope.get("server") or ("unknown", 0)
    return f"{server[0]}:{server[1]}"


async def handle_async(sim: Sim, request: Request, segments: list[str]) -> Response:
    """Serve ``/com.broadsoft.async/com.broadsoft.xsi-events/v2.0/<segments>``."""
    user = sim.authenticate(request.headers.get("authorization"))
    keys = [s.lower() for s in segments]
    if keys == ["channel"]:
        _require(request.method, "POST")
        return await _open_channel(sim, request, user)
    if len(keys) == 2 and keys[0] == "channel" and request.method in ("PUT", "DELETE"):
        return await _channel(sim, request, user, segments[1])  # libxsi sends these here
    raise not_found("resource not found")


async def handle(sim: Sim, request: Request, segments: list[str]) -> Response:
    """Serve ``/com.broadsoft.xsi-events/v2.0/<segments>``."""
    user = sim.authenticate(request.headers.get("authorization"))
    keys = [s.lower() for s in segments]
    method = request.method
    if keys == ["channel", "eventresponse"]:
        _require(method, "POST")
        return await _event_response(sim, request)
    if len(keys) == 3 and keys[0] == "channel" and keys[2] == "heartbeat":
        _require(method, "PUT")
        channel = sim.hub.owned_channel(segments[1], user.user_id, host_of(request))
        if sim.fault("stall_heartbeats", channel.host):
            channel.heartbeat_deadline = sim.now() + sim.config.event_timeout_s
        else:
            sim.hub.heartbeat(channel, sim.now())
        return Response(status_code=200)
    if len(keys) == 2 and keys[0] == "channel":
        return await _channel(sim, request, user, segments[1])
    if len(keys) == 2 and keys[0] == "channelset":
        _require(method, "GET")
        rows = [
            (c.channel_id, c.set_id, c.priority, c.weight, xml.seconds(c.expires_s))
            for c in sim.hub.channel_set(segments[1], user.user_id)
        ]
        return xml_response(xml.channel_set(rows))
    if keys and keys[0] == "subscription":
        if len(keys) == 1:
            _require(method, "GET")
            return _query_subscriptions(sim, request, user)
        if len(keys) == 2:
            return await _subscription(sim, request, user, segments[1])
    target = _target(sim, segments, keys)
    if target is not None:
        _require(method, "POST")
        return await _subscribe(sim, request, user, *target)
    raise not_found("resource not found")


def _require(method: str, allowed: str) -> None:
    if method != allowed:
        raise XsiError(405, f"method {method} not allowed here", 4005)


# ---- channels --------------------------------------------------------------------------


async def _open_channel(sim: Sim, request: Request, user: User) -> Response:
    body = xml.parse(await request.body(), "Channel")
    set_id = xml.child_text(body, "channelSetId")
    if set_id is None:
        raise bad_request("channelSetId is required")
    priority = xml.child_int(body, "priority") or 1
    weight = xml.child_int(body, "weight") or 50
    if priority < 1 or weight < 1:
        raise bad_request("priority and weight must be positive")
    hub = sim.hub
    channel = hub.open_channel(
        owner_id=user.user_id,
        set_id=set_id,
        priority=priority,
        weight=weight,
        requested_expires=xml.child_int(body, "expires"),
        application_id=xml.child_text(body, "applicationId"),
        host=host_of(request),
        now=sim.now(),
    )
    first = xml.channel(channel.channel_id, xml.seconds(channel.expires_s), newline=True)
    headers = {"TrackingID": f"NA_{uuid.uuid4()}", "Expires": "Thu, 01 Jan 1970 00:00:00 GMT"}
    return StreamingResponse(_stream(sim, channel, first), media_type=STREAM_TYPE, headers=headers)


async def _stream(sim: Sim, channel: Channel, first: bytes) -> AsyncIterator[bytes]:
    """One complete document per chunk until the channel ends or the client goes away."""
    try:
        yield first
        while True:
            document = await channel.queue.get()
            if document is None:
                return
            yield document
    finally:
        if sim.hub.channels.get(channel.channel_id) is channel:
            sim.hub.detach(channel.channel_id)


async def _channel(sim: Sim, request: Request, user: User, channel_id: str) -> Response:
    channel = sim.hub.owned_channel(channel_id, user.user_id, host_of(request))
    if request.method == "DELETE":
        sim.hub.terminate(channel_id, "ExplicitDelete")
        return Response(status_code=200)
    _require(request.method, "PUT")
    body = xml.parse(await request.body(), "Channel")
    sim.hub.update_channel(channel, xml.child_int(body, "expires"), sim.now())
    return xml_response(xml.channel(channel_id, xml.seconds(channel.expires_s)))


async def _event_response(sim: Sim, request: Request) -> Response:
    body = xml.parse(await request.body(), "EventResponse")
    event_id = xml.child_text(body, "eventID")
    status = xml.child_text(body, "statusCode")
    if event_id is None or status is None:
        raise bad_request("eventID and statusCode are required")
    host = host_of(request)
    while sim.fault("slow_acks", host):
        await asyncio.sleep(SLOW_ACK_POLL_S)
    sim.hub.event_response(event_id, status, host)
    return Response(status_code=200)


# ---- subscriptions ---------------------------------------------------------------------


def _target(sim: Sim, segments: list[str], keys: list[str]) -> tuple[str, str, str | None] | None:
    """(targetIdType, targetId, group parent) named by a subscription-creation path."""
    del sim
    if len(keys) == 2 and keys[0] == "user":
        return "User", segments[1], None
    if len(keys) == 3 and keys[0] == "user" and keys[2] == "subscription":
        return "User", segments[1], None
    if keys and keys[0] in ("enterprise", "serviceprovider"):
        if len(keys) == 2:
            return "ServiceProvider", segments[1], None
        if len(keys) == 4 and keys[2] == "group":
            return "Group", segments[3], segments[1]
    return None


def _authorise_target(sim: Sim, user: User, kind: str, target: str, parent: str | None) -> str:
    """The canonical target id if ``user`` may subscribe to it; 403 otherwise."""
    pbx = sim.pbx
    if kind == "User":
        found = pbx.find_user(target) if "@" in target else None
        if found is not None and (found is user or user.monitoring):
            return found.user_id
        raise forbidden(f"not allowed to subscribe to {target}")
    if not user.monitoring:
        raise forbidden("only the monitoring user may subscribe to the enterprise or group")
    if kind == "ServiceProvider" and target == pbx.enterprise_id:
        return target
    if kind == "Group" and target == pbx.group_id and parent == pbx.enterprise_id:
        return target
    raise forbidden(f"not allowed to subscribe to {target}")


async def _subscribe(
    sim: Sim, request: Request, user: User, kind: str, target: str, parent: str | None
) -> Response:
    body = xml.parse(await request.body(), "Subscription")
    target_id = _authorise_target(sim, user, kind, target, parent)
    event = xml.child_text(body, "event")
    if event is None:
        raise bad_request("event is required (eventPackageList is not supported)")
    set_id = xml.child_text(body, "channelSetId")
    if set_id is None:
        raise bad_request("channelSetId is required (httpContact is not supported)")
    subscription = sim.hub.subscribe(
        owner_id=user.user_id,
        target_type=kind,
        target_id=target_id,
        parent_id=parent,
        event=event,
        set_id=set_id,
        application_id=xml.child_text(body, "applicationId"),
        requested_expires=xml.child_int(body, "expires"),
        now=sim.now(),
    )
    return _with_snapshot(
        sim,
        xml.subscription_short(subscription.subscription_id, xml.seconds(subscription.expires_s)),
        subscription.subscription_id,
    )


def _with_snapshot(sim: Sim, body: bytes, subscription_id: str) -> Response:
    """The response, with the initial snapshot sent on the stream right after it."""
    hub = sim.hub
    response = xml_response(body)
    response.background = BackgroundTask(hub.send_snapshot, subscription_id)
    return response


async def _subscription(sim: Sim, request: Request, user: User, subscription_id: str) -> Response:
    subscription = sim.hub.owned_subscription(subscription_id, user.user_id)
    if request.method == "GET":
        return xml_response(xml.subscription_full(subscription.info()))
    if request.method == "DELETE":
        sim.hub.unsubscribe(subscription)
        return Response(status_code=200)
    _require(request.method, "PUT")
    body = xml.parse(await request.body(), "Subscription")
    sim.hub.refresh(subscription, xml.child_int(body, "expires"), sim.now())
    return _with_snapshot(
        sim,
        xml.subscription_short(subscription_id, xml.seconds(subscription.expires_s)),
        subscription_id,
    )


def _query_subscriptions(sim: Sim, request: Request, user: User) -> Response:
    params = request.query_params
    subscriber = params.get("subscriberId") or user.user_id
    if subscriber.lower() != user.user_id.lower():
        raise forbidden("only the own subscriptions can be listed")
    found = [s for s in sim.hub.subscriptions.values() if s.owner_id == user.user_id]
    if params.get("targetId"):
        found = [s for s in found if s.target_id.lower() == params["targetId"].lower()]
    if params.get("event"):
        found = [s for s in found if s.event == params["event"]]
    if params.get("extAppId"):
        found = [s for s in found if s.application_id == params["extAppId"]]
    return xml_response(xml.subscription_list(s.info() for s in found))
