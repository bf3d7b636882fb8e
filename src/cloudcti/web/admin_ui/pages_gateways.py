"""Telefonie › Festnetz-Gateways: list with live state, the seed's gateway form with the
connection test ("Verbindung prüfen", run on the form's values before saving), line import,
and the PBX log (live tail in ``static/log.js``, download as text)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from cloudcti.app.clock import iso
from cloudcti.app.errors import AppError, InvalidInputError
from cloudcti.app.gateways import GATEWAY_TYPE, GatewaySpec, GatewayView, ProxySpec
from cloudcti.app.ports import LogQuery
from cloudcti.web.admin_ui.base import (
    AdminSession,
    Form,
    Session,
    cti_of,
    errors_by_field,
    field_error_text,
    read_form,
    redirect,
    render,
)
from cloudcti.web.admin_ui.pages_lines import lines_context

__all__ = ["CLOUD_PBX_XSI_URL", "router"]

router = APIRouter(prefix="/gateways")


CLOUD_PBX_XSI_URL = "https://client.deutschland-lan.de"
"""The Xsi host of DeutschlandLAN Cloud PBX (PROTOCOL.md §DT), prefilled for new gateways."""

CHECKS = ("url", "dns", "tcp_tls", "proxy", "authentication", "actions", "events", "subscription")
LOG_LIMIT = 1000


def _spec(form: Form) -> GatewaySpec:
    proxy_url = form.get("proxy_url")
    proxy = None
    if proxy_url:
        proxy = ProxySpec(
            proxy_url, form.get("proxy_username") or None, form.raw("proxy_password") or None
        )
    timeout = form.integer("event_timeout_s", 30)
    return GatewaySpec(
        name=form.get("name"),
        xsi_urls=tuple(u.strip() for u in form.get("xsi_urls").splitlines() if u.strip()),
        dialing_parameters_id=form.get("dialing_parameters_id"),
        monitoring_username=form.get("monitoring_username"),
        monitoring_password=form.raw("monitoring_password") or None,
        type=form.get("type", GATEWAY_TYPE),
        disabled=form.flag("disabled"),
        proxy=proxy,
        event_timeout_s=timeout if isinstance(timeout, int) else -1,
        tls_ca_file=form.get("tls_ca_file") or None,
        portal_url=form.get("portal_url") or None,
    )


def _values(spec: GatewaySpec | None) -> dict[str, Any]:
    """Form values of a spec (never a password)."""
    if spec is None:
        return {
            "name": "",
            "type": GATEWAY_TYPE,
            "xsi_urls": CLOUD_PBX_XSI_URL,
            "dialing_parameters_id": "",
            "disabled": False,
            "monitoring_username": "",
            "proxy_url": "",
            "proxy_username": "",
            "event_timeout_s": 30,
            "tls_ca_file": "",
            "portal_url": "",
        }
    return {
        "name": spec.name,
        "type": spec.type,
        "xsi_urls": "\n".join(spec.xsi_urls),
        "dialing_parameters_id": spec.dialing_parameters_id,
        "disabled": spec.disabled,
        "monitoring_username": spec.monitoring_username,
        "proxy_url": spec.proxy.url if spec.proxy else "",
        "proxy_username": (spec.proxy.username or "") if spec.proxy else "",
        "event_timeout_s": spec.event_timeout_s,
        "tls_ca_file": spec.tls_ca_file or "",
        "portal_url": spec.portal_url or "",
    }


async def _form_page(
    request: Request,
    session: AdminSession,
    gateway: GatewayView | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    cti = cti_of(request)
    return render(
        request,
        session,
        "gateway_form.html",
        status=status,
        gateway=gateway,
        values=values,
        errors=errors or {},
        dialing=await cti.dialing_parameters.list(),
        checks=CHECKS,
    )


@router.get("")
async def list_page(request: Request, session: Session) -> Response:
    """Every gateway with its live state and reason."""
    cti = cti_of(request)
    return render(
        request,
        session,
        "gateways.html",
        gateways=await cti.gateways.list(),
        dialing={d.id: d.name for d in await cti.dialing_parameters.list()},
    )


@router.get("/new")
async def new_page(request: Request, session: Session) -> Response:
    """ "Neues Festnetz-Gateway": the form prefilled for Cloud PBX."""
    values = _values(None)
    dialing = await cti_of(request).dialing_parameters.list()
    if len(dialing) == 1:
        values["dialing_parameters_id"] = dialing[0].id
    return await _form_page(request, session, None, values)


@router.post("/new")
async def create(request: Request, session: Session) -> Response:
    """Save a new gateway; on invalid fields the form again with the messages."""
    form = await read_form(request, session)
    spec = _spec(form)
    try:
        created = await cti_of(request).gateways.create(spec)
    except InvalidInputError as error:
        errors = errors_by_field(error.errors)
        return await _form_page(request, session, None, _values(spec), errors, 422)
    except AppError as error:
        return await _form_page(request, session, None, _values(spec), {"name": error.detail}, 409)
    return redirect(f"/gateways/{created.id}", "saved")


@router.post("/check")
async def check(request: Request, session: Session) -> Response:
    """ "Verbindung prüfen" on the form's values (JSON for ``static/gateway.js``): every
    check with its label, and the first failed one as the page's top message."""
    form = await read_form(request, session)
    t = session.t
    gateway_id = form.get("gateway_id") or None
    try:
        checks = await cti_of(request).gateways.test_unsaved(_spec(form), gateway_id)
    except InvalidInputError as error:
        fields = {k: field_error_text(t, v) for k, v in errors_by_field(error.errors).items()}
        return JSONResponse(
            {"ok": False, "checks": [], "message": t("gateway.check.invalid"), "errors": fields}
        )
    except AppError as error:
        return JSONResponse(
            {"ok": False, "checks": [], "message": t("gateway.check.error", detail=error.detail)}
        )
    out = [
        {"name": c.name, "label": t(f"check.{c.name}"), "ok": c.ok, "detail": c.detail}
        for c in checks
    ]
    failed = next((c for c in out if not c["ok"]), None)
    ok = bool(out) and failed is None
    message = (
        t("gateway.check.failed", check=failed["label"], detail=failed["detail"])
        if failed
        else t("gateway.check.ok")
    )
    return JSONResponse({"ok": ok, "checks": out, "message": message})


