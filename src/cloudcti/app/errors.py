"""Use-case errors: each carries a stable slug that ``web`` turns into a problem+json type.

AppError
├── InvalidInputError        fields that do not make sense (``errors``: field → message)
├── NotFoundError            the named thing does not exist
├── ConflictError            the request clashes with what is stored (a taken name, a thing in use)
├── NotAuthenticatedError    no valid login
├── ForbiddenError           logged in, but not allowed
├── TooManyAttemptsError     login rate limit hit (``retry_after_s``)
├── PbxUnavailableError      the PBX connection runtime cannot do what was asked
├── PbxCredentialsRequiredError  the user's PBX credentials are missing, rejected, suspended
├── PbxRefusedError          the PBX refused the request in this state (409; detail: what it said)
├── PbxFailedError           the PBX answered with an error or the connection failed (502)
└── PbxTimeoutError          the PBX did not answer in time (504)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cloudcti.store import DatabaseBusyError

__all__ = [
    "AppError",
    "ConflictError",
    "DatabaseBusyError",
    "FieldError",
    "ForbiddenError",
    "InvalidInputError",
    "NotAuthenticatedError",
    "NotFoundError",
    "PbxCredentialsRequiredError",
    "PbxFailedError",
    "PbxRefusedError",
    "PbxTimeoutError",
    "PbxUnavailableError",
    "TooManyAttemptsError",
]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid field, named by its dotted path in the request (``monitoring.username``)."""

    field: str
    message: str


class AppError(Exception):
    """Base of the use-case errors; ``slug`` names the problem type for good."""

    slug = "error"
    title = "Error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInputError(AppError):
    """The request's fields do not make sense together or with what is stored."""

    slug = "validation-error"
    title = "Invalid input"

    def __init__(self, errors: Sequence[FieldError], detail: str | None = None) -> None:
        self.errors = tuple(errors)
        super().__init__(detail or "; ".join(f"{e.field}: {e.message}" for e in self.errors))

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInputError:
        """An error about one field."""
        return cls([FieldError(field, message)])


class NotFoundError(AppError):
    """The named thing does not exist."""

    slug = "not-found"
    title = "Not found"


class ConflictError(AppError):
    """The request clashes with what is stored."""

    slug = "conflict"
    title = "ConflictError"


class NotAuthenticatedError(AppError):
    """No valid login (missing, wrong or expired token, wrong password)."""

    slug = "not-authenticated"
    title = "Not authenticated"


class ForbiddenError(AppError):
    """Logged in, but the role does not allow this."""

    slug = "forbidden"
    title = "ForbiddenError"


class TooManyAttemptsError(AppError):
    """Too many failed logins; try again after ``retry_after_s`` seconds."""

    slug = "too-many-attempts"
    title = "Too many login attempts"

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class PbxUnavailableError(AppError):
    """The PBX connection runtime cannot do what was asked (not built in, or the PBX failed)."""

    slug = "pbx-unavailable"
    title = "PBX unavailable"


class PbxFailedError(AppError):
    """The PBX refused the request or could not be reached; ``detail`` says what it said."""

    slug = "pbx-failed"
    title = "The PBX failed"


class PbxTimeoutError(AppError):
    """The PBX did not answer in time."""

    slug = "pbx-timeout"
    title = "The PBX timed out"


class PbxCredentialsRequiredError(AppError):
    """Nothing was sent: the user's own Cloud PBX credentials are missing, were rejected or
    are suspended (R16); the user must enter them (``PUT /users/me/pbx-credentials``)."""

    slug = "pbx-credentials-required"
    title = "Cloud PBX credentials required"


class PbxRefusedError(AppError):
    """The PBX answered the request with a 4xx (e.g. the call is in another state)."""

    slug = "pbx-refused"
    title = "The Cloud PBX refused"
