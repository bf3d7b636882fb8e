"""Xsi-Actions routes: profile, FACs and call control of the authenticated user itself."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from cloudcti.sim import call_control, scenarios, service_actions, xml
from cloudcti.sim.errors import CODE_CALL_STATE, XsiError, bad_request, forbidden, not_found
from cloudcti.sim.model import COUNTRY_CODE, ModelError, User
from cloudcti.sim.state import Sim

XML_TYPE = "application/xml;charset=UTF-8"


def xml_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """An Xsi XML response."""
    return Response(body, status_code=status, media_type=XML_TYPE, headers=headers)


def model_error(error: ModelError) -> XsiError:
    """The Xsi error for a refusal of the call engine."""
    if error.kind == "not_found":
        return not_found(error.message)
    return XsiError(400, error.message, CODE_CALL_STATE)


async def handle(sim: Sim, request: Request, segments: list[str]) -> Response:
    """Serve ``/com.broadsoft.xsi-actions/v2.0/<segments>``."""
    user = sim.authenticate(request.headers.get("authorization"))
    if len(segments) < 2 or segments[0].lower() != "user":
        raise not_found("resource not found")
    if segments[1].lower() != user.user_id.lower():
        raise forbidden("a user may act only on its own resources")
    rest = segments[2:]
    keys = [s.lower() for s in rest]
    method = request.method
    try:
        if keys == ["profile"]:
            _require(method, "GET")
            return _profile(sim, user)
        if keys == ["profile", "fac"]:
            _require(method, "GET")
            return xml_response(xml.fac_list(scenarios.FEATURE_ACCESS_CODES))
        if keys and keys[0] == "services":
            return await service_actions.services(sim, request, user, keys)
        if keys == ["directories", "enterprise"]:
            return service_actions.enterprise_directory(sim, request)
        if keys == ["calls"]:
            _require(method, "GET")
            halves = sim.pbx.halves_of(user.user_id)
            conferenced = sim.pbx.conferences.get(user.user_id, ())
            body = xml.calls_list(user.user_id, [h.call_id for h in halves], conferenced)
            return xml_response(body)
        if len(keys) >= 2 and keys[:2] == ["calls", "conference"]:
            return await call_control.conference_action(sim, request, user, rest[2:])
        if keys == ["calls", "callretrieve"]:
            _require(method, "POST")
            return call_control.call_retrieve(sim, request, user)
        if keys == ["calls", "new"]:
            _require(method, "POST")
            return _click_to_dial(sim, request, user)
        if keys == ["calls", "hookstatus"]:
            _require(method, "GET")
            return xml_response(xml.hook_status_doc(sim.pbx.hook_status(user.user_id)))
        if len(keys) == 2 and keys[0] == "calls":
            return _call(sim, request, user, rest[1])
        if len(keys) == 3 and keys[0] == "calls" and keys[2] in ("talk", "hold"):
            _require(method, "PUT")
            return _call_action(sim, user, rest[1], keys[2])
        if len(keys) in (3, 4) and keys[0] == "calls":
            _require(method, "PUT")
            return call_control.transfer(sim, request, user, rest[1], keys[2], rest[3:])
    except ModelError as error:
        raise model_error(error) from None
    raise not_found("resource not found")


def _require(method: str, allowed: str) -> None:
    if method != allowed:
        raise XsiError(405, f"method {method} not allowed here", 4005)


def _profile(sim: Sim, user: User) -> Response:
    body = xml.profile(
        user_id=user.user_id,
        first_name=user.first_name,
        last_name=user.last_name,
        group_id=sim.pbx.group_id,
        enterprise_id=sim.pbx.enterprise_id,
        number=user.number,
        extension=user.extension,
        mobile=user.mobile,
        country_code=COUNTRY_CODE,
    )
    return xml_response(body)


def _click_to_dial(sim: Sim, request: Request, user: User) -> Response:
    address = request.query_params.get("address")
    if not address:
        raise bad_request("parameter address is required")
    call, notices = sim.pbx.click_to_dial(
        user.user_id,
        address,
        sim.now_ms(),
        sim.config.no_answer_s,
        sim.config.auto_answer_click_to_dial,
    )
    half = call.caller.half
    assert half is not None
    sim.apply(notices)
    location = (
        f"{request.base_url}com.broadsoft.xsi-actions/v2.0/user/"
        f"{quote(user.user_id, safe='@')}/calls/{half.call_id}"
    )
    body = xml.call_start_info(half.call_id, half.ext_tracking_id)
    return xml_response(body, status=201, headers={"Location": location})


def _call(sim: Sim, request: Request, user: User, call_id: str) -> Response:
    call, side = sim.pbx.find_half(user.user_id, call_id)
    assert side.half is not None
    if request.method == "GET":
        return xml_response(xml.call_details(side.half, COUNTRY_CODE))
    if request.method == "DELETE":
        decline = request.query_params.get("decline", "").lower() == "true"
        sim.apply(sim.pbx.release(call, side, sim.now_ms(), decline=decline))
        return Response(status_code=200)
    raise XsiError(405, f"method {request.method} not allowed here", 4005)


def _call_action(sim: Sim, user: User, call_id: str, action: str) -> Response:
    call, side = sim.pbx.find_half(user.user_id, call_id)
    now = sim.now_ms()
    if action == "hold":
        sim.apply(sim.pbx.hold(call, side, now))
    else:
        sim.apply(sim.pbx.talk(call, side, now, sim.config.no_answer_s))
    return Response(status_code=200)
