"""Learning the PBX's voice portal number (where it redirects calls to voicemail).

Xsi has no request that names it; every redirect with reason ``voicemail`` (a CFA/CFB/CFNA
to voicemail, ``*21``) carries it as the redirect address. Once seen, it is every line's
``LineConfig.voice_portal`` on that gateway, so later legs that reach voicemail for another
reason (do not disturb) are marked voicemail too. It is stored per gateway (learnt once →
kept, changed → updated; ``LineBook.learn_voice_portal``), so it is known again right after
a restart; until it was first learnt the line's own voicemail numbers apply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from cloudcti.app.line_book import LineBook
from cloudcti.xsi import Call, CallEvent, CallRedirectedEvent, RedirectReason, SubscriptionEvent

__all__ = ["VoicePortalWatch"]

Handler = Callable[[str, SubscriptionEvent], Awaitable[None]]


class VoicePortalWatch:
    """An event handler that notes the voice portal number, then passes the event on."""

    def __init__(self, book: LineBook, handle: Handler) -> None:
        self._book = book
        self._handle = handle

    async def __call__(self, gateway_id: str, event: SubscriptionEvent) -> None:
        """Observe ``event``, then hand it to the wrapped handler."""
        await self.observe(gateway_id, event)
        await self._handle(gateway_id, event)

    async def observe(self, gateway_id: str, event: SubscriptionEvent) -> None:
        """Learn the voice portal number from a redirect to voicemail in ``event``; raises
        what made storing it fail (the event then stays unacked and comes again)."""
        legs: tuple[Call, ...] = ()
        if isinstance(event, CallEvent):
            legs = (event.call,)
        elif isinstance(event, CallRedirectedEvent):
            legs = tuple(event.calls)
        for leg in legs:
            redirect = leg.redirect
            if redirect is None or redirect.reason != RedirectReason.VOICEMAIL:
                continue
            address = (redirect.address or "").removeprefix("tel:")
            if address.startswith("+") and address[1:].isdigit():
                await self._book.learn_voice_portal(gateway_id, address)
