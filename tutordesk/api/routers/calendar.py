from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from ninja import Router, Schema
from pydantic import Field

from tutordesk.api.auth import AuthedRequest
from tutordesk.api.idempotent import IdempotencyKey, respond_once
from tutordesk.api.responses import UNAVAILABLE, ok
from tutordesk.api.schemas import Problem
from tutordesk.calendars.services import calendar_feed_issue, calendar_feed_revoke
from tutordesk.calendars.tokens import new_feed_token
from tutordesk.core.db import run_in_transaction
from tutordesk.core.idempotency import IdempotentResult
from tutordesk.core.problems import json_response

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

    def present(result: IdempotentResult) -> HttpResponse:
        if result.status_code != 201:
            return json_response(result.status_code, result.content)
        url = request.build_absolute_uri(reverse("web:calendar-feed-ics", kwargs={"token": token}))
        return ok({"url": url}, 201)

    return respond_once(request, key=idempotency_key, run=run, present=present)


@router.delete(
    "/calendar-feed", response={204: None, 401: Problem, **UNAVAILABLE}, operation_id="calendar_feed_revoke"
)
def calendar_feed_delete(request: AuthedRequest) -> HttpResponse:
    """Turn the caller's calendar link off (its URL answers 404). Nothing to turn off is fine too."""
    run_in_transaction(lambda: calendar_feed_revoke(actor=request.auth))  # retried on a deadlock
    return HttpResponse(status=204)
