"""Successful answers and the OpenAPI response tables the routers share."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from tutordesk.api.schemas import Problem
from tutordesk.core.problems import json_response

UNAVAILABLE: dict[int, Any] = {503: Problem}
READ_ERRORS: dict[int, Any] = {401: Problem, 404: Problem, **UNAVAILABLE}
LIST_ERRORS: dict[int, Any] = {401: Problem, 403: Problem, 422: Problem, **UNAVAILABLE}
WRITE_ERRORS: dict[int, Any] = {
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    422: Problem,
    **UNAVAILABLE,
}


def ok(body: Any, status: int = 200) -> HttpResponse:
    return json_response(status, json.dumps(body, ensure_ascii=False))
