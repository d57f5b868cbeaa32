"""The JSON API v1 (CONTRACT §4): thin handlers over selectors and services, one router per area.

Reads go through selectors, which apply the visibility rules (another tutor's session is 404).
Writes call one service inside the request's outermost transaction, through the idempotency store
(api.idempotent). Every error leaves through api.errors as application/problem+json.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.parser import Parser

from tutordesk.api import errors
from tutordesk.api.auth import api_auth
from tutordesk.api.routers import (
    audit,
    calendar,
    imports,
    matches,
    me,
    packages,
    reports,
    sessions,
    users,  # people (CONTRACT §11)
    webhooks,
)
from tutordesk.api.routers import requests as tutoring_requests
from tutordesk.api.routers import series as series_router
from tutordesk.core.problems import PROBLEM_CONTENT_TYPE, RETRY_AFTER_SECONDS
from tutordesk.core.validation import contains_nul

REPLAYED_HEADER = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response to an earlier request with the same "
        "Idempotency-Key (absent on a first response)",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": f"seconds to wait before retrying (usually {RETRY_AFTER_SECONDS})",
        "schema": {"type": "integer", "minimum": 0},
    }
}


class StrictJSONParser(Parser):
    """JSON bodies only, and no text the database cannot store (NUL, lone surrogates)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        if contains_nul(data):
            raise ValueError("text must not contain NUL characters")
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # a lone surrogate raises UnicodeEncodeError
        return data


def _takes_a_key(operation: dict[str, Any]) -> bool:
    return any(parameter.get("name") == "Idempotency-Key" for parameter in operation.get("parameters", []))


class TutordeskAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Say what the server does that ninja cannot infer: errors are problem+json, path ids
        are UUIDs, a POST's answer may be a replay, a 503 says when to retry."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "path":
                        parameter["schema"]["format"] = "uuid"
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {PROBLEM_CONTENT_TYPE: content["application/json"]}
                    if int(status) == 503:
                        response.setdefault("headers", {}).update(RETRY_AFTER_HEADER)
                    elif int(status) < 300 and (method == "post" or _takes_a_key(operation)):
                        response.setdefault("headers", {}).update(REPLAYED_HEADER)
        return schema


api = TutordeskAPI(
    title="Tutordesk API",
    version="1.0.0",
    description=(
        "Session outcomes, prepaid packages and the audit trail. Authenticate with "
        "`Authorization: Bearer <token>` (`python manage.py create_api_token EMAIL`) or a logged-in "
        "session cookie plus CSRF token. Errors are application/problem+json with a stable `code`."
    ),
    auth=api_auth,
    parser=StrictJSONParser(),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=errors.read_only_page,
)
errors.install(api)
for area in (me, matches, sessions, packages, audit, calendar, reports, webhooks):
    api.add_router("", area.router)
api.add_router("", series_router.router)  # recurring lessons (CONTRACT §12)
api.add_router("", tutoring_requests.router)  # requests (CONTRACT §11)
api.add_router("", users.router)  # people (CONTRACT §11)
api.add_router("", imports.router)
