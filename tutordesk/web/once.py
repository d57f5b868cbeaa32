"""Run a page's change once per idempotency key, through the same store as the API.

Every write form carries a one-time key (forms.IdempotentForm). The first completed outcome is
stored with the change in one transaction (core.idempotency); a double click or a retried post
with the same key gets that outcome replayed instead of running the change again (a second click
that arrives while the first is being saved waits for it inside core.idempotency, then replays).
What is stored is a small JSON outcome, not HTML: a replay re-renders the row as it is now,
which is what the first answer showed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, cast

from django.http import HttpRequest, HttpResponse

from tutordesk.core.errors import DomainError, IdempotencyKeyInUse, IdempotencyKeyReused
from tutordesk.core.idempotency import idempotent_call, request_fingerprint
from tutordesk.web.messages import error_message

Outcome = dict[str, Any]


def run_once(
    request: HttpRequest,
    *,
    key: str,
    payload: dict[str, Any],
    change: Callable[[], Outcome],
    respond: Callable[[Outcome], HttpResponse],
    on_error: Callable[[DomainError], Outcome] | None = None,
) -> HttpResponse:
    """`change()` runs inside the outermost transaction and returns a JSON-able outcome;
    `on_error` turns a DomainError (everything rolled back) into one, by default its message in
    words (`{"error": …}`); `respond` renders either."""
    return respond(once(request, key=key, payload=payload, change=change, on_error=on_error))


def once(
    request: HttpRequest,
    *,
    key: str,
    payload: dict[str, Any],
    change: Callable[[], Outcome],
    on_error: Callable[[DomainError], Outcome] | None = None,
) -> Outcome:
    """The outcome of `change()` for this key: run now in its own transaction, or replayed."""
    refusal = on_error or _in_words
    try:
        result = idempotent_call(
            user_id=cast(uuid.UUID, request.user.pk),  # the views admit logged-in users only
            key=key,
            fingerprint=request_fingerprint("POST", request.path, payload),
            run=lambda: (200, change()),
            on_error=lambda error: (200, refusal(error)),
        )
    except (IdempotencyKeyInUse, IdempotencyKeyReused) as error:
        return _in_words(error)
    return dict(result.body)


def _in_words(error: DomainError) -> Outcome:
    """A refusal as the pages show it: the error's code put into words."""
    return {"error": error_message(error)}
