"""Reads of sessions, the visibility rule (who may see which session) and the ledger check."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, F, Q, QuerySet

from tutordesk.accounts.models import User
from tutordesk.accounts.selectors import student_ids_seen_by, students_of_guardian
from tutordesk.core import clock
from tutordesk.core.errors import HasUpcomingSessions, NotFound
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.status import CONSUMING_STATUSES, SessionStatus
from tutordesk.tutoring.models import Package


def session_visibility_q(user: User) -> Q:
    """Admins see every session, tutors their own, students theirs, guardians their students';
    nobody else sees any."""
    if user.is_admin:
        return Q()
    if user.is_tutor:
        return Q(tutor_id=user.id)
    if user.is_student:
        return Q(student_id=user.id)
    if user.is_guardian:
        return Q(student_id__in=students_of_guardian(user).values("student_id"))
    return Q(pk__in=[])


def session_is_visible(session: Session, user: User) -> bool:
    return (
        user.is_admin
        or (user.is_tutor and session.tutor_id == user.id)
        or (user.is_student and session.student_id == user.id)
        or (user.is_guardian and session.student_id in student_ids_seen_by(user))
    )


def sessions_visible_to(user: User) -> QuerySet[Session]:
    return Session.objects.filter(session_visibility_q(user))


def session_get(*, session_id: uuid.UUID | str, user: User) -> Session:
    """The session if this user may see it; NotFound otherwise (never a hint that it exists)."""
    try:
        session = sessions_visible_to(user).select_related("match", "request").get(pk=session_id)
    except (Session.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such session") from exc
    return session


def sessions_filtered(
    *,
    user: User,
    status: str | None = None,
    tutor_id: uuid.UUID | None = None,
    student_id: uuid.UUID | None = None,
    start_from: datetime | None = None,
    start_before: datetime | None = None,
) -> QuerySet[Session]:
    """The sessions this user may see, narrowed by the filters, in (scheduled_start_at, id) order.

    Each filter lines up with an index led by tutor, student or status and followed by
    (scheduled_start_at, id), so a keyset page reads only the rows it returns.
    """
    sessions = sessions_visible_to(user)
    if status is not None:
        sessions = sessions.filter(status=status)
    if tutor_id is not None:
        sessions = sessions.filter(tutor_id=tutor_id)
    if student_id is not None:
        sessions = sessions.filter(student_id=student_id)
    if start_from is not None:
        sessions = sessions.filter(scheduled_start_at__gte=start_from)
    if start_before is not None:
        sessions = sessions.filter(scheduled_start_at__lt=start_before)
    return sessions.order_by("scheduled_start_at", "id")


def ledger_problems() -> Iterator[str]:
    """Every way the packages disagree with the sessions charged to them (CONTRACT §2)."""
    charged = Count("sessions", filter=Q(sessions__status__in=CONSUMING_STATUSES))
    rows = (
        Package.objects.annotate(charged=charged)
        .values_list("id", "sessions_used", "sessions_total", "status", "charged")
        .order_by("created_at", "id")
    )
    for package_id, used, total, status, charged_count in rows.iterator(chunk_size=2000):
        if not 0 <= used <= total:
            yield f"package {package_id}: sessions_used {used} outside 0..{total}"
        if used != charged_count:
            yield (
                f"package {package_id}: sessions_used is {used} but {charged_count} "
                "session(s) charged to it consume a session"
            )
        if status == Package.Status.EXHAUSTED and used != total:
            yield f"package {package_id}: exhausted with {total - used} session(s) left"
        if status == Package.Status.ACTIVE and used >= total:
            yield f"package {package_id}: active with no session left"
    uncharged = Session.objects.filter(status__in=CONSUMING_STATUSES, package__isnull=True)
    for session_id in uncharged.values_list("id", flat=True).iterator(chunk_size=2000):
        yield f"session {session_id}: consumes a session but is charged to no package"
    foreign = Session.objects.filter(package__isnull=False).exclude(package__request_id=F("request_id"))
    for session_id in foreign.values_list("id", flat=True).iterator(chunk_size=2000):
        yield f"session {session_id}: charged to a package of another request"


def refuse_deactivating_a_booked_tutor(user: User) -> None:
    """A tutor with lessons still to come cannot be deactivated (accounts.hooks): reassign them first."""
    if not user.is_tutor:
        return
    upcoming = Session.objects.filter(
        tutor_id=user.pk, status=SessionStatus.SCHEDULED, scheduled_start_at__gt=clock.now()
    ).count()
    if upcoming:
        raise HasUpcomingSessions(
            f"{user.name} has {upcoming} upcoming lesson{'s' if upcoming != 1 else ''}; reassign them first",
            upcoming=upcoming,
        )
