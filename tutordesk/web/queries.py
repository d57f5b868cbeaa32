"""Page-specific reads for the pages' lists. Visibility always starts from the selectors.

Each list is a bare filtered queryset read in (time, id) order by web.paging, and each one lines up
with an index, so a page reads only its own rows whatever the table holds
(tests/web/test_list_plans.py EXPLAINs every one of them on PostgreSQL).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from tutordesk.accounts.models import Role, User
from tutordesk.audit.models import AuditAction, AuditEntity, AuditLog
from tutordesk.audit.selectors import audit_logs_filtered
from tutordesk.core import clock
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.selectors import sessions_filtered, sessions_visible_to
from tutordesk.scheduling.status import SessionStatus
from tutordesk.tutoring.models import Match, Package, TutoringRequest
from tutordesk.tutoring.selectors import matches_visible_to, packages_visible_to

# A name or email search resolves to at most this many people before it filters a list by them.
MAX_PEOPLE_PER_SEARCH = 200


@dataclass(frozen=True)
class SessionList:
    """A list of sessions and the order it is read in."""

    rows: QuerySet[Session]
    descending: bool


def session_rows(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """Sessions with what a row shows (student, tutor, subject, where a reschedule moved it),
    fetched in one query. The reschedule's other end is a subquery per row, read by its index,
    never a join the planner might answer by scanning the whole table."""
    moved_to = Session.objects.filter(rescheduled_from=OuterRef("pk")).order_by("created_at", "id")
    moved_from = Session.objects.filter(pk=OuterRef("rescheduled_from_id"))
    return queryset.select_related("student", "tutor", "request").annotate(
        moved_to=Subquery(moved_to.values("scheduled_start_at")[:1]),
        moved_to_id=Subquery(moved_to.values("id")[:1]),
        moved_from=Subquery(moved_from.values("scheduled_start_at")[:1]),
    )


def tutor_needs_outcome(user: User, *, now: datetime | None = None) -> SessionList:
    """Sessions that have started but still wait for an outcome, the latest first."""
    now = now or clock.now()
    rows = sessions_visible_to(user).filter(status=SessionStatus.SCHEDULED, scheduled_start_at__lte=now)
    return SessionList(rows, descending=True)


def tutor_upcoming(user: User, *, now: datetime | None = None) -> SessionList:
    now = now or clock.now()
    rows = sessions_visible_to(user).filter(status=SessionStatus.SCHEDULED, scheduled_start_at__gt=now)
    return SessionList(rows, descending=False)


def recorded_sessions(user: User) -> SessionList:
    """Sessions with an outcome already recorded, the latest first."""
    return SessionList(sessions_visible_to(user).exclude(status=SessionStatus.SCHEDULED), descending=True)


def student_upcoming(user: User, *, now: datetime | None = None) -> SessionList:
    now = now or clock.now()
    return SessionList(sessions_visible_to(user).filter(scheduled_start_at__gt=now), descending=False)


def student_past(user: User, *, now: datetime | None = None) -> SessionList:
    now = now or clock.now()
    return SessionList(sessions_visible_to(user).filter(scheduled_start_at__lte=now), descending=True)


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
    return SessionList(sessions, descending=not awaiting)


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


def request_rows(queryset: QuerySet[TutoringRequest]) -> QuerySet[TutoringRequest]:
    return queryset.select_related("student").prefetch_related(
        Prefetch("packages", queryset=Package.objects.order_by("created_at", "id")),
        Prefetch(
            "matches",
            queryset=Match.objects.filter(status=Match.Status.ACTIVE).select_related("tutor"),
            to_attr="active_matches",
        ),
    )


def student_packages(user: User) -> QuerySet[Package]:
    return (
        packages_visible_to(user)
        .select_related("request")
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
