"""``RelocateService``: move an answered call to the user's other device (CONTRACT.md §2.1
``POST /users/me/relocates``, R20) with Xsi ``CallRetrieve``.

``mobile`` pulls the call to the mobile (BroadWorks Mobility), ``primary`` back to the
desk phone. The PBX continues the call as a new leg with a new call id, given back as
``new_call_id``; ``state`` is ``completed`` once the line shows that leg, else
``requested`` (the PBX accepted; its events have not arrived within ``DIAL_WAIT_S``).
Refused locally (409): a call that is not active, a call on Remote Office (the PBX cannot
pull from there, R21), a call already on that device. Where the user has no such device
the PBX refuses (409 with its words). An arbitrary number is a transfer, not a relocate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cloudcti.app._store import new_id
from cloudcti.app.calls import DIAL_WAIT_S, CallControl, start_info
from cloudcti.app.errors import ConflictError
from cloudcti.domain.calls import CallState, Device
from cloudcti.xsi import CallLocation, call_retrieve

__all__ = ["Relocate", "RelocateService"]

Destination = Literal["mobile", "primary"]
_LOCATIONS = {"mobile": CallLocation.MOBILITY, "primary": CallLocation.PRIMARY}


@dataclass(frozen=True, slots=True)
class Relocate:
    """One move of a call to another device of the user."""

    id: str
    call_id: str
    destination: Destination
    state: Literal["requested", "completed"]
    new_call_id: str

    def as_json(self) -> dict[str, Any]:
        """The API's ``Relocate``."""
        return {
            "id": self.id,
            "call_id": self.call_id,
            "destination": self.destination,
            "state": self.state,
            "new_call_id": self.new_call_id,
        }


class RelocateService:
    """Moves the user's answered call between the desk phone and the mobile."""

    def __init__(self, calls: CallControl) -> None:
        self._calls = calls

    async def relocate(self, user_id: str, call_id: str, destination: Destination) -> Relocate:
        """Pull the user's active call ``call_id`` to ``destination`` (module docstring)."""
        call = await self._calls.find(user_id, call_id)
        if call.device is Device.REMOTE_OFFICE:
            raise ConflictError("the call is on Remote Office, from where the PBX cannot pull it")
        if call.state is not CallState.ACTIVE:
            raise ConflictError(f"call {call_id} is {call.state.value}; only an active call moves")
        if call.device.value == destination:
            raise ConflictError(f"the call is already on your {destination} device")
        location = _LOCATIONS[destination]
        body = await self._calls.send(user_id, call, lambda u: call_retrieve(u, location=location))
        new_call_id = start_info(body).call_id
        line = call.line_id
        shown = await self._calls.watch.until(
            lambda: self._moved(line, new_call_id, destination), DIAL_WAIT_S
        )
        state: Literal["requested", "completed"] = "completed" if shown else "requested"
        return Relocate(new_id(), call.id, destination, state, new_call_id)

    def _moved(self, line_id: str, call_id: str, destination: str) -> bool | None:
        call = self._calls.current(line_id, call_id)
        if call is None or call.device.value != destination:
            return None
        return call.state is CallState.ACTIVE or None
