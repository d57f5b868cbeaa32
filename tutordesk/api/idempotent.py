"""The API's side of core.idempotency: the header, and POST handlers answered from the store."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from ninja import Header

from tutordesk.accounts.models import User
from tutordesk.api.auth import AuthedRequest
from tutordesk.core.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from tutordesk.core.idempotency import (
    KEY_PATTERN,
    KEY_RULE,
    IdempotentResult,
    idempotent_call,
    is_valid_key,
    request_fingerprint,
)
from tutordesk.core.problems import json_response, problem_for

# Every POST takes an Idempotency-Key (CONTRACT §4), and so does the one PATCH that edits a lesson.
KEYED_METHODS = frozenset({"POST", "PATCH"})

IdempotencyKey: Any = Header(
    None,
    alias="Idempotency-Key",
    min_length=1,
    max_length=255,
    pattern=KEY_PATTERN,
    description=(
        f"Any unique string (a UUID is ideal): {KEY_RULE}. The first completed "
        "response under the key is stored for 24 hours and replayed, with `Idempotent-Replayed: true`, "
        "for every retry of the same request."
    ),
)


def store_refusal(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    """Answer a POST (or a keyed PATCH) refused before its handler ran (an invalid body), storing
    the refusal under the request's Idempotency-Key when there is a usable one: errors are
    replayed too (CONTRACT §4)."""
    user = getattr(request, "auth", None)
    key = request.headers.get("Idempotency-Key")
    if (
        request.method not in KEYED_METHODS
        or not isinstance(user, User)
        or key is None
        or not is_valid_key(key)
    ):
        return json_response(status, json.dumps(body, ensure_ascii=False))
    return respond_once(cast(AuthedRequest, request), key=key, run=lambda: (status, body))


def respond_once(
    request: AuthedRequest,
    *,
    key: str | None,
    run: Callable[[], tuple[int, Any]],
    present: Callable[[IdempotentResult], HttpResponse] | None = None,
) -> HttpResponse:
    """Run `run` (inside the request's one transaction) at most once per Idempotency-Key.

    The stored answer is sent as it is, or through `present` when the response must carry what
    is not stored (a secret derived from the key, say); a replay is marked either way."""
    fingerprint = request_fingerprint(request.method or "POST", request.path, request.body)
    try:
        result = idempotent_call(
            user_id=request.auth.pk,
            key=key,
            fingerprint=fingerprint,
            run=run,
            on_error=problem_for,
            stored_answer=request.stored_answer,
        )
    except (IdempotencyKeyInUse, IdempotencyKeyReused) as error:
        status, body = problem_for(error)
        return json_response(status, json.dumps(body, ensure_ascii=False))
    response = json_response(result.status_code, result.content) if present is None else present(result)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
