"""Page-specific reads for the dashboards. Visibility always starts from the selectors."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from tutordesk.accounts.models import Role, User
from tutordesk.audit.models import AuditLog
from tutordesk.audit.selectors import audit_logs_filtered
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.selectors import sessions_filtered, sessions_visible_to
from tutordesk.scheduling.status import SessionStatus
from tutordesk.tutoring.models import Match, Package, TutoringRequest
from tutordesk.tutoring.selectors import packages_visible_to


def session_rows(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """Sessions with what a row shows (student, tutor, subject, where a reschedule moved it),
    fetched in one query."""
    moved_to = Session.objects.filter(rescheduled_from=OuterRef("pk")).order_by("created_at")
    return queryset.select_related("student", "tutor", "request").annotate(
        moved_to=Subquery(moved_to.values("scheduled_start_at")[:1]),
        moved_from=F("rescheduled_from__scheduled_start_at"),
    )


def tutor_needs_outcome(user: User, *, now: datetime | None = None) -> QuerySet[Session]:
    """Sessions that have started but still wait for an outcome, the latest first."""
    now = now or timezone.now()
    return session_rows(
        sessions_visible_to(user).filter(status=SessionStatus.SCHEDULED, scheduled_start_at__lte=now)
    ).order_by("-scheduled_start_at", "id")


def tutor_upcoming(user: User, *, now: datetime | None = None) -> QuerySet[Session]:
    now = now or timezone.now()
    return session_rows(
        sessions_visible_to(user).filter(status=SessionStatus.SCHEDULED, scheduled_start_at__gt=now)
    ).order_by("scheduled_start_at", "id")


def recorded_sessions(user: User) -> QuerySet[Session]:
    """Sessions with an outcome already recorded, the latest first."""
    return session_rows(sessions_visible_to(user).exclude(status=SessionStatus.SCHEDULED)).order_by(
        "-scheduled_start_at", "id"
    )


@dataclass(frozen=True)
class SessionFilters:
    status: str = ""
    tutor_id: uuid.UUID | None = None
    student: str = ""
    start: datetime | None = None
    end: datetime | None = None


AWAITING_OUTCOME = "awaiting_outcome"


def admin_sessions(user: User, filters: SessionFilters) -> QuerySet[Session]:
    """The admin list: the shared session filters, plus a name/email search and the
    "awaiting outcome" view (started, still scheduled; the oldest first)."""
    awaiting = filters.status == AWAITING_OUTCOME
    sessions = sessions_filtered(
        user=user,
        status=SessionStatus.SCHEDULED if awaiting else filters.status or None,
        tutor_id=filters.tutor_id,
        start_from=filters.start,
        start_before=filters.end,
    )
    if awaiting:
        sessions = sessions.filter(scheduled_start_at__lte=timezone.now())
    if filters.student:
        sessions = sessions.filter(
            Q(student__email__icontains=filters.student) | Q(student__name__icontains=filters.student)
        )
    order = ("scheduled_start_at", "id") if awaiting else ("-scheduled_start_at", "id")
    return session_rows(sessions).order_by(*order)


def student_upcoming(user: User, *, now: datetime | None = None) -> QuerySet[Session]:
    now = now or timezone.now()
    return session_rows(sessions_visible_to(user).filter(scheduled_start_at__gt=now)).order_by(
        "scheduled_start_at", "id"
    )


def student_past(user: User, *, now: datetime | None = None) -> QuerySet[Session]:
    now = now or timezone.now()
    return session_rows(sessions_visible_to(user).filter(scheduled_start_at__lte=now)).order_by(
        "-scheduled_start_at", "id"
    )


def sessions_left_by_request(user: User, request_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Prepaid sessions still available per request: the unused part of its active packages.

    One query for a whole page of rows, so the dashboard's query count does not grow with it.
    """
    ids = set(request_ids)
    if not ids:
        return {}
    left = dict.fromkeys(ids, 0)
    rows = (
        packages_visible_to(user)
        .filter(request_id__in=ids, status=Package.Status.ACTIVE)
        .values("request_id")
        .annotate(left=Sum(F("sessions_total") - F("sessions_used")))
        .order_by()
    )
    for row in rows:
        left[row["request_id"]] = row["left"] or 0
    return left


def sessions_left_for_request(user: User, request_id: uuid.UUID) -> int:
    return sessions_left_by_request(user, [request_id]).get(request_id, 0)


def tutors() -> QuerySet[User]:
    return User.objects.filter(role=Role.TUTOR, is_active=True).order_by("name", "email")


def requests_with_packages(search: str = "") -> QuerySet[TutoringRequest]:
    """Every request with its student, its active tutor and its packages (admin page)."""
    requests = TutoringRequest.objects.select_related("student").prefetch_related(
        Prefetch("packages", queryset=Package.objects.order_by("created_at", "id")),
        Prefetch(
            "matches",
            queryset=Match.objects.filter(status=Match.Status.ACTIVE).select_related("tutor"),
            to_attr="active_matches",
        ),
    )
    if search:
        requests = requests.filter(
            Q(student__email__icontains=search)
            | Q(student__name__icontains=search)
            | Q(subject__icontains=search)
        )
    return requests.order_by("student__name", "subject", "id")


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
    start: datetime | None = None
    end: datetime | None = None


def audit_logs(user: User, filters: AuditFilters) -> QuerySet[AuditLog]:
    """The audit selector's rows (admins only, newest first), plus an actor search and dates."""
    logs = audit_logs_filtered(
        user=user,
        action=filters.action or None,
        entity_type=filters.entity_type or None,
        entity_id=filters.entity_id,
    ).select_related("actor")
    if filters.actor:
        logs = logs.filter(Q(actor__email__icontains=filters.actor) | Q(actor__name__icontains=filters.actor))
    if filters.start:
        logs = logs.filter(created_at__gte=filters.start)
    if filters.end:
        logs = logs.filter(created_at__lt=filters.end)
    return logs


def audit_actions() -> list[str]:
    return list(AuditLog.objects.order_by("action").values_list("action", flat=True).distinct())
