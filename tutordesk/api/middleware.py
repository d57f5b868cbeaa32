from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tutordesk.core.middleware import is_api_request
from tutordesk.core.problems import PROBLEM_CONTENT_TYPE, problem_response


class ApiMethodNotAllowedMiddleware:
    """Under /api/: a wrong method gets problem+json 405, keeping the `Allow` header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and is_api_request(request)
            and response.get("Content-Type") != PROBLEM_CONTENT_TYPE
        ):
            allowed = response.get("Allow", "")
            response = problem_response(
                "method_not_allowed",
                f"{request.method} is not allowed here; use {allowed or 'another method'}",
            )
            if allowed:
                response["Allow"] = allowed
        return response
