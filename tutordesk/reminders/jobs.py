"""The worker's side of reminders: the event listener that plans them, and the jobs that decide them.

- `on_events` (in the worker's fan-out transaction): each `session.created` event (a lesson booked,
  or the replacement of a moved one) gets a `Reminder` row and a job per offset of
  `TUTORDESK_REMINDERS`, due that long before the start, and one outcome nudge, due
  `TUTORDESK_OUTCOME_NUDGE` after the end. A reminder already more than `REMINDER_LATE` overdue
  at booking (a lesson booked 30 minutes ahead has no 1h reminder) is recorded as skipped at once.
- `reminder_due` (job, key `"{session_id}:{offset_minutes}"`): decides the row once (see models):
  the lesson left the schedule → `not_scheduled`; due more than `REMINDER_LATE` ago (the worker
  was down) → `skipped_late`; else `sent`, recording a `reminder.sent` event whose emails
  (reminders.emails) the worker makes and sends like every other email.
- `nudge_due` (job, key the session id) wakes the tutor's nudge (`tutor_nudge_due`, key the tutor
  id), which sends at most one email an hour, listing every lesson of the tutor then waiting.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from tutordesk.core import clock
from tutordesk.core.db import run_in_transaction
from tutordesk.events.jobs import job_enqueue
from tutordesk.events.models import Event, EventType, Job
from tutordesk.events.services import NewEvent, events_record
from tutordesk.reminders.models import NudgeClock, Reminder, ReminderKind, ReminderState
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.shapes import session_dict
from tutordesk.scheduling.status import SessionStatus

REMINDER_JOB = "reminders.reminder"
NUDGE_JOB = "reminders.nudge"
TUTOR_NUDGE_JOB = "reminders.tutor_nudge"
# A reminder the worker reaches later than this after it fell due is skipped, not sent late.
REMINDER_LATE = timedelta(minutes=15)
# A tutor gets at most one nudge email in this long.
NUDGE_EVERY = timedelta(hours=1)


def offset_text(minutes: int) -> str:
    """`1440` → `24h`, `90` → `90m`: as the setting writes it."""
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


# ---------------------------------------------------------------- planning (the listener)


def on_events(events: Sequence[Event]) -> None:
    now = clock.now()
    rows: list[Reminder] = []
    for event in events:
        if event.type != EventType.SESSION_CREATED:
            continue
        session = event.data["session"]
        if session["status"] != SessionStatus.SCHEDULED:
            continue
        start = datetime.fromisoformat(session["scheduled_start_at"])
        end = start + timedelta(minutes=session["duration_minutes"])
        for minutes in settings.REMINDER_OFFSETS_MINUTES:
            due = start - timedelta(minutes=minutes)
            late = now - due > REMINDER_LATE
            rows.append(
                Reminder(
                    session_id=session["id"],
                    tutor_id=session["tutor_id"],
                    kind=ReminderKind.REMINDER,
                    offset_minutes=minutes,
                    due_at=due,
                    state=ReminderState.SKIPPED_LATE if late else ReminderState.PENDING,
                    decided_at=now if late else None,
                )
            )
        nudge = settings.OUTCOME_NUDGE_MINUTES[0]
        rows.append(
            Reminder(
                session_id=session["id"],
                tutor_id=session["tutor_id"],
                kind=ReminderKind.NUDGE,
                offset_minutes=nudge,
                due_at=end + timedelta(minutes=nudge),
            )
        )
    if not rows:
        return
    # A lesson's reminders are planned once (its one `session.created` event is fanned out once);
    # should an event name a lesson again, its rows and jobs exist already and nothing changes.
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    jobs = [
        Job(kind=REMINDER_JOB, key=f"{row.session_id}:{row.offset_minutes}", next_attempt_at=row.due_at)
        if row.kind == ReminderKind.REMINDER
        else Job(kind=NUDGE_JOB, key=str(row.session_id), next_attempt_at=row.due_at)
        for row in rows
        if row.state == ReminderState.PENDING
    ]
    Job.objects.bulk_create(jobs, ignore_conflicts=True)


# ---------------------------------------------------------------- reminders


def reminder_due(key: str) -> None:
    session_id, offset = key.rsplit(":", 1)
    run_in_transaction(lambda: _decide_reminder(uuid.UUID(session_id), int(offset)))


def _decide_reminder(session_id: uuid.UUID, offset_minutes: int) -> None:
    now = clock.now()
    pending = Reminder.objects.filter(
        session_id=session_id,
        kind=ReminderKind.REMINDER,
        offset_minutes=offset_minutes,
        state=ReminderState.PENDING,
    )
    row = pending.first()
    if row is None:
        return  # decided already (another worker, an earlier run)
    session = Session.objects.select_related("tutor", "student", "request").get(pk=session_id)
    if session.status != SessionStatus.SCHEDULED:
        state = ReminderState.NOT_SCHEDULED
    elif now - row.due_at > REMINDER_LATE:
        state = ReminderState.SKIPPED_LATE
    else:
        state = ReminderState.SENT
    # The check-and-set: only the run that moves the row out of `pending` goes on.
    if not pending.filter(pk=row.pk).update(state=state, decided_at=now):
        return
    if state != ReminderState.SENT:
        return
    data = {
        **lesson_data(session),
        "reminder": {
            "offset": offset_text(offset_minutes),
            "offset_minutes": offset_minutes,
            "due_at": row.due_at.isoformat(),
        },
    }
    [event] = events_record(changes=[NewEvent(EventType.REMINDER_SENT, data)])
    Reminder.objects.filter(pk=row.pk).update(event_id=event.pk)


def lesson_data(session: Session) -> dict[str, Any]:
    """What an email about the lesson needs besides the session itself: the subject and the people."""
    return {
        "session": session_dict(session),
        "subject": session.request.subject,
        "tutor": {"id": str(session.tutor_id), "name": session.tutor.name},
        "student": {"id": str(session.student_id), "name": session.student.name},
    }


# ---------------------------------------------------------------- outcome nudges


def nudge_due(session_id: str) -> None:
    """A lesson's nudge fell due: wake its tutor's nudge, now or when the last one is an hour old."""

    def work() -> None:
        row = Reminder.objects.filter(
            session_id=session_id, kind=ReminderKind.NUDGE, state=ReminderState.PENDING
        ).first()
        if row is None:
            return
        status = Session.objects.filter(pk=row.session_id).values_list("status", flat=True).first()
        if status != SessionStatus.SCHEDULED:
            Reminder.objects.filter(pk=row.pk, state=ReminderState.PENDING).update(
                state=ReminderState.NOT_SCHEDULED, decided_at=clock.now()
            )
            return
        last = NudgeClock.objects.filter(tutor_id=row.tutor_id).values_list("last_sent_at", flat=True).first()
        now = clock.now()
        at = now if last is None or last + NUDGE_EVERY <= now else last + NUDGE_EVERY
        job_enqueue(kind=TUTOR_NUDGE_JOB, key=str(row.tutor_id), at=at)

    run_in_transaction(work)


def tutor_nudge_due(tutor_id: str) -> None:
    run_in_transaction(lambda: _nudge_tutor(uuid.UUID(tutor_id)))


def _nudge_tutor(tutor_id: uuid.UUID) -> None:
    now = clock.now()
    NudgeClock.objects.bulk_create([NudgeClock(tutor_id=tutor_id)], ignore_conflicts=True)
    # The tutor's row serialises their nudges: two workers cannot both send one this hour.
    nudge_clock = NudgeClock.objects.select_for_update().get(tutor_id=tutor_id)
    waiting = Reminder.objects.filter(
        tutor_id=tutor_id, kind=ReminderKind.NUDGE, state=ReminderState.PENDING, due_at__lte=now
    )
    last = nudge_clock.last_sent_at
    if last is not None and now < last + NUDGE_EVERY:
        # Too soon: the first waiting lesson's nudge wakes this again once the hour is up.
        first = waiting.order_by("due_at", "id").first()
        if first is not None:
            job_enqueue(kind=NUDGE_JOB, key=str(first.session_id), at=last + NUDGE_EVERY)
        return
    rows = list(waiting.order_by("due_at", "id"))
    if not rows:
        return
    sessions = Session.objects.select_related("tutor", "student", "request").in_bulk(
        [row.session_id for row in rows]
    )
    gone = [row.pk for row in rows if sessions[row.session_id].status != SessionStatus.SCHEDULED]
    due = [row for row in rows if row.pk not in gone]
    if gone:
        Reminder.objects.filter(pk__in=gone, state=ReminderState.PENDING).update(
            state=ReminderState.NOT_SCHEDULED, decided_at=now
        )
    if not due:
        return
    lessons = [lesson_data(sessions[row.session_id]) for row in due]
    [event] = events_record(
        changes=[NewEvent(EventType.REMINDER_OUTCOME_NUDGE, {"tutor_id": str(tutor_id), "lessons": lessons})]
    )
    Reminder.objects.filter(pk__in=[row.pk for row in due], state=ReminderState.PENDING).update(
        state=ReminderState.SENT, decided_at=now, event_id=event.pk
    )
    NudgeClock.objects.filter(pk=tutor_id).update(last_sent_at=now)
