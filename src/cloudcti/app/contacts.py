"""``ContactsService``: the company directory with presence (CONTRACT.md ``GET /contacts``).

A contact is another user (not the viewer) with at least one line or a mobile number;
``numbers`` are their lines' numbers then their mobile (E.164). ``q`` matches, case-
insensitively, a part of the name or username, of the extension, or of a number's digits
(``0891234`` and ``+49891234`` both find ``+49891234…``: a leading ``0`` stands for the
country code). Sorted by name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudcti.app.lines import LinesService, LineView
from cloudcti.app.presence import PresenceService, load_rights
from cloudcti.domain.presence import Presence, presence_for_viewer
from cloudcti.store import Store, UserRecord

__all__ = ["Contact", "ContactsService"]

_NOT_DIGITS = re.compile(r"\D")


@dataclass(frozen=True, slots=True)
class Contact:
    """A colleague as one viewer sees them."""

    user_id: str
    display_name: str
    numbers: tuple[str, ...]
    extension: str | None
    presence: Presence


def _matches(q: str, user: UserRecord, lines: list[LineView]) -> bool:
    text = q.casefold().strip()
    if not text:
        return True
    if text in user.display_name.casefold() or text in user.username.casefold():
        return True
    if any(line.extension and text in line.extension for line in lines):
        return True
    digits = _NOT_DIGITS.sub("", text)
    if not digits:
        return False
    numbers = [line.number for line in lines] + [user.mobile_number or ""]
    variants = {digits, digits.lstrip("0")} if text.startswith("0") else {digits}
    return any(v and v in _NOT_DIGITS.sub("", n) for v in variants for n in numbers if n)


class ContactsService:
    """Searches the directory and shows presence filtered by the viewer's rights."""

    def __init__(self, store: Store, lines: LinesService, presence: PresenceService) -> None:
        self._store = store
        self._lines = lines
        self._presence = presence

    async def search(self, viewer_id: str, q: str = "") -> list[Contact]:
        """Contacts matching ``q`` (all when empty), by display name."""
        async with self._store.transaction() as tx:
            users = await tx.users.all()
            rights = await load_rights(tx)
            views = await self._lines.views(tx, await tx.lines.all())
        by_user: dict[str, list[LineView]] = {}
        for line in views:
            if line.user_id is not None:
                by_user.setdefault(line.user_id, []).append(line)
        contacts = []
        for user in users:
            if user.id == viewer_id:
                continue
            lines = sorted(by_user.get(user.id, []), key=lambda x: (x.disabled, x.number))
            if not lines and not user.mobile_number:
                continue
            if not _matches(q, user, lines):
                continue
            numbers = [line.number for line in lines if not line.disabled]
            if user.mobile_number:
                numbers.append(user.mobile_number)
            presence = presence_for_viewer(
                self._presence.of_lines(lines), viewer_id, user.id, rights
            )
            extension = next((line.extension for line in lines if line.extension), None)
            contacts.append(
                Contact(user.id, user.display_name, tuple(numbers), extension, presence)
            )
        contacts.sort(key=lambda c: (c.display_name.casefold(), c.user_id))
        return contacts
