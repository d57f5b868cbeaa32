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
from tutordesk.events.emails import local_time
from tutordesk.events.models import EmailKind, EmailNotification, Event, EventType, NotificationPreference

PRODID = "-//Tutordesk//Lesson reminder//EN"


def reminder_emails(events: list[Event]) -> list[EmailNotification]:
    reminders = [e for e in events if e.type == EventType.REMINDER_SENT]
    nudges = [e for e in events if e.type == EventType.REMINDER_OUTCOME_NUDGE]
    if not reminders and not nudges:
        return []
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

    emails: list[EmailNotification] = []
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
