"""``/contacts``: colleagues with their numbers and presence (CONTRACT.md §2.1 ``Contact``);
the forwarding target only where my rights allow."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from cloudcti.app.contacts import Contact as ContactView
from cloudcti.app.presence import presence_json
from cloudcti.web.security import Cti, LoggedIn

__all__ = ["Contact", "Presence", "router"]

router = APIRouter(tags=["contacts"])


class PresenceForwarding(BaseModel):
    """Where calls go: ``kind`` always; ``target`` (E.164 or ``voicemail``) only if I may
    see it, else ``null``."""

    kind: Literal["voicemail", "number"] | None
    target: str | None


class Presence(BaseModel):
    """CONTRACT.md ``Presence``: busy > ringing > dnd > forwarded > available; ``offline``
    when the line is not monitored."""

    state: Literal["available", "ringing", "busy", "dnd", "forwarded", "offline"]
    forwarding: PresenceForwarding


class Contact(BaseModel):
    """A colleague: line numbers then mobile (E.164), the first line's extension, presence."""

    user_id: str
    display_name: str
    numbers: list[str]
    extension: str | None
    presence: Presence


def _out(contact: ContactView) -> Contact:
    return Contact(
        user_id=contact.user_id,
        display_name=contact.display_name,
        numbers=list(contact.numbers),
        extension=contact.extension,
        presence=Presence.model_validate(presence_json(contact.presence)),
    )


@router.get("/contacts")
async def list_contacts(
    principal: LoggedIn,
    cti: Cti,
    q: Annotated[
        str, Query(max_length=100, description="part of a name, extension or number")
    ] = "",
) -> list[Contact]:
    """Colleagues matching ``q`` (all if empty), by name, with presence as I may see it."""
    return [_out(c) for c in await cti.contacts.search(principal.user_id, q)]
