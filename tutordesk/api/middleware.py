"""Answers that Django gives before or around the API's own views, put in the API's shape."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse

from tutordesk.api.problems import PROBLEM_CONTENT_TYPE, problem_response

API_PREFIX = "/api/"


class ApiProblemMiddleware:
    """Under /api/: a wrong method gets problem+json 405 (keeping `Allow`), and a query string
    with a NUL character, which no database can compare against, gets 422 before any view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            has_nul = any("\x00" in k or "\x00" in v for k, v in request.GET.items())
        except SuspiciousOperation as exc:  # e.g. more query fields than Django accepts
            return problem_response("validation_error", f"The query is too large or malformed: {exc}")
        if has_nul:
            return problem_response("validation_error", "The query must not contain NUL characters")
        response = self.get_response(request)
        if response.status_code == 405 and response.get("Content-Type") != PROBLEM_CONTENT_TYPE:
            allowed = response.get("Allow", "")
            response = problem_response(
                "method_not_allowed",
                f"{request.method} is not allowed here; use {allowed or 'another method'}",
            )
            if allowed:
                response["Allow"] = allowed
        return response
