"""``/admin/users``: CRUD of local accounts, line assignment, clearing PBX credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from cloudcti.app.users import UserSpec, UserView
from cloudcti.web.api.types import Id, Name, Password, ShortText
from cloudcti.web.patching import partial, validate_merged
from cloudcti.web.security import Admin, Cti

__all__ = ["PbxCredentialsOut", "router"]

router = APIRouter(prefix="/users", tags=["users"])


class UserIn(BaseModel):
    """A local account."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "anna",
                    "display_name": "Anna Schmidt",
                    "password": "…",
                    "language": "de",
                    "line_ids": ["5b2c…"],
                }
            ]
        },
    )

    username: Name = Field(min_length=1)
    display_name: Name = ""
    password: Password | None = Field(
        default=None,
        json_schema_extra={"writeOnly": True},
        description="Write-only; at least 8 characters; required when creating; a new one "
        "ends the user's sessions.",
    )
    role: Literal["admin", "user"] = "user"
    language: Literal["de", "en"] = "de"
    location_id: Id | None = None
    mobile_number: ShortText | None = Field(default=None, description="Normalised to E.164.")
    line_ids: list[Id] | None = Field(
        default=None,
        max_length=100,
        description="The user's lines; absent leaves them as they are.",
    )


class PbxCredentialsOut(BaseModel):
    """The state of the user's own Cloud PBX login (never the credentials)."""

    state: Literal["missing", "valid", "invalid", "suspended"]
    failed_attempts: int


class UserOut(BaseModel):
    """A local account without its password."""

    id: str
    username: str
    display_name: str
    role: Literal["admin", "user"]
    language: Literal["de", "en"]
    location_id: str | None
    mobile_number: str | None
    line_ids: list[str]
    pbx_credentials: PbxCredentialsOut


if TYPE_CHECKING:
    UserPatch = BaseModel
else:
    UserPatch = partial(UserIn)


def _spec(body: UserIn) -> UserSpec:
    values: dict[str, Any] = body.model_dump()
    if values["line_ids"] is not None:
        values["line_ids"] = tuple(values["line_ids"])
    return UserSpec(**values)


def _out(view: UserView) -> UserOut:
    return UserOut.model_validate(view, from_attributes=True)


@router.get("")
async def list_users(cti: Cti, _: Admin) -> list[UserOut]:
    """Every user, by username."""
    return [_out(v) for v in await cti.users.list()]


@router.post("", status_code=201)
async def create_user(body: UserIn, cti: Cti, _: Admin) -> UserOut:
    """Create a user (and assign lines)."""
    return _out(await cti.users.create(_spec(body)))


@router.get("/{id}")
async def get_user(id: Id, cti: Cti, _: Admin) -> UserOut:
    """One user."""
    return _out(await cti.users.get(id))


@router.patch("/{id}")
async def patch_user(id: Id, body: UserPatch, cti: Cti, _: Admin) -> UserOut:
    """Change the fields sent; the password is kept unless sent."""
    spec = await cti.users.spec(id)
    base = {
        "username": spec.username,
        "display_name": spec.display_name,
        "role": spec.role,
        "language": spec.language,
        "location_id": spec.location_id,
        "mobile_number": spec.mobile_number,
    }
    merged = validate_merged(UserIn, base, body.model_dump(exclude_unset=True))
    return _out(await cti.users.replace(id, _spec(merged)))


@router.delete("/{id}", status_code=204)
async def delete_user(id: Id, cti: Cti, _: Admin) -> Response:
    """Delete a user; their lines stay, unassigned (409 for the last admin)."""
    await cti.users.delete(id)
    return Response(status_code=204)


@router.delete("/{id}/pbx-credentials", status_code=204)
async def clear_pbx_credentials(id: Id, cti: Cti, _: Admin) -> Response:
    """Forget the user's own Cloud PBX credentials."""
    await cti.users.clear_pbx_credentials(id)
    return Response(status_code=204)
