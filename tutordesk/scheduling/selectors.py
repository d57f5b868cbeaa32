"""Reads of sessions and the visibility rule: who may see which session."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet

from tutordesk.accounts.models import User
from tutordesk.core.errors import NotFound
from tutordesk.scheduling.models import Session


def session_visibility_q(user: User) -> Q:
    """Admins see every session, tutors their own, students theirs; nobody else sees any."""
    if user.is_admin:
        return Q()
    if user.is_tutor:
        return Q(tutor_id=user.id)
    if user.is_student:
        return Q(student_id=user.id)
    return Q(pk__in=[])


def session_is_visible(session: Session, user: User) -> bool:
    return (
        user.is_admin
        or (user.is_tutor and session.tutor_id == user.id)
        or (user.is_student and session.student_id == user.id)
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
