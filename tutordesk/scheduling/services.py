"""Every write to sessions: the status update, the admin correction and session creation.

Each function joins the caller's transaction (`savepoint=False`): the caller that owns the
request opens the outermost one, so its idempotency record commits or rolls back with the change.
An error raised here therefore rolls back everything the caller did in that transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from tutordesk.accounts.models import User
from tutordesk.audit.services import audit_log_write
from tutordesk.core.errors import (
    Forbidden,
    InvalidTransition,
    NoActivePackage,
    NotFound,
    SessionNotStarted,
    TutorDoubleBooked,
    ValidationError,
)
from tutordesk.core.validation import clean_aware_datetime, clean_int, clean_text
from tutordesk.scheduling.models import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, Session
from tutordesk.scheduling.selectors import session_is_visible
from tutordesk.scheduling.status import (
    OUTCOME_STATUSES,
    SESSION_STATUS_LABELS,
    SessionStatus,
    can_correct,
    can_transition,
    consumes,
)
from tutordesk.tutoring.models import Match, Package
from tutordesk.tutoring.services import decrement_sessions_used, increment_sessions_used, package_for_charge

MAX_NOTES_LENGTH = 2000
MAX_REASON_LENGTH = 500
NO_SESSIONS_LEFT = "This student has no sessions left — ask an admin to add a package"


@dataclass(frozen=True)
class StatusChange:
    session: Session
    package: Package | None
    replacement_session: Session | None


@transaction.atomic(savepoint=False)
def session_update_status(
    *,
    session_id: uuid.UUID | str,
    status: str,
    actor: User,
    tutor_notes: str | None = None,
    new_start_at: datetime | None = None,
) -> StatusChange:
    """Record what happened to a scheduled session (CONTRACT §3), charging its package if it consumes one."""
    _check_role(actor)
    _check_status_value(status)
    if tutor_notes is not None:
        clean_text(tutor_notes, field="tutor_notes", max_length=MAX_NOTES_LENGTH)
    if new_start_at is not None:
        _check_new_start(new_start_at, status)

    session = _lock_session(session_id)
    _check_actor(session, actor, admins_only=False)
    if not can_transition(session.status, status):
        raise InvalidTransition(
            f"This session is already {session.status_label}; only an upcoming session can be updated",
            current_status=session.status,
        )
    now = timezone.now()
    if status in OUTCOME_STATUSES and now < session.scheduled_start_at:
        raise SessionNotStarted("An outcome can only be recorded once the session has started")

    package = _charge(session) if consumes(status) else None
    replacement = _create_replacement(session, new_start_at, actor) if new_start_at is not None else None
    from_status = session.status
    notes = session.tutor_notes if tutor_notes is None else tutor_notes
    _write_status(
        session,
        from_status=from_status,
        status=status,
        package_id=package.id if package else None,
        tutor_notes=notes,
        updated_by=actor,
        updated_at=now,
    )
    audit_log_write(
        actor=actor,
        action="session_status_updated",
        entity_type="session",
        entity_id=session.id,
        details={
            "from_status": from_status,
            "status": status,
            "tutor_notes": notes,
            "package_id": str(package.id) if package else None,
            "sessions_used_after": package.sessions_used if package else None,
            "replacement_session_id": str(replacement.id) if replacement else None,
            "new_start_at": new_start_at.isoformat() if new_start_at else None,
        },
    )
    return StatusChange(session=session, package=package, replacement_session=replacement)


@transaction.atomic(savepoint=False)
def session_correct_status(
    *, session_id: uuid.UUID | str, status: str, reason: str, actor: User
) -> StatusChange:
    """An admin sets a recorded session to any other status, refunding or charging as needed."""
    _check_role(actor)
    _check_status_value(status)
    reason = clean_text(reason, field="reason", max_length=MAX_REASON_LENGTH, required=True).strip()

    session = _lock_session(session_id)
    _check_actor(session, actor, admins_only=True)
    if not can_correct(session.status, status):
        if session.status == SessionStatus.SCHEDULED:
            detail = "An upcoming session has no outcome to correct; record its status instead"
        else:
            detail = f"This session is already {session.status_label}"
        raise InvalidTransition(detail, current_status=session.status)

    from_status = session.status
    if status == SessionStatus.SCHEDULED:
        # Back on the calendar: it may not overlap what the tutor booked since (a replacement, say).
        _ensure_tutor_free(
            tutor_id=session.tutor_id,
            start=session.scheduled_start_at,
            duration=session.duration_minutes,
            exclude=session.id,
        )
    package: Package | None = None
    charged_to = session.package_id
    if consumes(from_status) and not consumes(status) and session.package_id is not None:
        package = decrement_sessions_used(package_id=session.package_id)
        charged_to = None
    elif consumes(status) and not consumes(from_status):
        package = _charge(session)
        charged_to = package.id
    _write_status(
        session,
        from_status=from_status,
        status=status,
        package_id=charged_to,
        updated_by=actor,
        updated_at=timezone.now(),
    )
    audit_log_write(
        actor=actor,
        action="session_status_corrected",
        entity_type="session",
        entity_id=session.id,
        details={
            "from_status": from_status,
            "status": status,
            "reason": reason,
            "package_id": str(package.id) if package else None,
            "sessions_used_after": package.sessions_used if package else None,
        },
    )
    return StatusChange(session=session, package=package, replacement_session=None)


@transaction.atomic(savepoint=False)
def session_create(
    *,
    match_id: uuid.UUID | str,
    scheduled_start_at: datetime,
    duration_minutes: int,
    actor: User,
    meet_link: str | None = None,
) -> Session:
    """Schedule a lesson for a match; the tutor may not be booked twice at once."""
    clean_aware_datetime(scheduled_start_at, field="scheduled_start_at")
    clean_int(
        duration_minutes, field="duration_minutes", minimum=MIN_DURATION_MINUTES, maximum=MAX_DURATION_MINUTES
    )
    meet_link = _clean_meet_link(meet_link)
    if not (actor.is_tutor or actor.is_admin):
        raise Forbidden("Only the tutor or an admin can schedule sessions")
    try:
        match = Match.objects.select_related("request").get(pk=match_id)
    except (Match.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such match") from exc
    if not actor.is_admin and match.tutor_id != actor.id:
        raise NotFound("No such match")
    if match.status != Match.Status.ACTIVE:
        raise ValidationError(
            "This match has ended; sessions can only be added to an active match", field="match_id"
        )
    _ensure_tutor_free(tutor_id=match.tutor_id, start=scheduled_start_at, duration=duration_minutes)
    session = Session.objects.create(
        match=match,
        request_id=match.request_id,
        tutor_id=match.tutor_id,
        student_id=match.request.student_id,
        scheduled_start_at=scheduled_start_at,
        duration_minutes=duration_minutes,
        meet_link=meet_link,
        updated_by=actor,
    )
    audit_log_write(
        actor=actor,
        action="session_created",
        entity_type="session",
        entity_id=session.id,
        details={
            "match_id": str(match.id),
            "scheduled_start_at": scheduled_start_at.isoformat(),
            "duration_minutes": duration_minutes,
            "meet_link": meet_link,
        },
    )
    return session


def _check_status_value(status: object) -> None:
    if not isinstance(status, str) or status not in SESSION_STATUS_LABELS:
        raise ValidationError(f"status must be one of {', '.join(SESSION_STATUS_LABELS)}", field="status")


def _check_new_start(new_start_at: datetime, status: str) -> None:
    if status != SessionStatus.RESCHEDULED:
        raise ValidationError("new_start_at goes only with status rescheduled", field="new_start_at")
    clean_aware_datetime(new_start_at, field="new_start_at")
    if new_start_at <= timezone.now():
        raise ValidationError("new_start_at must be in the future", field="new_start_at")


def _lock_session(session_id: uuid.UUID | str) -> Session:
    """The session, locked with its request row on PostgreSQL.

    Locking the request serialises every charge and refund of that request's packages, so two
    sessions racing for the last prepaid session cannot both win. SQLite ignores FOR UPDATE; its
    IMMEDIATE transactions take the database's write lock at BEGIN, which serialises writers.
    """
    try:
        return (
            Session.objects.select_for_update(of=("self", "request"))
            .select_related("request")
            .get(pk=session_id)
        )
    except (Session.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such session") from exc


def _check_role(actor: User) -> None:
    """Students never change statuses: refused for the role, before any session is looked up."""
    if not (actor.is_tutor or actor.is_admin):
        raise Forbidden("Only a tutor or an admin can change a session's status")


def _check_actor(session: Session, actor: User, *, admins_only: bool) -> None:
    """A tutor acts on their own sessions only; another tutor's session does not exist for them."""
    if actor.is_admin:
        return
    if not session_is_visible(session, actor):
        raise NotFound("No such session")
    if admins_only:
        raise Forbidden("Only an admin can correct a recorded session")


