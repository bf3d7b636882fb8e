"""``CallControl``: the logged-in user's calls (CONTRACT.md §2.1): find, dial, drop, decline,
answer, hold, unhold and swap, sent to the PBX with the user's own credentials (``UserPbx``).

Choices the contract leaves open:
- A call id is the one ``GET /users/me/calls`` shows (the leg's Xsi ``callId``); a call on
  another user's line, or one that has ended, is unknown (404).
- ``dial`` answers once the event pipeline shows the new call (at most ``DIAL_WAIT_S``), else
  with what is known: state ``dialing`` on the desk phone. ``destination`` is read with the
  line's gateway's dialing parameters (``030 1234567``, ``+49 30 …``, ``7770``, ``*21``).
- With an ``Idempotency-Key`` a retry of the same dial returns the same call (its current
  view; ``ended`` once it is gone) instead of dialling again; keys are stored for 24 h, so
  this holds across a server restart.
- Decline is only for a ringing call (409 otherwise); drop ends a call in any state.
- Swap (Makeln) holds this active call and takes back a held call of the same line: the call
  it is a consultation of, else the oldest held call. It never uses
  Xsi ``Reconnect``, which releases every other call. If the PBX refuses to take the held
  call back, this call is taken back off hold (best effort).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from cloudcti.app.call_watch import CallWatch
from cloudcti.app.clock import Clock
from cloudcti.app.dialing import directory_for, to_domain
from cloudcti.app.errors import (
    AppError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PbxFailedError,
)
from cloudcti.app.idempotency import IdempotencyKeys
from cloudcti.app.user_pbx import UserPbx
from cloudcti.domain.calls import Call, CallState, Device, Direction, Feature, Remote, ended
from cloudcti.domain.lines import LineState
from cloudcti.domain.numbers import NumberError, display, normalise, to_pbx
from cloudcti.store import Store
from cloudcti.xsi import (
    CallStartInfo,
    XsiError,
    XsiRequest,
    hold,
    new_call,
    parse_call_start_info,
    release_call,
    talk,
)

__all__ = ["DIAL_WAIT_S", "CallControl", "Dialled", "start_info"]

DIAL_WAIT_S = 2.0
"""How long ``dial`` (and the other requests that start a call) wait for it to show up."""


@dataclass(frozen=True, slots=True)
class Dialled:
    """A destination on a line: ``address`` as sent to the PBX, ``remote`` as users see it."""

    line_id: str
    address: str
    remote: Remote


def start_info(body: bytes) -> CallStartInfo:
    """The PBX's ``CallStartInfo`` answer; ``PbxFailedError`` if it is unreadable."""
    try:
        return parse_call_start_info(body)
    except XsiError as error:
        raise PbxFailedError(f"the Cloud PBX's answer could not be read: {error}") from None


