"""Domain errors. Each carries a stable `code`; the API and the pages map codes to responses."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    title = "Request could not be completed"

    def __init__(self, detail: str, **context: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context


class ValidationError(DomainError):
    code = "validation_error"
    title = "Invalid input"


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Forbidden"


class InvalidTransition(DomainError):
    code = "invalid_transition"
    title = "Status change not allowed"

    def __init__(self, detail: str, *, current_status: str) -> None:
        super().__init__(detail, current_status=current_status)
        self.current_status = current_status


class SessionNotStarted(DomainError):
    code = "session_not_started"
    title = "Session has not started yet"


class NoActivePackage(DomainError):
    code = "no_active_package"
    title = "No sessions left"


class TutorDoubleBooked(DomainError):
    code = "tutor_double_booked"
    title = "Tutor already booked"


class IdempotencyKeyInUse(DomainError):
    code = "idempotency_key_in_use"
    title = "Idempotency key in use"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    title = "Idempotency key reused"
