"""Pages for tutors, admins and students. Thin: parse, look up through a selector, call one service, render."""

from __future__ import annotations

import csv
import json
import uuid
import zoneinfo
from collections.abc import Callable, Iterator
from datetime import tzinfo
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tutordesk.accounts.models import Role, User
from tutordesk.core.errors import DomainError, Forbidden, InvalidTransition, NotFound
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.selectors import session_get, sessions_visible_to
from tutordesk.scheduling.services import session_correct_status, session_update_status
from tutordesk.scheduling.status import SESSION_STATUS_LABELS
from tutordesk.tutoring.models import TutoringRequest
from tutordesk.tutoring.services import package_create
from tutordesk.web import queries
from tutordesk.web.forms import (
    AuditFilterForm,
    CorrectionForm,
    PackageForm,
    PackageSearchForm,
    SessionFilterForm,
    StatusUpdateForm,
)
from tutordesk.web.once import Outcome, run_once

PAGE_SIZE = 20
AUDIT_PAGE_SIZE = 50

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
                return HttpResponseForbidden("This page is not available to your role.")
            with timezone.override(viewer_timezone(user)):
                return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _page(request: HttpRequest, items: Any, param: str = "page", size: int = PAGE_SIZE) -> Page:
    return Paginator(items, size).get_page(request.GET.get(param))


def _with_sessions_left(user: User, *pages: Page) -> None:
    """Attach `sessions_left` to every row of the pages with one query."""
    rows: list[Session] = [s for page in pages for s in page.object_list]
    left = queries.sessions_left_by_request(user, {s.request_id for s in rows})
    for s in rows:
        s.sessions_left = left.get(s.request_id, 0)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- dashboards


@role_required(Role.TUTOR, Role.ADMIN, Role.STUDENT)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.is_admin:
        return _admin_dashboard(request, user)
    if user.is_tutor:
        return _tutor_dashboard(request, user)
    return _student_dashboard(request, user)


def _tutor_dashboard(request: HttpRequest, user: User) -> HttpResponse:
    now = timezone.now()
    needs = _page(request, queries.tutor_needs_outcome(user, now=now), "needs_page")
    upcoming = _page(request, queries.tutor_upcoming(user, now=now), "upcoming_page")
    recent = _page(request, queries.recorded_sessions(user), "recent_page")
    _with_sessions_left(user, needs, upcoming, recent)
    sections = [
        {
            "id": "needs-outcome",
            "title": "Needs outcome",
            "hint": "These sessions have started. Record what happened.",
            "page": needs,
            "param": "needs_page",
            "empty": "Nothing waiting: every session that has started has an outcome.",
        },
        {
            "id": "upcoming",
            "title": "Upcoming",
            "hint": "",
            "page": upcoming,
            "param": "upcoming_page",
            "empty": "No upcoming sessions.",
        },
        {
            "id": "recent",
            "title": "Recent",
            "hint": "",
            "page": recent,
            "param": "recent_page",
            "empty": "No recorded sessions yet.",
        },
    ]
    return render(request, "web/tutor_dashboard.html", {"sections": sections, "nav": "dashboard"})


def _admin_dashboard(request: HttpRequest, user: User) -> HttpResponse:
    tutor_choices = [(str(t.id), f"{t.name} ({t.email})") for t in queries.tutors()]
    form = SessionFilterForm(request.GET or None, tutor_choices=tutor_choices)
    filters = queries.SessionFilters()
    if form.is_bound and form.is_valid():
        start, end = form.range(timezone.get_current_timezone())
        filters = queries.SessionFilters(
            status=form.cleaned_data["status"],
            tutor_id=form.cleaned_data["tutor"],
            student=form.cleaned_data["student"].strip(),
            start=start,
            end=end,
        )
    page = _page(request, queries.admin_sessions(user, filters))
    _with_sessions_left(user, page)
    return render(
        request,
        "web/admin_dashboard.html",
        {"form": form, "page": page, "filtered": filters != queries.SessionFilters(), "nav": "dashboard"},
    )


def _student_dashboard(request: HttpRequest, user: User) -> HttpResponse:
    now = timezone.now()
    upcoming = _page(request, queries.student_upcoming(user, now=now), "upcoming_page")
    past = _page(request, queries.student_past(user, now=now), "past_page")
    _with_sessions_left(user, upcoming, past)
    requests: dict[uuid.UUID, dict[str, Any]] = {}
    for package in queries.student_packages(user):
        entry = requests.setdefault(
            package.request_id, {"subject": package.request.subject, "left": 0, "packages": []}
        )
        entry["packages"].append(package)
        if package.status == package.Status.ACTIVE:
            entry["left"] += package.sessions_remaining
    sections = [
        {
            "id": "upcoming",
            "title": "Upcoming",
            "page": upcoming,
            "param": "upcoming_page",
            "empty": "No upcoming sessions.",
        },
        {
            "id": "past",
            "title": "Past",
            "page": past,
            "param": "past_page",
            "empty": "No past sessions yet.",
        },
    ]
    return render(
        request,
        "web/student_dashboard.html",
        {"sections": sections, "requests": list(requests.values()), "nav": "dashboard"},
    )


