"""``/admin/gateways``: CRUD with write-only passwords, ``test``, ``log``, ``import-lines``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cloudcti.app.clock import iso
from cloudcti.app.gateways import GatewaySpec, GatewayView, ProxySpec
from cloudcti.app.ports import LogQuery
from cloudcti.web.api.lines import LineOut, line_out
from cloudcti.web.api.types import INPUT, Id, Name, Password, Text, Url
from cloudcti.web.patching import partial, validate_merged
from cloudcti.web.security import Admin, Cti

__all__ = ["router"]

router = APIRouter(prefix="/gateways", tags=["gateways"])

GatewayStateName = Literal[
    "disabled", "connecting", "connected", "degraded", "auth_failed", "error"
]


class MonitoringIn(BaseModel):
    """The dedicated, non-productive Cloud PBX user that authenticates the monitoring (R1)."""

    model_config = INPUT

    username: Name = Field(min_length=1, examples=["cti-monitor@firma.de"])
    password: Password | None = Field(
        default=None,
        json_schema_extra={"writeOnly": True},
        description="Write-only; required when creating; absent in a PATCH keeps it.",
    )


class ProxyIn(BaseModel):
    """An HTTP(S) proxy between cloudcti and the Cloud PBX (R2)."""

    model_config = INPUT

    url: Url = Field(examples=["http://proxy.firma.local:3128"])
    username: Name | None = None
    password: Password | None = Field(
        default=None,
        json_schema_extra={"writeOnly": True},
        description="Write-only; absent keeps the stored one for the same proxy.",
    )


class GatewayIn(BaseModel):
    """A Cloud PBX gateway ("Festnetz-Gateway", R1)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Firma GmbH",
                    "xsi_urls": ["https://xsi.example.net"],
                    "dialing_parameters_id": "3f0c…",
                    "monitoring": {"username": "cti-monitor@firma.de", "password": "…"},
                }
            ]
        },
    )

    name: Name = Field(min_length=1)
    type: Literal["deutschlandlan-cloud-pbx"] = "deutschlandlan-cloud-pbx"
    xsi_urls: list[Url] = Field(
        min_length=1,
        max_length=10,
        description="Root URL of each Xsi host of the PBX (CONTRACT.md §0).",
    )
    dialing_parameters_id: Id
    disabled: bool = Field(default=False, description="Configured but not active.")
    monitoring: MonitoringIn
    proxy: ProxyIn | None = None
    event_timeout_s: int = Field(default=30, ge=5, le=3600)
    tls_ca_file: Text | None = Field(default=None, description="A CA bundle on the server.")
    portal_url: Url | None = Field(
        default=None, description="The Cloud PBX portal (password reset)."
    )


class MonitoringOut(BaseModel):
    """The monitoring user; its password is never returned."""

    username: str


class ProxyOut(BaseModel):
    """The proxy; its password is never returned."""

    url: str
    username: str | None


class GatewayOut(BaseModel):
    """A gateway with its live state."""

    id: str
    name: str
    type: Literal["deutschlandlan-cloud-pbx"]
    xsi_urls: list[str]
    dialing_parameters_id: str
    disabled: bool
    monitoring: MonitoringOut
    proxy: ProxyOut | None
    event_timeout_s: int
    tls_ca_file: str | None
    portal_url: str | None
    state: GatewayStateName
    state_reason: str = Field(examples=["connected to 2 of 2 Xsi hosts"])


class Check(BaseModel):
    """One step of the connection test."""

    name: str = Field(examples=["authentication"])
    ok: bool
    detail: str = Field(examples=["the monitoring user was accepted"])


class TestResult(BaseModel):
    """The connection test (R3): ``ok`` when every check passed."""

    ok: bool
    checks: list[Check]


class LogEntryOut(BaseModel):
    """One PBX log entry (R4); secrets are redacted."""

    seq: int
    at: str = Field(examples=["2026-11-25T14:03:07.123Z"])
    direction: Literal["out", "in", "state"]
    summary: str
    detail: str


class SkippedOut(BaseModel):
    """A directory user not imported, and why."""

    pbx_user_id: str
    reason: str


class ImportResultOut(BaseModel):
    """Lines created from the PBX's enterprise directory, and the users skipped."""

    created: list[LineOut]
    skipped: list[SkippedOut]


if TYPE_CHECKING:
    GatewayPatch = BaseModel
else:
    GatewayPatch = partial(GatewayIn)


def _spec(body: GatewayIn) -> GatewaySpec:
    proxy = body.proxy
    return GatewaySpec(
        name=body.name,
        xsi_urls=tuple(body.xsi_urls),
        dialing_parameters_id=body.dialing_parameters_id,
        monitoring_username=body.monitoring.username,
        monitoring_password=body.monitoring.password,
        type=body.type,
        disabled=body.disabled,
        proxy=ProxySpec(proxy.url, proxy.username, proxy.password) if proxy else None,
        event_timeout_s=body.event_timeout_s,
        tls_ca_file=body.tls_ca_file,
        portal_url=body.portal_url,
    )


