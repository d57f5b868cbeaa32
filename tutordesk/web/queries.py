"""Page-specific reads for the pages' lists. Visibility always starts from the selectors.

Each list is a bare filtered queryset read in (time, id) order by web.paging, and each one lines up
with an index, so a page reads only its own rows whatever the table holds
(tests/web/test_list_plans.py EXPLAINs every one of them on PostgreSQL).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from tutordesk.accounts.models import Role, User
from tutordesk.accounts.selectors import students_of_guardian
from tutordesk.audit.details import Names, details_of
from tutordesk.audit.models import AuditAction, AuditEntity, AuditLog
from tutordesk.audit.selectors import audit_logs_filtered
from tutordesk.calendars.models import CalendarFeed
from tutordesk.core import clock
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.selectors import sessions_filtered, sessions_visible_to
from tutordesk.scheduling.status import SessionStatus
from tutordesk.tutoring.models import Match, Package, TutoringRequest
from tutordesk.tutoring.selectors import matches_visible_to, packages_visible_to, sessions_left_of

# A name or email search resolves to at most this many people before it filters a list by them.
MAX_PEOPLE_PER_SEARCH = 200


@dataclass(frozen=True)
class SessionList:
    """A list of sessions: the sessions its viewer may see (`visible`, the one queryset of every
    list of a page, so web.paging adds what the rows show to it once), narrowed by `where`, and
    the order it is read in."""

    visible: QuerySet[Session]
    where: Q
    descending: bool


@cache
def _reschedule_links() -> dict[str, Subquery]:
    """Where a reschedule moved a session (its first replacement), and when the session a
    replacement replaced was: a subquery per row, read by its index, never a join that could
    repeat the row or that the planner might answer by scanning the whole table. Built once: a
    query copies an expression when it takes it in, and these hold nothing per request."""
    moved_to = Session.objects.filter(rescheduled_from=OuterRef("pk")).order_by("created_at", "id")
    moved_from = Session.objects.filter(pk=OuterRef("rescheduled_from_id"))
    return {
        "moved_to": Subquery(moved_to.values("scheduled_start_at")[:1]),
        "moved_to_id": Subquery(moved_to.values("id")[:1]),
        "moved_from": Subquery(moved_from.values("scheduled_start_at")[:1]),
    }


@cache
def _line_names() -> dict[str, Subquery]:
    """The subject and the two names of a session's line: a subquery each, by primary key. As
    joins they made PostgreSQL plan a five-table join for each list of a page, which cost more
    than running it."""
    return {
        "subject": Subquery(TutoringRequest.objects.filter(pk=OuterRef("request_id")).values("subject")[:1]),
        "student_name": Subquery(User.objects.filter(pk=OuterRef("student_id")).values("name")[:1]),
        "tutor_name": Subquery(User.objects.filter(pk=OuterRef("tutor_id")).values("name")[:1]),
    }


def session_rows(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """Sessions with what a row shows (student, tutor, subject, where a reschedule moved it),
    fetched in one query."""
    return queryset.select_related("student", "tutor", "request").annotate(**_reschedule_links())


@dataclass(slots=True, eq=False)
class SessionLine:
    """One line of a session list, as plain values: what the row shows
    (web/templatetags/session_rows.py) and nothing more. A dashboard shows sixty, each with two
    people and a request; read as model instances, building them cost more than their SQL."""

    id: uuid.UUID
    request_id: uuid.UUID
    scheduled_start_at: datetime
    duration_minutes: int
    meet_link: str | None
    status: str
    rescheduled_from_id: uuid.UUID | None
    subject: str
    student_name: str
    tutor_name: str
    moved_to: datetime | None
    moved_to_id: uuid.UUID | None
    moved_from: datetime | None
    sessions_left: int | None = None  # set by the page, from the request's active packages

    @property
    def pk(self) -> uuid.UUID:
        return self.id

    @classmethod
    def of(cls, session: Session) -> SessionLine:
        """The line of a session read by `session_rows` (one row answered on its own)."""
        return cls(
            id=session.id,
            request_id=session.request_id,
            scheduled_start_at=session.scheduled_start_at,
            duration_minutes=session.duration_minutes,
            meet_link=session.meet_link,
            status=session.status,
            rescheduled_from_id=session.rescheduled_from_id,
            subject=session.request.subject,
            student_name=session.student.name,
            tutor_name=session.tutor.name,
            moved_to=getattr(session, "moved_to", None),
            moved_to_id=getattr(session, "moved_to_id", None),
            moved_from=getattr(session, "moved_from", None),
            sessions_left=getattr(session, "sessions_left", None),
        )


def session_lines(queryset: QuerySet[Session]) -> QuerySet[Any]:
    """The values of each SessionLine, in one query (web.paging's `decorate`, with `line`)."""
    return queryset.values(
        "id",
        "request_id",
        "scheduled_start_at",
        "duration_minutes",
        "meet_link",
        "status",
        "rescheduled_from_id",
        **_line_names(),
        **_reschedule_links(),
    )


def session_lines_with_left(viewer: User) -> Callable[[QuerySet[Session]], QuerySet[Any]]:
    """`session_lines` with the sessions left on each row's request, as `viewer` may see them,
    read in the same statement (a subquery, not a query of its own)."""
    left = sessions_left_of(viewer, OuterRef("request_id"))
    return lambda queryset: session_lines(queryset).annotate(sessions_left=left)


def has_calendar_feed(user: User) -> Exists:
    """Whether the user has a calendar link (`calendars.selectors.calendar_feed_of` finds it),
    as an expression to read along with a page's lists."""
    return Exists(CalendarFeed.objects.filter(user_id=user.pk))


def tutor_lists(user: User, *, now: datetime | None = None) -> tuple[SessionList, SessionList, SessionList]:
    """The tutor's dashboard: the sessions that have started but still wait for an outcome (the
    latest first), the upcoming ones (the soonest first), and those with an outcome recorded
    (the latest first)."""
    now = now or clock.now()
    visible = sessions_visible_to(user)
    scheduled = Q(status=SessionStatus.SCHEDULED)
    return (
        SessionList(visible, scheduled & Q(scheduled_start_at__lte=now), descending=True),
        SessionList(visible, scheduled & Q(scheduled_start_at__gt=now), descending=False),
        SessionList(visible, ~scheduled, descending=True),
    )


def student_lists(user: User, *, now: datetime | None = None) -> tuple[SessionList, SessionList]:
    """The student's dashboard: upcoming lessons (the soonest first) and past ones (the latest
    first)."""
    now = now or clock.now()
    visible = sessions_visible_to(user)
    return (
        SessionList(visible, Q(scheduled_start_at__gt=now), descending=False),
        SessionList(visible, Q(scheduled_start_at__lte=now), descending=True),
    )


def guardian_lists(
    user: User, student_ids: list[uuid.UUID], *, now: datetime | None = None
) -> list[tuple[SessionList, SessionList]]:
    """A guardian's dashboard: each student's two lists of `student_lists`, narrowing one
    queryset (what the guardian may see), so web.paging reads all of them in one statement."""
    now = now or clock.now()
    visible = sessions_visible_to(user)
    return [
        (
            SessionList(visible, Q(student_id=student_id, scheduled_start_at__gt=now), descending=False),
            SessionList(visible, Q(student_id=student_id, scheduled_start_at__lte=now), descending=True),
        )
        for student_id in student_ids
    ]


def guardian_students(user: User) -> list[User]:
    """The students a guardian looks after, by name (the heading of each on their dashboard)."""
    return list(
        User.objects.filter(pk__in=students_of_guardian(user).values("student_id")).order_by("name", "id")
    )


@dataclass(frozen=True)
class SessionFilters:
    status: str = ""
    tutor: str = ""  # a tutor's id, or a name or email to search
    student: str = ""
    start: datetime | None = None
    end: datetime | None = None


AWAITING_OUTCOME = "awaiting_outcome"


def people_matching(text: str, *, role: str | None = None) -> list[uuid.UUID]:
    """Ids of the people whose name or email holds `text` (a bounded list, read before the list
    they filter, so that list keeps its own index)."""
    people = User.objects.filter(Q(email__icontains=text) | Q(name__icontains=text))
    if role is not None:
        people = people.filter(role=role)
    return list(people.order_by("name", "id").values_list("id", flat=True)[:MAX_PEOPLE_PER_SEARCH])


def admin_sessions(user: User, filters: SessionFilters, *, now: datetime | None = None) -> SessionList:
    """The admin list: the shared session filters, plus a name/email search and the
    "awaiting outcome" view (started, still scheduled; the oldest first)."""
    awaiting = filters.status == AWAITING_OUTCOME
    sessions = sessions_filtered(
        user=user,
        status=SessionStatus.SCHEDULED if awaiting else filters.status or None,
        tutor_id=_uuid(filters.tutor),
        start_from=filters.start,
        start_before=filters.end,
    )
    if awaiting:
        sessions = sessions.filter(scheduled_start_at__lte=now or clock.now())
    if filters.tutor and _uuid(filters.tutor) is None:
        sessions = sessions.filter(tutor_id__in=people_matching(filters.tutor, role=Role.TUTOR))
    if filters.student:
        sessions = sessions.filter(student_id__in=people_matching(filters.student, role=Role.STUDENT))
    return SessionList(sessions, Q(), descending=not awaiting)


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def schedulable_matches(user: User) -> QuerySet[Match]:
    """The active matches this user may schedule for: a tutor's own, or every one for an admin."""
    return (
        matches_visible_to(user)
        .filter(status=Match.Status.ACTIVE)
        .select_related("request__student", "tutor")
        .order_by("request__student__name", "request__subject", "id")
    )


def requests_with_packages(search: str = "") -> QuerySet[TutoringRequest]:
    """Every request (newest first, read in pages by web.paging), with its student, its active
    tutor and its packages for the admin's page."""
    requests = TutoringRequest.objects.all()
    if search:
        students = people_matching(search, role=Role.STUDENT)
        requests = requests.filter(Q(student_id__in=students) | Q(subject__icontains=search))
    return requests


@dataclass(slots=True, eq=False)
class PackageLine:
    """One package of a request on the packages page, as plain values."""

    id: uuid.UUID
    request_id: uuid.UUID
    created_at: datetime
    sessions_used: int
    sessions_total: int
    status: str

    @property
    def status_label(self) -> str:
        return str(Package.Status(self.status).label)


@dataclass(slots=True, eq=False)
class RequestLine:
    """One request on the packages page, as plain values (web/templatetags/package_rows.py): its
    student, its active tutor, the sessions left on it and, once `with_packages` has run, its
    packages."""

    id: uuid.UUID
    created_at: datetime
    subject: str
    student_name: str
    student_email: str
    tutor_name: str | None
    sessions_left: int
    packages: list[PackageLine] = field(default_factory=list)

    @property
    def pk(self) -> uuid.UUID:
        return self.id


def request_lines(viewer: User) -> Callable[[QuerySet[TutoringRequest]], QuerySet[Any]]:
    """web.paging's `decorate` for the packages page: the values of each RequestLine in the
    page's one query, the active tutor's name (a request has at most one active match) and the
    sessions left as subqueries of it, not statements of their own."""
    active_tutor = Match.objects.filter(request=OuterRef("pk"), status=Match.Status.ACTIVE)
    extra = {
        "tutor_name": Subquery(active_tutor.values("tutor__name")[:1]),
        "sessions_left": sessions_left_of(viewer, OuterRef("pk")),
    }

    def lines(queryset: QuerySet[TutoringRequest]) -> QuerySet[Any]:
        return queryset.values(
            "id",
            "created_at",
            "subject",
            student_name=F("student__name"),
            student_email=F("student__email"),
            **extra,
        )

    return lines


def with_packages(viewer: User, requests: list[RequestLine]) -> None:
    """Every package of these requests, oldest first, in one query."""
    by_request = {r.id: r for r in requests}
    if not by_request:
        return
    packages = (
        packages_visible_to(viewer)
        .filter(request_id__in=by_request)
        .order_by("created_at", "id")
        .values("id", "request_id", "created_at", "sessions_used", "sessions_total", "status")
    )
    for package in packages:
        by_request[package["request_id"]].packages.append(PackageLine(**package))


def student_packages(user: User) -> QuerySet[Package]:
    """The student's packages, each with the sessions left on its request."""
    return (
        packages_visible_to(user)
        .select_related("request")
        .annotate(request_sessions_left=sessions_left_of(user, OuterRef("request_id")))
        .order_by("request__subject", "request_id", "created_at", "id")
    )


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    entity_type: str = ""
    entity_id: uuid.UUID | None = None
    actor: str = ""
    person: str = ""
    start: datetime | None = None
    end: datetime | None = None


def audit_logs(user: User, filters: AuditFilters) -> QuerySet[AuditLog]:
    """The audit selector's rows (admins only, newest first), plus an actor search and dates."""
    logs = audit_logs_filtered(
        user=user,
        action=filters.action or None,
        entity_type=filters.entity_type or None,
        entity_id=filters.entity_id,
    )
    if filters.actor:
        logs = logs.filter(actor_id__in=people_matching(filters.actor))
    if filters.person:
        logs = logs.filter(entity_type=AuditEntity.USER, entity_id__in=people_matching(filters.person))
    if filters.start:
        logs = logs.filter(created_at__gte=filters.start)
    if filters.end:
        logs = logs.filter(created_at__lt=filters.end)
    return logs


def audit_actions() -> list[tuple[str, str]]:
    """Every action the audit log can hold, in words (the enumeration, not a scan of the table)."""
    return list(AuditAction.choices)


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
