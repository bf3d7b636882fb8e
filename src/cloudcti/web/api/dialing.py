"""``/admin/dialing-parameters``: CRUD, ``explain`` and ``derive-internal-length``."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cloudcti.app.dialing import DialingParametersSpec
from cloudcti.web.api.types import INPUT, Id, Name
from cloudcti.web.patching import partial, validate_merged
from cloudcti.web.security import Admin, Cti

__all__ = ["router"]

router = APIRouter(prefix="/dialing-parameters", tags=["dialing parameters"])


class AdvancedSettings(BaseModel):
    """Named settings that replace the seed's opaque ``Flags=16``; defaults suit Cloud PBX."""

    model_config = INPUT

    incoming_numbers_have_outside_prefix: bool = Field(
        default=False,
        description="The PBX prefixes incoming external numbers with the outside-line prefix "
        "(classic PBXs do; Cloud PBX delivers E.164).",
    )
    dial_extensions_as_e164: bool = Field(
        default=False,
        description="Send an internal number to the PBX as its E.164 number (when known) "
        "instead of the bare extension.",
    )
    uri_extension_is_internal: bool = Field(
        default=True,
        description="An address with ;ext= (a BroadWorks userDN) is the internal party with "
        "that extension.",
    )


class DialingParametersIn(BaseModel):
    """A set of dialing parameters ("Wahlparameter"). The defaults are the DeutschlandLAN
    Cloud PBX preset: no outside-line prefix (R7), dial in E.164, the advanced defaults."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Cloud PBX München",
                    "country_code": "49",
                    "area_code": "89",
                    "base_number": "887766",
                    "internal_number_length": 4,
                }
            ]
        },
    )

    name: Name = Field(min_length=1)
    country_code: str = Field(default="49", pattern=r"^[0-9]{1,4}$", description="Without + or 00.")
    area_code: str = Field(default="", pattern=r"^[0-9]{0,8}$", description="Without the trunk 0.")
    base_number: str = Field(
        default="", pattern=r"^[0-9]{0,20}$", description="Informational; shown by explain."
    )
    internal_number_length: int = Field(default=4, ge=1, le=15)
    outside_line_prefix: str = Field(
        default="", pattern=r"^[0-9]{0,8}$", description="Empty: none."
    )
    dial_format: Literal["e164", "national"] = "e164"
    advanced: AdvancedSettings = AdvancedSettings()


class DialingParametersOut(BaseModel):
    """A stored set of dialing parameters."""

    id: str
    name: str
    country_code: str
    area_code: str
    base_number: str
    internal_number_length: int
    outside_line_prefix: str
    dial_format: Literal["e164", "national"]
    advanced: AdvancedSettings


class Step(BaseModel):
    """One rule and the number after it."""

    rule: str = Field(examples=["known extension"])
    result: str = Field(examples=["7770"])


class Explanation(BaseModel):
    """How a number is treated, step by step; ``result`` is empty if it is no number."""

    input: str = Field(examples=["0049 89 887766 7770"])
    steps: list[Step]
    result: str = Field(examples=["+49898877667770"])


class DerivedLength(BaseModel):
    """The derived internal number length (now stored) and the extensions it came from."""

    internal_number_length: int = Field(examples=[4])
    extensions_considered: list[str] = Field(examples=[["771", "7770", "7701"]])


if TYPE_CHECKING:
    DialingParametersPatch = BaseModel
else:
    DialingParametersPatch = partial(DialingParametersIn)


def _spec(body: DialingParametersIn) -> DialingParametersSpec:
    values = body.model_dump()
    return DialingParametersSpec(**values)


def _out(view: object) -> DialingParametersOut:
    return DialingParametersOut.model_validate(view, from_attributes=True)


@router.get("")
async def list_dialing_parameters(cti: Cti, _: Admin) -> list[DialingParametersOut]:
    """Every set, by name."""
    return [_out(v) for v in await cti.dialing_parameters.list()]


@router.post("", status_code=201)
async def create_dialing_parameters(
    body: DialingParametersIn, cti: Cti, _: Admin
) -> DialingParametersOut:
    """Create a set (the defaults are the Cloud PBX preset)."""
    return _out(await cti.dialing_parameters.create(_spec(body)))


@router.get("/{id}")
async def get_dialing_parameters(id: Id, cti: Cti, _: Admin) -> DialingParametersOut:
    """One set."""
    return _out(await cti.dialing_parameters.get(id))


@router.patch("/{id}")
async def patch_dialing_parameters(
    id: Id, body: DialingParametersPatch, cti: Cti, _: Admin
) -> DialingParametersOut:
    """Change the fields sent; the others are kept."""
    base = asdict(await cti.dialing_parameters.spec(id))
    merged = validate_merged(DialingParametersIn, base, body.model_dump(exclude_unset=True))
    return _out(await cti.dialing_parameters.replace(id, _spec(merged)))


@router.delete("/{id}", status_code=204)
async def delete_dialing_parameters(id: Id, cti: Cti, _: Admin) -> Response:
    """Delete a set (409 while a gateway uses it)."""
    await cti.dialing_parameters.delete(id)
    return Response(status_code=204)


@router.get("/{id}/explain")
async def explain_number(
    id: Id,
    cti: Cti,
    _: Admin,
    number: Annotated[str, Query(min_length=1, max_length=100, examples=["0891234567"])],
    context: Annotated[Literal["dial", "incoming", "display"], Query()] = "dial",
) -> Explanation:
    """How ``number`` is treated in ``context``: sent to the PBX (dial), read from the PBX
    (incoming) or shown to people (display)."""
    found = await cti.dialing_parameters.explain(id, number, context)
    return Explanation.model_validate(found, from_attributes=True)


@router.post("/{id}/derive-internal-length")
async def derive_internal_length(id: Id, cti: Cti, _: Admin) -> DerivedLength:
    """Set the internal number length to the longest extension among the lines of the
    gateways that use this set (R6: 771, 7770, 7701 → 4); 409 if there is none."""
    found = await cti.dialing_parameters.derive_internal_length(id)
    return DerivedLength.model_validate(found, from_attributes=True)