@router.get("/{id}")
async def edit_page(id: str, request: Request, session: Session) -> Response:
    """A gateway's form (passwords empty: "unverändert")."""
    cti = cti_of(request)
    gateway = await cti.gateways.get(id)
    return await _form_page(request, session, gateway, _values(await cti.gateways.spec(id)))


@router.post("/{id}")
async def save(id: str, request: Request, session: Session) -> Response:
    """Save a gateway; empty password fields keep the stored passwords."""
    form = await read_form(request, session)
    cti = cti_of(request)
    gateway = await cti.gateways.get(id)
    spec = _spec(form)
    try:
        await cti.gateways.replace(id, spec)
    except InvalidInputError as error:
        errors = errors_by_field(error.errors)
        return await _form_page(request, session, gateway, _values(spec), errors, 422)
    except AppError as error:
        errors = {"name": error.detail}
        return await _form_page(request, session, gateway, _values(spec), errors, 409)
    return redirect(f"/gateways/{id}", "saved")


@router.post("/{id}/delete")
async def delete(id: str, request: Request, session: Session) -> Response:
    """Delete a gateway with its lines."""
    await read_form(request, session)
    await cti_of(request).gateways.delete(id)
    return redirect("/gateways", "deleted")


@router.post("/{id}/import")
async def import_lines(id: str, request: Request, session: Session) -> Response:
    """ "Aus der Cloud PBX importieren": lines from the enterprise directory."""
    await read_form(request, session)
    cti = cti_of(request)
    try:
        result = await cti.gateways.import_lines(id)
    except AppError as error:
        return render(
            request,
            session,
            "lines.html",
            status=502,
            system_error=session.t("lines.import_failed", detail=error.detail),
            **await lines_context(request),
        )
    return redirect("/lines", "imported", created=len(result.created), skipped=len(result.skipped))


@router.get("/{id}/log")
async def log_page(id: str, request: Request, session: Session) -> Response:
    """The PBX log of a gateway: live tail with filters, pause, download."""
    cti = cti_of(request)
    return render(
        request,
        session,
        "log.html",
        gateway=await cti.gateways.get(id),
        lines=await cti.lines.list(),
    )


@router.get("/{id}/log.txt")
async def log_download(
    id: str,
    request: Request,
    session: Session,
    line_id: str = "",
    call_id: str = "",
    direction: str = "",
) -> Response:
    """The PBX log as a text file (the filters of the page apply; secrets are redacted)."""
    cti = cti_of(request)
    gateway = await cti.gateways.get(id)
    query = LogQuery(
        None,
        LOG_LIMIT,
        line_id[:64] or None,
        call_id[:200] or None,
        direction if direction in ("out", "in", "state") else None,
    )
    entries = await cti.gateways.log(id, query)
    text = "".join(
        f"{iso(e.at)}\t{e.seq}\t{e.direction}\t{e.summary}\n"
        + "".join(f"\t{line}\n" for line in e.detail.splitlines())
        for e in entries
    )
    safe = "".join(c if c.isalnum() else "-" for c in gateway.name)[:40] or "gateway"
    return PlainTextResponse(
        text,
        headers={"Content-Disposition": f'attachment; filename="pbx-log-{safe}.txt"'},
    )
