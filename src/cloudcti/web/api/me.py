"""``/users/me``: the logged-in user (the part of CONTRACT.md §2.1 that needs no PBX)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from cloudcti.app.users import UserSpec
from cloudcti.web.api.lines import LineOut, line_out
from cloudcti.web.api.types import INPUT, Name, Password
from cloudcti.web.api.users import PbxCredentialsOut
from cloudcti.web.security import Cti, LoggedIn

__all__ = ["router"]

router = APIRouter(prefix="/users/me", tags=["me"])

DEFAULT_PORTAL_URL = "https://cpbx-hilfe.deutschland-lan.de/"
"""Where "reset password" leads when the gateway has no ``portal_url``: Telekom's Cloud PBX
help portal, which links to the portal login (set the gateway's ``portal_url`` to your
portal's start page)."""


class Me(BaseModel):
    """The logged-in user with their lines."""

    id: str
    username: str
    display_name: str
    role: Literal["admin", "user"]
    language: Literal["de", "en"]
    lines: list[LineOut]
    pbx_credentials: PbxCredentialsOut
    pbx_portal_url: str = Field(
        description="The Cloud PBX portal's start page for a password reset (R18): the "
        "`portal_url` of my first line's gateway, else " + DEFAULT_PORTAL_URL,
        examples=[DEFAULT_PORTAL_URL],
    )


class MePatch(BaseModel):
    """What a user may change about themselves."""

    model_config = INPUT

    language: Literal["de", "en"]


class PbxCredentialsIn(BaseModel):
    """My own Cloud PBX login (the one of my line's PBX user); the password is write-only."""

    model_config = INPUT

    username: Name
    password: Password


async def _me(cti: Cti, user_id: str) -> Me:
    user = await cti.users.get(user_id)
    lines = await cti.lines.list(user_id=user_id)
    portal = None
    if lines:
        portal = (await cti.gateways.get(lines[0].gateway_id)).portal_url
    return Me(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,  # type: ignore[arg-type]
        language=user.language,  # type: ignore[arg-type]
        lines=[line_out(v) for v in lines],
        pbx_credentials=PbxCredentialsOut.model_validate(
            user.pbx_credentials, from_attributes=True
        ),
        pbx_portal_url=portal or DEFAULT_PORTAL_URL,
    )


@router.get("")
async def get_me(principal: LoggedIn, cti: Cti) -> Me:
    """Who I am, my lines and the state of my Cloud PBX login."""
    return await _me(cti, principal.user_id)


@router.patch("")
async def patch_me(body: MePatch, principal: LoggedIn, cti: Cti) -> Me:
    """Change my language."""
    spec = await cti.users.spec(principal.user_id)
    await cti.users.replace(
        principal.user_id,
        UserSpec(
            username=spec.username,
            display_name=spec.display_name,
            role=spec.role,
            language=body.language,
            location_id=spec.location_id,
            mobile_number=spec.mobile_number,
        ),
    )
    return await _me(cti, principal.user_id)


@router.put(
    "/pbx-credentials",
    status_code=204,
    responses={
        409: {
            "description": "I have no line, so there is no Cloud PBX to log in to; or the "
            "Cloud PBX rejected 4 logins of my account in a row, so another try could lock it "
            "(nothing is sent; an admin clears my login after checking the account)"
        },
        422: {
            "description": "The Cloud PBX rejected them (the reason is in the problem), or "
            "they log in as another PBX user than my line's (both are named)"
        },
    },
)
async def put_pbx_credentials(body: PbxCredentialsIn, principal: LoggedIn, cti: Cti) -> Response:
    """Store my Cloud PBX login once the PBX accepted it as my line's PBX user (one profile
    GET); nothing is stored if it did not. Every rejected try counts towards R16's limit."""
    await cti.pbx_credentials.set(principal.user_id, body.username, body.password)
    return Response(status_code=204)


@router.delete("/pbx-credentials", status_code=204)
async def delete_pbx_credentials(principal: LoggedIn, cti: Cti) -> Response:
    """Forget my Cloud PBX login (the count of rejected logins stays)."""
    await cti.pbx_credentials.clear(principal.user_id)
    return Response(status_code=204)
