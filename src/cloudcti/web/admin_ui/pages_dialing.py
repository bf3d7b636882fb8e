"""Wahlparameter: sets of dialing parameters from the DeutschlandLAN Cloud PBX preset, the
internal number length derived from the lines (R6), the outside-line prefix (R7), the named
settings replacing ``Flags=16`` (R8) and a test box (``static/dialing.js`` calls the REST
API's ``derive-internal-length`` and ``explain``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cloudcti.app.dialing import ADVANCED_SETTINGS, DialingParametersSpec, DialingParametersView
from cloudcti.app.errors import AppError, InvalidInputError
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

router = APIRouter(prefix="/dialing")


def _spec(form: Form) -> DialingParametersSpec:
    length = form.integer("internal_number_length", 4)
    return DialingParametersSpec(
        name=form.get("name"),
        country_code=form.get("country_code"),
        area_code=form.get("area_code"),
        base_number=form.get("base_number"),
        internal_number_length=length if isinstance(length, int) else 0,
        outside_line_prefix=form.get("outside_line_prefix"),
        dial_format=form.get("dial_format", "e164"),
        advanced={name: form.flag(name) for name in ADVANCED_SETTINGS},
    )


def _values(spec: DialingParametersSpec | DialingParametersView) -> dict[str, Any]:
    return {
        "name": spec.name,
        "country_code": spec.country_code,
        "area_code": spec.area_code,
        "base_number": spec.base_number,
        "internal_number_length": spec.internal_number_length,
        "outside_line_prefix": spec.outside_line_prefix,
        "dial_format": spec.dial_format,
        **{name: bool(spec.advanced.get(name)) for name in ADVANCED_SETTINGS},
    }


def _form_page(
    request: Request,
    session: AdminSession,
    dialing_id: str | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        session,
        "dialing_form.html",
        status=status,
        dialing_id=dialing_id,
        values=values,
        errors=errors or {},
        advanced=ADVANCED_SETTINGS,
    )


@router.get("")
async def list_page(request: Request, session: Session) -> Response:
    """Every set of dialing parameters."""
    sets = await cti_of(request).dialing_parameters.list()
    return render(request, session, "dialing.html", sets=sets)


@router.get("/new")
async def new_page(request: Request, session: Session) -> Response:
    """A new set, prefilled with the DeutschlandLAN Cloud PBX preset."""
    values = _values(DialingParametersSpec(name=""))
    return _form_page(request, session, None, values)


@router.post("/new")
async def create(request: Request, session: Session) -> Response:
    """Save a new set."""
    form = await read_form(request, session)
    spec = _spec(form)
    try:
        created = await cti_of(request).dialing_parameters.create(spec)
    except InvalidInputError as error:
        errors = errors_by_field(error.errors)
        return _form_page(request, session, None, _values(spec), errors, 422)
    except AppError as error:
        return _form_page(request, session, None, _values(spec), {"name": error.detail}, 409)
    return redirect(f"/dialing/{created.id}", "saved")


@router.get("/{id}")
async def edit_page(id: str, request: Request, session: Session) -> Response:
    """A set's form with derive and test box."""
    found = await cti_of(request).dialing_parameters.get(id)
    return _form_page(request, session, id, _values(found))


@router.post("/{id}")
async def save(id: str, request: Request, session: Session) -> Response:
    """Save a set."""
    form = await read_form(request, session)
    spec = _spec(form)
    cti = cti_of(request)
    await cti.dialing_parameters.get(id)
    try:
        await cti.dialing_parameters.replace(id, spec)
    except InvalidInputError as error:
        errors = errors_by_field(error.errors)
        return _form_page(request, session, id, _values(spec), errors, 422)
    except AppError as error:
        return _form_page(request, session, id, _values(spec), {"name": error.detail}, 409)
    return redirect(f"/dialing/{id}", "saved")


@router.post("/{id}/delete")
async def delete(id: str, request: Request, session: Session) -> Response:
    """Delete a set no gateway uses."""
    await read_form(request, session)
    try:
        await cti_of(request).dialing_parameters.delete(id)
    except AppError:
        return redirect(f"/dialing/{id}", "in_use")
    return redirect("/dialing", "deleted")
