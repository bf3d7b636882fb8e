"""Benutzer: create and edit local accounts, assign lines (1:1 by default: a line given to
this user leaves its previous one), show the Cloud PBX login's state and clear it (R15–R17)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cloudcti.app.errors import AppError, InvalidInputError
from cloudcti.app.users import UserSpec, UserView
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

router = APIRouter(prefix="/users")


def _spec(form: Form) -> UserSpec:
    return UserSpec(
        username=form.get("username"),
        display_name=form.get("display_name"),
        password=form.raw("password") or None,
        role=form.get("role", "user"),
        language=form.get("language", "de"),
        location_id=form.get("location_id") or None,
        mobile_number=form.get("mobile_number") or None,
        line_ids=tuple(form.all("line_ids")),
    )


def _values(spec: UserSpec, line_ids: tuple[str, ...]) -> dict[str, Any]:
    return {
        "username": spec.username,
        "display_name": spec.display_name,
        "role": spec.role,
        "language": spec.language,
        "location_id": spec.location_id or "",
        "mobile_number": spec.mobile_number or "",
        "line_ids": set(line_ids),
    }


async def _form_page(
    request: Request,
    session: AdminSession,
    user: UserView | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    cti = cti_of(request)
    return render(
        request,
        session,
        "user_form.html",
        status=status,
        user=user,
        values=values,
        errors=errors or {},
        lines=await cti.lines.list(),
        users={u.id: u for u in await cti.users.list()},
        locations=await cti.locations.list(),
    )


@router.get("")
async def list_page(request: Request, session: Session) -> Response:
    """Every user with lines and the state of their Cloud PBX login."""
    cti = cti_of(request)
    return render(
        request,
        session,
        "users.html",
        users=await cti.users.list(),
        lines={line.id: line for line in await cti.lines.list()},
    )


@router.get("/new")
async def new_page(request: Request, session: Session) -> Response:
    """A new user's form."""
    return await _form_page(request, session, None, _values(UserSpec(username=""), ()))


@router.post("/new")
async def create(request: Request, session: Session) -> Response:
    """Save a new user with their lines."""
    form = await read_form(request, session)
    spec = _spec(form)
    values = _values(spec, spec.line_ids or ())
    try:
        created = await cti_of(request).users.create(spec)
    except InvalidInputError as error:
        errors = errors_by_field(error.errors)
        return await _form_page(request, session, None, values, errors, 422)
    except AppError as error:
        return await _form_page(request, session, None, values, {"username": error.detail}, 409)
    return redirect(f"/users/{created.id}", "saved")


@router.get("/{id}")
async def edit_page(id: str, request: Request, session: Session) -> Response:
    """A user's form (password empty: "unverändert")."""
    cti = cti_of(request)
    user = await cti.users.get(id)
    return await _form_page(
        request, session, user, _values(await cti.users.spec(id), user.line_ids)
    )


@router.post("/{id}")
async def save(id: str, request: Request, session: Session) -> Response:
    """Save a user; an empty password keeps the stored one."""
    form = await read_form(request, session)
    cti = cti_of(request)
    user = await cti.users.get(id)
    spec = _spec(form)
    values = _values(spec, spec.line_ids or ())
    try:
        await cti.users.replace(id, spec)
    except InvalidInputError as error:
        errors = errors_by_field(error.errors)
        return await _form_page(request, session, user, values, errors, 422)
    except AppError as error:
        return await _form_page(request, session, user, values, {"role": error.detail}, 409)
    return redirect(f"/users/{id}", "saved")


@router.post("/{id}/clear-pbx-credentials")
async def clear_pbx_credentials(id: str, request: Request, session: Session) -> Response:
    """Forget the user's Cloud PBX login; their client asks for it again."""
    await read_form(request, session)
    await cti_of(request).users.clear_pbx_credentials(id)
    return redirect(f"/users/{id}", "pbx_cleared")


@router.post("/{id}/delete")
async def delete(id: str, request: Request, session: Session) -> Response:
    """Delete a user (their lines stay, unassigned); not the last admin."""
    await read_form(request, session)
    try:
        await cti_of(request).users.delete(id)
    except AppError:
        return redirect(f"/users/{id}", "last_admin")
    return redirect("/users", "deleted")
