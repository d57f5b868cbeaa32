"""Every write to sessions: the status update, the admin correction, session creation and the
edit of a scheduled lesson's details (its meet link and length).

Each function joins the caller's transaction (`savepoint=False`): the caller that owns the
request opens the outermost one, so its idempotency record commits or rolls back with the change.
An error raised here therefore rolls back everything the caller did in that transaction.

Locks, always in this order, so two changes can never wait on each other in a circle:
0. the match row, for anything that books on a match or ends it (`session_create`, a series,
   `matches.py`): the match's status is read under it, so a booking never lands on a match an
   end or a reassignment has just ended;
1. the session and its request, together, in one statement (`_lock_session`): every charge and
   refund of a request's packages is serialised by the request's row;
2. the tutor's user row, when a booking must not overlap another (`clashes.lock_tutor`).
Rows are locked FOR NO KEY UPDATE: the foreign-key checks of other transactions (FOR KEY SHARE,
taken at COMMIT on PostgreSQL) never wait on them, which is what let a booking and a status
update deadlock before. SQLite ignores row locks; its IMMEDIATE transactions serialise writers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction

from tutordesk.accounts.access import require_admin, require_staff
from tutordesk.accounts.models import User
from tutordesk.audit.details import FromTo
from tutordesk.audit.services import audit_log_write
from tutordesk.core import clock
from tutordesk.core.db.rows import fetch_models, insert_rows, select_list, update_if
from tutordesk.core.errors import (
    CancellationTooLate,
    InvalidTransition,
    NoActivePackage,
    NotFound,
    SessionNotStarted,
    ValidationError,
    require,
)
from tutordesk.core.validation import clean_aware_datetime, clean_int, clean_meet_link, clean_text
from tutordesk.events.models import EventType
from tutordesk.events.services import NewEvent, events_record, package_balance_events
from tutordesk.scheduling.audit import (
    SessionCancelled,
    SessionCreated,
    SessionDetailsUpdated,
    SessionStatusCorrected,
    SessionStatusUpdated,
)
from tutordesk.scheduling.clashes import Slot, ensure_tutor_free
from tutordesk.scheduling.links import link_provider
from tutordesk.scheduling.models import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, Series, Session
from tutordesk.scheduling.selectors import session_is_visible
from tutordesk.scheduling.shapes import session_dict
from tutordesk.scheduling.status import (
    OUTCOME_STATUSES,
    SESSION_STATUS_LABELS,
    PackageMove,
    SessionStatus,
    can_correct,
    can_transition,
    consumes,
    package_move,
)
from tutordesk.tutoring.models import Match, Package
from tutordesk.tutoring.services import Charge, decrement_sessions_used, increment_sessions_used
from tutordesk.tutoring.shapes import package_dict

MAX_NOTES_LENGTH = 2000
MAX_REASON_LENGTH = 500
NO_SESSIONS_LEFT = "This student has no sessions left — ask an admin to add a package"


class _Unchanged:
    """A detail the caller leaves as it is (unlike None, which for `meet_link` means "no link")."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


@dataclass(frozen=True)
class StatusChange:
    session: Session
    from_status: str
    charge: Charge | None  # the session charged to a package or refunded to it, if either
    replacement_session: Session | None

    @property
    def package(self) -> Package | None:
        """The package charged or refunded, as it is after the change."""
        return self.charge.package if self.charge is not None else None

    @property
    def package_move(self) -> PackageMove | None:
        """Whether the change charged or refunded a session on `package` (None: it did neither)."""
        if self.package is None:
            return None
        return package_move(self.from_status, self.session.status)


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
    require_staff(actor, "change a session's status")
    _check_status_value(status)
    if tutor_notes is not None:
        clean_text(tutor_notes, field="tutor_notes", max_length=MAX_NOTES_LENGTH)
    if new_start_at is not None:
        new_start_at = _clean_new_start(new_start_at, status)

    session = _lock_session(session_id)
    _check_actor(session, actor, admins_only=False)
    if not can_transition(session.status, status):
        raise InvalidTransition(
            f"This session is already {session.status_label}; only an upcoming session can be updated",
            current_status=session.status,
        )
    now = clock.now()
    require(
        status not in OUTCOME_STATUSES or now >= session.scheduled_start_at,
        SessionNotStarted,
        "An outcome can only be recorded once the session has started",
    )

    charge = _charge(session) if consumes(status) else None
    package = charge.package if charge is not None else None
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
    )
    audit_log_write(
        actor=actor,
        entity_id=session.id,
        details=SessionStatusUpdated(
            from_status=from_status,
            status=status,
            tutor_notes=notes,
            package_id=package.id if package else None,
            sessions_used_after=package.sessions_used if package else None,
            replacement_session_id=replacement.id if replacement else None,
            new_start_at=new_start_at,
        ),
    )
    change = StatusChange(
        session=session, from_status=from_status, charge=charge, replacement_session=replacement
    )
    _record_events(EventType.SESSION_STATUS_UPDATED, change)
    return change