# ---------------------------------------------------------------- session actions

PLAIN_ERRORS = {
    "session_not_started": "This session hasn't started yet. You can record an outcome once it has.",
    "tutor_double_booked": "The tutor already has another session at that time. Pick a different time.",
}


def _plain(error: DomainError) -> str:
    if error.context.get("field") == "new_start_at" and "future" in error.detail:
        return "The new time must be in the future."
    return PLAIN_ERRORS.get(error.code, error.detail)


def _row_response(
    request: HttpRequest,
    session_id: uuid.UUID,
    *,
    error: str = "",
    notice: str = "",
    replacement_id: uuid.UUID | None = None,
) -> HttpResponse:
    """The session's row as it is now (htmx swaps it in place), or a redirect back for a plain form post."""
    user: User = request.user  # type: ignore[assignment]
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        elif notice:
            messages.success(request, notice)
        return redirect(_back(request))
    ids = [session_id] if replacement_id is None else [session_id, replacement_id]
    rows = {s.id: s for s in queries.session_rows(sessions_visible_to(user)).filter(pk__in=ids)}
    session = rows.get(session_id)
    if session is None:
        raise Http404("No such session")
    left = queries.sessions_left_for_request(user, session.request_id)
    session.sessions_left = left  # type: ignore[attr-defined]
    replacement = rows.get(replacement_id) if replacement_id else None
    if replacement is not None:
        replacement.sessions_left = left  # type: ignore[attr-defined]
    return render(
        request,
        "web/partials/session_row_response.html",
        {
            "s": session,
            "error": error,
            "notice": notice,
            "replacement": replacement,
            # The tutor's dashboard files a replacement under Upcoming; the admin's one list keeps it in place.
            "replacement_list": "upcoming-list" if user.is_tutor else "",
            "left": left,
            "next_url": _back(request),
        },
    )


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target and request.htmx:  # type: ignore[attr-defined]
        target = request.htmx.current_url_abs_path or ""  # type: ignore[attr-defined]
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse("web:dashboard")


def _visible_session_or_404(request: HttpRequest, session_id: uuid.UUID) -> Session:
    try:
        return session_get(session_id=session_id, user=request.user)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404("No such session") from exc


def _first_error(form: Any) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}: {errors[0]}" if label and field != "__all__" else str(errors[0])
    return "Check the form and try again."


