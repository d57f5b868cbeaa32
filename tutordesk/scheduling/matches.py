"""Ending a match and handing it to another tutor, with its lessons (CONTRACT §11).

A match's lessons live a floor above its match, so what happens to them when the match ends sits
here, calling the services of both floors in one transaction (the caller's: see services.py):

- **End**: the match ends and each of its lessons still `scheduled` in the future leaves the
  schedule: `rescheduled`, nothing charged, no replacement, an audit row naming the reason, and the
  events of any status change.
- **Reassign**: the match ends, a new active match of the same request begins with the new tutor,
  and every one of those lessons moves to the new tutor at the same time (the old one
  `rescheduled`, its replacement under the new match through `new_session`, `rescheduled_from`
  set). Any clash with the new tutor's lessons refuses the whole change (`tutor_double_booked`
  listing every clash) and nothing changes.

Lessons that have started and still await an outcome stay as they are: the tutor who taught them
records them (an admin can correct them).

Locks, in the order of services.py: the match's row first, its status checked under the lock (a
booking on the match takes the same row first, so it either lands before and is moved or taken off
with the others, or waits and is refused `match_ended`); then its upcoming lessons (in id order),
then their request (`tutoring.services.match_end`), then the new tutor's row
(`clashes.ensure_tutor_free`). A status update takes a lesson, then its request, so it never holds
the request while waiting for a lesson this change holds; two ends or reassignments of one match
wait on the match row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet

from tutordesk.accounts.access import require_admin
from tutordesk.accounts.models import Role, User
from tutordesk.audit.services import audit_log_write
from tutordesk.core import clock
from tutordesk.core.errors import MatchNotActive, NotFound, ValidationError, require
from tutordesk.core.validation import clean_text
from tutordesk.events.models import EventType
from tutordesk.events.services import NewEvent, events_record
from tutordesk.scheduling.audit import SessionCreated, SessionMatchEnded, SessionReassigned
from tutordesk.scheduling.clashes import Slot, ensure_tutor_free
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import MAX_REASON_LENGTH, _write_status, new_session
from tutordesk.scheduling.shapes import session_dict
from tutordesk.scheduling.status import SessionStatus
from tutordesk.tutoring.models import Match
from tutordesk.tutoring.services import match_create, match_end, person_for


@dataclass(frozen=True)
class MatchEnding:
    match: Match  # as it is after the change: ended
    taken_off: list[Session]  # the upcoming lessons that left the schedule


@dataclass(frozen=True)
class Reassignment:
    ended: Match
    match: Match  # the new, active match
    moved: list[tuple[Session, Session]]  # each upcoming lesson and its replacement


@transaction.atomic(savepoint=False)
def match_end_with_lessons(*, match_id: uuid.UUID | str, reason: str, actor: User) -> MatchEnding:
    """An admin ends a match; its upcoming lessons leave the schedule (CONTRACT §11)."""
    require_admin(actor, "end a match")
    reason = _clean_reason(reason)
    match = _active_match(match_id)
    # Counted before the match ends, read again once the request is held (see _lock_upcoming).
    taken_off = len(_lock_upcoming(match))
    if not match_end(match_id=match.id, actor=actor, reason=reason, sessions_taken_off=taken_off):
        raise MatchNotActive("This match has already ended")
    lessons = _lock_upcoming(match)
    changes: list[NewEvent] = []
    for lesson in lessons:
        _take_off(lesson, actor=actor)
        audit_log_write(
            actor=actor,
            entity_id=lesson.id,
            details=SessionMatchEnded(
                from_status=SessionStatus.SCHEDULED,
                status=SessionStatus.RESCHEDULED,
                match_id=match.id,
                reason=reason,
            ),
        )
        changes.append(_status_event(lesson, replacement=None))
    if changes:
        events_record(changes=changes)
    match.status = Match.Status.ENDED
    return MatchEnding(match=match, taken_off=lessons)


@transaction.atomic(savepoint=False)
def match_reassign(
    *, match_id: uuid.UUID | str, tutor_id: uuid.UUID | str, reason: str, actor: User
) -> Reassignment:
    """An admin hands a match to another tutor, moving its upcoming lessons (CONTRACT §11)."""
    require_admin(actor, "reassign a match")
    reason = _clean_reason(reason)
    match = _active_match(match_id)
    tutor = person_for(user_id=tutor_id, field="tutor_id", role=Role.TUTOR)
    require(
        tutor.id != match.tutor_id,
        ValidationError,
        "This tutor already teaches this match; choose another tutor",
        field="tutor_id",
        reason="same_tutor",
    )
    _lock_upcoming(match)
    if not match_end(match_id=match.id, actor=actor, reason=reason):
        raise MatchNotActive("This match has already ended")
    lessons = _lock_upcoming(match)
    # The new tutor's row, then every lesson checked at once: all clashes listed, or none moved.
    ensure_tutor_free(
        tutor_id=tutor.id,
        slots=[Slot(lesson.scheduled_start_at, lesson.duration_minutes) for lesson in lessons],
    )
    new_match = match_create(request=match.request, tutor=tutor, actor=actor, replaces=match, reason=reason)
    new_match.request = match.request
    changes: list[NewEvent] = []
    moved: list[tuple[Session, Session]] = []
    for lesson in lessons:
        _take_off(lesson, actor=actor)
        replacement = new_session(
            match=new_match,
            student_id=lesson.student_id,
            start=lesson.scheduled_start_at,
            duration_minutes=lesson.duration_minutes,
            meet_link=lesson.meet_link,
            actor=actor,
            rescheduled_from=lesson,
            # Chosen as not yet started; one that starts while this runs still moves.
            allow_past=True,
        )
        audit_log_write(
            actor=actor,
            entity_id=lesson.id,
            details=SessionReassigned(
                from_status=SessionStatus.SCHEDULED,
                status=SessionStatus.RESCHEDULED,
                from_tutor_id=match.tutor_id,
                tutor_id=tutor.id,
                match_id=new_match.id,
                replacement_session_id=replacement.id,
                reason=reason,
            ),
        )
        audit_log_write(
            actor=actor,
            entity_id=replacement.id,
            details=SessionCreated(
                match_id=new_match.id,
                scheduled_start_at=replacement.scheduled_start_at,
                duration_minutes=replacement.duration_minutes,
                meet_link=replacement.meet_link,
            ),
        )
        changes.append(_status_event(lesson, replacement=replacement))
        changes.append(NewEvent(EventType.SESSION_CREATED, {"session": session_dict(replacement)}))
        moved.append((lesson, replacement))
    if changes:
        events_record(changes=changes)
    match.status = Match.Status.ENDED
    return Reassignment(ended=match, match=new_match, moved=moved)


def _clean_reason(reason: str) -> str:
    return clean_text(reason, field="reason", max_length=MAX_REASON_LENGTH, required=True).strip()


def _active_match(match_id: uuid.UUID | str) -> Match:
    """The match, locked (lock order, step 0: before its lessons), and active under the lock."""
    try:
        match = (
            Match.objects.select_related("request")
            .select_for_update(no_key=True, of=("self",))
            .get(pk=match_id)
        )
    except (Match.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such match") from exc
    require(match.status == Match.Status.ACTIVE, MatchNotActive, "This match has already ended")
    return match


def _upcoming(match: Match) -> QuerySet[Session]:
    return Session.objects.filter(
        match_id=match.id, status=SessionStatus.SCHEDULED, scheduled_start_at__gt=clock.now()
    )


def _lock_upcoming(match: Match) -> list[Session]:
    """The match's lessons still scheduled that have not started, soonest first, locked (in id
    order, so two changes of one match never wait on each other in a circle).

    Called twice: before the request is locked (lock order), and again once it is held, so a
    lesson a reschedule of this match added meanwhile (its replacement: the reschedule held the
    request until it committed) is moved or taken off too."""
    locked = list(_upcoming(match).select_for_update(no_key=True).order_by("id"))
    return sorted(locked, key=lambda lesson: (lesson.scheduled_start_at, lesson.id))


def _take_off(lesson: Session, *, actor: User) -> None:
    """Off the schedule: `rescheduled`, nothing charged (a check-and-set on `scheduled`)."""
    _write_status(
        lesson, from_status=SessionStatus.SCHEDULED, status=SessionStatus.RESCHEDULED, updated_by=actor
    )


def _status_event(lesson: Session, *, replacement: Session | None) -> NewEvent:
    """`session.status_updated`, as for any status change: nothing charged."""
    data: dict[str, Any] = {
        "session": session_dict(lesson),
        "package": None,
        "replacement_session": session_dict(replacement) if replacement else None,
    }
    return NewEvent(EventType.SESSION_STATUS_UPDATED, data)
