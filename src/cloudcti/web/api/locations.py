"""``/admin/locations``: client special parameters (R10) and journal retention."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from cloudcti.app.locations import DEFAULT_LOCATION_PARAMETERS, LocationSpec
from cloudcti.web.api.types import Id, Name, Text
from cloudcti.web.patching import partial, validate_merged
from cloudcti.web.security import Admin, Cti

__all__ = ["router"]

router = APIRouter(prefix="/locations", tags=["locations"])


def _default_parameters() -> dict[str, bool | str]:
    return dict(DEFAULT_LOCATION_PARAMETERS)


class LocationIn(BaseModel):
    """A location ("Standort") with the special parameters its clients get."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "München",
                    "parameters": {
                        "Telephony.VoiceMailNumber": "*86",
                        "Telephony.OverrideVoiceMailNumber": False,
                    },
                    "journal_retention_days": 90,
                }
            ]
        },
    )

    name: Name = Field(min_length=1)
    parameters: dict[Name, bool | Text] = Field(
        default_factory=_default_parameters,
        max_length=50,
        description="Telephony.VoiceMailNumber sets the voicemail number in the user data; "
        "Telephony.OverrideVoiceMailNumber uses it even when the server's own voicemail is "
        "active (R10).",
    )
    journal_retention_days: int = Field(default=90, ge=1, le=3650)


class LocationOut(BaseModel):
    """A stored location."""

    id: str
    name: str
    parameters: dict[str, bool | str]
    journal_retention_days: int


if TYPE_CHECKING:
    LocationPatch = BaseModel
else:
    LocationPatch = partial(LocationIn)


def _spec(body: LocationIn) -> LocationSpec:
    return LocationSpec(**body.model_dump())


def _out(view: object) -> LocationOut:
    return LocationOut.model_validate(view, from_attributes=True)


@router.get("")
async def list_locations(cti: Cti, _: Admin) -> list[LocationOut]:
    """Every location, by name."""
    return [_out(v) for v in await cti.locations.list()]


@router.post("", status_code=201)
async def create_location(body: LocationIn, cti: Cti, _: Admin) -> LocationOut:
    """Create a location."""
    return _out(await cti.locations.create(_spec(body)))


@router.get("/{id}")
async def get_location(id: Id, cti: Cti, _: Admin) -> LocationOut:
    """One location."""
    return _out(await cti.locations.get(id))


@router.patch("/{id}")
async def patch_location(id: Id, body: LocationPatch, cti: Cti, _: Admin) -> LocationOut:
    """Change the fields sent; ``parameters`` merge by name."""
    base = asdict(await cti.locations.spec(id))
    merged = validate_merged(LocationIn, base, body.model_dump(exclude_unset=True))
    return _out(await cti.locations.replace(id, _spec(merged)))


@router.delete("/{id}", status_code=204)
async def delete_location(id: Id, cti: Cti, _: Admin) -> Response:
    """Delete a location; its users stay, without a location."""
    await cti.locations.delete(id)
    return Response(status_code=204)
