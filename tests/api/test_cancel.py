"""`POST /api/v1/sessions/{id}/cancel` (CONTRACT §12): one lesson leaves the schedule
(`rescheduled`, no charge, no replacement) when its tutor, an admin, its student or a guardian of
the student cancels it before it starts — a student or guardian with the notice the setting asks.
Audited with who cancelled, the reason and the notice; every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import ApiClient, assert_problem, token_for
from tests.factories import UserFactory, make_match, make_session
from tests.helpers import bring_to_status, snapshot
from tutordesk.accounts.models import Guardianship, Role
from tutordesk.audit.details import Names, details_of
from tutordesk.audit.models import AuditLog
from tutordesk.core import clock
from tutordesk.events.models import Event
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Package

pytestmark = pytest.mark.django_db
REASON = {"reason": "Exam week"}


def path(session) -> str:
    return f"/sessions/{session.id}/cancel"


@pytest.fixture
def upcoming(match, package):
    """Three days ahead: well outside the default 24-hour notice."""
    return make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=3))


@pytest.fixture
def guardian(student):
    person = UserFactory(role=Role.GUARDIAN, email="gwen@example.test", name="Gwen Guardian")
    Guardianship.objects.create(guardian=person, student=student)
    return person


@pytest.fixture
def guardian_api(guardian):
    return ApiClient(token_for(guardian))


@pytest.fixture
def other_guardian_api(db):
    """A guardian of another student."""
    other_student = make_match().request.student
    person = UserFactory(role=Role.GUARDIAN, email="olga@example.test")
    Guardianship.objects.create(guardian=person, student=other_student)
    return ApiClient(token_for(person))


@pytest.mark.parametrize("who", ["tutor", "admin", "student", "guardian"])
def test_each_allowed_person_cancels_and_nothing_is_charged(who, request, upcoming, package):
    actor = request.getfixturevalue(who)
    api = request.getfixturevalue(f"{who}_api")
    used_before = Package.objects.get(pk=package.pk).sessions_used

    response = api.post(path(upcoming), REASON)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["session"]["status"] == "rescheduled"
    assert body["session"]["package_id"] is None
    assert body["replacement_session"] is None and body["package"] is None
    assert body["session"]["updated_by_user_id"] == str(actor.id)
    assert Session.objects.count() == 1
    assert Package.objects.get(pk=package.pk).sessions_used == used_before

    audit = AuditLog.objects.get(action="session_cancelled")
    assert audit.actor_id == actor.id and audit.entity_id == upcoming.id
    assert audit.details["cancelled_by"] == str(actor.id)
    assert audit.details["cancelled_by_role"] == actor.role
    assert audit.details["reason"] == "Exam week"
    assert audit.details["from_status"] == "scheduled" and audit.details["status"] == "rescheduled"
    assert 71.9 <= audit.details["notice_hours"] <= 72
    words = details_of(audit).words(Names({actor.id: actor.name}))
    assert words.startswith(f"Cancelled by {actor.name} ({actor.get_role_display().lower()}), ")
    assert words.endswith("hours' notice: Exam week")

    event = Event.objects.get(type="session.status_updated")
    assert event.data["session"]["status"] == "rescheduled"
    assert event.data["replacement_session"] is None


def test_the_notice_is_recorded_in_hours(tutor_api, upcoming):
    with clock.at(upcoming.scheduled_start_at - timedelta(hours=5, minutes=30)):
        assert tutor_api.post(path(upcoming), REASON).status_code == 200
    audit = AuditLog.objects.get(action="session_cancelled")
    assert audit.details["notice_hours"] == 5.5
    assert "5.5 hours' notice: Exam week" in details_of(audit).words(Names())


@pytest.mark.parametrize("who", ["student", "guardian"])
def test_a_student_or_guardian_inside_the_notice_window_is_too_late(who, request, upcoming):
    api = request.getfixturevalue(f"{who}_api")
    before = snapshot()
    with clock.at(upcoming.scheduled_start_at - timedelta(hours=23, minutes=59)):
        assert_problem(api.post(path(upcoming), REASON), 409, "cancellation_too_late")
    assert snapshot() == before
    with clock.at(upcoming.scheduled_start_at - timedelta(hours=24)):
        assert api.post(path(upcoming), REASON).status_code == 200


@pytest.mark.parametrize("who", ["tutor", "admin"])
def test_the_tutor_and_admins_may_cancel_until_the_start(who, request, upcoming):
    api = request.getfixturevalue(f"{who}_api")
    with clock.at(upcoming.scheduled_start_at - timedelta(minutes=1)):
        assert api.post(path(upcoming), REASON).status_code == 200


@pytest.mark.parametrize("who", ["tutor", "admin", "student", "guardian"])
def test_once_started_nobody_cancels(who, request, upcoming):
    api = request.getfixturevalue(f"{who}_api")
    before = snapshot()
    with clock.at(upcoming.scheduled_start_at):
        assert_problem(api.post(path(upcoming), REASON), 409, "cancellation_too_late")
    assert snapshot() == before


def test_the_notice_follows_the_setting(settings, student_api, upcoming):
    settings.CANCELLATION_NOTICE_HOURS = 80
    assert_problem(student_api.post(path(upcoming), REASON), 409, "cancellation_too_late")
    settings.CANCELLATION_NOTICE_HOURS = 2
    with clock.at(upcoming.scheduled_start_at - timedelta(hours=3)):
        assert student_api.post(path(upcoming), REASON).status_code == 200


@pytest.mark.parametrize("status", ["done", "no_show_student", "no_show_tutor", "rescheduled"])
def test_a_lesson_no_longer_scheduled_is_an_invalid_transition(status, tutor_api, student_api, past_session):
    bring_to_status(past_session, status)
    before = snapshot()
    for api in (tutor_api, student_api):
        body = assert_problem(api.post(path(past_session), REASON), 409, "invalid_transition")
        assert body["current_status"] == status
    assert snapshot() == before


def test_cancelled_twice_the_second_is_an_invalid_transition(tutor_api, upcoming):
    assert tutor_api.post(path(upcoming), REASON).status_code == 200
    assert_problem(tutor_api.post(path(upcoming), REASON), 409, "invalid_transition")
    assert AuditLog.objects.filter(action="session_cancelled").count() == 1


def test_who_may_not_see_the_lesson_finds_none(other_tutor_api, other_guardian_api, upcoming):
    before = snapshot()
    assert_problem(other_tutor_api.post(path(upcoming), REASON), 404, "not_found")
    assert_problem(other_guardian_api.post(path(upcoming), REASON), 404, "not_found")
    assert_problem(
        other_tutor_api.post("/sessions/00000000-0000-0000-0000-000000000000/cancel", REASON),
        404,
        "not_found",
    )
    assert snapshot() == before


def test_another_student_finds_none(upcoming):
    stranger = ApiClient(token_for(make_match().request.student))
    before = snapshot()
    assert_problem(stranger.post(path(upcoming), REASON), 404, "not_found")
    assert snapshot() == before


def test_students_and_guardians_still_may_not_post_a_status(student_api, guardian_api, upcoming):
    before = snapshot()
    assert_problem(
        student_api.post(f"/sessions/{upcoming.id}/status", {"status": "rescheduled"}), 403, "forbidden"
    )
    assert guardian_api.post(f"/sessions/{upcoming.id}/status", {"status": "rescheduled"}).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize(
    "body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": 5}, []]
)
def test_a_reason_is_required(tutor_api, upcoming, body):
    before = snapshot()
    assert_problem(tutor_api.post(path(upcoming), body), 422, "validation_error")
    assert snapshot() == before


def test_an_idempotency_key_replays_the_first_answer(student_api, upcoming):
    first = student_api.post(path(upcoming), REASON, key="cancel-1")
    again = student_api.post(path(upcoming), REASON, key="cancel-1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert AuditLog.objects.filter(action="session_cancelled").count() == 1
    assert_problem(
        student_api.post(path(upcoming), {"reason": "other"}, key="cancel-1"), 422, "idempotency_key_reused"
    )


def test_the_calendar_feed_shows_a_cancelled_lesson_as_cancelled(student_api, upcoming):
    from tests.api.test_calendar_feed import events, issue, uid

    url = issue(student_api)
    assert str(events(url)[uid(upcoming)]["STATUS"]) == "CONFIRMED"
    assert student_api.post(path(upcoming), REASON).status_code == 200
    assert str(events(url)[uid(upcoming)]["STATUS"]) == "CANCELLED"
