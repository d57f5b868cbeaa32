"""Domain errors: the one table of error codes (CONTRACT §4).

Each class carries a stable `code`, its HTTP `status` and a `title`. The API turns an error into
problem+json (core.problems); the pages turn its code (and, for validation errors, its `reason`)
into plain words (web.messages). Nobody matches an error's text.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 422
    title: ClassVar[str] = "Request could not be completed"

    def __init__(self, detail: str, **context: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    title = "Not authenticated"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class MethodNotAllowed(DomainError):
    code = "method_not_allowed"
    status = 405
    title = "Method not allowed"


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409
    title = "Status change not allowed"

    def __init__(self, detail: str, *, current_status: str) -> None:
        super().__init__(detail, current_status=current_status)
        self.current_status = current_status


class SessionNotStarted(DomainError):
    code = "session_not_started"
    status = 409
    title = "Session has not started yet"


class CancellationTooLate(DomainError):
    """A lesson cancelled after it started, or by its student or guardian inside the notice window."""

    code = "cancellation_too_late"
    status = 409
    title = "Too late to cancel"


class NoActivePackage(DomainError):
    code = "no_active_package"
    status = 409
    title = "No sessions left"


class TutorDoubleBooked(DomainError):
    code = "tutor_double_booked"
    status = 409
    title = "Tutor already booked"


# Requests and matches (CONTRACT §11).
class RequestAlreadyMatched(DomainError):
    code = "request_already_matched"
    status = 409
    title = "Request already matched"


class MatchNotActive(DomainError):
    code = "match_not_active"
    status = 409
    title = "Match has ended"


# People (CONTRACT §11).
class EmailTaken(DomainError):
    code = "email_taken"
    status = 409
    title = "Email already in use"


class HasUpcomingSessions(DomainError):
    code = "has_upcoming_sessions"
    status = 409
    title = "Person has upcoming sessions"


class IdempotencyKeyInUse(DomainError):
    code = "idempotency_key_in_use"
    status = 409
    title = "Idempotency key in use"


class ValidationError(DomainError):
    """Bad input. `field` names the input; `reason` is a stable sub-code for the pages' words."""

    code = "validation_error"
    status = 422
    title = "Invalid input"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422
    title = "Idempotency key reused"


class ServiceUnavailable(DomainError):
    """The database cannot be reached or failed mid-request: nothing was changed, retry later."""

    code = "service_unavailable"
    status = 503
    title = "Service unavailable"


class InternalError(DomainError):
    """Never expected: the catch-all for a bug, still answered in the same shape."""

    code = "internal_error"
    status = 500
    title = "Internal error"


ERRORS: dict[str, type[DomainError]] = {
    cls.code: cls
    for cls in (
        NotAuthenticated,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        InvalidTransition,
        SessionNotStarted,
        CancellationTooLate,
        NoActivePackage,
        TutorDoubleBooked,
        RequestAlreadyMatched,
        MatchNotActive,
        IdempotencyKeyInUse,
        ValidationError,
        IdempotencyKeyReused,
        ServiceUnavailable,
        InternalError,
        # People (CONTRACT §11).
        EmailTaken,
        HasUpcomingSessions,
    )
}


def require(condition: bool, error: type[DomainError], detail: str, **context: Any) -> None:
    """Raise `error(detail)` unless `condition` holds: `require(actor.is_admin, Forbidden, "...")`."""
    if not condition:
        raise error(detail, **context)


# Import (CONTRACT §11): a file refused as a whole.
class ImportInvalid(DomainError):
    """Some rows of an import are bad: `errors` lists every bad cell, and nothing was created."""

    code = "import_invalid"
    status = 422
    title = "The file has bad rows"


class ImportTooLarge(DomainError):
    code = "import_too_large"
    status = 413
    title = "The file is too large"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415
    title = "Unsupported media type"


ERRORS.update({cls.code: cls for cls in (ImportInvalid, ImportTooLarge, UnsupportedMediaType)})
