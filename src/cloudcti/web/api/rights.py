"""``/admin/teams`` and ``/admin/grants``: who sees whose forwarding target.

Members of a team see each other's forwarding targets in presence; a grant lets one
viewer see one subject's. Everyone else sees the kind of forwarding, not the target."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from cloudcti.app.rights import TeamSpec
from cloudcti.web.api.types import INPUT, Id, Name
from cloudcti.web.patching import partial, validate_merged
from cloudcti.web.security import Admin, Cti

__all__ = ["router"]

router = APIRouter(tags=["rights"])


class TeamIn(BaseModel):
    """A team: its members see each other's forwarding targets."""

    model_config = INPUT

    name: Name = Field(min_length=1, examples=["Vertrieb"])
    member_ids: list[Id] = Field(default_factory=list, max_length=1000)


class TeamOut(BaseModel):
    """A stored team."""

    id: str
    name: str
    member_ids: list[str]


class GrantIn(BaseModel):
    """Let ``viewer_id`` see ``subject_id``'s forwarding target."""

    model_config = INPUT

    viewer_id: Id
    subject_id: Id


class GrantOut(BaseModel):
    """A grant."""

    viewer_id: str
    subject_id: str


if TYPE_CHECKING:
    TeamPatch = BaseModel
else:
    TeamPatch = partial(TeamIn)


def _team(view: object) -> TeamOut:
    return TeamOut.model_validate(view, from_attributes=True)


def _spec(body: TeamIn) -> TeamSpec:
    return TeamSpec(body.name, tuple(body.member_ids))


@router.get("/teams")
async def list_teams(cti: Cti, _: Admin) -> list[TeamOut]:
    """Every team, by name."""
    return [_team(t) for t in await cti.rights.teams()]


@router.post("/teams", status_code=201)
async def create_team(body: TeamIn, cti: Cti, _: Admin) -> TeamOut:
    """Create a team."""
    return _team(await cti.rights.create_team(_spec(body)))


@router.get("/teams/{id}")
async def get_team(id: Id, cti: Cti, _: Admin) -> TeamOut:
    """One team."""
    return _team(await cti.rights.team(id))


@router.patch("/teams/{id}")
async def patch_team(id: Id, body: TeamPatch, cti: Cti, _: Admin) -> TeamOut:
    """Rename a team or replace its members."""
    spec = await cti.rights.team_spec(id)
    base = {"name": spec.name, "member_ids": list(spec.member_ids)}
    merged = validate_merged(TeamIn, base, body.model_dump(exclude_unset=True))
    return _team(await cti.rights.replace_team(id, _spec(merged)))


@router.delete("/teams/{id}", status_code=204)
async def delete_team(id: Id, cti: Cti, _: Admin) -> Response:
    """Delete a team."""
    await cti.rights.delete_team(id)
    return Response(status_code=204)


@router.get("/grants")
async def list_grants(cti: Cti, _: Admin) -> list[GrantOut]:
    """Every grant."""
    return [
        GrantOut(viewer_id=g.viewer_id, subject_id=g.subject_id) for g in await cti.rights.grants()
    ]


@router.post("/grants", status_code=201)
async def create_grant(body: GrantIn, cti: Cti, _: Admin) -> GrantOut:
    """Grant (idempotent)."""
    g = await cti.rights.grant(body.viewer_id, body.subject_id)
    return GrantOut(viewer_id=g.viewer_id, subject_id=g.subject_id)


@router.delete("/grants/{viewer_id}/{subject_id}", status_code=204)
async def delete_grant(viewer_id: Id, subject_id: Id, cti: Cti, _: Admin) -> Response:
    """Withdraw a grant."""
    await cti.rights.revoke(viewer_id, subject_id)
    return Response(status_code=204)
