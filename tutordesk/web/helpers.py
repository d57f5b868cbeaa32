"""What every page view shares: the role check, the viewer's time zone, the way back, form errors."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable
from datetime import tzinfo
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from tutordesk.accounts.models import User
from tutordesk.core.errors import NotFound
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.selectors import session_get

View = Callable[..., HttpResponseBase]


def viewer_timezone(user: User) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def role_required(*roles: str) -> Callable[[View], View]:
    """Logged in, one of `roles` (403 otherwise), times shown in the viewer's own time zone."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user: User = request.user  # type: ignore[assignment]
            if user.role not in roles:
                return render(request, "web/not_for_your_role.html", status=403)
            with timezone.override(viewer_timezone(user)):
                return view(request, *args, **kwargs)

        return wrapper

    return decorator


def back_url(request: HttpRequest, default: str | None = None) -> str:
    """Where to go after a form: its `next` field, else the page htmx says it came from, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target and request.htmx:  # type: ignore[attr-defined]
        target = request.htmx.current_url_abs_path or ""  # type: ignore[attr-defined]
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=False
    ):
        return target
    return default or reverse("web:dashboard")


def visible_session_or_404(request: HttpRequest, session_id: uuid.UUID) -> Session:
    try:
        return session_get(session_id=session_id, user=request.user)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404("No such session") from exc


def first_error(form: Any) -> str:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label}: {errors[0]}" if label and name != "__all__" else str(errors[0])
    return "Check the form and try again."


def form_payload(data: dict[str, Any]) -> dict[str, Any]:
    """What an idempotency fingerprint covers: the form's cleaned fields, not the key itself."""
    return {name: value for name, value in data.items() if name != "idempotency_key"}


def in_panel(request: HttpRequest) -> bool:
    """Whether htmx asked for the answer to land in the slide-over panel."""
    return bool(request.htmx) and request.htmx.target == "panel-body"  # type: ignore[attr-defined]
