"""``CallServices``: call control, transfers, conferences and relocates, wired together over
one installation's live state (one line in ``CloudCti``)."""

from __future__ import annotations

from dataclasses import dataclass

from cloudcti.app.call_watch import CallWatch
from cloudcti.app.calls import CallControl
from cloudcti.app.clock import Clock
from cloudcti.app.conferences import ConferenceService
from cloudcti.app.live import LiveService
from cloudcti.app.relocates import RelocateService
from cloudcti.app.transfers import TransferService
from cloudcti.app.user_pbx import UserPbx
from cloudcti.store import Store

__all__ = ["CallServices"]


@dataclass(frozen=True, slots=True)
class CallServices:
    """What the call routes use (CONTRACT.md §2.1 calls, transfers, conferences, relocates)."""

    control: CallControl
    transfers: TransferService
    conferences: ConferenceService
    relocates: RelocateService

    @classmethod
    def wire(cls, store: Store, user_pbx: UserPbx, live: LiveService, clock: Clock) -> CallServices:
        """The services over ``live``'s line states and bus, sending through ``user_pbx``."""
        control = CallControl(store, user_pbx, live.pipeline.states, CallWatch(live.bus), clock)
        return cls(
            control,
            TransferService(control, live.bus, clock),
            ConferenceService(control),
            RelocateService(control),
        )
