from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from ninja import Router, Schema
from pydantic import Field

from tutordesk.api.auth import STORED_ANSWER_ATTRIBUTE, AuthedRequest
from tutordesk.api.idempotent import IdempotencyKey
from tutordesk.api.responses import UNAVAILABLE, ok
from tutordesk.api.schemas import Problem
from tutordesk.calendars.services import calendar_feed_issue, calendar_feed_revoke
from tutordesk.calendars.tokens import new_feed_token
from tutordesk.core.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from tutordesk.core.idempotency import NOT_LOOKED_UP, idempotent_call, request_fingerprint
from tutordesk.core.problems import json_response, problem_for

router = Router(tags=["calendar"])


class CalendarFeedOut(Schema):
    url: str = Field(
        description="the secret iCalendar link (`…/calendar/<token>.ics`); shown only here. "
        "Anyone with it can read the calendar: a new POST replaces it, DELETE turns it off"
    )


@router.post(
    "/calendar-feed",
    response={201: CalendarFeedOut, 401: Problem, 409: Problem, 422: Problem, **UNAVAILABLE},
    operation_id="calendar_feed_issue",
)
def calendar_feed_post(request: AuthedRequest, idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    """A new calendar link for the caller's sessions (tutor, student: their own; admin: all), from
    60 days back on. Any earlier link stops working (404)."""
    user = request.auth
    # With a key, the token is derived from it (calendars.tokens), so a replay answers the same
    # link while only the token's hash is stored: the stored answer holds nothing secret.
    token = new_feed_token(user_id=user.pk, idempotency_key=idempotency_key)

    def run() -> tuple[int, Any]:
        calendar_feed_issue(actor=user, token=token)
        return 201, {"issued": True}

    try:
        result = idempotent_call(
            user_id=user.pk,
            key=idempotency_key,
            fingerprint=request_fingerprint("POST", request.path, request.body),
            run=run,
            on_error=problem_for,
            stored_answer=getattr(request, STORED_ANSWER_ATTRIBUTE, NOT_LOOKED_UP),
        )
    except (IdempotencyKeyInUse, IdempotencyKeyReused) as error:
        status, body = problem_for(error)
        return json_response(status, json.dumps(body, ensure_ascii=False))
    if result.status_code != 201:
        return json_response(result.status_code, result.content)
    url = request.build_absolute_uri(reverse("web:calendar-feed-ics", kwargs={"token": token}))
    response = ok({"url": url}, 201)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@router.delete(
    "/calendar-feed", response={204: None, 401: Problem, **UNAVAILABLE}, operation_id="calendar_feed_revoke"
)
def calendar_feed_delete(request: AuthedRequest) -> HttpResponse:
    """Turn the caller's calendar link off (its URL answers 404). Nothing to turn off is fine too."""
    calendar_feed_revoke(actor=request.auth)
    return HttpResponse(status=204)
