"""``/users/me/calls`` and ``/users/me/journal``: the user's live calls and call journal
(CONTRACT.md §2.1 ``Call`` and ``JournalEntry``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cloudcti.web.api.calls import Call, Remote
from cloudcti.web.security import Cti, LoggedIn

__all__ = ["JournalEntry", "router"]

router = APIRouter(prefix="/users/me", tags=["me"])

JournalDirection = Literal["inbound", "outbound"]
JournalStatus = Literal[
    "answered",
    "missed",
    "answered_elsewhere",
    "voicemail",
    "forwarded",
    "rejected",
    "dnd",
    "busy",
    "not_reached",
]
JournalDevice = Literal["primary", "remote_office", "parallel", "mobile", "unknown"]


class JournalEntry(BaseModel):
    """One call in my journal (CONTRACT.md §2.1 ``JournalEntry``). A call moved between my
    devices (relocate, call pull) is one entry: the first leg's ``call_id``, direction,
    remote party and start, the first answer and its ``device``, the last leg's end;
    ``duration_s`` runs from the first answer to that end (0 if never answered)."""

    id: str = Field(description="Stable entry id; the ``before`` cursor of the next page")
    call_id: str
    line_id: str
    direction: JournalDirection
    remote: Remote
    status: JournalStatus
    device: JournalDevice = Field(description="Where the call was answered first")
    started_at: str
    answered_at: str | None
    ended_at: str
    duration_s: int = Field(ge=0)


@router.get("/calls")
async def my_calls(principal: LoggedIn, cti: Cti) -> list[Call]:
    """The current calls on my lines (``Call``), oldest first."""
    return [Call.model_validate(c) for c in await cti.live.calls(principal.user_id)]


@router.get("/journal")
async def my_journal(
    principal: LoggedIn,
    cti: Cti,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[str | None, Query(max_length=200)] = None,
    direction: JournalDirection | None = None,
    status: JournalStatus | None = None,
) -> list[JournalEntry]:
    """My call journal (``JournalEntry``), newest first; ``before``: entries older than
    that entry id (the cursor for the next page)."""
    entries = await cti.live.journal(
        principal.user_id, limit, before=before, direction=direction, status=status
    )
    return [JournalEntry.model_validate(e) for e in entries]
