"""Leitungen: every line with its state icon and reason, the import per gateway, and a
line's parameters (``BSVoiceMailNumber``, R5/R9), its user and whether it is disabled."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cloudcti.app.errors import AppError, InvalidInputError
from cloudcti.app.lines import LineView
from cloudcti.web.admin_ui.base import (
    AdminSession,
    Session,
    cti_of,
    errors_by_field,
    read_form,
    redirect,
    render,
)

__all__ = ["lines_context", "router"]

router = APIRouter(prefix="/lines")


async def lines_context(request: Request) -> dict[str, Any]:
    """What the lines list shows: lines, gateways (for the import) and users by id."""
    cti = cti_of(request)
    return {
        "lines": await cti.lines.list(),
        "gateways": await cti.gateways.list(),
        "users": {u.id: u for u in await cti.users.list()},
    }


@router.get("")
async def list_page(request: Request, session: Session) -> Response:
    """Every line with state and reason."""
    return render(request, session, "lines.html", **await lines_context(request))


async def _form_page(
    request: Request,
    session: AdminSession,
    line: LineView,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    cti = cti_of(request)
    return render(
        request,
        session,
        "line_form.html",
        status=status,
        line=line,
        values=values,
        errors=errors or {},
        users=await cti.users.list(),
    )


@router.get("/{id}")
async def edit_page(id: str, request: Request, session: Session) -> Response:
    """A line's form."""
    line = await cti_of(request).lines.get(id)
    values = {
        "display_name": line.display_name,
        "user_id": line.user_id or "",
        "disabled": line.disabled,
        "BSVoiceMailNumber": line.parameters.get("BSVoiceMailNumber", ""),
    }
    return await _form_page(request, session, line, values)


@router.post("/{id}")
async def save(id: str, request: Request, session: Session) -> Response:
    """Save a line's name, user, disabled flag and voicemail number."""
    form = await read_form(request, session)
    cti = cti_of(request)
    line = await cti.lines.get(id)
    spec = await cti.lines.spec(id)
    parameters = dict(spec.parameters)
    parameters["BSVoiceMailNumber"] = form.get("BSVoiceMailNumber")
    spec = replace(
        spec,
        display_name=form.get("display_name"),
        user_id=form.get("user_id") or None,
        disabled=form.flag("disabled"),
        parameters=parameters,
    )
    values = {
        "display_name": spec.display_name,
        "user_id": spec.user_id or "",
        "disabled": spec.disabled,
        "BSVoiceMailNumber": parameters["BSVoiceMailNumber"],
    }
    try:
        await cti.lines.replace(id, spec)
    except InvalidInputError as error:
        aliases = {"parameters.BSVoiceMailNumber": "BSVoiceMailNumber"}
        errors = errors_by_field(error.errors, aliases)
        return await _form_page(request, session, line, values, errors, 422)
    except AppError as error:
        return await _form_page(request, session, line, values, {"user_id": error.detail}, 409)
    return redirect("/lines", "saved")
