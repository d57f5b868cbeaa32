"""The worker's job that keeps a Google Calendar event in step with its lesson, and the listener
that asks for it whenever a lesson changes.

One job per Google event (its key is the event's id). A run compares the lesson with what Google
holds (the event's row, models.py) and makes the calls that close the gap:

- the lesson is on the schedule with this link (or none yet): `events.insert` the first time (the
  id chosen by Tutordesk, `conferenceDataVersion=1`, a `hangoutsMeet` create request whose
  `requestId` is the session id); an insert that finds its id taken (a retry after a lost
  answer) reads the event instead (`events.get`), so there is never a second event; after a
  reschedule, a longer lesson or a lesson brought back, `events.patch`;
- the lesson left the schedule (rescheduled without a replacement, cancelled, its series or match
  ended, a link typed over it): `events.delete`.

The listener reads every `session.*` event the worker fans out, whoever made the change (a
reschedule, a cancellation, a series or a match ended, an edit): nothing else has to call this.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tutordesk.events.jobs import RetryLater, job_enqueue
from tutordesk.events.models import Event
from tutordesk.meetings import google
from tutordesk.meetings.models import EventState, LinkState, MeetingLink
from tutordesk.meetings.services import (
    JOB_KIND,
    live_link,
    meeting_event_asked,
    meeting_event_synced,
    meeting_link_failed,
    wants_event,
)
from tutordesk.scheduling.models import Session

logger = logging.getLogger("tutordesk.meetings")

# Up to four calls (token, insert, get, patch), each within the Google timeout (at most 60 s).
JOB_LEASE = timedelta(minutes=5)


def request_id_for(event_id: str) -> str:
    """The conference's `requestId`: the session id the event was first made for."""
    hex_id = event_id[:32]
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}" + event_id[32:]


def _event_body(session: Session) -> dict[str, Any]:
    zone = session.tutor.timezone or "UTC"
    return {
        "summary": f"{session.request.subject} with {session.student.name}",
        "description": "A lesson booked in Tutordesk.",
        "start": {"dateTime": session.scheduled_start_at.isoformat(), "timeZone": zone},
        "end": {"dateTime": session.scheduled_end_at.isoformat(), "timeZone": zone},
    }


def sync_event(event_id: str) -> None:
    """The job: one Google event brought in step with its lesson (raises to be tried again)."""
    row = (
        MeetingLink.objects.filter(event_id=event_id)
        .exclude(state=LinkState.MOVED)
        .select_related("session__tutor", "session__student", "session__request")
        .first()
    )
    if row is None:
        return
    session = row.session
    calendar_id = row.calendar_id or session.tutor.email
    if not wants_event(row, session):
        if row.event_state in (EventState.ASKED, EventState.PRESENT):
            google.delete_event(calendar_id=calendar_id, event_id=event_id)
        in_step = meeting_event_synced(event_id=event_id, calendar_id=calendar_id, present=False)
    else:
        body = _event_body(session)
        answer = _make_present(row, calendar_id, event_id, body, session)
        link = answer.get("hangoutLink") if answer else row.link
        in_step = meeting_event_synced(
            event_id=event_id,
            calendar_id=calendar_id,
            present=True,
            start=session.scheduled_start_at,
            end=session.scheduled_end_at,
            link=link,
        )
        if not link:
            raise RetryLater("Google has not made the Meet link yet")
    if not in_step:
        raise RetryLater("the lesson changed while Google was being updated")


def _make_present(
    row: MeetingLink, calendar_id: str, event_id: str, body: dict[str, Any], session: Session
) -> dict[str, Any] | None:
    """The calls that put the event on the calendar at the lesson's time; Google's answer (None:
    no call was needed)."""
    times = {"start": body["start"], "end": body["end"]}
    try:
        if row.event_state == EventState.DELETED:
            # Back on the schedule (a correction, a cleared typed link): the event is restored.
            return google.patch_event(
                calendar_id=calendar_id, event_id=event_id, body={**times, "status": "confirmed"}
            )
        if row.event_state == EventState.PRESENT:
            if row.event_start != session.scheduled_start_at or row.event_end != session.scheduled_end_at:
                return google.patch_event(calendar_id=calendar_id, event_id=event_id, body=times)
            return None if row.link else google.get_event(calendar_id=calendar_id, event_id=event_id)
    except google.EventGone:
        pass  # somebody deleted it on the calendar: made again below, under its id
    if row.event_state == EventState.NONE:
        meeting_event_asked(event_id=event_id, calendar_id=calendar_id)
    try:
        return google.insert_event(
            calendar_id=calendar_id, event_id=event_id, request_id=request_id_for(event_id), body=body
        )
    except google.EventExists:
        found = google.get_event(calendar_id=calendar_id, event_id=event_id)
        if found.get("status") == "cancelled" or not _same_times(found, session):
            return google.patch_event(
                calendar_id=calendar_id, event_id=event_id, body={**times, "status": "confirmed"}
            )
        return found


def _same_times(event: dict[str, Any], session: Session) -> bool:
    def instant(part: str) -> datetime | None:
        text = (event.get(part) or {}).get("dateTime")
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
        except ValueError:
            return None

    return instant("start") == session.scheduled_start_at and instant("end") == session.scheduled_end_at


def link_failed(event_id: str, error: str) -> None:
    """The job's `on_failed`: the link is marked failed, for the page's "try again"."""
    meeting_link_failed(event_id=event_id, error=error)


def needs_sync(row: MeetingLink, session: Session) -> bool:
    """Whether Google's event differs from what the lesson wants (or the page's state is stale)."""
    if wants_event(row, session):
        return (
            row.event_state != EventState.PRESENT
            or row.event_start != session.scheduled_start_at
            or row.event_end != session.scheduled_end_at
            or not row.link
            or session.meet_link is None
            or row.state != LinkState.READY
        )
    return row.event_state in (EventState.ASKED, EventState.PRESENT) or row.state != LinkState.REMOVED


def on_events(events: Sequence[Event]) -> None:
    """The event listener (in the worker's fan-out transaction): every lesson an event names whose
    Google event is out of step gets its job."""
    session_ids = set()
    for event in events:
        if not event.type.startswith("session."):
            continue
        for name in ("session", "replacement_session"):
            data = event.data.get(name) if isinstance(event.data, dict) else None
            if isinstance(data, dict) and data.get("id"):
                session_ids.add(data["id"])
    if not session_ids:
        return
    rows = (
        MeetingLink.objects.filter(session_id__in=session_ids, event_id__isnull=False)
        .exclude(state=LinkState.MOVED)
        .select_related("session")
    )
    for row in rows:
        if row.event_id and needs_sync(row, row.session):
            job_enqueue(kind=JOB_KIND, key=row.event_id)


__all__ = ["JOB_KIND", "JOB_LEASE", "link_failed", "live_link", "on_events", "sync_event"]
