"""How every API error leaves: application/problem+json with the contract's `code` (core.errors)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from tutordesk.api.idempotent import store_refusal
from tutordesk.core.db import is_unavailable
from tutordesk.core.errors import DomainError
from tutordesk.core.middleware import UNAVAILABLE_DETAIL
from tutordesk.core.problems import json_response, problem, problem_for, problem_response

logger = logging.getLogger("tutordesk.api")


def install(api: NinjaAPI) -> None:
    """Register the handlers on the API."""
    handlers: dict[type[Exception], Any] = {
        DomainError: domain_error,
        NinjaValidationError: validation_error,
        SuspiciousOperation: suspicious,
        HttpError: http_error,
        Http404: not_found,
        Exception: unexpected,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)


def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status, body = problem_for(exc)
    return json_response(status, json.dumps(body, ensure_ascii=False))


def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "loc": [part if isinstance(part, int) else str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors
    ]
    fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]) for e in errors if e["loc"])
    status, body = problem("validation_error", f"Invalid input: {fields or 'request'}", errors=errors)
    return store_refusal(request, status, body)


def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Django's own request limits: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields.
    return problem_response("validation_error", f"The request is too large or malformed: {exc}")


def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        return problem_response(
            "not_authenticated", "Send Authorization: Bearer <token>, or log in and send the CSRF token"
        )
    if exc.status_code == 400:
        # The only 400 ninja raises here: a body that is not JSON. Refused like any invalid body,
        # so the refusal is stored under the request's Idempotency-Key and replayed.
        status, body = problem(
            "validation_error", "The request body must be a JSON object (Content-Type: application/json)"
        )
        return store_refusal(request, status, body)
    if exc.status_code == 403:
        return problem_response("forbidden", str(exc))
    if exc.status_code == 404:
        return problem_response("not_found", "Not found")
    logger.error("unexpected HttpError %s: %s", exc.status_code, exc)
    return problem_response("validation_error", str(exc))


def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response("not_found", "Not found")


def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if is_unavailable(exc):
        logger.warning("database unavailable in %s %s: %s", request.method, request.path, exc)
        return problem_response("service_unavailable", UNAVAILABLE_DETAIL)
    logger.exception("unhandled error in %s %s", request.method, request.path)
    return problem_response("internal_error", "Something went wrong on our side; it has been logged")


# Exempt from Django's CSRF check: it changes nothing, and a POST to a path that does not exist is
# a 404 in the API's shape whoever sends it, never Django's HTML CSRF page.
@csrf_exempt
def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Unknown paths under /api/v1/ answer in the API's shape, not with an HTML page, whatever the method."""
    return problem_response("not_found", "No such API endpoint; see /api/v1/docs")


def read_only_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document and the docs page: GET (and HEAD) only, another method 405 like any
    endpoint's (api.middleware makes it problem+json), without Django's CSRF page."""
    return csrf_exempt(require_safe(view))
