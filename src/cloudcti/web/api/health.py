"""``/healthz`` (the process answers) and ``/readyz`` (database and gateways), no auth."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from cloudcti.web.security import Cti

__all__ = ["router"]

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The process is alive."""

    status: str = "ok"


class GatewayReadiness(BaseModel):
    """A gateway's live state."""

    id: str
    name: str
    state: str
    state_reason: str


class Readiness(BaseModel):
    """``ready`` when the database answers; the gateways' states are reported, not judged
    (a PBX outage must not make a load balancer drop the server)."""

    ready: bool
    database: str
    gateways: list[GatewayReadiness]


@router.get("/healthz")
async def healthz() -> Health:
    """200 while the process serves requests."""
    return Health()


@router.get("/readyz", responses={503: {"model": Readiness, "description": "Not ready"}})
async def readyz(cti: Cti) -> JSONResponse:
    """200 when the database is reachable (503 otherwise), with each gateway's state."""
    found = await cti.readiness()
    body = Readiness(
        ready=found.database_ok,
        database=found.database_detail,
        gateways=[
            GatewayReadiness(id=g.id, name=g.name, state=g.state, state_reason=g.state_reason)
            for g in found.gateways
        ],
    )
    return JSONResponse(body.model_dump(), status_code=200 if found.database_ok else 503)
