"""Which emails an event makes, and their words (one plain-text and one HTML template each).

Built by the worker when it fans an event out (never inside the request), from the event's data
and the people in accounts (below this floor): the student's and their guardians' names, emails
and time zones, the admins' emails, and each reader's preference for outcome emails.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string

from tutordesk.accounts.models import Role, User
from tutordesk.accounts.selectors import guardian_ids_of
from tutordesk.events.models import EmailKind, EmailNotification, Event, EventType, NotificationPreference

# The email a student gets for each status a tutor or admin records on a lesson. This floor sits
# below the lifecycle table (scheduling.status), so the words are keyed by the statuses' values;
# tests/events/test_emails.py checks they cover exactly the statuses a status update can set.
OUTCOME_SUBJECTS = {
    "done": "Your session is recorded as done",
    "no_show_student": "You missed a session",
    "no_show_tutor": "Your tutor missed a session",
    "rescheduled": "Your session was rescheduled",
}
OUTCOME_STATUSES = frozenset(OUTCOME_SUBJECTS)
# The same emails to each of the student's guardians, naming the student.
GUARDIAN_OUTCOME_SUBJECTS = {
    "done": "{student}'s session is recorded as done",
    "no_show_student": "{student} missed a session",
    "no_show_tutor": "{student}'s tutor missed a session",
    "rescheduled": "{student}'s session was rescheduled",
}
PACKAGE_SUBJECTS = {
    EmailKind.LOW_BALANCE: "Sessions running low",
    EmailKind.EXHAUSTED: "A package of sessions is used up",
}
GUARDIAN_PACKAGE_SUBJECTS = {
    EmailKind.LOW_BALANCE: "Sessions running low for {student}",
    EmailKind.EXHAUSTED: "A package of {student}'s sessions is used up",
}


# Higher apps (reminders, people's invitations, …) add the emails their own event types make:
# a builder takes the batch of events being fanned out and returns the emails (unsaved) it makes.
# Registered in their AppConfig.ready(), as job kinds are (events.jobs), so this floor never imports
# upward. Each email hangs off one event; (event, recipient) is unique, so a batch fanned out twice
# still sends each person one email.
EmailBuilder = Callable[[list[Event]], list[EmailNotification]]
_builders: list[EmailBuilder] = []


def register_email_builder(builder: EmailBuilder) -> None:
    if builder not in _builders:
        _builders.append(builder)


def emails_for(events: Iterable[Event]) -> list[EmailNotification]:
    """The emails a batch of events makes (with few queries for the whole batch)."""
    if not settings.EMAIL_NOTIFICATIONS:
        return []
    events = list(events)
    emails = _lifecycle_emails(events)
    for builder in _builders:
        emails += builder(events)
    return emails


def _lifecycle_emails(events: list[Event]) -> list[EmailNotification]:
    """Outcome and package-balance emails, the ones this floor knows of itself: to the student,
    to each of the student's active guardians (each with their own preference and time zone)
    and, for a package's balance, to every admin."""
    wanted: list[tuple[Event, EmailKind, str]] = []  # (event, kind, student id)
    for event in events:
        if (
            event.type == EventType.SESSION_STATUS_UPDATED
            and event.data["session"]["status"] in OUTCOME_STATUSES
        ):
            wanted.append((event, EmailKind.OUTCOME, event.data["session"]["student_id"]))
        elif event.type == EventType.PACKAGE_LOW_BALANCE:
            wanted.append((event, EmailKind.LOW_BALANCE, event.data["student_id"]))
        elif event.type == EventType.PACKAGE_EXHAUSTED:
            wanted.append((event, EmailKind.EXHAUSTED, event.data["student_id"]))
    if not wanted:
        return []
    student_ids = {uuid.UUID(student_id) for _, _, student_id in wanted}
    guardians_of = {str(s): ids for s, ids in guardian_ids_of(student_ids).items()}
    guardian_ids = {g for ids in guardians_of.values() for g in ids}
    # A deactivated student gets no email; their guardians still do (they may be the payers).
    people = {str(u.pk): u for u in User.objects.filter(pk__in=student_ids | guardian_ids)}
    muted = {
        str(user_id)
        for user_id in NotificationPreference.objects.filter(
            user_id__in=student_ids | guardian_ids, outcome_emails=False
        ).values_list("user_id", flat=True)
    }
    admins: list[User] | None = None
    emails: list[EmailNotification] = []
    for event, kind, student_id in wanted:
        student = people.get(student_id)
        active_student = student if student is not None and student.is_active else None
        guardians = [people[str(g)] for g in guardians_of.get(student_id, []) if str(g) in people]
        if kind == EmailKind.OUTCOME:
            readers = ([active_student] if active_student is not None else []) + guardians
            for person in readers:
                if str(person.pk) not in muted and student is not None:
                    emails.append(_outcome_email(event, person, student))
            continue
        if admins is None:
            admins = list(User.objects.filter(role=Role.ADMIN, is_active=True).order_by("email"))
        recipients = [active_student] if active_student is not None else []
        recipients += guardians
        recipients += [admin for admin in admins if student is None or admin.email != student.email]
        for person in recipients:
            emails.append(_package_email(event, kind, person, student))
    return emails