@transaction.atomic(savepoint=False)
def session_correct_status(
    *, session_id: uuid.UUID | str, status: str, reason: str, actor: User
) -> StatusChange:
    """An admin sets a recorded session to any other status, refunding or charging as needed."""
    require_staff(actor, "change a session's status")
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
        ensure_tutor_free(
            tutor_id=session.tutor_id,
            slots=[Slot(session.scheduled_start_at, session.duration_minutes)],
            exclude=[session.id],
        )
    charge: Charge | None = None
    charged_to = session.package_id
    if consumes(from_status) and not consumes(status) and session.package_id is not None:
        charge = decrement_sessions_used(package_id=session.package_id)
        charged_to = None
    elif consumes(status) and not consumes(from_status):
        charge = _charge(session)
        charged_to = charge.package.id
    _write_status(
        session,
        from_status=from_status,
        status=status,
        package_id=charged_to,
        updated_by=actor,
    )
    change = StatusChange(session=session, from_status=from_status, charge=charge, replacement_session=None)
    audit_log_write(
        actor=actor,
        entity_id=session.id,
        details=SessionStatusCorrected(
            from_status=from_status,
            status=status,
            package_id=change.package.id if change.package else None,
            sessions_used_after=change.package.sessions_used if change.package else None,
            reason=reason,
        ),
    )
    _record_events(EventType.SESSION_STATUS_CORRECTED, change)
    return change


def cancellation_notice_hours() -> int:
    """How many hours before the start a student or guardian must cancel (0: until it starts)."""
    return int(settings.CANCELLATION_NOTICE_HOURS)


def cancel_refusal(
    *, status: str, starts_at: datetime, actor: User, now: datetime | None = None
) -> str | None:
    """Why `actor` may not cancel a lesson in `status` starting at `starts_at`, in words; None
    when they may.

    The one statement of §12's rules, read by the service and by the pages (which offer the Cancel
    action only where this is None). Visibility is the caller's business: the service looks the
    session up as the actor sees it, and pages only list sessions their viewer may see.
    """
    if status != SessionStatus.SCHEDULED:
        label = SESSION_STATUS_LABELS.get(status, status)
        return f"This lesson is already {label}; only an upcoming lesson can be cancelled"
    now = now or clock.now()
    if now >= starts_at:
        return "This lesson has started; record what happened instead of cancelling it"
    if actor.is_student or actor.is_guardian:
        notice = cancellation_notice_hours()
        if starts_at - now < timedelta(hours=notice):
            return f"Lessons can be cancelled here up to {notice} hours before they start; ask the tutor"
    return None


@transaction.atomic(savepoint=False)
def session_cancel(*, session_id: uuid.UUID | str, reason: str, actor: User) -> StatusChange:
    """Take one scheduled lesson off the schedule (CONTRACT §12): its tutor, an admin, its student or
    a guardian of the student, before it starts (a student or guardian with the notice the setting
    asks). It becomes `rescheduled` with no charge and no replacement, audited as a cancellation with
    who cancelled, the reason and the notice given; its events are those of any status change."""
    reason = clean_text(reason, field="reason", max_length=MAX_REASON_LENGTH, required=True).strip()

    session = _lock_session(session_id)
    # Whoever may not see the session finds none (a guardian of another student, another tutor).
    require(session_is_visible(session, actor), NotFound, "No such session")
    if session.status != SessionStatus.SCHEDULED:
        raise InvalidTransition(
            f"This lesson is already {session.status_label}; only an upcoming lesson can be cancelled",
            current_status=session.status,
        )
    now = clock.now()
    refusal = cancel_refusal(
        status=session.status, starts_at=session.scheduled_start_at, actor=actor, now=now
    )
    if refusal is not None:
        raise CancellationTooLate(refusal)

    from_status = session.status
    status = SessionStatus.RESCHEDULED
    _write_status(session, from_status=from_status, status=status, package_id=None, updated_by=actor)
    notice = session.scheduled_start_at - now
    audit_log_write(
        actor=actor,
        entity_id=session.id,
        details=SessionCancelled(
            from_status=from_status,
            status=status,
            cancelled_by=actor.id,
            cancelled_by_role=actor.role,
            reason=reason,
            notice_hours=round(notice.total_seconds() / 3600, 1),
        ),
    )
    change = StatusChange(session=session, from_status=from_status, charge=None, replacement_session=None)
    _record_events(EventType.SESSION_STATUS_UPDATED, change)
    return change


