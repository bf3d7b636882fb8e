"""The control API (``/sim/v1``, JSON, no auth, loopback clients only): CONTRACT.md §4."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cloudcti.sim import feature_codes
from cloudcti.sim.config import ConfigError
from cloudcti.sim.model import DEVICES, ModelError, User
from cloudcti.sim.services import BroadWorksMobility, RemoteOffice, ServiceError, SimRingLocation
from cloudcti.sim.state import Sim

Handler = Callable[[Sim, Request], Awaitable[Response]]


class ControlError(Exception):
    """A control request fails with ``status`` and a JSON ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def routes(sim_ref: Callable[[], Sim]) -> list[Route]:
    """The control routes; ``sim_ref`` returns the simulator to act on."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            client = request.client.host if request.client else ""
            if not _is_loopback(client):
                return JSONResponse({"error": "control API is loopback only"}, status_code=403)
            try:
                return await handler(sim_ref(), request)
            except ControlError as error:
                return JSONResponse({"error": error.message}, status_code=error.status)
            except ModelError as error:
                status = {"not_found": 404, "conflict": 409}.get(error.kind, 422)
                return JSONResponse({"error": error.message}, status_code=status)
            except ServiceError as error:
                return JSONResponse({"error": str(error)}, status_code=422)

        return endpoint

    return [
        Route("/sim/v1/reset", wrap(_reset), methods=["POST"]),
        Route("/sim/v1/state", wrap(_state), methods=["GET"]),
        Route("/sim/v1/config", wrap(_config), methods=["PATCH", "GET"]),
        Route("/sim/v1/users", wrap(_create_user), methods=["POST"]),
        Route("/sim/v1/users/{user_id}", wrap(_user), methods=["PATCH", "DELETE"]),
        Route("/sim/v1/users/{user_id}/dial", wrap(_dial), methods=["POST"]),
        Route("/sim/v1/calls", wrap(_start_call), methods=["POST"]),
        Route("/sim/v1/calls/{call_id}/answer", wrap(_answer), methods=["POST"]),
        Route("/sim/v1/calls/{call_id}/hangup", wrap(_hangup), methods=["POST"]),
        Route("/sim/v1/requests", wrap(_requests), methods=["GET"]),
        Route("/sim/v1/faults", wrap(_faults), methods=["POST", "DELETE"]),
    ]


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost", "testclient")


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ControlError(400, "malformed JSON") from None
    if not isinstance(value, dict):
        raise ControlError(400, "a JSON object is expected")
    return value


def _str(data: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ControlError(422, f"{key} must be a non-empty string")
    return value


async def _reset(sim: Sim, request: Request) -> Response:
    data = await _json(request)
    scenario = data.get("scenario", "empty")
    try:
        sim.reset(str(scenario))
    except ValueError as error:
        raise ControlError(422, str(error)) from None
    return JSONResponse(sim.state())


async def _state(sim: Sim, request: Request) -> Response:
    del request
    return JSONResponse(sim.state())


async def _config(sim: Sim, request: Request) -> Response:
    if request.method == "PATCH":
        try:
            sim.config.patch(await _json(request))
        except ConfigError as error:
            raise ControlError(422, str(error)) from None
    return JSONResponse(sim.config.as_dict())


async def _create_user(sim: Sim, request: Request) -> Response:
    data = await _json(request)
    user_id = _str(data, "user_id")
    assert user_id is not None
    if "/" in user_id:
        raise ControlError(422, "user_id must not contain '/'")
    extension = _str(data, "extension") or ""
    if not (extension.isdigit() and 2 <= len(extension) <= 6):
        raise ControlError(422, "extension must be 2-6 digits")
    number = _str(data, "number") or ""
    if not (number.startswith("+") and number[1:].isdigit()):
        raise ControlError(422, "number must be E.164 (+49…)")
    user = User(
        user_id=user_id,
        password=_str(data, "password") or "",
        first_name=_str(data, "first_name") or "",
        last_name=_str(data, "last_name") or "",
        number=number,
        extension=extension,
        mobile=_str(data, "mobile", required=False),
        monitoring=bool(data.get("monitoring", False)),
    )
    user.services.mobility = BroadWorksMobility(active=user.mobile is not None, mobile=user.mobile)
    sim.pbx.add_user(user)
    return JSONResponse(user.public(), status_code=201)


async def _user(sim: Sim, request: Request) -> Response:
    user = sim.pbx.user(request.path_params["user_id"])
    if request.method == "DELETE":
        sim.hub.user_deleted(user.user_id)
        sim.apply(sim.pbx.remove_user(user.user_id, sim.now_ms()))
        return Response(status_code=204)
    data = await _json(request)
    if "password" in data:
        user.password = _str(data, "password") or ""
        user.failures = 0
    if "locked" in data:
        if not isinstance(data["locked"], bool):
            raise ControlError(422, "locked must be true or false")
        user.locked = data["locked"]
        user.failures = 0
    for key in ("first_name", "last_name"):
        if key in data:
            setattr(user, key, _str(data, key))
    if "mobile" in data:
        user.mobile = _str(data, "mobile", required=False)
    if "monitoring" in data:
        user.monitoring = bool(data["monitoring"])
    services = user.services
    if "remote_office" in data:
        number = _str(data, "remote_office", required=False)
        state = RemoteOffice(active=number is not None, number=number)
        sim.apply(sim.pbx.change_service(user, state))
    if "parallel_ring" in data:
        numbers = data["parallel_ring"]
        if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
            raise ControlError(422, "parallel_ring must be a list of numbers")
        locations = tuple(SimRingLocation(n) for n in numbers)
        sim_ring = replace(services.sim_ring, active=bool(locations), locations=locations)
        sim.apply(sim.pbx.change_service(user, sim_ring))
    if "mobile" in data:
        mobility = BroadWorksMobility(active=user.mobile is not None, mobile=user.mobile)
        sim.apply(sim.pbx.change_service(user, mobility))
    return JSONResponse(user.public())


async def _dial(sim: Sim, request: Request) -> Response:
    user = sim.pbx.user(request.path_params["user_id"])
    data = await _json(request)
    digits = _str(data, "digits") or ""
    device = data.get("device", "primary")
    if device not in ("primary", "mobile"):
        raise ControlError(422, "device must be primary or mobile")
    call, notices = feature_codes.dial(
        sim.pbx, user, digits, device, sim.now_ms(), sim.config.no_answer_s
    )
    sim.apply(notices)
    return JSONResponse({"id": call.id if call else None}, status_code=201)


async def _start_call(sim: Sim, request: Request) -> Response:
    data = await _json(request)
    caller = _str(data, "from") or ""
    callee = _str(data, "to") or ""
    call, notices = sim.pbx.start_call(caller, callee, sim.now_ms(), sim.config.no_answer_s)
    sim.apply(notices)
    return JSONResponse({"id": call.id}, status_code=201)


async def _answer(sim: Sim, request: Request) -> Response:
    call = sim.pbx.call(request.path_params["call_id"])
    data = await _json(request)
    device = data.get("at", "primary")
    if device not in DEVICES:
        raise ControlError(422, f"at must be one of {', '.join(DEVICES)}")
    sim.apply(sim.pbx.answer(call, sim.now_ms(), sim.config.no_answer_s, device=device))
    return JSONResponse(call.public())


async def _hangup(sim: Sim, request: Request) -> Response:
    call = sim.pbx.call(request.path_params["call_id"])
    data = await _json(request)
    if "party" in data:
        party = _str(data, "party") or ""
        sides = [s for s in call.sides() if party in (s.user_id, s.number)]
        if not sides:
            raise ControlError(404, f"{party} is not a party of call {call.id}")
        side = sides[0]
    else:
        which = data.get("side", "caller")
        if which not in ("caller", "callee"):
            raise ControlError(422, "side must be caller or callee")
        side = call.caller if which == "caller" else call.callee
    sim.apply(sim.pbx.release(call, side, sim.now_ms(), decline=True))
    return Response(status_code=204)


async def _requests(sim: Sim, request: Request) -> Response:
    params = request.query_params
    try:
        since = int(params.get("since", "0"))
    except ValueError:
        raise ControlError(422, "since must be an integer") from None
    entries = [e for e in sim.requests if e["seq"] > since]
    user_id = params.get("user_id")
    if user_id:
        entries = [e for e in entries if (e["user_id"] or "").lower() == user_id.lower()]
    return JSONResponse(entries)


async def _faults(sim: Sim, request: Request) -> Response:
    if request.method == "DELETE":
        sim.clear_faults()
        return JSONResponse(sim.state()["faults"])
    data = await _json(request)
    kind = _str(data, "kind") or ""
    host = _str(data, "host", required=False)
    seconds = data.get("seconds")
    number = isinstance(seconds, int | float) and not isinstance(seconds, bool)
    if seconds is not None and not (number and seconds > 0):
        raise ControlError(422, "seconds must be a positive number")
    if host is not None and sim.hosts and host not in sim.hosts:
        raise ControlError(422, f"unknown host {host}; hosts are {', '.join(sim.hosts)}")
    try:
        sim.inject(kind, host, seconds)
    except ValueError as error:
        raise ControlError(422, str(error)) from None
    return JSONResponse(sim.state()["faults"], status_code=201)
