"""Run a page's change once per idempotency key, through the same store as the API.

Every write form carries a one-time key (forms.IdempotentForm). The first completed outcome is
stored with the change in one transaction (core.idempotency); a double click or a retried post
with the same key gets that outcome replayed instead of running the change again. What is stored
is a small JSON outcome, not HTML: a replay re-renders the row as it is now, which is what the
first answer showed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from tutordesk.accounts.models import User
from tutordesk.core.errors import DomainError, IdempotencyKeyInUse, IdempotencyKeyReused
from tutordesk.core.idempotency import (
    idempotent_call,
    request_fingerprint,
)

# A second click can arrive while the first is still being saved (PostgreSQL then answers
# "in use" at once); wait for the first to commit and replay it, rather than show a stale row.
IN_USE_WAIT_SECONDS = 5.0
IN_USE_POLL_SECONDS = 0.05

Outcome = dict[str, Any]


def run_once(
    request: HttpRequest,
    *,
    key: str,
    payload: dict[str, Any],
    change: Callable[[], Outcome],
    on_error: Callable[[DomainError], Outcome],
    respond: Callable[[Outcome], HttpResponse],
) -> HttpResponse:
    """`change()` runs inside the outermost transaction and returns a JSON-able outcome;
    `on_error` turns a DomainError (everything rolled back) into one; `respond` renders either."""
    user: User = request.user  # type: ignore[assignment]
    fingerprint = request_fingerprint("POST", request.path, payload)
    deadline = time.monotonic() + IN_USE_WAIT_SECONDS
    while True:
        try:
            result = idempotent_call(
                user=user,
                key=key,
                fingerprint=fingerprint,
                run=lambda: (200, change()),
                on_error=lambda error: (200, on_error(error)),
            )
        except IdempotencyKeyInUse:
            if time.monotonic() < deadline:
                time.sleep(IN_USE_POLL_SECONDS)
                continue
            return respond({"error": "This change is still being saved. Reload the page in a moment."})
        except IdempotencyKeyReused:
            return respond(
                {
                    "error": "This form was already used for a different change. Here is the session as it is now."
                }
            )
        return respond(dict(result.body))
