"""The status update's common request, answered without ninja's request parsing.

`POST /api/v1/sessions/{id}/status` is the API's busiest write. Most calls are the plain one: a
Bearer token, a valid Idempotency-Key and a body that `StatusUpdateIn` accepts. For that call
ninja's machinery — its URL list, one pydantic model each for the path, the header and the body,
a placeholder response — costs more than the checks themselves (docs/operations.md, "The API's
hot path"). This view does those checks with the very same pieces (the API's JSON parser, the
key rule, `StatusUpdateIn`, the Bearer authenticator) and calls the very same handler,
`routers.sessions.sessions_update_status`, which ninja would call with the same arguments.

Anything else goes to ninja's own view for the path, untouched: another method, a session cookie
(CSRF), a missing or invalid key, a body that is not valid, a token that logs no one in. Every
refusal is therefore ninja's and the contract's, written once; this view only ever answers what
ninja would have answered the same way, and an exception leaves through the API's handlers. A body
that cannot be read (the client went away mid-body) cannot be handed on, as it cannot be read
twice: the view authenticates, as ninja would first, then lets the read's error leave through the
API's handlers, where ninja's would (tests/api/test_hot_path.py compares answers, rows and logs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt

from tutordesk.api.api import api
from tutordesk.api.auth import AuthedRequest, BearerTokenAuth, api_auth, sends_session_cookie
from tutordesk.api.routers.sessions import sessions_update_status
from tutordesk.api.schemas import StatusUpdateIn
from tutordesk.core.idempotency import is_valid_key

OPERATION_ID = "sessions_update_status"

_bearer = api_auth[0]
assert isinstance(_bearer, BearerTokenAuth)


def _ninja_pattern(name: str) -> URLPattern:
    """ninja's URL pattern for the operation `name`."""
    for pattern in api.urls[0]:
        if isinstance(pattern, URLPattern) and pattern.name == name:
            return pattern
    raise LookupError(f"the API has no operation {name!r}")


_pattern = _ninja_pattern(OPERATION_ID)
ROUTE = str(_pattern.pattern)  # ninja's own route, "sessions/<session_id>/status"
_ninja_status_update = cast(Callable[..., HttpResponseBase], _pattern.callback)


class UnreadableBody(Exception):
    """Reading the body failed (the client went away mid-body): it cannot be read again."""


def plain_call(request: HttpRequest) -> tuple[str, StatusUpdateIn] | None:
    """The Idempotency-Key and the body as ninja would hand them to the handler, for a POST
    without a session cookie; None for anything ninja would refuse or treat otherwise.
    Raises UnreadableBody when reading the body failed."""
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or sends_session_cookie(request.META) or key is None or not is_valid_key(key):
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None  # over the upload limit: ninja's own read is refused the same way
    except Exception as exc:
        raise UnreadableBody from exc
    if not body:
        return None
    try:
        data = api.parser.parse_body(request)
        return key, StatusUpdateIn.model_validate(data, context={"request": request})
    except Exception:  # every refusal is ninja's to word: it parses the body again
        return None


@csrf_exempt  # as ninja's views are: a Bearer call has no CSRF token; a cookie call goes to ninja
def sessions_update_status_view(request: HttpRequest, session_id: str) -> HttpResponseBase:
    try:
        call = plain_call(request)
    except UnreadableBody as unreadable:
        # ninja would authenticate first, then meet the same error reading the body.
        call, failure = None, unreadable.__cause__
    else:
        failure = None
        if call is None:
            return _ninja_status_update(request, session_id=session_id)
    try:
        user = _bearer(request)
    except Exception as exc:  # as ninja: an authenticator's error leaves through the API's handlers
        return api.on_exception(request, exc)
    if not user:  # no Bearer token, or one that logs no one in: ninja tries its other ways, then 401
        return _ninja_status_update(request, session_id=session_id)
    authed = cast(AuthedRequest, request)
    authed.auth = user
    try:
        if call is None:
            raise cast(Exception, failure)  # where ninja meets it: reading the body, once authenticated
        key, payload = call
        return sessions_update_status(authed, payload, session_id=session_id, idempotency_key=key)
    except Exception as exc:  # as ninja's operation: through the API's handlers
        return api.on_exception(request, exc)
