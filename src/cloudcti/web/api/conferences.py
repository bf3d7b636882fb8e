"""``/users/me/conferences`` and ``/users/me/relocates``: join two of my calls into a
three-way conference; move an answered call to my mobile or back (CONTRACT.md §2.1)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from cloudcti.web.api.calls import PBX_RESPONSES, CallRef
from cloudcti.web.api.types import INPUT
from cloudcti.web.security import Cti, LoggedIn

__all__ = ["router"]

router = APIRouter(prefix="/users/me", tags=["calls"])

ConferenceId = Annotated[str, Path(min_length=1, max_length=210, description="A conference id")]


class ConferenceIn(BaseModel):
    """The two calls of one of my lines to join (active or held)."""

    model_config = INPUT

    call_ids: Annotated[list[CallRef], Field(min_length=2, max_length=2)]


class Conference(BaseModel):
    """A three-way conference of my calls."""

    id: str
    call_ids: list[str]


class RelocateIn(BaseModel):
    """Move my active call to my ``mobile`` or back to my desk phone (``primary``); to send
    it to any other number, transfer it."""

    model_config = INPUT

    call_id: CallRef
    destination: Literal["mobile", "primary"]


class Relocate(BaseModel):
    """A move of a call; the PBX continues it as ``new_call_id``; ``state`` is ``completed``
    once the call shows on that device, ``requested`` if the PBX accepted but has not shown it
    yet."""

    id: str
    call_id: str
    destination: Literal["mobile", "primary"]
    state: Literal["requested", "completed"]
    new_call_id: str


@router.post("/conferences", status_code=201, responses=PBX_RESPONSES)
async def start_conference(body: ConferenceIn, principal: LoggedIn, cti: Cti) -> Conference:
    """Join two of my calls into a three-way conference."""
    conference = await cti.calls.conferences.start(principal.user_id, body.call_ids)
    return Conference(id=conference.id, call_ids=list(conference.call_ids))


@router.delete("/conferences/{conference_id}", status_code=204, responses=PBX_RESPONSES)
async def end_conference(conference_id: ConferenceId, principal: LoggedIn, cti: Cti) -> Response:
    """End the conference: every call in it is released."""
    await cti.calls.conferences.end(principal.user_id, conference_id)
    return Response(status_code=204)


@router.post("/relocates", status_code=201, responses=PBX_RESPONSES)
async def relocate(body: RelocateIn, principal: LoggedIn, cti: Cti) -> Relocate:
    """Move my active call to my other device (Xsi ``CallRetrieve``; not from Remote Office)."""
    moved = await cti.calls.relocates.relocate(principal.user_id, body.call_id, body.destination)
    return Relocate.model_validate(moved.as_json())
