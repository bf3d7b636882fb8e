"""Three-way conferences a user hosts over two or more of its calls (PROTOCOL.md §5 flow 9)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudcti.sim.calls import ACTIVE, HELD, REMOTE_HELD, ConferenceView, ModelError, Notice, User

if TYPE_CHECKING:
    from cloudcti.sim.model import Pbx


def view(pbx: Pbx, user_id: str) -> ConferenceView | None:
    """The user's conference as events show it, or None."""
    legs = pbx.conferences.get(user_id)
    if legs is None:
        return None
    user = pbx.user(user_id)
    state = HELD if user_id in pbx.held_conferences else ACTIVE
    return ConferenceView(state, legs, user.address_of_record)


def start(pbx: Pbx, user: User, call_ids: list[str], now_ms: int) -> list[Notice]:
    """Join the user's calls ``call_ids`` (at least two, answered) into its conference."""
    if user.user_id in pbx.conferences:
        raise ModelError("conflict", "a conference is already in progress")
    if len(set(call_ids)) < 2:
        raise ModelError("invalid", "a conference needs at least two calls")
    notices = _retrieve_all(pbx, user, call_ids, now_ms)
    pbx.conferences[user.user_id] = tuple(dict.fromkeys(call_ids))
    conference = view(pbx, user.user_id)
    return [*notices, Notice(user.user_id, "ConferenceStartedEvent", conference=conference)]


def add(pbx: Pbx, user: User, call_id: str, now_ms: int) -> list[Notice]:
    """Add one more of the user's calls to its conference."""
    legs = pbx.conferences.get(user.user_id)
    if legs is None:
        raise ModelError("not_found", "no conference in progress")
    if call_id in legs:
        return []
    notices = _retrieve_all(pbx, user, [call_id], now_ms)
    pbx.conferences[user.user_id] = (*legs, call_id)
    conference = view(pbx, user.user_id)
    return [*notices, Notice(user.user_id, "ConferenceUpdatedEvent", conference=conference)]


def release(pbx: Pbx, user: User, now_ms: int) -> list[Notice]:
    """``DELETE calls/Conference``: the conference ends and all its legs are released."""
    legs = pbx.conferences.pop(user.user_id, None)
    pbx.held_conferences.discard(user.user_id)
    if legs is None:
        raise ModelError("not_found", "no conference in progress")
    ended = ConferenceView("Released", (), user.address_of_record)
    notices = [Notice(user.user_id, "ConferenceReleasedEvent", conference=ended)]
    for call_id in legs:
        try:
            call, side = pbx.find_half(user.user_id, call_id)
        except ModelError:
            continue
        notices += pbx.release_call(call, side, now_ms, cause=None)
    return notices


def hold(pbx: Pbx, user: User, held: bool) -> list[Notice]:
    """``PUT calls/Conference/Hold`` or ``…/Talk``: the host leaves or rejoins."""
    if user.user_id not in pbx.conferences:
        raise ModelError("not_found", "no conference in progress")
    if held == (user.user_id in pbx.held_conferences):
        return []
    if held:
        pbx.held_conferences.add(user.user_id)
    else:
        pbx.held_conferences.discard(user.user_id)
    event = "ConferenceHeldEvent" if held else "ConferenceRetrievedEvent"
    return [Notice(user.user_id, event, conference=view(pbx, user.user_id))]


def tidy(pbx: Pbx) -> list[Notice]:
    """Drop ended legs from every conference; one left → the conference is released."""
    notices: list[Notice] = []
    for user_id, legs in list(pbx.conferences.items()):
        live = {h.call_id for h in pbx.halves_of(user_id)}
        kept = tuple(c for c in legs if c in live)
        if kept == legs:
            continue
        if len(kept) >= 2:
            pbx.conferences[user_id] = kept
            notices.append(Notice(user_id, "ConferenceUpdatedEvent", conference=view(pbx, user_id)))
            continue
        del pbx.conferences[user_id]
        pbx.held_conferences.discard(user_id)
        address = pbx.user(user_id).address_of_record if user_id.lower() in pbx.users else ""
        ended = ConferenceView("Released", (), address)
        notices.append(Notice(user_id, "ConferenceReleasedEvent", conference=ended))
    return notices


def _retrieve_all(pbx: Pbx, user: User, call_ids: list[str], now_ms: int) -> list[Notice]:
    notices: list[Notice] = []
    for call_id in call_ids:
        call, side = pbx.find_half(user.user_id, call_id)
        assert side.half is not None
        if side.half.state not in (ACTIVE, HELD, REMOTE_HELD):
            raise ModelError("conflict", f"call {call_id} is {side.half.state}, not answered")
        if side.half.state == HELD:
            notices += pbx.talk(call, side, now_ms, 0.0)
    return notices