def _charge(session: Session) -> Package:
    package = package_for_charge(request_id=session.request_id)
    if package is None:
        raise NoActivePackage(NO_SESSIONS_LEFT)
    return increment_sessions_used(package=package)


def _write_status(session: Session, *, from_status: str, **fields: object) -> None:
    """Check-and-set: the row must still hold `from_status`, whatever the database's locking."""
    if Session.objects.filter(pk=session.pk, status=from_status).update(**fields) != 1:
        raise InvalidTransition(
            "This session was changed by someone else just now", current_status=from_status
        )
    for name, value in fields.items():
        setattr(session, name, value)


def _create_replacement(session: Session, new_start_at: datetime, actor: User) -> Session:
    if not Match.objects.filter(pk=session.match_id, status=Match.Status.ACTIVE).exists():
        raise ValidationError("This match has ended; ask an admin to set up a new one", field="new_start_at")
    _ensure_tutor_free(
        tutor_id=session.tutor_id, start=new_start_at, duration=session.duration_minutes, exclude=session.id
    )
    return Session.objects.create(
        match_id=session.match_id,
        request_id=session.request_id,
        tutor_id=session.tutor_id,
        student_id=session.student_id,
        scheduled_start_at=new_start_at,
        duration_minutes=session.duration_minutes,
        meet_link=session.meet_link,
        rescheduled_from=session,
        updated_by=actor,
    )


