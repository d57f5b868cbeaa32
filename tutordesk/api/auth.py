"""Who is calling: a Bearer token, or Django's session cookie with CSRF enforced for writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from tutordesk.accounts.models import User
from tutordesk.accounts.services import api_token_lookup
from tutordesk.core.errors import Forbidden
from tutordesk.core.idempotency import NOT_LOOKED_UP, StoredLookup, is_valid_key

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_SESSION_COOKIE = settings.SESSION_COOKIE_NAME + "="
# Set on a request whose session cookie login was tried without a session middleware.
COOKIE_CONSULTED = "_tutordesk_cookie_consulted"


class AuthedRequest(HttpRequest):
    """A request that passed `api_auth`: every API handler but the unknown-path one gets this."""

    auth: User
    # The caller's stored answer under the request's Idempotency-Key, when the authentication
    # read it in the same statement as the token (api.idempotent passes it on).
    stored_answer: StoredLookup


def _authenticated(request: HttpRequest, stored_answer: StoredLookup) -> AuthedRequest:
    # ninja sets `auth` once an authenticator returns a user; the stored answer is set here.
    authed = cast(AuthedRequest, request)
    authed.stored_answer = stored_answer
    return authed


class BearerTokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> User | None:
        # ninja's HttpBearer logs unexpected Authorization values; those may be credentials.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        if key is not None and not is_valid_key(key):
            key = None  # refused later, as a validation error of the header
        found = api_token_lookup(token, idempotency_key=key)
        if found.user is not None:
            # The same statement fetched the caller's stored answer for the key: a replay needs
            # no second look-up.
            _authenticated(request, found.stored_answer if key is not None else NOT_LOOKED_UP)
        return found.user


def sends_session_cookie(environ: Mapping[str, Any]) -> bool:
    """Whether a request (its WSGI environ, or `request.META`) may carry a browser's session
    cookie: such a call may log in by the cookie, with CSRF checked, so it takes the full way."""
    return _SESSION_COOKIE in environ.get("HTTP_COOKIE", "")


class CsrfFailed(Forbidden):
    pass


class SessionCookieAuth(APIKeyCookie):
    """A browser's logged-in session. Unlike ninja's SessionAuth, CSRF is checked only once the
    cookie is known to log someone in, so an anonymous write gets 401, not a CSRF 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)  # absent when the auth middleware did not run
        if user is None:
            # The bearer stack (tutordesk.wsgi) has no session: its answer still depended on
            # the cookie, as the full stack's SessionMiddleware would say with `Vary: Cookie`.
            setattr(request, COOKIE_CONSULTED, True)
        if not isinstance(user, User) or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfFailed("CSRF check failed: send the X-CSRFToken header with a session cookie")
        _authenticated(request, NOT_LOOKED_UP)
        return user


api_auth = [BearerTokenAuth(), SessionCookieAuth()]
