"""`PATCH /api/v1/sessions/{id}` (CONTRACT §13): a scheduled lesson's meet link and length, by its
tutor or an admin; audited with what changed; a longer lesson checked for clashes; an
Idempotency-Key as on every POST; every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import ApiClient, assert_problem, token_for
from tests.factories import MEET_LINK, StudentFactory, make_session
from tests.helpers import bring_to_status, snapshot
from tutordesk.accounts.models import Role
from tutordesk.audit.models import AuditLog
from tutordesk.events.models import Event
from tutordesk.scheduling.models import Session

pytestmark = pytest.mark.django_db
ZOOM = "https://zoom.example.com/j/123"


def path(session) -> str:
    return f"/sessions/{session.id}"


def test_the_tutor_changes_the_link_and_the_length(tutor_api, future_session, tutor):
    response = tutor_api.patch(path(future_session), {"meet_link": ZOOM, "duration_minutes": 90})
    assert response.status_code == 200
    body = response.json()
    assert (body["meet_link"], body["duration_minutes"], body["id"]) == (ZOOM, 90, str(future_session.id))
    assert body["updated_by_user_id"] == str(tutor.id)
    session = Session.objects.get(pk=future_session.pk)
    assert (session.meet_link, session.duration_minutes) == (ZOOM, 90)

    audit = AuditLog.objects.get(action="session_details_updated")
    assert audit.actor_id == tutor.id and audit.entity_id == future_session.id
    assert audit.details == {
        "changes": {
            "duration_minutes": {"from": 60, "to": 90},
            "meet_link": {"from": MEET_LINK, "to": ZOOM},
        }
    }
    event = Event.objects.get(type="session.updated")
    assert event.data["session"]["meet_link"] == ZOOM
    assert event.data["changes"]["duration_minutes"] == {"from": 60, "to": 90}


def test_fields_left_out_stay_and_null_clears_the_link(admin_api, future_session):
    response = admin_api.patch(path(future_session), {"duration_minutes": 45})
    assert response.status_code == 200 and response.json()["meet_link"] == MEET_LINK
    response = admin_api.patch(path(future_session), {"meet_link": None})
    assert response.status_code == 200 and response.json()["meet_link"] is None
    assert response.json()["duration_minutes"] == 45
    assert AuditLog.objects.filter(action="session_details_updated").count() == 2


def test_nothing_changed_writes_nothing(tutor_api, future_session):
    before = snapshot()
    response = tutor_api.patch(path(future_session), {"meet_link": MEET_LINK, "duration_minutes": 60})
    assert response.status_code == 200
    assert tutor_api.patch(path(future_session), {}).status_code == 200
    assert snapshot() == before


def test_a_longer_lesson_that_overlaps_another_is_refused(tutor_api, match, future_session):
    later = make_session(
        match=match, scheduled_start_at=future_session.scheduled_start_at + timedelta(minutes=90)
    )
    before = snapshot()
    body = assert_problem(
        tutor_api.patch(path(future_session), {"duration_minutes": 120}), 409, "tutor_double_booked"
    )
    assert body["conflicting_session_id"] == str(later.id)
    assert body["conflicts"] == [
        {
            "scheduled_start_at": future_session.scheduled_start_at.isoformat(),
            "conflicting_session_id": str(later.id),
            "conflicting_start_at": later.scheduled_start_at.isoformat(),
        }
    ]
    assert snapshot() == before
    # Up to the next lesson fits; a shorter lesson is never checked.
    assert tutor_api.patch(path(future_session), {"duration_minutes": 90}).status_code == 200
    assert tutor_api.patch(path(later), {"duration_minutes": 15}).status_code == 200


@pytest.mark.parametrize("status", ["done", "rescheduled", "no_show_student", "no_show_tutor"])
def test_only_a_scheduled_lesson_can_be_edited(tutor_api, past_session, status):
    bring_to_status(past_session, status)
    before = snapshot()
    body = assert_problem(
        tutor_api.patch(path(past_session), {"duration_minutes": 30}), 409, "invalid_transition"
    )
    assert body["current_status"] == status
    assert snapshot() == before


def test_students_and_guardians_may_not_and_other_tutors_do_not_see_it(
    student_api, other_tutor_api, future_session, student
):
    guardian = StudentFactory(role=Role.GUARDIAN, email="gwen@example.test")
    guardian_api = ApiClient(token_for(guardian))
    before = snapshot()
    assert_problem(student_api.patch(path(future_session), {"duration_minutes": 30}), 403, "forbidden")
    assert guardian_api.patch(path(future_session), {"duration_minutes": 30}).status_code == 403
    assert_problem(other_tutor_api.patch(path(future_session), {"duration_minutes": 30}), 404, "not_found")
    assert_problem(
        other_tutor_api.patch("/sessions/00000000-0000-0000-0000-000000000000", {}), 404, "not_found"
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"meet_link": "http://meet.example.com/x"},
        {"meet_link": "not a link"},
        {"meet_link": 5},
        {"duration_minutes": 14},
        {"duration_minutes": 241},
        {"duration_minutes": 60.5},
        {"duration_minutes": "60"},
        {"duration_minutes": True},
        {"duration_minutes": None},
        {"status": "done"},
        [],
    ],
)
def test_a_bad_body_is_a_validation_error_and_changes_nothing(tutor_api, future_session, body):
    before = snapshot()
    assert_problem(tutor_api.patch(path(future_session), body), 422, "validation_error")
    assert snapshot() == before


def test_a_whole_float_is_the_integer(tutor_api, future_session):
    assert tutor_api.patch(path(future_session), {"duration_minutes": 45.0}).json()["duration_minutes"] == 45


def test_an_idempotency_key_replays_the_first_answer(tutor_api, future_session):
    first = tutor_api.patch(path(future_session), {"duration_minutes": 75}, key="edit-1")
    assert first.status_code == 200 and "Idempotent-Replayed" not in first
    Session.objects.filter(pk=future_session.pk).update(duration_minutes=60)  # someone else's change since
    again = tutor_api.patch(path(future_session), {"duration_minutes": 75}, key="edit-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert AuditLog.objects.filter(action="session_details_updated").count() == 1
    assert_problem(
        tutor_api.patch(path(future_session), {"duration_minutes": 30}, key="edit-1"),
        422,
        "idempotency_key_reused",
    )


def test_a_refusal_under_a_key_is_stored_and_replayed(tutor_api, past_session):
    bring_to_status(past_session, "done")
    first = tutor_api.patch(path(past_session), {"duration_minutes": 30}, key="edit-2")
    assert_problem(first, 409, "invalid_transition")
    again = tutor_api.patch(path(past_session), {"duration_minutes": 30}, key="edit-2")
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    invalid = tutor_api.patch(path(past_session), {"duration_minutes": 3}, key="edit-3")
    assert_problem(invalid, 422, "validation_error")
    assert (
        tutor_api.patch(path(past_session), {"duration_minutes": 3}, key="edit-3")["Idempotent-Replayed"]
        == "true"
    )


def test_the_openapi_document_declares_the_patch(anonymous_api):
    document = anonymous_api.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/sessions/{session_id}"]["patch"]
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    assert "Idempotent-Replayed" in operation["responses"]["200"]["headers"]
    assert {"409", "422", "403", "404"} <= set(operation["responses"])


def test_a_past_lesson_still_scheduled_can_be_edited(tutor_api, match, package):
    session = make_session(match=match, scheduled_start_at=timezone.now() - timedelta(hours=3))
    assert tutor_api.patch(path(session), {"duration_minutes": 90}).status_code == 200
