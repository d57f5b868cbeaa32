"""Dashboards, packages and the audit log. Thin: parse, look up through a selector, call one service, render.

Every list is read a page at a time by web.paging (keyset cursors, a bounded count), so a page
costs the same few statements however many rows the tables hold.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tutordesk.accounts.models import Role, User
from tutordesk.audit.details import Names, details_of
from tutordesk.audit.models import AuditLog
from tutordesk.calendars.selectors import calendar_feed_of
from tutordesk.core import clock
from tutordesk.tutoring.models import TutoringRequest
from tutordesk.tutoring.selectors import sessions_left_by_request
from tutordesk.tutoring.services import package_create
from tutordesk.web import queries
from tutordesk.web.forms import AuditFilterForm, PackageForm, PackageSearchForm, SessionFilterForm
from tutordesk.web.helpers import (
    AuthenticatedHttpRequest,
    back_url,
    first_error,
    form_payload,
    role_required,
    show_sessions_left,
)
from tutordesk.web.once import run_once
from tutordesk.web.outcomes import Done, Refused
from tutordesk.web.paging import KeysetPage, keyset_page

PAGE_SIZE = 20
AUDIT_PAGE_SIZE = 50


def session_page(request: AuthenticatedHttpRequest, sessions: queries.SessionList, param: str) -> KeysetPage:
    return keyset_page(
        sessions.rows,
        time_field="scheduled_start_at",
        descending=sessions.descending,
        cursor=request.GET.get(param),
        size=PAGE_SIZE,
        decorate=queries.session_rows,
    )


def with_sessions_left(user: User, *pages: KeysetPage) -> None:
    """Attach `sessions_left` to every row of the pages with one query."""
    rows = [s for page in pages for s in page.rows]
    show_sessions_left(rows, sessions_left_by_request(user, {s.request_id for s in rows}))


def upcoming_section(page: KeysetPage) -> dict[str, Any]:
    """The tutor's and the student's Upcoming list: soonest first."""
    return section(
        page,
        id="upcoming",
        title="Upcoming",
        param="upcoming",
        empty="No upcoming sessions.",
        newest_first=False,
    )


def section(
    page: KeysetPage, *, id: str, title: str, param: str, empty: str, hint: str = "", **extra: Any
) -> dict[str, Any]:
    newest_first = extra.pop("newest_first", True)
    return {
        "id": id,
        "title": title,
        "hint": hint,
        "page": page,
        "param": param,
        "empty": empty,
        "before_label": "Newer" if newest_first else "Earlier",
        "after_label": "Older" if newest_first else "Later",
        **extra,
    }


# ---------------------------------------------------------------- dashboards


@role_required(Role.TUTOR, Role.ADMIN, Role.STUDENT)
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.is_admin:
        return _admin_dashboard(request, user)
    if user.is_tutor:
        return _tutor_dashboard(request, user)
    return _student_dashboard(request, user)


def _tutor_dashboard(request: AuthenticatedHttpRequest, user: User) -> HttpResponse:
    now = clock.now()
    needs = session_page(request, queries.tutor_needs_outcome(user, now=now), "needs")
    upcoming = session_page(request, queries.tutor_upcoming(user, now=now), "upcoming")
    recent = session_page(request, queries.recorded_sessions(user), "recent")
    with_sessions_left(user, needs, upcoming, recent)
    sections = [
        section(
            needs,
            id="needs-outcome",
            title="Needs outcome",
            hint="These sessions have started. Record what happened, one by one or several at once.",
            param="needs",
            empty="Nothing waiting: every session that has started has an outcome.",
            selectable=True,
        ),
        upcoming_section(upcoming),
        section(recent, id="recent", title="Recent", param="recent", empty="No recorded sessions yet."),
    ]
    return render(
        request,
        "web/tutor_dashboard.html",
        {"sections": sections, "nav": "dashboard", "calendar_feed": calendar_feed_of(user)},
    )


def _admin_dashboard(request: AuthenticatedHttpRequest, user: User) -> HttpResponse:
    form = SessionFilterForm(request.GET or None)
    filters = queries.SessionFilters()
    if form.is_bound and form.is_valid():
        start, end = form.range(timezone.get_current_timezone())
        filters = queries.SessionFilters(
            status=form.cleaned_data["status"],
            tutor=form.cleaned_data["tutor"].strip(),
            student=form.cleaned_data["student"].strip(),
            start=start,
            end=end,
        )
    sessions = queries.admin_sessions(user, filters)
    if form.errors:
        # Filters that cannot be (a From after its To): the form says why, and nothing is listed.
        sessions = queries.SessionList(rows=sessions.rows.none(), descending=sessions.descending)
    page = session_page(request, sessions, "cursor")
    with_sessions_left(user, page)
    filtered = filters != queries.SessionFilters() or bool(form.errors)
    empty = "No session matches these filters." if filtered else "No sessions yet."
    listing = section(
        page,
        id="sessions",
        title="Matching sessions" if filtered else "All sessions",
        param="cursor",
        empty="Nothing is listed until the filters above are fixed." if form.errors else empty,
        selectable=True,
        newest_first=sessions.descending,
    )
    return render(
        request,
        "web/admin_dashboard.html",
        {
            "form": form,
            "section": listing,
            "filtered": filtered,
            "nav": "dashboard",
            "calendar_feed": calendar_feed_of(user),
        },
    )


def _student_dashboard(request: AuthenticatedHttpRequest, user: User) -> HttpResponse:
    now = clock.now()
    upcoming = session_page(request, queries.student_upcoming(user, now=now), "upcoming")
    past = session_page(request, queries.student_past(user, now=now), "past")
    requests: dict[uuid.UUID, dict[str, Any]] = {}
    for package in queries.student_packages(user):
        entry = requests.setdefault(package.request_id, {"subject": package.request.subject, "packages": []})
        entry["packages"].append(package)
    left = sessions_left_by_request(user, requests)
    for request_id, entry in requests.items():
        entry["left"] = left[request_id]
    sections = [
        upcoming_section(upcoming),
        section(past, id="past", title="Past", param="past", empty="No past sessions yet."),
    ]
    return render(
        request,
        "web/student_dashboard.html",
        {
            "sections": sections,
            "requests": list(requests.values()),
            "nav": "dashboard",
            "calendar_feed": calendar_feed_of(user),
        },
    )


# ---------------------------------------------------------------- packages (admin)


@role_required(Role.ADMIN)
@require_GET
def packages(request: AuthenticatedHttpRequest) -> HttpResponse:
    search = PackageSearchForm(request.GET or None)
    q = search.cleaned_data["q"].strip() if search.is_bound and search.is_valid() else ""
    page = keyset_page(
        queries.requests_with_packages(q),
        time_field="created_at",
        descending=True,
        cursor=request.GET.get("cursor"),
        size=PAGE_SIZE,
        decorate=queries.request_rows,
    )
    left = sessions_left_by_request(request.user, [req.id for req in page.rows])
    for req in page.rows:
        req.sessions_left = left[req.id]
        req.tutor = req.active_matches[0].tutor if req.active_matches else None
    listing = section(page, id="requests", title="Requests", param="cursor", empty="")
    return render(
        request, "web/packages.html", {"section": listing, "search": search, "q": q, "nav": "packages"}
    )


@role_required(Role.ADMIN)
@require_POST
def package_add(request: AuthenticatedHttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """An admin sells a package for a request; a double submit adds it once."""
    user = request.user
    if not TutoringRequest.objects.filter(pk=request_id).exists():
        raise Http404("No such request")
    form = PackageForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back_url(request))
    data = form.cleaned_data

    def change() -> Done:
        package_create(request_id=request_id, sessions_total=data["sessions_total"], actor=user)
        return Done(notice=f"Added a package of {data['sessions_total']} sessions.")

    def respond(outcome: Done | Refused) -> HttpResponse:
        if isinstance(outcome, Refused):
            messages.error(request, outcome.error)
        else:
            messages.success(request, outcome.notice)
        return redirect(back_url(request))

    return run_once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=Done,
        change=change,
        respond=respond,
    )


# ---------------------------------------------------------------- audit log (admin)


def _audit_filters(request: AuthenticatedHttpRequest) -> tuple[AuditFilterForm, queries.AuditFilters]:
    form = AuditFilterForm(request.GET or None)
    filters = queries.AuditFilters()
    if form.is_bound and form.is_valid():
        start, end = form.range(timezone.get_current_timezone())
        filters = queries.AuditFilters(
            action=form.cleaned_data["action"].strip(),
            entity_type=form.cleaned_data["entity_type"],
            entity_id=form.cleaned_data["entity_id"],
            actor=form.cleaned_data["actor"].strip(),
            person=form.cleaned_data["person"].strip(),
            start=start,
            end=end,
        )
    return form, filters


@role_required(Role.ADMIN)
@require_GET
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form, filters = _audit_filters(request)
    logs = queries.audit_logs(user, filters)
    page = keyset_page(
        logs.none() if form.errors else logs,  # filters that cannot be list nothing
        time_field="created_at",
        descending=True,
        cursor=request.GET.get("cursor"),
        size=AUDIT_PAGE_SIZE,
        decorate=lambda logs: logs.select_related("actor"),
    )
    rows = audit_rows(page.rows)
    filtered = filters != queries.AuditFilters() or bool(form.errors)
    listing = section(page, id="audit", title="Audit rows", param="cursor", empty="")
    return render(
        request,
        "web/audit_log.html",
        {
            "form": form,
            "section": listing,
            "rows": rows,
            "actions": queries.audit_actions(),
            "filtered": filtered,
            "nav": "audit",
        },
    )


@dataclass(frozen=True)
class AuditRow:
    log: AuditLog
    words: str
    details_json: str  # the details as written, beside the words


def audit_rows(logs: list[AuditLog]) -> list[AuditRow]:
    """Each row's details read through its shape and put into words, naming people (one query
    for every person the page mentions)."""
    read = [(log, details_of(log)) for log in logs]
    mentioned = {person for _, details in read for person in details.people()}
    names = Names(dict(User.objects.filter(pk__in=mentioned).values_list("id", "name")) if mentioned else {})
    return [
        AuditRow(log, details.words(names), json.dumps(log.details, sort_keys=True, ensure_ascii=False))
        for log, details in read
    ]


def csv_cell(value: object) -> str:
    """Text a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class Echo:
    def write(self, value: str) -> str:
        return value


@role_required(Role.ADMIN)
@require_GET
def audit_log_csv(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    user = request.user
    form, filters = _audit_filters(request)
    if form.errors:
        return redirect(f"{reverse('web:audit')}?{request.GET.urlencode()}")
    logs = queries.audit_logs(user, filters).select_related("actor")
    writer = csv.writer(Echo())

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
                    csv_cell(v)
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

    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tutordesk-audit-{stamp}.csv"'
    return response
