"""Dashboards, packages and the audit log. Thin: parse, look up through a selector, call one service, render.

Every list is read a page at a time by web.paging (keyset cursors, a bounded count), so a page
costs the same few statements however many rows the tables hold.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tutordesk.accounts.models import Role, User
from tutordesk.calendars.selectors import calendar_feed_of
from tutordesk.core import clock
from tutordesk.core.cursors import encode_cursor
from tutordesk.tutoring.models import TutoringRequest
from tutordesk.tutoring.services import package_create
from tutordesk.web import queries
from tutordesk.web.forms import AuditFilterForm, PackageForm, PackageSearchForm, SessionFilterForm
from tutordesk.web.helpers import AuthenticatedHttpRequest, back_url, first_error, form_payload, role_required
from tutordesk.web.once import run_once
from tutordesk.web.outcomes import Done, Refused
from tutordesk.web.paging import FORWARD, KeysetPage, ListRead, keyset_chunks, keyset_page, keyset_pages

PAGE_SIZE = 20
AUDIT_PAGE_SIZE = 50


def session_pages(
    request: AuthenticatedHttpRequest,
    user: User,
    *lists: tuple[queries.SessionList, str],
    start_cursors: dict[str, str] | None = None,
) -> list[KeysetPage]:
    """A page of each list of sessions (with the cursor its query parameter carries), read
    together: one statement for all of them where the database allows (web.paging), which for
    tutors and admins also reads the sessions left on each row's request, and whether `user`
    has a calendar link (see `calendar_feed_on`)."""
    lines = queries.session_lines if user.sees_as_student else queries.session_lines_with_left(user)
    return keyset_pages(
        *(
            ListRead(
                sessions.visible,
                where=sessions.where,
                time_field="scheduled_start_at",
                descending=sessions.descending,
                cursor=request.GET.get(param) or (start_cursors or {}).get(param),
                size=PAGE_SIZE,
                decorate=lines,
                line=queries.SessionLine,
            )
            for sessions, param in lists
        ),
        also={"calendar_feed": queries.has_calendar_feed(user)},
    )


def calendar_feed_on(user: User, pages: list[KeysetPage]) -> bool:
    """Whether `user` has a calendar link (the dashboard's button says "on"): read with the
    lists of `session_pages` when they had a row, asked on its own when not."""
    found = pages[0].also.get("calendar_feed") if pages else None
    return bool(found) if found is not None else calendar_feed_of(user) is not None


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
        # The element ids of the section: its hook (`data-section`) unless a page shows the same
        # section more than once (a guardian's dashboard, once per student).
        "dom_id": extra.pop("dom_id", id),
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


@role_required(Role.TUTOR, Role.ADMIN, Role.STUDENT, Role.GUARDIAN)
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.is_admin:
        return _admin_dashboard(request, user)
    if user.is_tutor:
        return _tutor_dashboard(request, user)
    if user.is_guardian:
        return _guardian_dashboard(request, user)
    return _student_dashboard(request, user)


def _tutor_dashboard(request: AuthenticatedHttpRequest, user: User) -> HttpResponse:
    now = clock.now()
    needs_list, upcoming_list, recent_list = queries.tutor_lists(user, now=now)
    pages = session_pages(
        request, user, (needs_list, "needs"), (upcoming_list, "upcoming"), (recent_list, "recent")
    )
    needs, upcoming, recent = pages
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
        {"sections": sections, "nav": "dashboard", "calendar_feed": calendar_feed_on(user, pages)},
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
        sessions = queries.SessionList(
            visible=sessions.visible, where=Q(pk__in=[]), descending=sessions.descending
        )
    filtered = filters != queries.SessionFilters() or bool(form.errors)
    # Unfiltered, the list (newest first) opens on today: today's lessons and older, with
    # "Newer" for the weeks ahead, rather than on the last lesson booked weeks away.
    opening = {} if filtered or not sessions.descending else {"cursor": today_cursor()}
    pages = session_pages(request, user, (sessions, "cursor"), start_cursors=opening)
    (page,) = pages
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
            "calendar_feed": calendar_feed_on(user, pages),
        },
    )


def today_cursor() -> str:
    """A cursor just past the end of today in the viewer's time zone (the first row after it in a
    newest-first list is today's last lesson)."""
    tomorrow = timezone.localdate(clock.now()) + timedelta(days=1)
    end = datetime.combine(tomorrow, time.min, tzinfo=timezone.get_current_timezone())
    return f"{FORWARD}.{encode_cursor(end, uuid.UUID(int=0))}"


def _package_summaries(user: User) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Each student's requests with their packages and the sessions left on them, as `user` sees
    them (a student their own, a guardian each of their students'), in one query."""
    by_student: dict[uuid.UUID, dict[uuid.UUID, dict[str, Any]]] = {}
    for package in queries.student_packages(user):
        entry = by_student.setdefault(package.request.student_id, {}).setdefault(
            package.request_id,
            {"subject": package.request.subject, "packages": [], "left": package.request_sessions_left},  # type: ignore[attr-defined]  # an annotation of student_packages' query
        )
        entry["packages"].append(package)
    return {student_id: list(requests.values()) for student_id, requests in by_student.items()}


def _student_sections(upcoming: KeysetPage, past: KeysetPage, *, suffix: str = "") -> list[dict[str, Any]]:
    """The student's two lists; `suffix` tells one student's apart from another's on a page that
    shows several (their cursors' parameters and element ids; the hooks stay the same)."""
    return [
        section(
            upcoming,
            id="upcoming",
            dom_id=f"upcoming{suffix}",
            title="Upcoming",
            param=f"upcoming{suffix}",
            empty="No upcoming sessions.",
            newest_first=False,
        ),
        section(
            past,
            id="past",
            dom_id=f"past{suffix}",
            title="Past",
            param=f"past{suffix}",
            empty="No past sessions yet.",
        ),
    ]


def _student_dashboard(request: AuthenticatedHttpRequest, user: User) -> HttpResponse:
    now = clock.now()
    upcoming_list, past_list = queries.student_lists(user, now=now)
    pages = session_pages(request, user, (upcoming_list, "upcoming"), (past_list, "past"))
    upcoming, past = pages
    requests = _package_summaries(user).get(user.pk, [])
    sections = _student_sections(upcoming, past)
    return render(
        request,
        "web/student_dashboard.html",
        {
            "sections": sections,
            "requests": requests,
            "nav": "dashboard",
            "calendar_feed": calendar_feed_on(user, pages),
        },
    )


def _guardian_dashboard(request: AuthenticatedHttpRequest, user: User) -> HttpResponse:
    """For each student the guardian looks after (by name), what that student's own dashboard
    shows: packages with what is left, upcoming lessons soonest first, past ones; every list of
    every student read together (web.paging)."""
    now = clock.now()
    students = queries.guardian_students(user)
    lists: list[tuple[queries.SessionList, str]] = []
    each = queries.guardian_lists(user, [student.pk for student in students], now=now)
    for number, (upcoming_list, past_list) in enumerate(each, start=1):
        lists += [(upcoming_list, f"upcoming-{number}"), (past_list, f"past-{number}")]
    pages = session_pages(request, user, *lists) if lists else []
    packages = _package_summaries(user) if students else {}
    blocks = [
        {
            "student": student,
            "number": number,
            "packages_title": f"packages-{number}-title",
            "requests": packages.get(student.pk, []),
            "sections": _student_sections(*pages[2 * number - 2 : 2 * number], suffix=f"-{number}"),
        }
        for number, student in enumerate(students, start=1)
    ]
    return render(
        request,
        "web/guardian_dashboard.html",
        {"students": blocks, "nav": "dashboard", "calendar_feed": calendar_feed_on(user, pages)},
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
        decorate=queries.request_lines(request.user),
        line=queries.RequestLine,
    )
    queries.with_packages(request.user, page.rows)
    listing = section(page, id="requests", title="Requests", param="cursor", empty="")
    return render(
        request, "web/packages.html", {"section": listing, "search": search, "q": q, "nav": "packages"}
    )


@role_required(Role.ADMIN)
@require_POST
def package_add(request: AuthenticatedHttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """An admin sells a package for a request, after confirming it; a double submit adds it once."""
    user = request.user
    if not TutoringRequest.objects.filter(pk=request_id).exists():
        raise Http404("No such request")
    form = PackageForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back_url(request))
    data = form.cleaned_data
    if request.POST.get("confirm") != "yes":
        # The first submit only asks: "Sell N sessions to <student> for <subject>?". Nothing is
        # written until the confirm button (same one-time key) posts again.
        sold_for = TutoringRequest.objects.select_related("student").get(pk=request_id)
        return render(
            request,
            "web/package_confirm.html",
            {"req": sold_for, "form": form, "next": back_url(request), "nav": "packages"},
        )

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
    rows = queries.audit_rows(page.rows)
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
    logs = keyset_chunks(
        queries.audit_logs(user, filters),
        time_field="created_at",
        descending=True,
        decorate=lambda logs: logs.select_related("actor"),
    )
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
        for log in logs:
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
