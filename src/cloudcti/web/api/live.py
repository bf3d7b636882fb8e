"""``/users/me/calls`` and ``/users/me/journal``: the user's live calls and call journal
(CONTRACT.md §2.1 ``Call`` and ``JournalEntry``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from cloudcti.web.security import Cti, LoggedIn

__all__ = ["router"]

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


@router.get("/calls")
async def my_calls(principal: LoggedIn, cti: Cti) -> list[dict[str, Any]]:
    """The current calls on my lines (``Call``), oldest first."""
    return await cti.live.calls(principal.user_id)


@router.get("/journal")
async def my_journal(
    principal: LoggedIn,
    cti: Cti,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[str | None, Query(max_length=200)] = None,
    direction: JournalDirection | None = None,
    status: JournalStatus | None = None,
) -> list[dict[str, Any]]:
    """My call journal (``JournalEntry``), newest first; ``before``: entries older than
    that entry id (the cursor for the next page)."""
    return await cti.live.journal(
        principal.user_id, limit, before=before, direction=direction, status=status
    )
