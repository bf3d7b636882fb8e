"""``/admin/lines``: CRUD of the monitored lines and their parameters (R5)."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cloudcti.app.lines import LineSpec, LineView
from cloudcti.web.api.types import Id, Name, ShortText
from cloudcti.web.patching import partial, validate_merged
from cloudcti.web.security import Admin, Cti

__all__ = ["LineOut", "line_out", "router"]

router = APIRouter(prefix="/lines", tags=["lines"])

LineState = Literal["in_service", "needs_user_auth", "disabled", "out_of_service", "unknown"]


class LineIn(BaseModel):
    """A line of a gateway: the PBX user it monitors, optionally assigned to a user."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "gateway_id": "9a1e…",
                    "pbx_user_id": "anna.schmidt@firma.de",
                    "number": "+49898877667770",
                    "extension": "7770",
                    "display_name": "Anna Schmidt",
                }
            ]
        },
    )

    gateway_id: Id
    pbx_user_id: Name = Field(min_length=1, description="The line's user id on the PBX.")
    number: ShortText = Field(min_length=1, description="Normalised to E.164.")
    extension: str | None = Field(default=None, pattern=r"^[0-9]{1,15}$")
    display_name: Name = ""
    user_id: Id | None = None
    disabled: bool = False
    parameters: dict[Name, Name] = Field(
        default_factory=lambda: {"BSVoiceMailNumber": "*86"},
        description="Line parameters; BSVoiceMailNumber non-empty enables the voicemail "
        "redirect (R5).",
        max_length=50,
    )


class LineOut(BaseModel):
    """A line with its live state."""

    id: str
    gateway_id: str
    pbx_user_id: str
    number: str = Field(examples=["+49898877667770"])
    extension: str | None
    display_name: str
    user_id: str | None
    disabled: bool
    parameters: dict[str, str]
    state: LineState
    state_reason: str


if TYPE_CHECKING:
    LinePatch = BaseModel
else:
    LinePatch = partial(LineIn)


def line_out(view: LineView) -> LineOut:
    """The API form of a line."""
    return LineOut.model_validate(view, from_attributes=True)


def _spec(body: LineIn) -> LineSpec:
    return LineSpec(**body.model_dump())


@router.get("")
async def list_lines(
    cti: Cti,
    _: Admin,
    gateway_id: Annotated[str | None, Query(max_length=64)] = None,
    user_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[LineOut]:
    """Lines by number, optionally of one gateway or one user."""
    return [line_out(v) for v in await cti.lines.list(gateway_id=gateway_id, user_id=user_id)]


@router.post("", status_code=201)
async def create_line(body: LineIn, cti: Cti, _: Admin) -> LineOut:
    """Create a line; the gateway's runtime subscribes to it."""
    return line_out(await cti.lines.create(_spec(body)))


@router.get("/{id}")
async def get_line(id: Id, cti: Cti, _: Admin) -> LineOut:
    """One line with its live state."""
    return line_out(await cti.lines.get(id))


@router.patch("/{id}")
async def patch_line(id: Id, body: LinePatch, cti: Cti, _: Admin) -> LineOut:
    """Change the fields sent; ``parameters`` merge by name (an empty value disables one)."""
    base = asdict(await cti.lines.spec(id))
    merged = validate_merged(LineIn, base, body.model_dump(exclude_unset=True))
    return line_out(await cti.lines.replace(id, _spec(merged)))


@router.delete("/{id}", status_code=204)
async def delete_line(id: Id, cti: Cti, _: Admin) -> Response:
    """Delete a line (its user's PBX credentials go with their last line, R17)."""
    await cti.lines.delete(id)
    return Response(status_code=204)
