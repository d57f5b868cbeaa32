"""Google Meet links (CONTRACT §13) made by the real Google clients against the Google-shaped
server on 127.0.0.1: the worker makes the event after the lesson's change committed, as the tutor,
with a Meet conference; it moves with a reschedule, goes when the lesson leaves the schedule, and
there is never more than one event per lesson, whatever the retries."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import TutorFactory, make_match, make_session, system_admin
from tests.helpers import correct_status, update_status
from tests.meetings.conftest import atomic, job_of, run_jobs
from tests.meetings.google_server import CALENDAR_SCOPE, verify_jwt
from tutordesk.audit.models import AuditLog
from tutordesk.events.models import Event, JobState
from tutordesk.meetings.models import EventState, LinkState, MeetingLink
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import new_session, session_update_details

pytestmark = pytest.mark.django_db(transaction=True)


def lesson(match, *, days: int = 2, hour: int = 10, minutes: int = 60) -> Session:
    start = (timezone.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return make_session(match=match, scheduled_start_at=start, duration_minutes=minutes, meet_link=None)


def reload(session: Session) -> Session:
    return Session.objects.get(pk=session.pk)


def the_link(session: Session) -> MeetingLink:
    return MeetingLink.objects.get(session_id=session.pk)


def test_a_new_lesson_gets_a_meet_link_made_by_the_worker_as_its_tutor(google, match, package, tutor):
    session = lesson(match)

    # Nothing is asked of Google inside the booking's transaction: the link is being prepared.
    assert google.requests == []
    assert reload(session).meet_link is None
    assert the_link(session).state == LinkState.PREPARING

    run_jobs()

    inserts = google.of_kind("insert")
    assert len(inserts) == 1
    insert = inserts[0]
    assert insert.calendar_id == tutor.email and insert.subject == tutor.email
    assert insert.query["conferenceDataVersion"] == ["1"]
    body = insert.json()
    create = body["conferenceData"]["createRequest"]
    assert create["requestId"] == str(session.id)
    assert create["conferenceSolutionKey"] == {"type": "hangoutsMeet"}
    assert body["id"] == session.id.hex
    assert body["start"]["dateTime"] == session.scheduled_start_at.isoformat()
    assert body["end"]["dateTime"] == session.scheduled_end_at.isoformat()
    assert body["summary"] == f"Algebra with {session.student.name}"

    # The token was asked for with a JWT the key file's private key signed, acting as the tutor.
    token = google.of_kind("token")[0]
    from urllib.parse import parse_qs

    claims = verify_jwt(parse_qs(token.body.decode())["assertion"][0], google.public_key)
    assert claims["sub"] == tutor.email and claims["iss"] == google.client_email
    assert CALENDAR_SCOPE in claims["scope"].split()

    [event] = google.live_events()
    session = reload(session)
    assert session.meet_link == event["hangoutLink"]
    assert session.meet_link.startswith("https://meet.google.com/")
    link = the_link(session)
    assert (link.state, link.event_state, link.calendar_id) == (
        LinkState.READY,
        EventState.PRESENT,
        tutor.email,
    )
    ready = AuditLog.objects.get(action="meeting_link_ready", entity_id=session.id)
    assert ready.actor_id is None and ready.details["link"] == session.meet_link
    updated = Event.objects.get(type="session.updated")
    assert updated.data["session"]["meet_link"] == session.meet_link
    assert updated.data["changes"] == {"meet_link": {"from": None, "to": session.meet_link}}
    assert job_of(session).state == JobState.SUCCEEDED

    # Nothing more to do: another round calls nobody.
    before = len(google.requests)
    run_jobs()
    assert len(google.requests) == before


def test_a_typed_link_wins_and_nothing_is_asked_of_google(google, match, package):
    session = make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=1))
    run_jobs()
    assert reload(session).meet_link == "https://meet.example.com/abc-defg-hij"
    assert not MeetingLink.objects.filter(session_id=session.pk).exists()
    assert google.requests == []


def test_a_reschedule_moves_the_same_event_and_the_replacement_keeps_the_link(google, match, package, tutor):
    session = lesson(match)
    run_jobs()
    link = reload(session).meet_link
    new_start = session.scheduled_start_at + timedelta(days=3)

    change = update_status(session_id=session.id, status="rescheduled", new_start_at=new_start, actor=tutor)
    replacement = change.replacement_session
    assert replacement.meet_link == link
    run_jobs()

    assert len(google.of_kind("insert")) == 1  # moved, never made again
    [patch] = google.of_kind("patch")
    assert patch.event_id == session.id.hex and patch.calendar_id == tutor.email
    assert patch.json()["start"]["dateTime"] == new_start.isoformat()
    assert google.of_kind("delete") == []
    [event] = google.live_events()
    assert event["start"]["dateTime"] == new_start.isoformat()
    assert event["hangoutLink"] == link == reload(replacement).meet_link
    assert the_link(session).state == LinkState.MOVED
    moved = the_link(replacement)
    assert (moved.state, moved.event_id, moved.event_start) == (LinkState.READY, session.id.hex, new_start)


def test_a_lesson_that_leaves_the_schedule_has_its_event_deleted(google, match, package, tutor):
    session = lesson(match)
    run_jobs()
    update_status(session_id=session.id, status="rescheduled", actor=tutor)  # no new time: off the schedule
    run_jobs()

    [delete] = google.of_kind("delete")
    assert delete.event_id == session.id.hex and delete.subject == tutor.email
    assert google.live_events() == []
    assert the_link(session).state == LinkState.REMOVED
    assert the_link(session).event_state == EventState.DELETED


def test_a_lesson_back_on_the_schedule_has_its_event_restored(google, match, package, tutor):
    session = lesson(match)
    run_jobs()
    link = reload(session).meet_link
    update_status(session_id=session.id, status="rescheduled", actor=tutor)
    run_jobs()
    correct_status(session_id=session.id, status="scheduled", reason="Booked again", actor=system_admin())
    run_jobs()

    assert len(google.of_kind("insert")) == 1
    restore = google.of_kind("patch")[-1]
    assert restore.json()["status"] == "confirmed"
    [event] = google.live_events()
    assert event["hangoutLink"] == link == reload(session).meet_link
    assert the_link(session).state == LinkState.READY


def test_a_lesson_moved_to_another_tutor_gets_an_event_on_their_calendar(google, match, package, tutor):
    session = lesson(match)
    run_jobs()
    other = TutorFactory(email="nora@example.test")
    other_match = make_match(tutor=other)

    def move():
        replacement = new_session(
            match=other_match,
            student_id=session.student_id,
            start=session.scheduled_start_at,
            duration_minutes=60,
            meet_link=reload(session).meet_link,
            actor=system_admin(),
            rescheduled_from=reload(session),
        )
        Session.objects.filter(pk=session.pk).update(status="rescheduled")
        from tutordesk.events.services import NewEvent, events_record
        from tutordesk.scheduling.shapes import session_dict

        events_record(
            changes=[
                NewEvent("session.status_updated", {"session": session_dict(reload(session))}),
                NewEvent("session.created", {"session": session_dict(replacement)}),
            ]
        )
        return replacement

    from django.db import transaction

    with transaction.atomic():
        replacement = move()
    assert replacement.meet_link is None  # the old tutor's link stays with the old tutor's event
    run_jobs()

    assert [r.calendar_id for r in google.of_kind("insert")] == [tutor.email, other.email]
    assert [r.calendar_id for r in google.of_kind("delete")] == [tutor.email]
    [event] = google.live_events()
    assert event["organizer"]["email"] == other.email
    assert reload(replacement).meet_link == event["hangoutLink"]


def test_a_longer_lesson_moves_its_event_end_and_a_typed_link_removes_the_event(
    google, match, package, tutor
):
    session = lesson(match)
    run_jobs()
    atomic(session_update_details, session_id=session.id, duration_minutes=90, actor=tutor)
    run_jobs()
    [patch] = google.of_kind("patch")
    assert patch.json()["end"]["dateTime"] == (session.scheduled_start_at + timedelta(minutes=90)).isoformat()

    atomic(
        session_update_details, session_id=session.id, meet_link="https://zoom.example.com/j/1", actor=tutor
    )
    run_jobs()
    assert len(google.of_kind("delete")) == 1 and google.live_events() == []
    assert reload(session).meet_link == "https://zoom.example.com/j/1"
    assert the_link(session).state == LinkState.REMOVED

    # Cleared again: the provider's link comes back, with the same event.
    atomic(session_update_details, session_id=session.id, meet_link=None, actor=tutor)
    assert reload(session).meet_link is None
    assert the_link(session).state == LinkState.PREPARING
    run_jobs()
    [event] = google.live_events()
    assert reload(session).meet_link == event["hangoutLink"]
    assert len(google.of_kind("insert")) == 1


def test_a_cleared_typed_link_gets_a_google_link(google, match, package, tutor):
    session = make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=1))
    atomic(session_update_details, session_id=session.id, meet_link=None, actor=tutor)
    assert the_link(session).state == LinkState.PREPARING
    run_jobs()
    [event] = google.live_events()
    assert reload(session).meet_link == event["hangoutLink"]


# ---------------------------------------------------------------- failures and retries


def test_a_server_error_is_retried_with_the_outbox_backoff(google, match, package):
    session = lesson(match)
    google.fail("insert", "status", status=503)
    now = timezone.now()
    run_jobs(now=now)

    job = job_of(session)
    assert (job.state, job.attempts) == (JobState.PENDING, 1)
    assert job.next_attempt_at == now + timedelta(seconds=15)  # the outbox's first retry delay
    assert "503" in job.last_error
    assert reload(session).meet_link is None and the_link(session).state == LinkState.PREPARING

    run_jobs(now=now + timedelta(seconds=5))  # not due yet
    assert len(google.of_kind("insert")) == 1
    run_jobs(now=job.next_attempt_at)
    assert len(google.of_kind("insert")) == 2
    [event] = google.all_events()
    assert reload(session).meet_link == event["hangoutLink"]


def test_an_answer_lost_after_google_made_the_event_never_makes_a_second(google, match, package):
    session = lesson(match)
    # Google makes the event, then the connection drops (httplib2 sends it once more: dropped too).
    google.fail("insert", "drop", times=2, after=True)
    now = timezone.now()
    run_jobs(now=now)
    assert job_of(session).attempts == 1
    assert the_link(session).event_state == EventState.ASKED

    run_jobs(now=now + timedelta(seconds=15))
    inserts = google.of_kind("insert")
    assert len(inserts) == 3 and [r.status for r in inserts] == [0, 0, 409]
    assert len(google.of_kind("get")) == 1
    [event] = google.all_events()
    assert reload(session).meet_link == event["hangoutLink"]


def test_a_slow_answer_times_out_and_is_retried(google, match, package):
    session = lesson(match)
    google.fail("insert", "slow", seconds=4)  # the client waits 2 s
    now = timezone.now()
    run_jobs(now=now)
    assert (
        "timed out" in job_of(session).last_error.lower() or "timeout" in job_of(session).last_error.lower()
    )
    run_jobs(now=now + timedelta(seconds=15))
    assert len(google.all_events()) == 1
    assert reload(session).meet_link == google.all_events()[0]["hangoutLink"]


def test_a_dropped_token_request_is_retried(google, match, package):
    session = lesson(match)
    google.fail("token", "drop", times=2)
    now = timezone.now()
    run_jobs(now=now)
    assert job_of(session).attempts == 1
    run_jobs(now=now + timedelta(seconds=15))
    assert reload(session).meet_link is not None


def test_a_link_google_keeps_refusing_fails_and_is_tried_again_by_hand(google, match, package, tutor):
    session = lesson(match)
    google.fail("insert", "status", status=500, times=100)
    now = timezone.now()
    for _ in range(12):
        job = job_of(session)
        if job.state != JobState.PENDING:
            break
        run_jobs(now=max(now, job.next_attempt_at))
        now = job_of(session).next_attempt_at or now
    job = job_of(session)
    assert (job.state, job.attempts) == (JobState.FAILED, 10)
    assert the_link(session).state == LinkState.FAILED
    failed = AuditLog.objects.get(action="meeting_link_failed", entity_id=session.id)
    assert failed.actor_id is None and "500" in failed.details["error"]

    google.faults.clear()
    from tutordesk.meetings.services import meeting_link_retry

    atomic(meeting_link_retry, session_id=session.id, actor=tutor)
    assert the_link(session).state == LinkState.PREPARING
    job = job_of(session)
    assert (job.state, job.attempts) == (JobState.PENDING, 0)
    assert AuditLog.objects.get(action="meeting_link_retried", entity_id=session.id).actor_id == tutor.id
    run_jobs()
    assert len(google.all_events()) == 1
    assert reload(session).meet_link == google.all_events()[0]["hangoutLink"]


def test_only_a_failed_link_can_be_tried_again(google, match, package, tutor):
    from tutordesk.core.errors import ValidationError
    from tutordesk.meetings.services import meeting_link_retry

    session = lesson(match)
    with pytest.raises(ValidationError) as refused:
        atomic(meeting_link_retry, session_id=session.id, actor=tutor)
    assert refused.value.context["reason"] == "meeting_link_not_failed"


def test_a_change_while_the_job_runs_is_not_lost(google, match, package, tutor):
    """The lesson is made longer while Google is answering the insert: the job runs once more."""
    session = lesson(match)
    google.fail("insert", "slow", seconds=1)
    import threading

    def lengthen():
        from django.db import connection

        try:
            google.wait_for(lambda: len(google.of_kind("insert")) == 1, what="the insert")
            atomic(session_update_details, session_id=session.id, duration_minutes=120, actor=tutor)
        finally:
            connection.close()

    thread = threading.Thread(target=lengthen)
    thread.start()
    run_jobs()
    thread.join()
    run_jobs()
    [event] = google.all_events()
    assert event["end"]["dateTime"] == (session.scheduled_start_at + timedelta(minutes=120)).isoformat()
    assert job_of(session).state == JobState.SUCCEEDED


def test_every_request_acts_as_the_tutor_on_the_tutors_calendar(google, match, package, tutor):
    session = lesson(match)
    run_jobs()
    update_status(
        session_id=session.id,
        status="rescheduled",
        new_start_at=session.scheduled_start_at + timedelta(days=1),
        actor=tutor,
    )
    run_jobs()
    calendar_calls = google.of_kind("insert", "get", "patch", "delete")
    assert calendar_calls and {(r.subject, r.calendar_id) for r in calendar_calls} == {
        (tutor.email, tutor.email)
    }
    assert {r.status for r in google.requests} <= {200, 204}
    assert (
        uuid.UUID(google.of_kind("insert")[0].json()["conferenceData"]["createRequest"]["requestId"])
        == session.id
    )
