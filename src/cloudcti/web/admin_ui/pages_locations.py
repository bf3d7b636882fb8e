"""Standorte (configuration groups): ``Telephony.VoiceMailNumber`` and
``Telephony.OverrideVoiceMailNumber`` with help (R10), and the journal retention."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cloudcti.app.errors import AppError, InvalidInputError
from cloudcti.app.locations import DEFAULT_LOCATION_PARAMETERS, LocationSpec
from cloudcti.web.admin_ui.base import (
    AdminSession,
    Form,
    Session,
    cti_of,
    errors_by_field,
    read_form,
    redirect,
    render,
)

__all__ = ["router"]

router = APIRouter(prefix="/locations")

_VM = "Telephony.VoiceMailNumber"
_OVERRIDE = "Telephony.OverrideVoiceMailNumber"
_ALIASES = {f"parameters.{_VM}": "voicemail_number", f"parameters.{_OVERRIDE}": "override"}


def _spec(form: Form, stored: LocationSpec | None) -> LocationSpec:
    parameters = dict(stored.parameters if stored else DEFAULT_LOCATION_PARAMETERS)
    parameters[_VM] = form.get("voicemail_number")
    parameters[_OVERRIDE] = form.flag("override")
    days = form.integer("journal_retention_days", 90)
    return LocationSpec(
        name=form.get("name"),
        parameters=parameters,
        journal_retention_days=days if isinstance(days, int) else -1,
    )


def _values(spec: LocationSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "voicemail_number": str(spec.parameters.get(_VM, "")),
        "override": bool(spec.parameters.get(_OVERRIDE, False)),
        "journal_retention_days": spec.journal_retention_days,
    }


def _form_page(
    request: Request,
    session: AdminSession,
    location_id: str | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        session,
        "location_form.html",
        status=status,
        location_id=location_id,
        values=values,
        errors=errors or {},
    )


@router.get("")
async def list_page(request: Request, session: Session) -> Response:
    """Every location with its voicemail parameters."""
    locations = await cti_of(request).locations.list()
    return render(request, session, "locations.html", locations=locations, vm=_VM, ov=_OVERRIDE)


@router.get("/new")
async def new_page(request: Request, session: Session) -> Response:
    """A new location with the Cloud PBX defaults (``*86``)."""
    return _form_page(request, session, None, _values(LocationSpec(name="")))


@router.post("/new")
async def create(request: Request, session: Session) -> Response:
    """Save a new location."""
    form = await read_form(request, session)
    spec = _spec(form, None)
    try:
        await cti_of(request).locations.create(spec)
    except InvalidInputError as error:
        errors = errors_by_field(error.errors, _ALIASES)
        return _form_page(request, session, None, _values(spec), errors, 422)
    except AppError as error:
        return _form_page(request, session, None, _values(spec), {"name": error.detail}, 409)
    return redirect("/locations", "saved")


@router.get("/{id}")
async def edit_page(id: str, request: Request, session: Session) -> Response:
    """A location's form."""
    return _form_page(request, session, id, _values(await cti_of(request).locations.spec(id)))


@router.post("/{id}")
async def save(id: str, request: Request, session: Session) -> Response:
    """Save a location (other parameters stored with it are kept)."""
    form = await read_form(request, session)
    cti = cti_of(request)
    spec = _spec(form, await cti.locations.spec(id))
    try:
        await cti.locations.replace(id, spec)
    except InvalidInputError as error:
        errors = errors_by_field(error.errors, _ALIASES)
        return _form_page(request, session, id, _values(spec), errors, 422)
    except AppError as error:
        return _form_page(request, session, id, _values(spec), {"name": error.detail}, 409)
    return redirect("/locations", "saved")


@router.post("/{id}/delete")
async def delete(id: str, request: Request, session: Session) -> Response:
    """Delete a location."""
    await read_form(request, session)
    await cti_of(request).locations.delete(id)
    return redirect("/locations", "deleted")
