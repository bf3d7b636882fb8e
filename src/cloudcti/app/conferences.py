"""``ConferenceService``: three-way conferences of the user's calls (CONTRACT.md §2.1
``Conference``) over Xsi ``calls/Conference``.

BroadWorks keeps one conference per user, so both calls must be on the same line and
answered (active or held). The conference id is the one the calls show (``conference_id``,
made by the domain from the first participant's call id); ``end`` releases every leg of it."""

from __future__ import annotations

from dataclasses import dataclass

from cloudcti.app.calls import DIAL_WAIT_S, CallControl
from cloudcti.app.errors import ConflictError, InvalidInputError, NotFoundError
from cloudcti.domain.calls import CallState
from cloudcti.xsi import release_conference, start_conference

__all__ = ["Conference", "ConferenceService"]


@dataclass(frozen=True, slots=True)
class Conference:
    """A conference of the user's calls."""

    id: str
    call_ids: tuple[str, ...]


class ConferenceService:
    """Starts and ends the user's three-way conference."""

    def __init__(self, calls: CallControl) -> None:
        self._calls = calls

    async def start(self, user_id: str, call_ids: list[str]) -> Conference:
        """Join the two calls (``call_ids``) into a conference."""
        if len(set(call_ids)) != len(call_ids):
            raise InvalidInputError.field("call_ids", "a call is listed twice")
        calls = [await self._calls.find(user_id, call_id) for call_id in call_ids]
        line_id = calls[0].line_id
        if any(c.line_id != line_id for c in calls):
            raise InvalidInputError.field("call_ids", "the calls are on different lines")
        for call in calls:
            if call.state not in (CallState.ACTIVE, CallState.HELD):
                raise ConflictError(
                    f"call {call.id} is {call.state.value}; only answered calls can be joined"
                )
        ids = [c.id for c in calls]
        await self._calls.send(user_id, calls[0], lambda u: start_conference(u, ids))

        def joined() -> str | None:
            found = {
                c.conference_id
                for c in self._calls.line_calls(line_id)
                if c.id in ids and c.conference_id is not None
            }
            shown = [c for c in self._calls.line_calls(line_id) if c.id in ids]
            if len(found) == 1 and len(shown) == len(ids) and all(c.conference_id for c in shown):
                return found.pop()
            return None

        conference_id = await self._calls.watch.until(joined, DIAL_WAIT_S)
        # Not shown in time: the id the domain will give it (its first participant's).
        return Conference(conference_id or f"conf-{min(ids)}", tuple(ids))

    async def end(self, user_id: str, conference_id: str) -> None:
        """Release the conference and every call in it."""
        for line_id in await self._calls.line_ids(user_id):
            for call in self._calls.line_calls(line_id):
                if call.conference_id == conference_id:
                    await self._calls.send(user_id, call, release_conference)
                    return
        raise NotFoundError(f"you have no conference {conference_id}")
