"""The pages' side of core.idempotency: a page's change runs once per form key.

Every write form carries a one-time key (forms.IdempotentForm). The first completed outcome is
stored with the change in one transaction; a double click or a retried post with the same key gets
that outcome replayed instead of running the change again (a second click that arrives while the
first is being saved waits for it inside core.idempotency, then replays). What is stored is a
typed outcome (web.outcomes) as JSON, not HTML: a replay re-renders the row as it is now, which is
what the first answer showed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpResponse

from tutordesk.core.errors import DomainError, IdempotencyKeyInUse, IdempotencyKeyReused
from tutordesk.core.idempotency import idempotent_call, request_fingerprint
from tutordesk.web.helpers import AuthenticatedHttpRequest
from tutordesk.web.messages import error_message
from tutordesk.web.outcomes import A, Refused, parse


def refused_in_words(error: DomainError) -> Refused:
    """A refusal as the pages show it: the error's code put into words."""
    return Refused(error=error_message(error))


def once(
    request: AuthenticatedHttpRequest,
    *,
    key: str,
    payload: Mapping[str, Any],
    answer: type[A],
    change: Callable[[], A],
    on_error: Callable[[DomainError], A | Refused] = refused_in_words,
) -> A | Refused:
    """The outcome of `change()` for this key: run now inside the outermost transaction, or
    replayed. `on_error` turns a DomainError (everything rolled back) into the outcome stored
    for the key. `answer` is the type of `change()`'s outcome, which a replay is read back into."""
    try:
        result = idempotent_call(
            user_id=request.user.pk,
            key=key,
            fingerprint=request_fingerprint("POST", request.path, payload),
            run=lambda: (200, change().model_dump(mode="json", exclude_none=True)),
            on_error=lambda error: (200, on_error(error).model_dump(mode="json", exclude_none=True)),
        )
    except (IdempotencyKeyInUse, IdempotencyKeyReused) as error:
        return refused_in_words(error)
    return parse(answer, result.body)


def run_once(
    request: AuthenticatedHttpRequest,
    *,
    key: str,
    payload: Mapping[str, Any],
    answer: type[A],
    change: Callable[[], A],
    respond: Callable[[A | Refused], HttpResponse],
    on_error: Callable[[DomainError], A | Refused] = refused_in_words,
) -> HttpResponse:
    """`once`, then `respond` renders the outcome."""
    return respond(once(request, key=key, payload=payload, answer=answer, change=change, on_error=on_error))
