"""problem+json (RFC 9457) for every error: use-case errors, validation, HTTP errors, bugs."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException

from cloudcti.app.core import StartupError
from cloudcti.app.errors import (
    AppError,
    ConflictError,
    DatabaseBusyError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    NotAuthenticatedError,
    NotFoundError,
    PbxCredentialsRequiredError,
    PbxFailedError,
    PbxRefusedError,
    PbxTimeoutError,
    PbxUnavailableError,
    TooManyAttemptsError,
)

__all__ = [
    "PROBLEM_RESPONSES",
    "Problem",
    "field_errors",
    "install_problem_handlers",
    "problem_response",
]

log = logging.getLogger("cloudcti.web")

MEDIA_TYPE = "application/problem+json"

_STATUS: dict[type[AppError], int] = {
    InvalidInputError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    NotAuthenticatedError: 401,
    ForbiddenError: 403,
    TooManyAttemptsError: 429,
    PbxUnavailableError: 503,
    PbxCredentialsRequiredError: 409,
    PbxRefusedError: 409,
    PbxFailedError: 502,
    PbxTimeoutError: 504,
    StartupError: 503,
}
_HTTP_SLUGS = {404: "not-found", 405: "method-not-allowed", 413: "too-large", 415: "media-type"}


class ProblemField(BaseModel):
    """One invalid field of a request."""

    field: str = Field(examples=["monitoring.username"])
    message: str = Field(examples=["must not be empty"])


class Problem(BaseModel):
    """An error (RFC 9457); ``type`` is a stable slug URI, ``errors`` lists invalid fields."""

    type: str = Field(examples=["/problems/validation-error"])
    title: str = Field(examples=["Invalid input"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["monitoring.username: must not be empty"])
    errors: list[ProblemField] | None = None


def _doc(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {MEDIA_TYPE: {}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("Malformed JSON"),
    401: _doc("Not logged in"),
    403: _doc("Not allowed (needs the admin role)"),
    404: _doc("Unknown"),
    409: _doc("Conflict with what is stored"),
    422: _doc("Invalid fields (``errors`` names them)"),
}


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def field_errors(errors: Iterable[Any]) -> list[FieldError]:
    """Pydantic errors as fields named by dotted path (``body``/``query`` dropped)."""
    result = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            loc = loc[1:]
        result.append(FieldError(".".join(loc) or "body", str(error.get("msg", "invalid"))))
    return result


def _app_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AppError)
    status = next((s for cls, s in _STATUS.items() if isinstance(error, cls)), 500)
    headers = None
    if isinstance(error, NotAuthenticatedError):
        headers = {"WWW-Authenticate": "Bearer"}
    if isinstance(error, TooManyAttemptsError):
        headers = {"Retry-After": str(error.retry_after_s)}
    errors = error.errors if isinstance(error, InvalidInputError) else ()
    return problem_response(status, error.slug, error.title, error.detail, errors, headers)


def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError | ValidationError)
    details = error.errors()
    if any(e.get("type") == "json_invalid" for e in details):
        return problem_response(
            400, "malformed-json", "Malformed JSON", "the request body is not valid JSON"
        )
    errors = field_errors(details)
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem_response(422, "validation-error", "Invalid input", detail, errors)


def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    slug = _HTTP_SLUGS.get(error.status_code, "http-error")
    title = slug.replace("-", " ").capitalize()
    headers = dict(error.headers) if error.headers else None
    return problem_response(error.status_code, slug, title, str(error.detail), headers=headers)


def _database_busy(request: Request, error: Exception) -> JSONResponse:
    log.warning("database busy in %s %s: %s", request.method, request.url.path, error)
    return problem_response(
        503, "database-busy", "Database busy", str(error), headers={"Retry-After": "1"}
    )


def _bug(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error in %s %s", request.method, request.url.path)
    return problem_response(
        500, "internal-error", "Internal error", "an unexpected error; see the server log"
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` a problem+json response."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(DatabaseBusyError, _database_busy)
    app.add_exception_handler(Exception, _bug)
