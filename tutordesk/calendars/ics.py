"""A user's sessions as an iCalendar feed (RFC 5545), built with the `icalendar` library.

Written event by event, so a long feed (an admin's) streams instead of sitting in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, timedelta

from icalendar import Calendar, Event, vDuration

from tutordesk.accounts.models import User
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.status import SESSION_STATUS_LABELS, SessionStatus

PRODID = "-//Tutordesk//Calendar feed//EN"
REFRESH = timedelta(hours=1)


def summary_for(session: Session, viewer: User) -> str:
    """The subject and the other party: the student for a tutor, the tutor for a student, both for an
    admin and for a guardian (who may look after several students)."""
    subject = session.request.subject
    if viewer.is_admin or viewer.is_guardian:
        return f"{subject}: {session.student.name} with {session.tutor.name}"
    other = session.student if session.tutor_id == viewer.pk else session.tutor
    return f"{subject} with {other.name}"


def session_event(session: Session, viewer: User, *, page_url: str) -> Event:
    event = Event()
    event.add("uid", f"{session.id}@tutordesk")
    event.add("dtstamp", session.updated_at.astimezone(UTC))
    event.add("last-modified", session.updated_at.astimezone(UTC))
    event.add("dtstart", session.scheduled_start_at.astimezone(UTC))
    event.add("dtend", session.scheduled_end_at.astimezone(UTC))
    event.add("summary", summary_for(session, viewer))
    event.add("sequence", getattr(session, "sequence", 0))
    event.add("status", "CANCELLED" if session.status == SessionStatus.RESCHEDULED else "CONFIRMED")
    if session.meet_link:
        event.add("url", session.meet_link)
        event.add("location", session.meet_link)
    event.add(
        "description",
        f"{SESSION_STATUS_LABELS[session.status]}. Tutor: {session.tutor.name}. "
        f"Student: {session.student.name}.\nSession page: {page_url}",
    )
    return event


def feed_chunks(
    *, viewer: User, sessions: Iterable[Session], page_url: Callable[[Session], str]
) -> Iterator[bytes]:
    """The feed as bytes: the calendar's head, one VEVENT per session, the end."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Tutordesk · {viewer.name}")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # an X- property is text unless typed
    head, _, tail = calendar.to_ical().rpartition(b"END:VCALENDAR")
    yield head
    for session in sessions:
        yield session_event(session, viewer, page_url=page_url(session)).to_ical()
    yield b"END:VCALENDAR" + tail