def _ensure_tutor_free(
    *, tutor_id: uuid.UUID, start: datetime, duration: int, exclude: uuid.UUID | None = None
) -> None:
    """Refuse a booking that overlaps a scheduled session of the same tutor.

    The tutor's user row is locked first, so two bookings for one tutor are checked one at a time.
    """
    list(User.objects.select_for_update().filter(pk=tutor_id).values_list("pk", flat=True))
    end = start + timedelta(minutes=duration)
    candidates = Session.objects.filter(
        tutor_id=tutor_id,
        status=SessionStatus.SCHEDULED,
        scheduled_start_at__lt=end,
        scheduled_start_at__gt=start - timedelta(minutes=MAX_DURATION_MINUTES),
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    for other in candidates.only("id", "scheduled_start_at", "duration_minutes"):
        if other.scheduled_end_at > start:
            raise TutorDoubleBooked(
                f"The tutor already has a session from {other.scheduled_start_at:%Y-%m-%d %H:%M} UTC "
                f"to {other.scheduled_end_at:%H:%M} UTC",
                conflicting_session_id=str(other.id),
            )


def _clean_meet_link(meet_link: str | None) -> str | None:
    if meet_link is None or meet_link == "":
        return None
    meet_link = clean_text(meet_link, field="meet_link", max_length=500).strip()
    try:
        URLValidator(schemes=["https"])(meet_link)
    except DjangoValidationError as exc:
        raise ValidationError("meet_link must be an https:// URL", field="meet_link") from exc
    return meet_link
