from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class RejectNulCharactersMiddleware:
    """A NUL character in a page's query string is refused with 400: PostgreSQL cannot compare
    text with it, so a filter holding one would otherwise fail deep inside a query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/") and any(
            "\x00" in k or "\x00" in v for k, v in request.GET.items()
        ):
            return HttpResponseBadRequest("The address must not contain NUL characters.")
        return self.get_response(request)
