"""Every error the API sends: application/problem+json (RFC 9457) with the contract's `code`."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from tutordesk.core.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"

# code -> (HTTP status, title); CONTRACT §4's error table, and nothing else.
PROBLEMS: dict[str, tuple[int, str]] = {
    "not_authenticated": (401, "Not authenticated"),
    "forbidden": (403, "Forbidden"),
    "not_found": (404, "Not found"),
    "invalid_transition": (409, "Status change not allowed"),
    "session_not_started": (409, "Session has not started yet"),
    "no_active_package": (409, "No sessions left"),
    "tutor_double_booked": (409, "Tutor already booked"),
    "idempotency_key_in_use": (409, "Idempotency key in use"),
    "validation_error": (422, "Invalid input"),
    "idempotency_key_reused": (422, "Idempotency key reused"),
    # Not a domain error: a method the path does not take (the `Allow` header lists those it does).
    "method_not_allowed": (405, "Method not allowed"),
    # Never expected: the catch-all for a bug, still answered in the same shape.
    "internal_error": (500, "Internal error"),
}
_RESERVED = {"type", "title", "status", "detail", "code"}


def problem(code: str, detail: str, **context: Any) -> tuple[int, dict[str, Any]]:
    status, title = PROBLEMS[code]
    body: dict[str, Any] = {
        "type": f"urn:tutordesk:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update({k: v for k, v in context.items() if k not in _RESERVED})
    return status, body


def problem_for(error: DomainError) -> tuple[int, dict[str, Any]]:
    code = error.code if error.code in PROBLEMS else "validation_error"
    return problem(code, error.detail, **error.context)


def problem_response(code: str, detail: str, **context: Any) -> HttpResponse:
    status, body = problem(code, detail, **context)
    return json_response(status, json.dumps(body, ensure_ascii=False))


def json_response(status: int, content: str) -> HttpResponse:
    content_type = PROBLEM_CONTENT_TYPE if status >= 400 else "application/json"
    response = HttpResponse(content.encode("utf-8", "replace"), status=status, content_type=content_type)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="tutordesk"'
    return response
