"""``/users/me/forwarding``: my forwarding and voicemail redirect (CONTRACT.md §2.1
``Forwarding``), read from and written to the Cloud PBX with my own credentials."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StrictBool, StrictInt

from cloudcti.web.api.types import INPUT, Id, ShortText
from cloudcti.web.security import Cti, LoggedIn

__all__ = ["Forwarding", "router"]

router = APIRouter(prefix="/users/me", tags=["forwarding"])

_PBX = {
    404: {"description": "I have no (such) enabled line"},
    409: {
        "description": "My Cloud PBX credentials are missing or were rejected, or the PBX "
        "refused the change (the detail says what it said)"
    },
    502: {"description": "The Cloud PBX failed"},
    503: {"description": "The gateway is not running"},
    504: {"description": "The Cloud PBX did not answer in time"},
}


class ForwardingVoicemail(BaseModel):
    """Redirect all calls to voicemail (``*21``/``#21``); ``number`` is the line's voicemail
    number, ``null`` where the redirect is not offered."""

    enabled: bool
    number: str | None


class ForwardingTarget(BaseModel):
    """Forward (always, or when busy) to ``destination`` (E.164)."""

    enabled: bool
    destination: str | None


class ForwardingNoAnswer(BaseModel):
    """Forward calls not answered after ``rings`` rings to ``destination`` (E.164)."""

    enabled: bool
    destination: str | None
    rings: int | None


class ForwardingDnd(BaseModel):
    """Do not disturb."""

    enabled: bool


class ForwardingRemoteOffice(BaseModel):
    """Calls ring at ``number`` (E.164) instead of the desk phone."""

    enabled: bool
    number: str | None


class ForwardingParallelRing(BaseModel):
    """Calls also ring at ``numbers`` (E.164)."""

    enabled: bool
    numbers: list[str]


class Forwarding(BaseModel):
    """Everything that decides where my calls go (CONTRACT.md ``Forwarding``)."""

    voicemail: ForwardingVoicemail
    always: ForwardingTarget
    busy: ForwardingTarget
    no_answer: ForwardingNoAnswer
    dnd: ForwardingDnd
    remote_office: ForwardingRemoteOffice
    parallel_ring: ForwardingParallelRing


Number = ShortText
"""A number as typed (``0171 1234567``, ``+49 171 1234567``, an extension); stored as E.164."""


class ForwardingVoicemailPatch(BaseModel):
    """Switch the voicemail redirect (the voicemail number is the line's, not changed here)."""

    model_config = INPUT
    enabled: StrictBool | None = None


class ForwardingTargetPatch(BaseModel):
    """Change forwarding always / when busy; ``destination: null`` clears it."""

    model_config = INPUT
    enabled: StrictBool | None = None
    destination: Number | None = None


class ForwardingNoAnswerPatch(ForwardingTargetPatch):
    """Change forwarding on no answer; ``rings`` 0 or 2–20."""

    rings: StrictInt | None = None


class ForwardingDndPatch(BaseModel):
    """Switch do not disturb."""

    model_config = INPUT
    enabled: StrictBool | None = None


class ForwardingRemoteOfficePatch(BaseModel):
    """Change Remote Office."""

    model_config = INPUT
    enabled: StrictBool | None = None
    number: Number | None = None


class ForwardingParallelRingPatch(BaseModel):
    """Change parallel ringing; ``numbers`` replaces the list (at most 10)."""

    model_config = INPUT
    enabled: StrictBool | None = None
    numbers: list[Number] | None = Field(default=None, max_length=10)


class ForwardingPatch(BaseModel):
    """The sections and fields to change; absent ones are kept."""

    model_config = INPUT
    voicemail: ForwardingVoicemailPatch | None = None
    always: ForwardingTargetPatch | None = None
    busy: ForwardingTargetPatch | None = None
    no_answer: ForwardingNoAnswerPatch | None = None
    dnd: ForwardingDndPatch | None = None
    remote_office: ForwardingRemoteOfficePatch | None = None
    parallel_ring: ForwardingParallelRingPatch | None = None


LineId = Annotated[Id | None, Query(description="one of my lines (default: the first enabled)")]


@router.get("/forwarding", responses=_PBX)  # type: ignore[arg-type]
async def get_forwarding(principal: LoggedIn, cti: Cti, line_id: LineId = None) -> Forwarding:
    """My forwarding as the Cloud PBX has it now."""
    view = await cti.forwarding.read(principal.user_id, line_id)
    return Forwarding.model_validate(view.to_json())


@router.patch("/forwarding", responses=_PBX)  # type: ignore[arg-type]
async def patch_forwarding(
    body: ForwardingPatch, principal: LoggedIn, cti: Cti, line_id: LineId = None
) -> Forwarding:
    """Change some of my forwarding (e.g. ``{"voicemail": {"enabled": true}}``) on the
    Cloud PBX; the answer is what the PBX stored. Numbers are stored as E.164."""
    patch = {
        name: section.model_dump(exclude_unset=True)
        for name, section in body
        if section is not None
    }
    view = await cti.forwarding.change(principal.user_id, patch, line_id)
    return Forwarding.model_validate(view.to_json())
