"""The emails of reminders' events, registered with the worker (events.emails.register_email_builder).

- `reminder.sent`: the student, each of the student's active guardians and the tutor, each
  with the subject, the other party, the time in their own time zone, the meeting link, and the
  lesson as an `.ics` attachment; unless they switched reminders off.
- `reminder.outcome_nudge`: the tutor, listing every lesson still waiting for its outcome; unless
  they switched nudges off.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.template.loader import render_to_string
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from tutordesk.accounts.models import User
from tutordesk.accounts.selectors import guardian_ids_of
from tutordesk.core import clock
from tutordesk.core.shapes import time_text
from tutordesk.events.emails import local_time
from tutordesk.events.models import EmailKind, EmailNotification, Event, EventType, NotificationPreference
from tutordesk.scheduling.models import Session

PRODID = "-//Tutordesk//Lesson reminder//EN"


def reminder_emails(events: list[Event]) -> list[EmailNotification]:
    reminders = [e for e in events if e.type == EventType.REMINDER_SENT]
    nudges = [e for e in events if e.type == EventType.REMINDER_OUTCOME_NUDGE]
    emails = lesson_change_emails(events)
    if not reminders and not nudges:
        return emails
    student_ids = {uuid.UUID(e.data["student"]["id"]) for e in reminders}
    guardians = guardian_ids_of(student_ids)
    people_ids = set(student_ids)
    people_ids |= {uuid.UUID(e.data["tutor"]["id"]) for e in reminders}
    people_ids |= {uuid.UUID(e.data["tutor_id"]) for e in nudges}
    people_ids |= {g for ids in guardians.values() for g in ids}
    people = User.objects.filter(pk__in=people_ids, is_active=True).in_bulk()
    preferences = NotificationPreference.objects.filter(user_id__in=people_ids).in_bulk()

    def wants(user_id: uuid.UUID, field: str) -> User | None:
        person = people.get(user_id)
        preference = preferences.get(user_id)
        if person is None or (preference is not None and not getattr(preference, field)):
            return None
        return person

    for event in reminders:
        tutor_id = uuid.UUID(event.data["tutor"]["id"])
        student_id = uuid.UUID(event.data["student"]["id"])
        recipients = [
            (student_id, "student"),
            *((g, "guardian") for g in guardians.get(student_id, [])),
            (tutor_id, "tutor"),
        ]
        for user_id, role in recipients:
            person = wants(user_id, "reminder_emails")
            if person is not None:
                emails.append(_reminder_email(event, person, role))
    for event in nudges:
        person = wants(uuid.UUID(event.data["tutor_id"]), "nudge_emails")
        if person is not None:
            emails.append(_nudge_email(event, person))
    return emails


def _reminder_email(event: Event, person: User, role: str) -> EmailNotification:
    data = event.data
    session = data["session"]
    other = data["student"]["name"] if role == "tutor" else data["tutor"]["name"]
    context: dict[str, Any] = {
        "name": person.name,
        "role": role,
        "subject": data["subject"],
        "other": other,
        "student_name": data["student"]["name"],
        "when": local_time(session["scheduled_start_at"], person.timezone),
        "duration": session["duration_minutes"],
        "meet_link": session.get("meet_link") or "",
        "offset": data["reminder"]["offset"],
    }
    title = f"{data['subject']} with {other}"
    if role == "guardian":
        title = f"{data['student']['name']}'s {data['subject']} with {other}"
    return EmailNotification(
        event=event,
        kind=EmailKind.REMINDER,
        recipient=person.email,
        subject=f"Reminder: {title}, {context['when']}",
        body_text=render_to_string("reminders/emails/reminder.txt", context),
        body_html=render_to_string("reminders/emails/reminder.html", context),
        attachments=[
            {"filename": "lesson.ics", "mimetype": "text/calendar", "content": lesson_ics(data, title)}
        ],
        next_attempt_at=event.dispatched_at,
    )


def lesson_ics(data: dict[str, Any], title: str) -> str:
    """The lesson as an iCalendar file (one VEVENT; the same UID as the calendar feed's)."""
    session = data["session"]
    start = datetime.fromisoformat(session["scheduled_start_at"]).astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    lesson = CalendarEvent()
    lesson.add("uid", f"{session['id']}@tutordesk")
    lesson.add("dtstamp", datetime.fromisoformat(session["updated_at"]).astimezone(UTC))
    lesson.add("dtstart", start)
    lesson.add("dtend", start + timedelta(minutes=session["duration_minutes"]))
    lesson.add("summary", title)
    lesson.add("status", "CONFIRMED")
    if session.get("meet_link"):
        lesson.add("url", session["meet_link"])
        lesson.add("location", session["meet_link"])
    lesson.add("description", f"Tutor: {data['tutor']['name']}. Student: {data['student']['name']}.")
    calendar.add_component(lesson)
    return calendar.to_ical().decode()


def _nudge_email(event: Event, tutor: User) -> EmailNotification:
    lessons = [
        {
            "subject": lesson["subject"],
            "student_name": lesson["student"]["name"],
            "when": local_time(lesson["session"]["scheduled_start_at"], tutor.timezone),
        }
        for lesson in event.data["lessons"]
    ]
    context = {"name": tutor.name, "lessons": lessons}
    count = len(lessons)
    return EmailNotification(
        event=event,
        kind=EmailKind.OUTCOME_NUDGE,
        recipient=tutor.email,
        subject=f"{count} lesson{'s' if count != 1 else ''} waiting for an outcome",
        body_text=render_to_string("reminders/emails/nudge.txt", context),
        body_html=render_to_string("reminders/emails/nudge.html", context),
        next_attempt_at=event.dispatched_at,
    )


# ---------------------------------------------------------------- lessons booked, charges corrected


def _is_booking(event: Event) -> bool:
    session = event.data.get("session") or {}
    return (
        event.type == EventType.SESSION_CREATED
        and session.get("status") == "scheduled"
        and not session.get("rescheduled_from_id")  # a moved lesson's replacement
        and not event.data.get("series_id")  # an occurrence: its series emails once
        and not session.get("series_id")
        # Booked after the fact (a lesson entered once it took place, the demo's story): no news.
        and datetime.fromisoformat(session["scheduled_start_at"]) > clock.now()
    )


def _charge_move(event: Event) -> str:
    """ "charged", "refunded" or "" for a correction's event."""
    if event.type != EventType.SESSION_STATUS_CORRECTED or not event.data.get("package"):
        return ""
    return "charged" if event.data["session"].get("package_id") else "refunded"


def lesson_change_emails(events: list[Event]) -> list[EmailNotification]:
    bookings = [e for e in events if _is_booking(e)]
    corrections = [e for e in events if _charge_move(e)]
    has_series = any(
        e.type == EventType.SESSION_CREATED and (e.data.get("session") or {}).get("series_id") for e in events
    )
    if not bookings and not corrections and not has_series:
        return []
    session_ids = {e.data["session"]["id"] for e in bookings + corrections}
    sessions = Session.objects.select_related("request", "tutor", "student").in_bulk(session_ids)
    emails: list[EmailNotification] = []
    for event in bookings:
        session = sessions.get(uuid.UUID(event.data["session"]["id"]))
        if session is not None:
            emails += series_booked_emails(event, [session])
    # A weekly series records one `session.created` per occurrence, in one change: one email per
    # series in the batch, hung off its first occurrence's event, listing every occurrence.
    series: dict[str, list[Event]] = {}
    for event in events:
        if event.type != EventType.SESSION_CREATED:
            continue
        session_data = event.data.get("session") or {}
        if session_data.get("series_id") and session_data.get("status") == "scheduled":
            series.setdefault(session_data["series_id"], []).append(event)
    if series:
        occurrences = Session.objects.select_related("request", "tutor", "student").in_bulk(
            [e.data["session"]["id"] for group in series.values() for e in group]
        )
        for group in series.values():
            found = [occurrences[uuid.UUID(e.data["session"]["id"])] for e in group]
            upcoming = [s for s in found if s.scheduled_start_at > clock.now()]
            emails += series_booked_emails(group[0], upcoming)
    for event in corrections:
        session = sessions.get(uuid.UUID(event.data["session"]["id"]))
        if session is not None:
            emails += _to_family(event, session.student_id, "charge_emails", _charge_email(event, session))
    return emails


def series_booked_emails(event: Event, sessions: list[Session]) -> list[EmailNotification]:
    """THE HOOK for a weekly series: one "lesson booked" email per person (the student, each active
    guardian) listing every lesson in `sessions`, hung off `event` (the series' own event). The
    per-lesson booking email skips a `session.created` whose data (or session) has a `series_id`,
    so a series built from occurrences emails once, through this."""
    if not sessions:
        return []
    first = sessions[0]
    lessons = [
        {"subject": s.request.subject, "tutor": s.tutor.name, "start": time_text(s.scheduled_start_at)}
        for s in sorted(sessions, key=lambda s: s.scheduled_start_at)
    ]

    def build(person: User, role: str) -> EmailNotification:
        local = [{**lesson, "when": local_time(lesson["start"], person.timezone)} for lesson in lessons]
        context = {
            "name": person.name,
            "for_student": role == "student",
            "student_name": first.student.name,
            "lessons": local,
            "meet_link": first.meet_link if len(sessions) == 1 else "",
        }
        count = len(lessons)
        subject = (
            f"Lesson booked: {lessons[0]['subject']} with {lessons[0]['tutor']}, {local[0]['when']}"
            if count == 1
            else f"{count} lessons booked: {lessons[0]['subject']} with {lessons[0]['tutor']}"
        )
        return EmailNotification(
            event=event,
            kind=EmailKind.LESSON_BOOKED,
            recipient=person.email,
            subject=subject,
            body_text=render_to_string("reminders/emails/booked.txt", context),
            body_html=render_to_string("reminders/emails/booked.html", context),
            next_attempt_at=event.dispatched_at,
        )

    return _to_family(event, first.student_id, "booking_emails", build)


def _charge_email(event: Event, session: Session) -> Any:
    move = _charge_move(event)
    package = event.data["package"]

    def build(person: User, role: str) -> EmailNotification:
        context = {
            "name": person.name,
            "for_student": role == "student",
            "student_name": session.student.name,
            "subject": session.request.subject,
            "when": local_time(event.data["session"]["scheduled_start_at"], person.timezone),
            "status_label": event.data["session"]["status_label"],
            "charged": move == "charged",
            "package": package,
        }
        return EmailNotification(
            event=event,
            kind=EmailKind.CHARGE_CORRECTED,
            recipient=person.email,
            subject=(
                "A lesson was corrected: a prepaid session was charged"
                if move == "charged"
                else "A lesson was corrected: a prepaid session was given back"
            ),
            body_text=render_to_string("reminders/emails/charge.txt", context),
            body_html=render_to_string("reminders/emails/charge.html", context),
            next_attempt_at=event.dispatched_at,
        )

    return build


def _to_family(event: Event, student_id: uuid.UUID, switch: str, build: Any) -> list[EmailNotification]:
    """`build(person, role)` for the student and each active guardian who left `switch` on."""
    guardians = guardian_ids_of([student_id])[student_id]
    ids = [student_id, *guardians]
    people = User.objects.filter(pk__in=ids, is_active=True).in_bulk()
    muted = set(
        NotificationPreference.objects.filter(user_id__in=ids, **{switch: False}).values_list(
            "user_id", flat=True
        )
    )
    return [
        build(people[user_id], "student" if user_id == student_id else "guardian")
        for user_id in ids
        if user_id in people and user_id not in muted
    ]
