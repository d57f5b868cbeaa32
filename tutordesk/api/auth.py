"""Who is calling: a Bearer token, or Django's session cookie with CSRF enforced for writes."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from tutordesk.accounts.models import User
from tutordesk.accounts.services import api_token_authenticate
from tutordesk.core.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class BearerTokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> User | None:
        # ninja's HttpBearer logs unexpected Authorization values; those may be credentials.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return api_token_authenticate(token)


class CsrfFailed(Forbidden):
    pass


class SessionCookieAuth(APIKeyCookie):
    """A browser's logged-in session. Unlike ninja's SessionAuth, CSRF is checked only once the
    cookie is known to log someone in, so an anonymous write gets 401, not a CSRF 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfFailed("CSRF check failed: send the X-CSRFToken header with a session cookie")
        return user  # type: ignore[return-value]


api_auth = [BearerTokenAuth(), SessionCookieAuth()]