def open_connection() -> BaseEmailBackend:
    """The email backend's connection for a round of sends, opened now if the server answers
    (if it does not, each send tries again itself and its failure is recorded on its email)."""
    mail = get_connection(fail_silently=False)
    try:
        mail.open()
    except Exception:  # the server is down: each send records its own failure
        mail.close()
    return mail


def send(email: EmailNotification, *, connection: BaseEmailBackend | None = None) -> None:
    """Send through Django's email backend (SMTP in production, the console in development)."""
    message = EmailMultiAlternatives(
        connection=connection,
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient],
        headers={
            "X-Tutordesk-Event-Id": str(email.event_id),
            "X-Tutordesk-Kind": email.kind,
            # The same on every attempt, so a receiver can tell a resend (a worker killed after the
            # server took the message but before it was marked sent) from a second email.
            "Message-ID": f"<{email.id}@tutordesk>",
        },
    )
    message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments or []:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    message.send(fail_silently=False)


def local_time(text: str | None, timezone_name: str) -> str:
    """An ISO time, in the reader's own time zone, in words: "Tuesday 3 March 2026, 14:00 CET"."""
    if not text:
        return ""
    try:
        zone = zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    moment = datetime.fromisoformat(text).astimezone(zone)
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M} {moment.tzname()}"


def _render(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    text = render_to_string(f"events/emails/{kind}.txt", context)
    html = render_to_string(f"events/emails/{kind}.html", context)
    return text, html


def _outcome_email(event: Event, person: User, student: User) -> EmailNotification:
    """The outcome, told to the student or (naming the student) to one of their guardians, in
    the reader's own time zone."""
    session = event.data["session"]
    replacement = event.data.get("replacement_session")
    for_guardian = person.pk != student.pk
    context = {
        "name": person.name,
        "for_guardian": for_guardian,
        "student_name": student.name,
        "status": session["status"],
        "status_label": session["status_label"],
        "when": local_time(session["scheduled_start_at"], person.timezone),
        "new_when": local_time(replacement["scheduled_start_at"], person.timezone) if replacement else "",
        "notes": session.get("tutor_notes") or "",
        "package": event.data.get("package"),
    }
    text, html = _render("outcome", context)
    subject = (
        GUARDIAN_OUTCOME_SUBJECTS[session["status"]].format(student=student.name)
        if for_guardian
        else OUTCOME_SUBJECTS[session["status"]]
    )
    return EmailNotification(
        event=event,
        kind=EmailKind.OUTCOME,
        recipient=person.email,
        subject=subject,
        body_text=text,
        body_html=html,
        next_attempt_at=event.dispatched_at,
    )


def _package_email(event: Event, kind: EmailKind, person: User, student: User | None) -> EmailNotification:
    package = event.data["package"]
    for_guardian = person.is_guardian and student is not None
    context = {
        "name": person.name,
        "for_student": student is not None and person.pk == student.pk,
        "for_guardian": for_guardian,
        "student_name": student.name if student is not None else "the student",
        "student_email": student.email if student is not None else "",
        "exhausted": kind == EmailKind.EXHAUSTED,
        "package": package,
        "left": event.data.get("request_sessions_left"),
    }
    text, html = _render("package", context)
    return EmailNotification(
        event=event,
        kind=kind,
        recipient=person.email,
        subject=(
            GUARDIAN_PACKAGE_SUBJECTS[kind].format(student=student.name)
            if for_guardian and student is not None
            else PACKAGE_SUBJECTS[kind]
        ),
        body_text=text,
        body_html=html,
        next_attempt_at=event.dispatched_at,
    )