@transaction.atomic(savepoint=False)
def session_create(
    *,
    match_id: uuid.UUID | str,
    scheduled_start_at: datetime,
    duration_minutes: int,
    actor: User,
    meet_link: str | None = None,
    allow_past: bool | None = None,
) -> Session:
    """Schedule a lesson for a match; the tutor may not be booked twice at once.

    A lesson that starts in the past is a back-fill: only an admin records one (`allow_past`
    defaults to whether the actor is an admin; the demo's story passes True to tell its past)."""
    scheduled_start_at = clean_aware_datetime(scheduled_start_at, field="scheduled_start_at")
    if allow_past is None:
        allow_past = actor.is_admin
    ensure_not_past(scheduled_start_at, allow_past=allow_past, field="scheduled_start_at")
    clean_int(
        duration_minutes, field="duration_minutes", minimum=MIN_DURATION_MINUTES, maximum=MAX_DURATION_MINUTES
    )
    meet_link = clean_meet_link(meet_link)
    require_staff(actor, "schedule sessions")
    try:
        # Lock order, step 0: the match row, in the same statement that reads it, so a booking and
        # an end or a reassignment of its match run one after the other (matches.py).
        match = (
            Match.objects.select_related("request")
            .select_for_update(no_key=True, of=("self",))
            .get(pk=match_id)
        )
    except (Match.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such match") from exc
    require(actor.is_admin or match.tutor_id == actor.id, NotFound, "No such match")
    require(
        match.status == Match.Status.ACTIVE,
        ValidationError,
        "This match has ended; sessions can only be added to an active match",
        field="match_id",
        reason="match_ended",
    )
    ensure_tutor_free(tutor_id=match.tutor_id, slots=[Slot(scheduled_start_at, duration_minutes)])
    session = new_session(
        match=match,
        student_id=match.request.student_id,
        start=scheduled_start_at,
        duration_minutes=duration_minutes,
        meet_link=meet_link,
        actor=actor,
        allow_past=allow_past,
    )
    audit_log_write(
        actor=actor,
        entity_id=session.id,
        details=SessionCreated(
            match_id=match.id,
            scheduled_start_at=scheduled_start_at,
            duration_minutes=duration_minutes,
            meet_link=session.meet_link,
        ),
    )
    events_record(changes=[NewEvent(EventType.SESSION_CREATED, {"session": session_dict(session)})])
    return session


@transaction.atomic(savepoint=False)
def session_update_details(
    *,
    session_id: uuid.UUID | str,
    actor: User,
    meet_link: str | None = UNCHANGED,
    duration_minutes: int = UNCHANGED,
) -> Session:
    """Change a scheduled lesson's meet link or length (its tutor, or an admin; CONTRACT §13).

    A longer lesson must still fit the tutor's day (`tutor_double_booked`, under the tutor's row
    lock, the session itself left out). `meet_link=None` clears a typed link: the meeting provider
    may then make one (links.py). Details left UNCHANGED stay; nothing changed, nothing written.
    """
    require_staff(actor, "change a session's details")
    if meet_link is not UNCHANGED:
        meet_link = clean_meet_link(meet_link)
    if duration_minutes is not UNCHANGED:
        clean_int(
            duration_minutes,
            field="duration_minutes",
            minimum=MIN_DURATION_MINUTES,
            maximum=MAX_DURATION_MINUTES,
        )

    session = _lock_session(session_id)
    _check_actor(session, actor, admins_only=False)
    if session.status != SessionStatus.SCHEDULED:
        raise InvalidTransition(
            f"This session is already {session.status_label}; only an upcoming session's details can change",
            current_status=session.status,
        )
    changes: dict[str, FromTo] = {}
    if duration_minutes is not UNCHANGED and duration_minutes != session.duration_minutes:
        if duration_minutes > session.duration_minutes:
            ensure_tutor_free(
                tutor_id=session.tutor_id,
                slots=[Slot(session.scheduled_start_at, duration_minutes)],
                exclude=[session.id],
            )
        changes["duration_minutes"] = FromTo(before=session.duration_minutes, after=duration_minutes)
    if meet_link is not UNCHANGED:
        link = meet_link if meet_link is not None else link_provider().link_cleared(session)
        if link != session.meet_link:
            changes["meet_link"] = FromTo(before=session.meet_link, after=link)
    if not changes:
        return session
    _write_details(session, {name: change.after for name, change in changes.items()}, updated_by=actor)
    audit_log_write(actor=actor, entity_id=session.id, details=SessionDetailsUpdated(changes=changes))
    events_record(
        changes=[
            NewEvent(
                EventType.SESSION_UPDATED,
                {
                    "session": session_dict(session),
                    "changes": {name: change.model_dump(mode="json") for name, change in changes.items()},
                },
            )
        ]
    )
    return session


def _write_details(session: Session, values: dict[str, Any], *, updated_by: User) -> None:
    if not update_if(
        session, where={"status": SessionStatus.SCHEDULED}, values={**values, "updated_by": updated_by}
    ):
        raise InvalidTransition(
            "This session was changed by someone else just now", current_status=SessionStatus.SCHEDULED
        )


def _record_events(event_type: EventType, change: StatusChange) -> None:
    """The events of a status change, in one INSERT: the session's own (with the package it charged
    or refunded), the replacement's `session.created`, and what a charge did to the balance.
    Everything comes from rows this change already holds: no read is added."""
    session, charge, replacement = change.session, change.charge, change.replacement_session
    package = package_dict(charge.package) if charge is not None else None
    data: dict[str, Any] = {"session": session_dict(session), "package": package}
    if event_type == EventType.SESSION_STATUS_UPDATED:
        data["replacement_session"] = session_dict(replacement) if replacement else None
    changes = [NewEvent(event_type, data)]
    if replacement is not None:
        changes.append(NewEvent(EventType.SESSION_CREATED, {"session": session_dict(replacement)}))
    if charge is not None and package is not None and change.package_move == "charged":
        changes += package_balance_events(
            package=package,
            request_sessions_left=charge.request_sessions_left,
            student_id=str(session.student_id),
        )
    events_record(changes=changes)


def _check_status_value(status: object) -> None:
    if not isinstance(status, str) or status not in SESSION_STATUS_LABELS:
        raise ValidationError(f"status must be one of {', '.join(SESSION_STATUS_LABELS)}", field="status")


def _clean_new_start(new_start_at: datetime, status: str) -> datetime:
    require(
        status == SessionStatus.RESCHEDULED,
        ValidationError,
        "new_start_at goes only with status rescheduled",
        field="new_start_at",
        reason="only_with_rescheduled",
    )
    new_start_at = clean_aware_datetime(new_start_at, field="new_start_at")
    require(
        new_start_at > clock.now(),
        ValidationError,
        "new_start_at must be in the future",
        field="new_start_at",
        reason="not_in_future",
    )
    return new_start_at


def _lock_session(session_id: uuid.UUID | str) -> Session:
    """The session, locked with its request row (lock order, step 1: see the module's docstring).

    Written by hand: it is the first statement of every status change, and the ORM would spend
    more time building it than the database spends running it.
    """
    try:
        key = Session._meta.pk.get_db_prep_value(session_id, connection)
    except (DjangoValidationError, ValueError, TypeError) as exc:
        raise NotFound("No such session") from exc
    rows = fetch_models(Session, _LOCK_SQL[connection.vendor == "postgresql"], [key])
    if not rows:
        raise NotFound("No such session")
    return rows[0][0]


# [other databases, PostgreSQL]: SQLite has no row locks (its transactions serialise writers).
_LOCK_SQL = (
    f"SELECT {select_list(Session, 'sessions')} FROM sessions WHERE sessions.id = %s",  # noqa: S608 (model columns only)
    f"SELECT {select_list(Session, 'sessions')} FROM sessions JOIN requests ON requests.id = sessions.request_id "  # noqa: S608 (model columns only)
    "WHERE sessions.id = %s FOR NO KEY UPDATE OF sessions, requests",
)


def _check_actor(session: Session, actor: User, *, admins_only: bool) -> None:
    """A tutor acts on their own sessions only; another tutor's session does not exist for them."""
    if actor.is_admin:
        return
    require(session_is_visible(session, actor), NotFound, "No such session")
    if admins_only:
        require_admin(actor, "correct a recorded session")


def _charge(session: Session) -> Charge:
    charge = increment_sessions_used(request_id=session.request_id)
    if charge is None:
        raise NoActivePackage(NO_SESSIONS_LEFT)
    return charge


def _write_status(session: Session, *, from_status: str, **fields: object) -> None:
    """Check-and-set: the row must still hold `from_status`, whatever the database's locking
    (`updated_at` is set from the clock by the write itself)."""
    if not update_if(session, where={"status": from_status}, values=fields):
        raise InvalidTransition(
            "This session was changed by someone else just now", current_status=from_status
        )


def _create_replacement(session: Session, new_start_at: datetime, actor: User) -> Session:
    match = Match.objects.filter(pk=session.match_id, status=Match.Status.ACTIVE).first()
    require(
        match is not None,
        ValidationError,
        "This match has ended; ask an admin to set up a new one",
        field="new_start_at",
        reason="match_ended",
    )
    assert match is not None
    ensure_tutor_free(
        tutor_id=session.tutor_id, slots=[Slot(new_start_at, session.duration_minutes)], exclude=[session.id]
    )
    return new_session(
        match=match,
        student_id=session.student_id,
        start=new_start_at,
        duration_minutes=session.duration_minutes,
        meet_link=session.meet_link,
        actor=actor,
        allow_past=False,
        rescheduled_from=session,
        series_id=session.series_id,  # a moved occurrence stays in its series (CONTRACT §12)
    )


def new_session(
    *,
    match: Match,
    student_id: uuid.UUID,
    start: datetime,
    duration_minutes: int,
    meet_link: str | None,
    actor: User,
    allow_past: bool = False,
    rescheduled_from: Session | None = None,
    series: Series | None = None,
    series_id: uuid.UUID | None = None,
) -> Session:
    """The one place a session row is made: a lone booking, a reschedule's replacement, and every
    other way a lesson comes to be goes through here, so what every new session gets is decided
    once. The caller has checked the rules and the tutor's time (`clashes.ensure_tutor_free`) and
    writes the audit row and events of its change.

    The meet link comes from the meeting provider when nobody typed one (links.py): a link typed
    by hand always wins; a replacement keeps the original's link.

    No lesson starts in the past by accident: unless `allow_past` (an admin back-filling one,
    decided by the caller from the actor's role) a start at or before now is a `validation_error`
    on `scheduled_start_at`."""
    ensure_not_past(start, allow_past=allow_past, field="scheduled_start_at")
    link = link_provider().new_session_link(
        tutor_id=match.tutor_id, meet_link=meet_link, rescheduled_from=rescheduled_from
    )
    session = Session.objects.create(
        match=match,
        request_id=match.request_id,
        tutor_id=match.tutor_id,
        student_id=student_id,
        scheduled_start_at=start,
        duration_minutes=duration_minutes,
        meet_link=link.meet_link,
        rescheduled_from=rescheduled_from,
        updated_by=actor,
        series_id=series.id if series is not None else series_id,
    )
    if link.then is not None:
        link.then(session)
    return session


def new_sessions(
    *,
    match: Match,
    student_id: uuid.UUID,
    starts: list[datetime],
    duration_minutes: int,
    meet_link: str | None,
    actor: User,
    series: Series,
) -> list[Session]:
    """`new_session` for many lessons of one match at once (a series' occurrences): each gets its
    link from the meeting provider exactly as a lone booking does, and the rows go to the
    database in one INSERT (`insert_rows`; inside `batched_inserts`, with the change's other rows).
    No series starts in the past: its first lesson must be ahead (`validation_error` on `start_at`)."""
    ensure_not_past(min(starts), allow_past=False, field="start_at")
    provider = link_provider()
    links = [
        provider.new_session_link(tutor_id=match.tutor_id, meet_link=meet_link, rescheduled_from=None)
        for _ in starts
    ]
    sessions = [
        Session(
            match=match,
            request_id=match.request_id,
            tutor_id=match.tutor_id,
            student_id=student_id,
            scheduled_start_at=start,
            duration_minutes=duration_minutes,
            meet_link=link.meet_link,
            updated_by=actor,
            series=series,
        )
        for start, link in zip(starts, links, strict=True)
    ]
    insert_rows(sessions)
    for session, link in zip(sessions, links, strict=True):
        if link.then is not None:
            link.then(session)
    return sessions


def ensure_not_past(start: datetime, *, allow_past: bool, field: str) -> None:
    """`validation_error` (reason `in_past`) on `field` for a start that is not in the future,
    unless `allow_past`."""
    require(
        allow_past or start > clock.now(),
        ValidationError,
        f"{field} is in the past; only an admin can record a lesson that has already started",
        field=field,
        reason="in_past",
    )
