"""application/problem+json (RFC 9457): how every API error is written, from the codes of core.errors."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from tutordesk.core.errors import ERRORS, DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
# How long a client should wait before retrying a 503 (seconds).
RETRY_AFTER_SECONDS = 5
_RESERVED = {"type", "title", "status", "detail", "code"}


def problem(code: str, detail: str, **context: Any) -> tuple[int, dict[str, Any]]:
    error = ERRORS[code]
    body: dict[str, Any] = {
        "type": f"urn:tutordesk:problem:{code}",
        "title": error.title,
        "status": error.status,
        "detail": detail,
        "code": code,
    }
    body.update({k: v for k, v in context.items() if k not in _RESERVED})
    return error.status, body


def problem_for(error: DomainError) -> tuple[int, dict[str, Any]]:
    code = error.code if error.code in ERRORS else "validation_error"
    return problem(code, error.detail, **error.context)


def problem_response(code: str, detail: str, **context: Any) -> HttpResponse:
    status, body = problem(code, detail, **context)
    return json_response(status, json.dumps(body, ensure_ascii=False))


def json_response(status: int, content: str) -> HttpResponse:
    content_type = PROBLEM_CONTENT_TYPE if status >= 400 else "application/json"
    response = HttpResponse(content.encode("utf-8", "replace"), status=status, content_type=content_type)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="tutordesk"'
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
