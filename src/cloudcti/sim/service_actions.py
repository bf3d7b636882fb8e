"""Xsi-Actions for service settings (``services…``) and the enterprise directory."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from cloudcti.sim import service_xml, xml
from cloudcti.sim.errors import XsiError, bad_request, not_found
from cloudcti.sim.model import User
from cloudcti.sim.services import BY_NAME, ServiceError
from cloudcti.sim.state import Sim

XML_TYPE = "application/xml;charset=UTF-8"
MAX_RESULTS = 1000
SEARCH_FIELDS = {
    "firstName": "firstName",
    "lastName": "lastName",
    "userId": "userId",
    "groupId": "groupId",
    "number": "number",
    "extension": "extension",
    "mobileNo": "mobile",
    "emailAddress": "emailAddress",
}


async def services(sim: Sim, request: Request, user: User, keys: list[str]) -> Response:
    """``services`` (list) and ``services/<Name>`` (GET, PUT)."""
    base = f"/v2.0/user/{user.user_id}/services"
    if len(keys) == 1:
        _require(request.method, "GET")
        return _xml(service_xml.services_list(base))
    info = BY_NAME.get(keys[1])
    if info is None or len(keys) > 2:
        raise not_found("service not found or not assigned")
    current = user.services.get(info)
    if request.method == "GET":
        return _xml(service_xml.service_document(current, base))
    _require(request.method, "PUT")
    body = xml.parse(await request.body(), info.name)
    try:
        changed = service_xml.read_update(current, body)
        sim.apply(sim.pbx.change_service(user, changed))
    except ServiceError as error:
        raise bad_request(str(error)) from None
    return Response(status_code=200)


def enterprise_directory(sim: Sim, request: Request) -> Response:
    """``directories/Enterprise``: search (``*`` wildcards, ``/i``) with paging."""
    _require(request.method, "GET")
    params = request.query_params
    rows = [_row(sim, user) for user in sim.pbx.users.values()]
    either = params.get("searchCriteriaModeOr", "").lower() == "true"
    checks = []
    for param, field in SEARCH_FIELDS.items():
        for pattern in params.getlist(param):
            checks.append((field, _matcher(pattern)))
    for pattern in params.getlist("name"):
        matcher = _matcher(pattern)
        checks.append(("name", matcher))
    if checks:
        rows = [r for r in rows if _matches(r, checks, either)]
    sort = params.get("sortColumn", "lastName")
    rows.sort(key=lambda r: ((r.get(sort) or "").lower(), (r.get("firstName") or "").lower()))
    start = _positive(params.get("start"), 1, "start")
    results = min(_positive(params.get("results"), 50, "results"), MAX_RESULTS)
    page = rows[start - 1 : start - 1 + results]
    body = service_xml.enterprise_directory(page, start, len(rows), sim.pbx.enterprise_id)
    return _xml(body)


def _row(sim: Sim, user: User) -> dict[str, str | None]:
    return {
        "userId": user.user_id,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "groupId": sim.pbx.group_id,
        "number": user.number,
        "extension": user.extension,
        "mobile": user.mobile,
        "emailAddress": user.user_id,
        "name": f"{user.first_name} {user.last_name}",
    }


def _matcher(pattern: str) -> re.Pattern[str]:
    """``john*`` starts with, ``*john*`` contains, no ``*`` equals; ``/i`` ignores case."""
    flags = 0
    if pattern.endswith("/i") and not pattern.endswith("\\/i"):
        pattern, flags = pattern[:-2], re.IGNORECASE
    parts = re.split(r"(?<!\\)\*", pattern)
    regex = ".*".join(re.escape(p.replace("\\/", "/").replace("\\*", "*")) for p in parts)
    return re.compile(f"^{regex}$", flags)


def _matches(
    row: dict[str, str | None], checks: list[tuple[str, re.Pattern[str]]], either: bool
) -> bool:
    def hit(field: str, matcher: re.Pattern[str]) -> bool:
        if field == "name":
            first, last = row["firstName"] or "", row["lastName"] or ""
            names = (f"{first} {last}", f"{last} {first}", f"{last}, {first}", first, last)
            return any(matcher.match(n) for n in names)
        return matcher.match(row.get(field) or "") is not None

    results = (hit(field, matcher) for field, matcher in checks)
    return any(results) if either else all(results)


def _positive(value: str | None, default: int, name: str) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise bad_request(f"{name} must be a positive integer")
    return int(value)


def _require(method: str, allowed: str) -> None:
    if method != allowed:
        raise XsiError(405, f"method {method} not allowed here", 4005)


def _xml(body: bytes) -> Response:
    return Response(body, media_type=XML_TYPE)
