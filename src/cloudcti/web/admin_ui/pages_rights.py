"""Rechte (R13): teams, whose members see each other's forwarding target, and single
grants "viewer sees subject's forwarding target"."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cloudcti.app.errors import AppError, InvalidInputError
from cloudcti.app.rights import TeamSpec
from cloudcti.web.admin_ui.base import (
    AdminSession,
    Session,
    cti_of,
    errors_by_field,
    read_form,
    redirect,
    render,
)

__all__ = ["router"]

router = APIRouter(prefix="/rights")


async def _page(
    request: Request,
    session: AdminSession,
    errors: dict[str, str] | None = None,
    status: int = 200,
    edit_team: str | None = None,
) -> Response:
    cti = cti_of(request)
    return render(
        request,
        session,
        "rights.html",
        status=status,
        errors=errors or {},
        teams=await cti.rights.teams(),
        grants=await cti.rights.grants(),
        users={u.id: u for u in await cti.users.list()},
        edit_team=edit_team,
    )


@router.get("")
async def rights_page(request: Request, session: Session) -> Response:
    """Teams and grants."""
    return await _page(request, session, edit_team=request.query_params.get("team"))


@router.post("/teams")
async def create_team(request: Request, session: Session) -> Response:
    """A new team with its members."""
    form = await read_form(request, session)
    spec = TeamSpec(form.get("name"), tuple(form.all("member_ids")))
    try:
        await cti_of(request).rights.create_team(spec)
    except InvalidInputError as error:
        return await _page(request, session, errors_by_field(error.errors), 422)
    except AppError as error:
        return await _page(request, session, {"name": error.detail}, 409)
    return redirect("/rights", "saved")


@router.post("/teams/{id}")
async def save_team(id: str, request: Request, session: Session) -> Response:
    """Rename a team or change its members."""
    form = await read_form(request, session)
    spec = TeamSpec(form.get("name"), tuple(form.all("member_ids")))
    try:
        await cti_of(request).rights.replace_team(id, spec)
    except InvalidInputError as error:
        return await _page(request, session, errors_by_field(error.errors), 422, id)
    except AppError as error:
        return await _page(request, session, {"name": error.detail}, 409, id)
    return redirect("/rights", "saved")


@router.post("/teams/{id}/delete")
async def delete_team(id: str, request: Request, session: Session) -> Response:
    """Delete a team."""
    await read_form(request, session)
    await cti_of(request).rights.delete_team(id)
    return redirect("/rights", "deleted")


@router.post("/grants")
async def grant(request: Request, session: Session) -> Response:
    """Let a viewer see a subject's forwarding target."""
    form = await read_form(request, session)
    try:
        await cti_of(request).rights.grant(form.get("viewer_id"), form.get("subject_id"))
    except InvalidInputError as error:
        return await _page(request, session, errors_by_field(error.errors), 422)
    return redirect("/rights", "saved")


@router.post("/grants/revoke")
async def revoke(request: Request, session: Session) -> Response:
    """Withdraw a grant."""
    form = await read_form(request, session)
    try:
        await cti_of(request).rights.revoke(form.get("viewer_id"), form.get("subject_id"))
    except AppError:
        return redirect("/rights")
    return redirect("/rights", "deleted")
