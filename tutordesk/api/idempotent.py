"""POST handlers run through the idempotency store (core.idempotency) and answer from it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Header

from tutordesk.accounts.models import User
from tutordesk.api.problems import json_response, problem_for
from tutordesk.core.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from tutordesk.core.idempotency import (
    idempotent_call,
    request_fingerprint,
)

# Printable ASCII, no surrounding spaces (HTTP trims them anyway).
KEY_PATTERN = r"^[\x21-\x7e]([\x20-\x7e]{0,253}[\x21-\x7e])?$"

IdempotencyKey: Any = Header(
    None,
    alias="Idempotency-Key",
    min_length=1,
    max_length=255,
    pattern=KEY_PATTERN,
    description=(
        "Any unique string (a UUID is ideal), 1–255 printable characters. The first completed "
        "response under the key is stored for 24 hours and replayed, with `Idempotent-Replayed: true`, "
        "for every retry of the same request."
    ),
)


def store_refusal(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    """Answer a POST refused before its handler ran (an invalid body), storing the refusal under
    the request's Idempotency-Key when there is a usable one: errors are replayed too (CONTRACT §4)."""
    user = getattr(request, "auth", None)
    key = request.headers.get("Idempotency-Key")
    if (
        request.method != "POST"
        or not isinstance(user, User)
        or key is None
        or not re.match(KEY_PATTERN, key)
    ):
        return json_response(status, json.dumps(body, ensure_ascii=False))
    return respond_once(request, key=key, run=lambda: (status, body))


def respond_once(
    request: HttpRequest, *, key: str | None, run: Callable[[], tuple[int, Any]]
) -> HttpResponse:
    """Run `run` (inside the request's one transaction) at most once per Idempotency-Key."""
    fingerprint = request_fingerprint(request.method or "POST", request.path, request.body)
    try:
        result = idempotent_call(
            user=request.auth,  # type: ignore[attr-defined]
            key=key,
            fingerprint=fingerprint,
            run=run,
            on_error=problem_for,
        )
    except (IdempotencyKeyInUse, IdempotencyKeyReused) as error:
        status, body = problem_for(error)
        return json_response(status, json.dumps(body, ensure_ascii=False))
    response = json_response(result.status_code, result.content)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
