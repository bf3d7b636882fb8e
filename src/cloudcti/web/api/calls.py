"""``/users/me/calls``: call control of the logged-in user (CONTRACT.md §2.1): dial, show,
drop or decline, answer, hold, unhold, swap. (``GET /users/me/calls`` is in ``live``.)"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import BaseModel, Field, StringConstraints

from cloudcti.app.views import call_json
from cloudcti.domain.calls import Call as DomainCall
from cloudcti.web.api.types import INPUT, Id
from cloudcti.web.problems import PROBLEM_RESPONSES
from cloudcti.web.security import Cti, LoggedIn

__all__ = ["PBX_RESPONSES", "Call", "CallId", "CallRef", "Destination", "call_out", "router"]

router = APIRouter(prefix="/users/me", tags=["calls"])

_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"

PBX_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: PROBLEM_RESPONSES[404] | {"description": "No such call on my lines"},
    409: PROBLEM_RESPONSES[409]
    | {
        "description": "Not possible in the call's state, the Cloud PBX refused "
        "(``pbx-refused``, detail: what it said), or my Cloud PBX login is missing or was "
        "rejected (``pbx-credentials-required``)"
    },
    502: PROBLEM_RESPONSES[409] | {"description": "The Cloud PBX failed or is unreachable"},
    503: PROBLEM_RESPONSES[409] | {"description": "The Cloud PBX connection is not running"},
    504: PROBLEM_RESPONSES[409] | {"description": "The Cloud PBX did not answer in time"},
}
"""The errors of a route that sends a request to the PBX."""

CallId = Annotated[str, Path(min_length=1, max_length=200, description="A call's ``id``")]
CallRef = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_PRINTABLE)]
"""A call's ``id`` in a request body."""
Destination = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, pattern=_PRINTABLE),
    Field(description="A number as the user types it", examples=["030 1234567", "7770"]),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=_PRINTABLE,
        description="A retry with the same key returns the same call instead of dialling "
        "again (kept 24 h per user); the key reused for another request is 409.",
    ),
]

CallStateName = Literal["dialing", "ringing", "active", "held", "ended"]
FeatureName = Literal[
    "answer",
    "reject",
    "drop",
    "hold",
    "unhold",
    "transfer",
    "consult",
    "conference",
    "swap",
    "relocate",
]


class Remote(BaseModel):
    """The other party: ``number`` E.164 (null if unknown or withheld), ``display`` for people."""

    number: str | None
    display: str
    name: str | None


class Call(BaseModel):
    """A call on one of my lines (CONTRACT.md §2.1 ``Call``)."""

    id: str
    line_id: str
    direction: Literal["inbound", "outbound"]
    state: CallStateName
    remote: Remote
    device: Literal["primary", "remote_office", "parallel", "mobile", "unknown"]
    voicemail: bool
    remote_held: bool
    consult_of: str | None
    conference_id: str | None
    created_at: str
    answered_at: str | None
    ended_at: str | None
    features: list[FeatureName]


class DialIn(BaseModel):
    """Whom to call, from which of my lines (default: my first line)."""

    model_config = INPUT

    destination: Destination
    line_id: Id | None = None


def call_out(call: DomainCall) -> Call:
    """The API shape of a domain call."""
    return Call.model_validate(call_json(call))


@router.post("/calls", status_code=201, responses=PBX_RESPONSES)
async def dial(
    body: DialIn, principal: LoggedIn, cti: Cti, idempotency_key: IdempotencyKey = None
) -> Call:
    """Dial (click-to-dial: my desk phone rings first, then the destination). The new call
    as soon as the PBX shows it (within about 2 s), else what is known, state ``dialing``."""
    call = await cti.calls.control.dial(
        principal.user_id, body.destination, body.line_id, idempotency_key
    )
    return call_out(call)


@router.get("/calls/{call_id}", responses={404: PBX_RESPONSES[404]})
async def get_call(call_id: CallId, principal: LoggedIn, cti: Cti) -> Call:
    """One of my current calls."""
    return call_out(await cti.calls.control.find(principal.user_id, call_id))


@router.delete("/calls/{call_id}", status_code=204, responses=PBX_RESPONSES)
async def drop(
    call_id: CallId,
    principal: LoggedIn,
    cti: Cti,
    decline: Annotated[bool, Query(description="Reject the ringing call")] = False,
) -> Response:
    """Hang up; with ``decline=true`` reject a ringing call (forwarding on busy may apply)."""
    await cti.calls.control.drop(principal.user_id, call_id, decline=decline)
    return Response(status_code=204)


@router.put("/calls/{call_id}/answer", status_code=204, responses=PBX_RESPONSES)
async def answer(call_id: CallId, principal: LoggedIn, cti: Cti) -> Response:
    """Answer a ringing call (where the phone allows answering remotely)."""
    await cti.calls.control.answer(principal.user_id, call_id)
    return Response(status_code=204)


@router.put("/calls/{call_id}/hold", status_code=204, responses=PBX_RESPONSES)
async def hold(call_id: CallId, principal: LoggedIn, cti: Cti) -> Response:
    """Put the call on hold."""
    await cti.calls.control.hold(principal.user_id, call_id)
    return Response(status_code=204)


@router.put("/calls/{call_id}/unhold", status_code=204, responses=PBX_RESPONSES)
async def unhold(call_id: CallId, principal: LoggedIn, cti: Cti) -> Response:
    """Take the call back from hold."""
    await cti.calls.control.unhold(principal.user_id, call_id)
    return Response(status_code=204)


@router.post("/calls/{call_id}/swap", status_code=204, responses=PBX_RESPONSES)
async def swap(call_id: CallId, principal: LoggedIn, cti: Cti) -> Response:
    """Alternate (Makeln): hold this active call and take back my held call."""
    await cti.calls.control.swap(principal.user_id, call_id)
    return Response(status_code=204)
