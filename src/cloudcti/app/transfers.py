"""``TransferService``: blind and attended transfers (CONTRACT.md §2.1 ``Transfer``).

- Blind: Xsi ``BlindTransfer`` of an answered call; the user's leg is gone at once, so the
  transfer is ``completed`` as soon as the PBX accepted it.
- Attended (Rückfrage, ``consult`` in the call's features): the active call is held and the
  destination dialled (if the dial fails, the call is taken back);
  the transfer is ``ringing`` until the consultation is answered (``answered``).
  ``complete`` connects the two parties (Xsi ``ConsultTransfer``) → ``completed``;
  ``cancel`` drops the consultation and takes the held call back (Talk) → ``cancelled``.
  If the consultation or the held call ends on its own first, the transfer is ``failed``
  and the other call stays as it is (a held call stays held, as on a desk phone).
- Every change is a ``transfer_updated`` frame for the user.
- Transfers live in memory: a restart forgets them (the calls themselves come back from the
  PBX's snapshot); finished ones are forgotten after ``KEEP_FINISHED_MS``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import Any, Literal

from cloudcti.app._store import new_id
from cloudcti.app.bus import BusMessage, EventBus, LineEvents, UserFrame
from cloudcti.app.calls import DIAL_WAIT_S, CallControl, start_info
from cloudcti.app.clock import Clock
from cloudcti.app.errors import AppError, ConflictError, NotFoundError
from cloudcti.domain.calls import CallState
from cloudcti.domain.events import CallEnded, CallUpdated
from cloudcti.xsi import blind_transfer, consult_transfer, hold, new_call, release_call, talk

__all__ = ["KEEP_FINISHED_MS", "Transfer", "TransferService"]

KEEP_FINISHED_MS = 3600 * 1000
"""How long a finished transfer can still be read."""

Flow = Literal["blind", "attended"]
_OPEN = ("ringing", "answered")


@dataclass(frozen=True, slots=True)
class Transfer:
    """One transfer of one user's call; ``busy`` while cloudcti itself completes or cancels
    it (the calls' ends that causes are not a failure)."""

    id: str
    user_id: str
    line_id: str
    call_id: str
    consult_call_id: str | None
    flow: Flow
    state: str
    changed_at: int
    busy: bool = False

    def as_json(self) -> dict[str, Any]:
        """CONTRACT.md §2.1 ``Transfer``."""
        return {
            "id": self.id,
            "call_id": self.call_id,
            "consult_call_id": self.consult_call_id,
            "flow": self.flow,
            "state": self.state,
        }


class TransferService:
    """Starts, completes and cancels the user's transfers and follows their consultations."""

    def __init__(self, calls: CallControl, bus: EventBus, clock: Clock) -> None:
        self._calls = calls
        self._bus = bus
        self._clock = clock
        self._transfers: dict[str, Transfer] = {}
        bus.subscribe(self._on_message)

    def get(self, user_id: str, transfer_id: str) -> Transfer:
        """The user's transfer; ``NotFoundError`` for another user's or an unknown one."""
        transfer = self._transfers.get(transfer_id)
        if transfer is None or transfer.user_id != user_id:
            raise NotFoundError(f"you have no transfer {transfer_id}")
        return transfer

    async def start(self, user_id: str, call_id: str, destination: str, flow: Flow) -> Transfer:
        """Transfer the user's call to ``destination``, blind or attended (module docstring)."""
        self._forget_finished()
        call = await self._calls.find(user_id, call_id)
        if call.state not in (CallState.ACTIVE, CallState.HELD):
            raise ConflictError(
                f"call {call_id} is {call.state.value}; only an answered call can be transferred"
            )
        if flow == "attended" and call.state is not CallState.ACTIVE:
            raise ConflictError(f"call {call_id} is held; take it back to consult")
        dialled = await self._calls.dialled(user_id, destination, call.line_id)
        if flow == "blind":
            await self._calls.send(
                user_id, call, lambda u: blind_transfer(u, call.id, dialled.address)
            )
            return self._put(
                Transfer(new_id(), user_id, call.line_id, call.id, None, flow, "completed", 0)
            )
        await self._calls.send(user_id, call, lambda u: hold(u, call.id))
        try:
            body = await self._calls.send(user_id, call, lambda u: new_call(u, dialled.address))
            consult_id = start_info(body).call_id
        except AppError:
            with contextlib.suppress(AppError):
                await self._calls.send(user_id, call, lambda u: talk(u, call.id))
            raise
        line = call.line_id
        shown = await self._calls.watch.until(
            lambda: self._calls.current(line, consult_id), DIAL_WAIT_S
        )
        state = "answered" if shown is not None and shown.state is CallState.ACTIVE else "ringing"
        transfer = Transfer(new_id(), user_id, line, call.id, consult_id, flow, state, 0)
        return self._put(transfer)

    async def complete(self, user_id: str, transfer_id: str) -> Transfer:
        """Connect the held party with the consulted one (Xsi ``ConsultTransfer``)."""
        transfer = self._open_attended(user_id, transfer_id)
        consult_id = transfer.consult_call_id
        assert consult_id is not None
        call = await self._calls.find(user_id, transfer.call_id)
        self._transfers[transfer.id] = replace(transfer, busy=True)
        try:
            await self._calls.send(
                user_id, call, lambda u: consult_transfer(u, call.id, consult_id)
            )
        except AppError:
            self._transfers[transfer.id] = replace(self._transfers[transfer.id], busy=False)
            raise
        return self._put(replace(self._transfers[transfer.id], state="completed", busy=False))

    async def cancel(self, user_id: str, transfer_id: str) -> Transfer:
        """Drop the consultation and take the held call back."""
        transfer = self._open_attended(user_id, transfer_id)
        consult_id = transfer.consult_call_id
        assert consult_id is not None
        self._transfers[transfer.id] = replace(transfer, busy=True)
        try:
            consult = self._calls.current(transfer.line_id, consult_id)
            if consult is not None:
                await self._calls.send(user_id, consult, lambda u: release_call(u, consult_id))
            held = self._calls.current(transfer.line_id, transfer.call_id)
            if held is not None and held.state is CallState.HELD:
                await self._calls.send(user_id, held, lambda u: talk(u, held.id))
        except AppError:
            self._transfers[transfer.id] = replace(self._transfers[transfer.id], busy=False)
            raise
        return self._put(replace(self._transfers[transfer.id], state="cancelled", busy=False))

    def _open_attended(self, user_id: str, transfer_id: str) -> Transfer:
        transfer = self.get(user_id, transfer_id)
        if transfer.flow != "attended" or transfer.state not in _OPEN or transfer.busy:
            raise ConflictError(
                f"transfer {transfer_id} is {transfer.flow} and {transfer.state}; only an open "
                "attended transfer can be completed or cancelled"
            )
        return transfer

    def _put(self, transfer: Transfer) -> Transfer:
        transfer = replace(transfer, changed_at=self._clock())
        self._transfers[transfer.id] = transfer
        self._bus.publish(UserFrame(transfer.user_id, "transfer_updated", transfer.as_json()))
        return transfer

    def _on_message(self, message: BusMessage) -> None:
        if not isinstance(message, LineEvents):
            return
        for transfer in list(self._transfers.values()):
            if transfer.line_id != message.line_id or transfer.state not in _OPEN:
                continue
            if transfer.busy:
                continue
            state = _followed(transfer, message)
            if state != transfer.state:
                self._put(replace(transfer, state=state))

    def _forget_finished(self) -> None:
        cutoff = self._clock() - KEEP_FINISHED_MS
        for transfer in list(self._transfers.values()):
            if transfer.state not in _OPEN and transfer.changed_at < cutoff:
                del self._transfers[transfer.id]


def _followed(transfer: Transfer, message: LineEvents) -> str:
    """The state of an open attended transfer after a line's events."""
    state = transfer.state
    for event in message.events:
        if isinstance(event, CallEnded) and event.call.id in (
            transfer.call_id,
            transfer.consult_call_id,
        ):
            return "failed"
        if (
            isinstance(event, CallUpdated)
            and event.call.id == transfer.consult_call_id
            and event.call.state is CallState.ACTIVE
        ):
            state = "answered"
    return state
