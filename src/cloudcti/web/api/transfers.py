"""``/users/me/transfers``: blind and attended transfers of my calls (CONTRACT.md §2.1)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel

from cloudcti.app import transfers as app_transfers
from cloudcti.web.api.calls import PBX_RESPONSES, CallRef, Destination
from cloudcti.web.api.types import INPUT
from cloudcti.web.security import Cti, LoggedIn

__all__ = ["router"]

router = APIRouter(prefix="/users/me/transfers", tags=["calls"])

TransferId = Annotated[str, Path(min_length=1, max_length=64, description="A transfer's id")]


class TransferIn(BaseModel):
    """Transfer my call ``call_id`` to ``destination``: ``blind`` at once, or ``attended``
    (Rückfrage: the call is held and the destination dialled; complete or cancel later)."""

    model_config = INPUT

    call_id: CallRef
    destination: Destination
    flow: Literal["blind", "attended"]


class Transfer(BaseModel):
    """A transfer; ``consult_call_id`` is the consultation call of an attended one."""

    id: str
    call_id: str
    consult_call_id: str | None
    flow: Literal["blind", "attended"]
    state: Literal["ringing", "answered", "completed", "cancelled", "failed"]


def _out(transfer: app_transfers.Transfer) -> Transfer:
    return Transfer.model_validate(transfer.as_json())


@router.post("", status_code=201, responses=PBX_RESPONSES)
async def start_transfer(body: TransferIn, principal: LoggedIn, cti: Cti) -> Transfer:
    """Start a transfer; a blind one is ``completed`` once the PBX accepted it."""
    transfer = await cti.calls.transfers.start(
        principal.user_id, body.call_id, body.destination, body.flow
    )
    return _out(transfer)


@router.get("/{transfer_id}", responses={404: PBX_RESPONSES[404]})
async def get_transfer(transfer_id: TransferId, principal: LoggedIn, cti: Cti) -> Transfer:
    """One of my transfers (kept in memory; finished ones for an hour)."""
    return _out(cti.calls.transfers.get(principal.user_id, transfer_id))


@router.put("/{transfer_id}/complete", status_code=204, responses=PBX_RESPONSES)
async def complete_transfer(transfer_id: TransferId, principal: LoggedIn, cti: Cti) -> Response:
    """Connect the held party with the consulted one; I drop out."""
    await cti.calls.transfers.complete(principal.user_id, transfer_id)
    return Response(status_code=204)


@router.delete("/{transfer_id}", status_code=204, responses=PBX_RESPONSES)
async def cancel_transfer(transfer_id: TransferId, principal: LoggedIn, cti: Cti) -> Response:
    """Drop the consultation and take the held call back."""
    await cti.calls.transfers.cancel(principal.user_id, transfer_id)
    return Response(status_code=204)
