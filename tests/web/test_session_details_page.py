"""The session page's "Edit details" (link and length) and its meeting link's state, with the same
service and refusals as `PATCH /api/v1/sessions/{id}`, the refusals in words."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_session
from tests.helpers import bring_to_status, snapshot
from tests.web.conftest import logged_in
from tutordesk.audit.models import AuditLog
from tutordesk.meetings.models import LinkState, MeetingLink, Provider
from tutordesk.scheduling.models import Session

pytestmark = pytest.mark.django_db


def page(client, session) -> str:
    response = client.get(f"/sessions/{session.id}/")
    assert response.status_code == 200
    return response.content.decode()


def save(client, session, **fields):
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "meet_link": session.meet_link or "",
        "duration_minutes": 60,
    }
    return client.post(f"/sessions/{session.id}/details/", {**data, **fields}, follow=True)


def test_the_tutor_and_an_admin_get_the_form_a_student_does_not(tutor, admin, student, future_session):
    for user in (tutor, admin):
        html = page(logged_in(user), future_session)
        assert "data-details-form" in html and 'data-action="save_details"' in html
        assert 'value="https://meet.example.com/abc-defg-hij"' in html
    assert "data-details-form" not in page(logged_in(student), future_session)
    response = logged_in(student).post(
        f"/sessions/{future_session.id}/details/", {"idempotency_key": "k", "duration_minutes": 30}
    )
    assert response.status_code == 403


def test_saving_changes_the_lesson_and_says_so(tutor, future_session):
    response = save(
        logged_in(tutor), future_session, duration_minutes=90, meet_link="https://zoom.example.com/j/9"
    )
    html = response.content.decode()
    assert "Details saved." in html
    session = Session.objects.get(pk=future_session.pk)
    assert (session.duration_minutes, session.meet_link) == (90, "https://zoom.example.com/j/9")
    assert "Changed the length from 60 to 90 minutes" in html  # the timeline, in words
    assert AuditLog.objects.filter(action="session_details_updated").count() == 1


def test_a_clash_is_refused_in_words_and_changes_nothing(tutor, match, future_session):
    make_session(match=match, scheduled_start_at=future_session.scheduled_start_at + timedelta(hours=1))
    before = snapshot()
    html = save(logged_in(tutor), future_session, duration_minutes=120).content.decode()
    assert "The tutor already has a session at" in html and "Pick a different time." in html
    assert snapshot() == before


def test_a_bad_link_and_a_recorded_lesson_are_refused_in_words(tutor, past_session):
    client = logged_in(tutor)
    html = save(client, past_session, meet_link="http://insecure.example.com").content.decode()
    assert "Enter an https:// link" in html
    bring_to_status(past_session, "done")
    assert "data-details-form" not in page(client, past_session)
    html = save(client, past_session, duration_minutes=30).content.decode()
    assert "This session is already Done, so that change is not possible." in html
    assert Session.objects.get(pk=past_session.pk).duration_minutes == 60


def test_the_page_says_a_google_link_is_being_prepared_or_failed_with_try_again(
    tutor, student, match, package
):
    session = make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=1), meet_link=None)
    MeetingLink.objects.create(
        session=session, provider=Provider.GOOGLE, state=LinkState.PREPARING, event_id=session.id.hex
    )
    html = page(logged_in(tutor), session)
    assert 'data-meet-link-state="preparing"' in html and "Being prepared" in html

    MeetingLink.objects.filter(pk=session.pk).update(state=LinkState.FAILED)
    html = page(logged_in(tutor), session)
    assert 'data-meet-link-state="failed"' in html and "could not make the link" in html
    assert 'data-action="retry_meet_link"' in html
    assert 'data-action="retry_meet_link"' not in page(logged_in(student), session)

    import re

    key = re.search(r'meet-link/retry/".*?name="idempotency_key" value="([^"]+)"', html, re.S)[1]
    response = logged_in(tutor).post(
        f"/sessions/{session.id}/meet-link/retry/", {"idempotency_key": key}, follow=True
    )
    assert "Asked for the meeting link again" in response.content.decode()
    assert MeetingLink.objects.get(pk=session.pk).state == LinkState.PREPARING
    retried = AuditLog.objects.get(action="meeting_link_retried", entity_id=session.id)
    assert retried.actor_id == tutor.id
    # The same form again replays its answer: no second audit row.
    logged_in(tutor).post(f"/sessions/{session.id}/meet-link/retry/", {"idempotency_key": key})
    assert AuditLog.objects.filter(action="meeting_link_retried").count() == 1
    assert "Asked for the Google Meet link again" in page(logged_in(tutor), session)
