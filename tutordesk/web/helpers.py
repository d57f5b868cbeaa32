"""What every page view shares: the typed request, the role check, the viewer's time zone, the
way back, form errors."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from datetime import tzinfo
from functools import wraps
from typing import Any, Concatenate, ParamSpec, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from tutordesk.accounts.models import User
from tutordesk.core.errors import NotFound
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.selectors import session_get

P = ParamSpec("P")


class AuthenticatedHttpRequest(HttpRequest):
    """What every page view gets (through `role_required`): a request from a logged-in user of
    one of the view's roles. `htmx` is what django-htmx's middleware read from the headers."""

    user: User
    htmx: HtmxDetails


def viewer_timezone(user: User) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def role_required(
    *roles: str,
) -> Callable[
    [Callable[Concatenate[AuthenticatedHttpRequest, P], HttpResponseBase]],
    Callable[Concatenate[HttpRequest, P], HttpResponseBase],
]:
    """Logged in, one of `roles` (403 otherwise), times shown in the viewer's own time zone; the
    view gets the request as an AuthenticatedHttpRequest."""

    def decorator(
        view: Callable[Concatenate[AuthenticatedHttpRequest, P], HttpResponseBase],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            user = request.user
            if not isinstance(user, User) or user.role not in roles:
                return render(request, "web/not_for_your_role.html", status=403)
            # The user is checked just above, and django-htmx's middleware sets `htmx` on every
            # request: this request is what the class says.
            page_request = cast(AuthenticatedHttpRequest, request)
            with timezone.override(viewer_timezone(user)):
                return view(page_request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


def back_url(request: AuthenticatedHttpRequest, default: str | None = None) -> str:
    """Where to go after a form: its `next` field, else the page htmx says it came from, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target and request.htmx:
        target = request.htmx.current_url_abs_path or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=False
    ):
        return target
    return default or reverse("web:dashboard")


def visible_session_or_404(request: AuthenticatedHttpRequest, session_id: uuid.UUID) -> Session:
    try:
        return session_get(session_id=session_id, user=request.user)
    except NotFound as exc:
        raise Http404("No such session") from exc


def show_sessions_left(sessions: Iterable[Any], left: Mapping[uuid.UUID, int]) -> None:
    """Give each listed session what its request has left on its active packages, as
    `sessions_left`, which the row templates show beside it (a display value the list's own
    query does not read: `left` comes from one query for the whole page)."""
    for session in sessions:
        session.sessions_left = left.get(session.request_id, 0)


def first_error(form: Any) -> str:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label}: {errors[0]}" if label and name != "__all__" else str(errors[0])
    return "Check the form and try again."


def form_payload(data: dict[str, Any]) -> dict[str, Any]:
    """What an idempotency fingerprint covers: the form's cleaned fields, not the key itself."""
    return {name: value for name, value in data.items() if name != "idempotency_key"}


def in_panel(request: AuthenticatedHttpRequest) -> bool:
    """Whether htmx asked for the answer to land in the slide-over panel."""
    return bool(request.htmx) and request.htmx.target == "panel-body"