@role_required(Role.TUTOR, Role.ADMIN)
@require_POST
def session_status(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """Record an outcome or a reschedule (the tutor of the session, or an admin)."""
    user: User = request.user  # type: ignore[assignment]
    _visible_session_or_404(request, session_id)
    form = StatusUpdateForm(request.POST)
    if not form.is_valid():
        return _row_response(request, session_id, error=_first_error(form))
    data = form.cleaned_data

    def change() -> Outcome:
        result = session_update_status(
            session_id=session_id,
            status=data["status"],
            actor=user,
            tutor_notes=data["tutor_notes"],
            new_start_at=data["new_start_at"],
        )
        replacement = result.replacement_session
        return {
            "notice": f"Recorded as {SESSION_STATUS_LABELS[data['status']]}.",
            "replacement_id": str(replacement.id) if replacement else None,
        }

    return run_once(
        request,
        key=data["idempotency_key"],
        payload=_payload(data),
        change=change,
        on_error=lambda error: _status_error(error, data["status"]),
        respond=lambda outcome: _row_outcome(request, session_id, outcome),
    )


@role_required(Role.ADMIN)
@require_POST
def session_correct(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """An admin corrects a recorded outcome (refunding or charging the package as needed)."""
    user: User = request.user  # type: ignore[assignment]
    _visible_session_or_404(request, session_id)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        return _row_response(request, session_id, error=_first_error(form))
    data = form.cleaned_data

    def change() -> Outcome:
        session_correct_status(
            session_id=session_id, status=data["status"], reason=data["reason"], actor=user
        )
        return {"notice": f"Corrected to {SESSION_STATUS_LABELS[data['status']]}."}

    return run_once(
        request,
        key=data["idempotency_key"],
        payload=_payload(data),
        change=change,
        on_error=lambda error: _status_error(error, data["status"]),
        respond=lambda outcome: _row_outcome(request, session_id, outcome),
    )


def _status_error(error: DomainError, wanted: str) -> Outcome:
    if isinstance(error, NotFound | Forbidden):
        return {"refused": error.code, "error": error.detail}
    if isinstance(error, InvalidTransition) and error.current_status == wanted:
        # The same change already went through (a second form for it, a retried post without
        # its key): nothing was charged again, so show the row as it is, not an error.
        return {}
    return {"error": _plain(error)}


def _row_outcome(request: HttpRequest, session_id: uuid.UUID, outcome: Outcome) -> HttpResponse:
    if outcome.get("refused") == "not_found":
        raise Http404("No such session")
    if outcome.get("refused") == "forbidden":
        return HttpResponseForbidden(outcome.get("error", ""))
    replacement = outcome.get("replacement_id")
    return _row_response(
        request,
        session_id,
        error=outcome.get("error", ""),
        notice=outcome.get("notice", ""),
        replacement_id=uuid.UUID(replacement) if replacement else None,
    )


def _payload(data: dict[str, Any]) -> dict[str, Any]:
    """What the fingerprint covers: the form's cleaned fields, not the key itself."""
    return {name: value for name, value in data.items() if name != "idempotency_key"}


# ---------------------------------------------------------------- packages (admin)


@role_required(Role.ADMIN)
@require_GET
def packages(request: HttpRequest) -> HttpResponse:
    search = PackageSearchForm(request.GET or None)
    q = search.cleaned_data["q"].strip() if search.is_bound and search.is_valid() else ""
    page = _page(request, queries.requests_with_packages(q))
    for req in page.object_list:
        pkgs = list(req.packages.all())
        req.sessions_left = sum(p.sessions_remaining for p in pkgs if p.status == p.Status.ACTIVE)
        req.tutor = req.active_matches[0].tutor if req.active_matches else None
    return render(request, "web/packages.html", {"page": page, "search": search, "q": q, "nav": "packages"})


@role_required(Role.ADMIN)
@require_POST
def package_add(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """An admin sells a package for a request; a double submit adds it once."""
    user: User = request.user  # type: ignore[assignment]
    if not TutoringRequest.objects.filter(pk=request_id).exists():
        raise Http404("No such request")
    form = PackageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(_back(request))
    data = form.cleaned_data

    def change() -> Outcome:
        package_create(request_id=request_id, sessions_total=data["sessions_total"], actor=user)
        return {"notice": f"Added a package of {data['sessions_total']} sessions."}

    def respond(outcome: Outcome) -> HttpResponse:
        if outcome.get("error"):
            messages.error(request, outcome["error"])
        else:
            messages.success(request, outcome["notice"])
        return redirect(_back(request))

    return run_once(
        request,
        key=data["idempotency_key"],
        payload=_payload(data),
        change=change,
        on_error=lambda error: {"error": _plain(error)},
        respond=respond,
    )


# ---------------------------------------------------------------- audit log (admin)


def _audit_filters(request: HttpRequest) -> tuple[AuditFilterForm, queries.AuditFilters]:
    form = AuditFilterForm(request.GET or None)
    filters = queries.AuditFilters()
    if form.is_bound and form.is_valid():
        start, end = form.range(timezone.get_current_timezone())
        filters = queries.AuditFilters(
            action=form.cleaned_data["action"].strip(),
            entity_type=form.cleaned_data["entity_type"],
            entity_id=form.cleaned_data["entity_id"],
            actor=form.cleaned_data["actor"].strip(),
            start=start,
            end=end,
        )
    return form, filters


@role_required(Role.ADMIN)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form, filters = _audit_filters(request)
    page = _page(request, queries.audit_logs(user, filters), size=AUDIT_PAGE_SIZE)
    for row in page.object_list:
        row.details_json = json.dumps(row.details, sort_keys=True, ensure_ascii=False)
    return render(
        request,
        "web/audit_log.html",
        {
            "form": form,
            "page": page,
            "actions": queries.audit_actions(),
            "filtered": filters != queries.AuditFilters(),
            "nav": "audit",
        },
    )


def _csv_cell(value: object) -> str:
    """Text a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


@role_required(Role.ADMIN)
@require_GET
def audit_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    user: User = request.user  # type: ignore[assignment]
    _, filters = _audit_filters(request)
    logs = queries.audit_logs(user, filters)
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(
            [
                "id",
                "created_at",
                "actor_user_id",
                "actor_email",
                "action",
                "entity_type",
                "entity_id",
                "details",
            ]
        )
        for log in logs.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    _csv_cell(v)
                    for v in (
                        log.id,
                        log.created_at.isoformat(),
                        log.actor_id or "",
                        log.actor.email if log.actor else "",
                        log.action,
                        log.entity_type,
                        log.entity_id,
                        json.dumps(log.details, sort_keys=True, ensure_ascii=False),
                    )
                ]
            )

    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tutordesk-audit-{stamp}.csv"'
    return response
