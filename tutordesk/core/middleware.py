from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.core.signals import got_request_exception
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from tutordesk.core.db import is_unavailable
from tutordesk.core.problems import RETRY_AFTER_SECONDS, problem_response
from tutordesk.core.validation import contains_nul

logger = logging.getLogger("tutordesk.db")

API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


class QueryGuardMiddleware:
    """A query string no database can use is refused before any view runs: one with a NUL
    character (PostgreSQL cannot compare text with it) or more fields than Django accepts.
    The API answers problem+json 422, the pages a plain 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refusal = (
                "The address must not contain NUL characters"
                if contains_nul(dict(request.GET.lists()))
                else ""
            )
        except SuspiciousOperation as exc:
            refusal = f"The query is too large or malformed: {exc}"
        if not refusal:
            return self.get_response(request)
        if is_api_request(request):
            return problem_response("validation_error", refusal)
        return HttpResponseBadRequest(f"{refusal}.")


class DatabaseUnavailableMiddleware:
    """Never a 500 for a database that is down, overloaded or failing mid-request (CONTRACT §7).

    Django turns any exception into a 500 inside each middleware layer, so this outermost layer
    learns of the exception from `got_request_exception` (see `note_request_exception`) and
    answers 503 instead: problem+json `service_unavailable` with `Retry-After` under /api/, a plain
    503 page elsewhere. The failed request's transaction was rolled back, so nothing changed and a
    retry (with the same Idempotency-Key) is safe.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 500 and getattr(request, UNAVAILABLE_ATTRIBUTE, False):
            return unavailable_response(request)
        return response


UNAVAILABLE_ATTRIBUTE = "_tutordesk_database_unavailable"
UNAVAILABLE_DETAIL = "The database is unavailable right now and nothing was changed; retry shortly"


@receiver(got_request_exception)
def note_request_exception(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    exc = sys.exc_info()[1]
    if request is not None and exc is not None and is_unavailable(exc):
        setattr(request, UNAVAILABLE_ATTRIBUTE, True)
        logger.warning("database unavailable in %s %s: %s", request.method, request.path, exc)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return problem_response("service_unavailable", UNAVAILABLE_DETAIL)
    response = render(request, "503.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
