"""Real `run_worker` processes make the Google link end to end, and a worker killed in the middle
of Google's answer loses nothing and makes no second event: once its claim runs out, the next
worker asks again under the same event id, finds the event (HTTP 409), and reads its link."""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.events.workers import start_worker
from tests.factories import make_session
from tests.helpers import update_status
from tests.meetings.google_server import GoogleServer
from tutordesk.events.models import Job, JobState
from tutordesk.meetings.models import LinkState, MeetingLink
from tutordesk.scheduling.models import Session

pytestmark = pytest.mark.django_db(transaction=True)
LEASE = 3  # seconds a claim holds


def worker_env(google: GoogleServer, settings, timeout: int) -> dict[str, str]:
    return {
        "TUTORDESK_MEETING_PROVIDER": "google",
        "TUTORDESK_GOOGLE_SERVICE_ACCOUNT_FILE": settings.GOOGLE_SERVICE_ACCOUNT_FILE,
        "TUTORDESK_GOOGLE_API_URL": google.root,
        "TUTORDESK_GOOGLE_TIMEOUT_SECONDS": str(timeout),
    }


def new_lesson(match, days: int = 2) -> Session:
    return make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=days), meet_link=None)


def test_a_worker_process_makes_moves_and_deletes_the_event(google, settings, match, package, tutor):
    session = new_lesson(match)
    worker = start_worker(
        "--lease", "10", timeout_seconds=1, extra_env=worker_env(google, settings, timeout=5)
    )
    try:
        google.wait_for(
            lambda: Session.objects.get(pk=session.pk).meet_link is not None, what=worker.output()
        )
        change = update_status(
            session_id=session.id,
            status="rescheduled",
            new_start_at=session.scheduled_start_at + timedelta(days=1),
            actor=tutor,
        )
        google.wait_for(lambda: len(google.of_kind("patch")) == 1, what=worker.output())
        update_status(session_id=change.replacement_session.id, status="rescheduled", actor=tutor)
        google.wait_for(lambda: len(google.of_kind("delete")) == 1, what=worker.output())
        google.wait_for(
            lambda: MeetingLink.objects.get(pk=change.replacement_session.pk).state == LinkState.REMOVED,
            what=worker.output(),
        )
    finally:
        worker.stop()
    assert len(google.of_kind("insert")) == 1
    assert [e["status"] for e in google.all_events()] == ["cancelled"]
    assert {r.subject for r in google.requests} == {tutor.email}


def test_a_worker_killed_mid_call_loses_nothing_and_makes_no_second_event(google, settings, match, package):
    session = new_lesson(match)
    google.fail("insert", "slow", seconds=60)  # the first insert hangs until released
    first = start_worker(
        "--lease", str(LEASE), timeout_seconds=1, extra_env=worker_env(google, settings, timeout=30)
    )
    try:
        google.wait_for(lambda: len(google.of_kind("insert")) == 1, what=first.output())
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=5)
    finally:
        first.stop()
    job = Job.objects.get(key=session.id.hex)
    assert job.state == JobState.PENDING and job.locked_until is not None  # its claim is left behind
    google.release.set()  # Google finishes the first insert; nobody is left to read the answer

    second = start_worker(
        "--lease", str(LEASE), timeout_seconds=1, extra_env=worker_env(google, settings, timeout=5)
    )
    try:
        google.wait_for(
            lambda: Session.objects.get(pk=session.pk).meet_link is not None, what=second.output()
        )
    finally:
        second.stop()
    [event] = google.all_events()
    assert Session.objects.get(pk=session.pk).meet_link == event["hangoutLink"]
    inserts = google.of_kind("insert")
    assert len(inserts) == 2 and {r.json()["id"] for r in inserts} == {session.id.hex}
    assert Job.objects.get(key=session.id.hex).state == JobState.SUCCEEDED