def _base(spec: GatewaySpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "type": spec.type,
        "xsi_urls": list(spec.xsi_urls),
        "dialing_parameters_id": spec.dialing_parameters_id,
        "disabled": spec.disabled,
        "monitoring": {"username": spec.monitoring_username},
        "proxy": ({"url": spec.proxy.url, "username": spec.proxy.username} if spec.proxy else None),
        "event_timeout_s": spec.event_timeout_s,
        "tls_ca_file": spec.tls_ca_file,
        "portal_url": spec.portal_url,
    }


def _out(v: GatewayView) -> GatewayOut:
    return GatewayOut(
        id=v.id,
        name=v.name,
        type="deutschlandlan-cloud-pbx",
        xsi_urls=list(v.xsi_urls),
        dialing_parameters_id=v.dialing_parameters_id,
        disabled=v.disabled,
        monitoring=MonitoringOut(username=v.monitoring_username),
        proxy=ProxyOut(url=v.proxy.url, username=v.proxy.username) if v.proxy else None,
        event_timeout_s=v.event_timeout_s,
        tls_ca_file=v.tls_ca_file,
        portal_url=v.portal_url,
        state=v.state,  # type: ignore[arg-type]
        state_reason=v.state_reason,
    )


@router.get("")
async def list_gateways(cti: Cti, _: Admin) -> list[GatewayOut]:
    """Every gateway with its live state."""
    return [_out(v) for v in await cti.gateways.list()]


@router.post("", status_code=201)
async def create_gateway(body: GatewayIn, cti: Cti, _: Admin) -> GatewayOut:
    """Create a gateway; it starts connecting unless disabled."""
    return _out(await cti.gateways.create(_spec(body)))


@router.get("/{id}")
async def get_gateway(id: Id, cti: Cti, _: Admin) -> GatewayOut:
    """One gateway with its live state."""
    return _out(await cti.gateways.get(id))


@router.patch("/{id}")
async def patch_gateway(id: Id, body: GatewayPatch, cti: Cti, _: Admin) -> GatewayOut:
    """Change the fields sent; passwords not sent are kept. The runtime follows."""
    base = _base(await cti.gateways.spec(id))
    merged = validate_merged(GatewayIn, base, body.model_dump(exclude_unset=True))
    return _out(await cti.gateways.replace(id, _spec(merged)))


@router.delete("/{id}", status_code=204)
async def delete_gateway(id: Id, cti: Cti, _: Admin) -> Response:
    """Delete a gateway with its lines and stored passwords."""
    await cti.gateways.delete(id)
    return Response(status_code=204)


@router.post(
    "/{id}/test", responses={503: {"description": "The gateway has no monitoring password"}}
)
async def run_connection_test(id: Id, cti: Cti, _: Admin) -> TestResult:
    """The connection test with the stored configuration: URL, DNS, TCP/TLS, proxy,
    authentication, Xsi-Actions, Xsi-Events, subscription — in that order."""
    checks = await cti.gateways.test(id)
    out = [Check(name=c.name, ok=c.ok, detail=c.detail) for c in checks]
    return TestResult(ok=bool(out) and all(c.ok for c in out), checks=out)


@router.get("/{id}/log")
async def gateway_log(
    id: Id,
    cti: Cti,
    _: Admin,
    since: Annotated[int | None, Query(ge=0, description="Entries after this seq.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    line_id: Annotated[str | None, Query(max_length=64)] = None,
    call_id: Annotated[str | None, Query(max_length=200)] = None,
    direction: Annotated[Literal["out", "in", "state"] | None, Query()] = None,
) -> list[LogEntryOut]:
    """The PBX log: what was sent and received, state changes and errors, oldest first."""
    query = LogQuery(since, limit, line_id, call_id, direction)
    entries = await cti.gateways.log(id, query)
    return [
        LogEntryOut(
            seq=e.seq,
            at=iso(e.at),
            direction=e.direction,  # type: ignore[arg-type]
            summary=e.summary,
            detail=e.detail,
        )
        for e in entries
    ]


@router.post(
    "/{id}/import-lines",
    responses={
        502: {"description": "The PBX refused or could not be reached"},
        503: {"description": "The gateway has no monitoring password"},
        504: {"description": "The PBX did not answer in time"},
    },
)
async def import_lines(id: Id, cti: Cti, _: Admin) -> ImportResultOut:
    """Create a line for each user of the PBX's enterprise directory that has none yet."""
    result = await cti.gateways.import_lines(id)
    return ImportResultOut(
        created=[line_out(v) for v in result.created],
        skipped=[SkippedOut(pbx_user_id=s.pbx_user_id, reason=s.reason) for s in result.skipped],
    )
