"""The WSGI application gunicorn serves (`gunicorn -c gunicorn.conf.py tutordesk.wsgi:application`).

Two Django handlers share one process. An API request that authenticates with a Bearer token and
carries no session cookie goes through `settings.API_MIDDLEWARE`, the layers such a request
uses; everything else (pages, the admin, the API called with a browser's session cookie) goes
through the full `settings.MIDDLEWARE`. The layers left out do nothing for a bearer call: there is
no session to load, no CSRF token to check (ninja checks it for cookie logins only), no user for
Django's auth or axes, no messages, no htmx, no static file under /api/. They cost about 4% of
the status update's instructions (docs/operations.md, "The API's hot path").
"""

import os
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutordesk.settings")

_full = get_wsgi_application()  # sets Django up: the app's own modules can be imported from here on

from tutordesk.api.auth import COOKIE_CONSULTED, sends_session_cookie  # noqa: E402


class BearerApiHandler(WSGIHandler):
    """Django's WSGI handler with the middleware of `settings.API_MIDDLEWARE` (all synchronous)."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed(settings.API_MIDDLEWARE):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        response = super().get_response(request)
        if getattr(request, COOKIE_CONSULTED, False):
            patch_vary_headers(response, ("Cookie",))
        return response


_bearer_api = BearerApiHandler()


def takes_bearer_path(environ: dict) -> bool:  # type: ignore[type-arg]
    """An /api/ request with a Bearer token and no session cookie."""
    return (
        environ.get("PATH_INFO", "").startswith("/api/")
        and environ.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
        and not sends_session_cookie(environ)
    )


def application(environ, start_response):  # type: ignore[no-untyped-def]
    if takes_bearer_path(environ):
        return _bearer_api(environ, start_response)
    return _full(environ, start_response)
