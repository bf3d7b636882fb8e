"""Xsi-Actions call control beyond answer/hold: transfers, Reconnect, conference, call pull."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from cloudcti.sim import conference, feature_codes, transfers, xml
from cloudcti.sim.errors import XsiError, bad_request, not_found
from cloudcti.sim.model import User
from cloudcti.sim.state import Sim

XML_TYPE = "application/xml;charset=UTF-8"
LOCATIONS = {"primary": "primary", "mobility": "mobile", "broadworksanywhere": "mobile"}


def transfer(
    sim: Sim, request: Request, user: User, call_id: str, action: str, rest: list[str]
) -> Response:
    """``PUT calls/<id>/{BlindTransfer,VmTransfer,Reconnect,ConsultTransfer/<id2>}``."""
    pbx, now = sim.pbx, sim.now_ms()
    if action == "consulttransfer" and len(rest) == 1:
        sim.apply(transfers.consultative(pbx, user, call_id, rest[0], now))
        return Response(status_code=200)
    if rest:
        raise not_found("resource not found")
    if action == "reconnect":
        sim.apply(transfers.reconnect(pbx, user, call_id, now))
        return Response(status_code=200)
    call, side = pbx.find_half(user.user_id, call_id)
    no_answer = sim.config.no_answer_s
    if action == "blindtransfer":
        address = request.query_params.get("address")
        if not address:
            raise bad_request("parameter address is required")
        sim.apply(transfers.blind(pbx, call, side, address, now, no_answer))
    elif action == "vmtransfer":
        sim.apply(transfers.to_voicemail(pbx, call, side, now, no_answer))
    else:
        raise not_found("resource not found")
    return Response(status_code=200)


async def conference_action(sim: Sim, request: Request, user: User, rest: list[str]) -> Response:
    """``calls/Conference`` (POST, GET, DELETE), ``…/<callId>`` (PUT), ``…/Hold|Talk``."""
    pbx, method = sim.pbx, request.method
    if not rest:
        if method == "GET":
            view = pbx.conference_view(user.user_id)
            if view is None:
                raise not_found("no conference in progress")
            return Response(xml.conference_document(view), media_type=XML_TYPE)
        if method == "DELETE":
            sim.apply(conference.release(pbx, user, sim.now_ms()))
            return Response(status_code=200)
        _require(method, "POST")
        body = xml.parse(await request.body(), "Conference")
        call_ids = xml.children_text(body, "conferenceParticipantList/conferenceParticipant/callId")
        sim.apply(conference.start(pbx, user, call_ids, sim.now_ms()))
        return Response(status_code=200)
    _require(method, "PUT")
    key = rest[0].lower()
    if len(rest) == 1 and key in ("hold", "talk"):
        sim.apply(conference.hold(pbx, user, held=key == "hold"))
    elif len(rest) == 1:
        sim.apply(conference.add(pbx, user, rest[0], sim.now_ms()))
    else:
        raise not_found("resource not found")
    return Response(status_code=200)


def call_retrieve(sim: Sim, request: Request, user: User) -> Response:
    """``POST calls/CallRetrieve[?location=…]``: pull the user's call to that device."""
    location = request.query_params.get("location")
    if location is None:
        device = "primary" if _current_device(sim, user) != "primary" else "mobile"
    else:
        found = LOCATIONS.get(location.lower())
        if found is None:
            raise bad_request(f"location {location} is not supported")
        device = found
    if device == "mobile" and not user.mobile:
        raise bad_request("no mobile location assigned")
    call, notices = feature_codes.pull(sim.pbx, user, device, sim.now_ms())
    side = call.caller if call.caller.user_id == user.user_id else call.callee
    assert side.half is not None
    sim.apply(notices)
    body = xml.call_start_info(side.half.call_id, side.half.ext_tracking_id)
    return Response(body, media_type=XML_TYPE)


def _current_device(sim: Sim, user: User) -> str:
    for call in sim.pbx.calls.values():
        for side in call.sides():
            if side.user_id == user.user_id and call.phase == "active":
                return side.device
    return "primary"


def _require(method: str, allowed: str) -> None:
    if method != allowed:
        raise XsiError(405, f"method {method} not allowed here", 4005)