class CallControl:
    """Call control on the user's own lines, over the pipeline's live line states."""

    def __init__(
        self,
        store: Store,
        user_pbx: UserPbx,
        states: Mapping[str, LineState],
        watch: CallWatch,
        clock: Clock,
    ) -> None:
        self._store = store
        self.pbx = user_pbx
        self._states = states
        self.watch = watch
        self._clock = clock
        self._keys = IdempotencyKeys(store, clock)

    # --- looking calls up ----------------------------------------------------------------

    def current(self, line_id: str, call_id: str) -> Call | None:
        """The live call ``call_id`` of line ``line_id``, if the line shows it."""
        state = self._states.get(line_id)
        return None if state is None else state.call(call_id)

    def line_calls(self, line_id: str) -> tuple[Call, ...]:
        """The live calls of a line, oldest first."""
        state = self._states.get(line_id)
        return () if state is None else state.calls

    async def line_ids(self, user_id: str) -> list[str]:
        """The ids of the user's lines."""
        async with self._store.transaction() as tx:
            return [line.id for line in await tx.lines.all(user_id=user_id)]

    async def find(self, user_id: str, call_id: str) -> Call:
        """The user's live call ``call_id``; ``NotFoundError`` if no line of the user has it."""
        for line_id in await self.line_ids(user_id):
            call = self.current(line_id, call_id)
            if call is not None:
                return call
        raise NotFoundError(f"you have no call {call_id}")

    async def send(self, user_id: str, call: Call, build: Callable[[str], XsiRequest]) -> bytes:
        """Send ``build(pbx_user_id)`` on the call's line with the user's credentials."""
        return await self.pbx.send(user_id, build, line_id=call.line_id)

    # --- dialling ------------------------------------------------------------------------

    async def dialled(self, user_id: str, destination: str, line_id: str | None) -> Dialled:
        """What ``destination`` means on the user's line ``line_id`` (default: the first
        enabled one, as ``UserPbx.line`` picks it) with its gateway's dialing parameters.
        ``NotFoundError`` for a line that is not the user's; ``InvalidInputError`` on field
        ``destination`` if it is no number."""
        async with self._store.transaction() as tx:
            lines = sorted(await tx.lines.all(user_id=user_id), key=lambda x: (x.disabled, x.id))
            if line_id is None:
                line = next((x for x in lines if not x.disabled), None)
            else:
                line = next((x for x in lines if x.id == line_id), None)
            if line is None:
                raise NotFoundError(f"you have no line {line_id or 'enabled'}")
            gateway = await tx.gateways.get(line.gateway_id)
            record = None
            if gateway is not None:
                record = await tx.dialing_parameters.get(gateway.dialing_parameters_id)
            if gateway is None or record is None:
                raise NotFoundError(f"the gateway of line {line.id} is gone")
            directory = await directory_for(tx, gateway.dialing_parameters_id)
        params = to_domain(record)
        try:
            number = normalise(destination, params, directory)
        except NumberError as error:
            raise InvalidInputError.field("destination", str(error)) from None
        remote = Remote(number=number.e164, display=display(number, params, directory))
        return Dialled(line.id, to_pbx(number, params), remote)

    async def dial(
        self,
        user_id: str,
        destination: str,
        line_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Call:
        """Dial ``destination`` from the user's line (click-to-dial: the desk phone rings
        first); the new call. A retry with the same ``idempotency_key`` returns that call."""
        if idempotency_key is None:
            return await self._dial(user_id, destination, line_id)

        async def dial_once() -> tuple[int, str]:
            return 201, _call_text(await self._dial(user_id, destination, line_id))

        request = json.dumps(["dial", destination.strip(), line_id])
        _, text, repeated = await self._keys.run(user_id, idempotency_key, request, dial_once)
        call = _call_from_text(text)
        if not repeated:
            return call
        return self.current(call.line_id, call.id) or ended(call, self._clock())

    async def _dial(self, user_id: str, destination: str, line_id: str | None) -> Call:
        dialled = await self.dialled(user_id, destination, line_id)
        line = dialled.line_id
        body = await self.pbx.send(
            user_id, lambda pbx_user: new_call(pbx_user, dialled.address), line_id=line
        )
        info = start_info(body)
        shown = await self.watch.until(lambda: self.current(line, info.call_id), DIAL_WAIT_S)
        if shown is not None:
            return shown
        return Call(
            id=info.call_id,
            line_id=line,
            direction=Direction.OUTBOUND,
            state=CallState.DIALING,
            remote=dialled.remote,
            device=Device.PRIMARY,
            created_at=self._clock(),
            tracking_id=info.external_tracking_id,
            features=(Feature.DROP,),
        )

    # --- acting on one call --------------------------------------------------------------

    async def drop(self, user_id: str, call_id: str, *, decline: bool = False) -> None:
        """End the call; with ``decline`` reject it while it rings (409 if it does not)."""
        call = await self.find(user_id, call_id)
        if decline and call.state is not CallState.RINGING:
            raise ConflictError(
                f"call {call_id} is {call.state.value}; only a ringing call can be declined"
            )
        await self.send(user_id, call, lambda u: release_call(u, call.id, decline=decline))

    async def answer(self, user_id: str, call_id: str) -> None:
        """Answer a ringing call (on the desk phone; the PBX refuses where it cannot)."""
        call = await self.find(user_id, call_id)
        if call.state is not CallState.RINGING:
            raise ConflictError(f"call {call_id} is {call.state.value}, not ringing")
        await self.send(user_id, call, lambda u: talk(u, call.id))

    async def hold(self, user_id: str, call_id: str) -> None:
        """Put the call on hold."""
        call = await self.find(user_id, call_id)
        await self.send(user_id, call, lambda u: hold(u, call.id))

    async def unhold(self, user_id: str, call_id: str) -> None:
        """Take the call back from hold."""
        call = await self.find(user_id, call_id)
        await self.send(user_id, call, lambda u: talk(u, call.id))

    async def swap(self, user_id: str, call_id: str) -> Call:
        """Hold this active call and take back a held one (module docstring); the call
        taken back."""
        call = await self.find(user_id, call_id)
        if call.state is not CallState.ACTIVE:
            raise ConflictError(f"call {call_id} is {call.state.value}; swap needs an active call")
        back = self.swap_partner(call)
        if back is None:
            raise ConflictError("you have no held call to swap to")
        await self.send(user_id, call, lambda u: hold(u, call.id))
        try:
            await self.send(user_id, back, lambda u: talk(u, back.id))
        except AppError:
            with contextlib.suppress(AppError):
                await self.send(user_id, call, lambda u: talk(u, call.id))
            raise
        return back

    def swap_partner(self, call: Call) -> Call | None:
        """The held call a swap from ``call`` takes back (module docstring)."""
        held = [
            c
            for c in self.line_calls(call.line_id)
            if c.id != call.id and c.state is CallState.HELD
        ]
        for candidate in held:
            if candidate.id == call.consult_of:
                return candidate
        return held[0] if held else None


def _call_text(call: Call) -> str:
    """A call as stored with its idempotency key (epoch ms, enums by value)."""
    return json.dumps(asdict(call), default=str)


def _call_from_text(text: str) -> Call:
    """The call ``_call_text`` stored."""
    data: dict[str, Any] = json.loads(text)
    return Call(
        **{
            **data,
            "direction": Direction(data["direction"]),
            "state": CallState(data["state"]),
            "remote": Remote(**data["remote"]),
            "device": Device(data["device"]),
            "features": tuple(Feature(f) for f in data["features"]),
        }
    )
