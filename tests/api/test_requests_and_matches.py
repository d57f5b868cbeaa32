"""Requests and matches over the API (CONTRACT §11): create and list requests, match a tutor,
end a match (its upcoming lessons leave the schedule) and reassign it (they move to the new
tutor in one transaction, or nothing changes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import ApiClient, assert_problem, token_for
from tests.factories import StudentFactory, TutorFactory, UserFactory, make_match, make_request, make_session
from tests.helpers import snapshot as sessions_snapshot
from tutordesk.accounts.models import Guardianship, Role
from tutordesk.audit.models import AuditLog
from tutordesk.events.models import Event
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match, Package, TutoringRequest

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[tuple]]:
    """Every row a request, match or lesson change may touch."""
    return {
        **sessions_snapshot(),
        "matches": list(Match.objects.order_by("id").values_list()),
        "requests": list(TutoringRequest.objects.order_by("id").values_list()),
    }


def _hour(days: float) -> object:
    return (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


# --- Requests ---------------------------------------------------------------------------------


def test_an_admin_adds_a_request_for_a_student(admin_api, student, admin):
    response = admin_api.post("/requests", {"student_id": str(student.id), "subject": "Chemistry"}, key="r1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "student_id", "subject", "status", "created_at"}
    assert (body["student_id"], body["subject"], body["status"]) == (str(student.id), "Chemistry", "open")
    row = AuditLog.objects.get(entity_id=body["id"])
    assert (row.action, row.actor_id) == ("request_created", admin.id)
    again = admin_api.post("/requests", {"student_id": str(student.id), "subject": "Chemistry"}, key="r1")
    assert again.json() == body and again["Idempotent-Replayed"] == "true"
    assert TutoringRequest.objects.count() == 1


def test_a_request_for_someone_who_is_not_a_student_names_the_field(admin_api, tutor):
    before = snapshot()
    body = assert_problem(
        admin_api.post("/requests", {"student_id": str(tutor.id), "subject": "Chemistry"}),
        422,
        "validation_error",
    )
    assert body["field"] == "student_id"
    nobody = "00000000-0000-0000-0000-000000000009"
    assert_problem(
        admin_api.post("/requests", {"student_id": nobody, "subject": "Chemistry"}), 404, "not_found"
    )
    assert_problem(
        admin_api.post("/requests", {"student_id": str(tutor.id), "subject": " "}), 422, "validation_error"
    )
    assert snapshot() == before


def test_only_an_admin_adds_a_request(tutor_api, student_api, student):
    for api in (tutor_api, student_api):
        assert_problem(
            api.post("/requests", {"student_id": str(student.id), "subject": "X"}), 403, "forbidden"
        )
    assert not TutoringRequest.objects.exists()


def test_requests_are_listed_for_whoever_may_see_them(
    admin_api, tutor_api, student_api, match, student, tutor
):
    mine = match.request
    open_one = make_request(student=student, subject="Physics")
    someone_elses = make_request()
    make_match(request=someone_elses)

    def ids(api: ApiClient, **params: str) -> set[str]:
        return {item["id"] for item in api.get("/requests", params).json()["items"]}

    assert ids(admin_api) == {str(mine.id), str(open_one.id), str(someone_elses.id)}
    assert ids(admin_api, student_id=str(student.id)) == {str(mine.id), str(open_one.id)}
    assert ids(admin_api, status="open") == {str(open_one.id)}
    assert ids(student_api) == {str(mine.id), str(open_one.id)}
    assert ids(tutor_api) == {str(mine.id)}
    guardian = UserFactory(role=Role.GUARDIAN, email="gina@example.test")
    Guardianship.objects.create(guardian=guardian, student=student)
    assert ids(ApiClient(token_for(guardian))) == {str(mine.id), str(open_one.id)}
    first = admin_api.get("/requests", {"limit": 2}).json()
    second = admin_api.get("/requests", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next_cursor"] is None
    assert_problem(admin_api.get("/requests", {"status": "lost"}), 422, "validation_error")


# --- Matches ----------------------------------------------------------------------------------


def test_an_admin_matches_a_tutor_to_an_open_request(admin_api, tutor, student):
    request = make_request(student=student, subject="Biology")
    response = admin_api.post(
        "/matches", {"request_id": str(request.id), "tutor_id": str(tutor.id)}, key="m1"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "id": body["id"],
        "request_id": str(request.id),
        "tutor_id": str(tutor.id),
        "student_id": str(student.id),
        "subject": "Biology",
        "status": "active",
    }
    request.refresh_from_db()
    assert request.status == "matched"
    assert (
        admin_api.post(
            "/matches", {"request_id": str(request.id), "tutor_id": str(tutor.id)}, key="m1"
        ).json()
        == body
    )


def test_a_request_with_an_active_match_is_already_matched(admin_api, match, other_tutor):
    before = snapshot()
    response = admin_api.post(
        "/matches", {"request_id": str(match.request_id), "tutor_id": str(other_tutor.id)}
    )
    assert_problem(response, 409, "request_already_matched")
    assert snapshot() == before


def test_a_match_needs_a_tutor_and_a_request(admin_api, student):
    request = make_request(student=student)
    body = assert_problem(
        admin_api.post("/matches", {"request_id": str(request.id), "tutor_id": str(student.id)}),
        422,
        "validation_error",
    )
    assert body["field"] == "tutor_id"
    missing = "00000000-0000-0000-0000-000000000009"
    assert_problem(
        admin_api.post("/matches", {"request_id": missing, "tutor_id": str(student.id)}), 404, "not_found"
    )
    assert not Match.objects.exists()


def test_only_an_admin_matches(tutor_api, student_api, tutor, student):
    request = make_request(student=student)
    for api in (tutor_api, student_api):
        response = api.post("/matches", {"request_id": str(request.id), "tutor_id": str(tutor.id)})
        assert_problem(response, 403, "forbidden")


# --- Ending a match ---------------------------------------------------------------------------


def test_ending_a_match_takes_its_upcoming_lessons_off_the_schedule(admin_api, match, package, admin):
    waiting = make_session(match=match, scheduled_start_at=_hour(-1))  # started, awaiting an outcome
    upcoming = [make_session(match=match, scheduled_start_at=_hour(days)) for days in (1, 8)]
    events_before = Event.objects.count()
    response = admin_api.post(f"/matches/{match.id}/end", {"reason": "Student moved away"}, key="e1")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ended" and response.json()["id"] == str(match.id)
    for lesson in upcoming:
        lesson.refresh_from_db()
        assert (lesson.status, lesson.package_id) == ("rescheduled", None)
        assert not Session.objects.filter(rescheduled_from=lesson).exists()
        row = AuditLog.objects.get(entity_id=lesson.id, action="session_match_ended")
        assert row.details["reason"] == "Student moved away" and row.actor_id == admin.id
    waiting.refresh_from_db()
    assert waiting.status == "scheduled"
    package.refresh_from_db()
    assert package.sessions_used == 0
    match.refresh_from_db()
    match.request.refresh_from_db()
    assert (match.status, match.request.status) == ("ended", "open")
    ended = AuditLog.objects.get(entity_id=match.id, action="match_ended")
    assert (ended.details["reason"], ended.details["sessions_taken_off"]) == ("Student moved away", 2)
    assert Event.objects.count() - events_before == 2
    assert (
        Event.objects.filter(type="session.status_updated", data__session__status="rescheduled").count() == 2
    )
    replay = admin_api.post(f"/matches/{match.id}/end", {"reason": "Student moved away"}, key="e1")
    assert replay["Idempotent-Replayed"] == "true"


def test_an_ended_match_cannot_end_again(admin_api, match):
    admin_api.post(f"/matches/{match.id}/end", {"reason": "Done"})
    before = snapshot()
    assert_problem(admin_api.post(f"/matches/{match.id}/end", {"reason": "Again"}), 409, "match_not_active")
    assert snapshot() == before


def test_ending_needs_a_reason_and_an_admin(admin_api, tutor_api, match):
    assert_problem(admin_api.post(f"/matches/{match.id}/end", {"reason": ""}), 422, "validation_error")
    assert_problem(admin_api.post(f"/matches/{match.id}/end", {}), 422, "validation_error")
    assert_problem(tutor_api.post(f"/matches/{match.id}/end", {"reason": "Bye"}), 403, "forbidden")
    missing = "00000000-0000-0000-0000-000000000009"
    assert_problem(admin_api.post(f"/matches/{missing}/end", {"reason": "Bye"}), 404, "not_found")
    match.refresh_from_db()
    assert match.status == "active"


# --- Reassigning a match ----------------------------------------------------------------------


def test_reassigning_moves_every_upcoming_lesson_to_the_new_tutor(
    admin_api, match, package, other_tutor, admin
):
    waiting = make_session(match=match, scheduled_start_at=_hour(-1))
    upcoming = [
        make_session(match=match, scheduled_start_at=_hour(days), duration_minutes=45) for days in (1, 3)
    ]
    response = admin_api.post(
        f"/matches/{match.id}/reassign", {"tutor_id": str(other_tutor.id), "reason": "Tutor left"}, key="ra1"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["moved"] == 2
    assert body["ended"]["id"] == str(match.id) and body["ended"]["status"] == "ended"
    new = body["match"]
    assert (new["request_id"], new["tutor_id"], new["status"]) == (
        str(match.request_id),
        str(other_tutor.id),
        "active",
    )
    for lesson in upcoming:
        lesson.refresh_from_db()
        assert lesson.status == "rescheduled" and lesson.package_id is None
        replacement = Session.objects.get(rescheduled_from=lesson)
        assert (str(replacement.match_id), replacement.tutor_id, replacement.status) == (
            new["id"],
            other_tutor.id,
            "scheduled",
        )
        assert (replacement.scheduled_start_at, replacement.duration_minutes) == (
            lesson.scheduled_start_at,
            lesson.duration_minutes,
        )
        row = AuditLog.objects.get(entity_id=lesson.id, action="session_reassigned")
        assert row.details["reason"] == "Tutor left"
        assert row.details["replacement_session_id"] == str(replacement.id)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.match_id) == ("scheduled", match.id)
    match.request.refresh_from_db()
    assert match.request.status == "matched"
    assert Package.objects.get(pk=package.pk).sessions_used == 0
    created = AuditLog.objects.get(entity_id=new["id"], action="match_created")
    assert created.details["replaces_match_id"] == str(match.id)
    replay = admin_api.post(
        f"/matches/{match.id}/reassign", {"tutor_id": str(other_tutor.id), "reason": "Tutor left"}, key="ra1"
    )
    assert replay.json() == body and replay["Idempotent-Replayed"] == "true"


def test_a_reassignment_that_clashes_lists_every_clash_and_changes_nothing(
    admin_api, match, package, other_tutor
):
    first, second, free = (make_session(match=match, scheduled_start_at=_hour(days)) for days in (1, 2, 3))
    busy = make_match(tutor=other_tutor)
    clash_a = make_session(match=busy, scheduled_start_at=first.scheduled_start_at + timedelta(minutes=30))
    clash_b = make_session(match=busy, scheduled_start_at=second.scheduled_start_at - timedelta(minutes=30))
    before = snapshot()
    response = admin_api.post(
        f"/matches/{match.id}/reassign", {"tutor_id": str(other_tutor.id), "reason": "Tutor left"}
    )
    body = assert_problem(response, 409, "tutor_double_booked")
    assert [(c["scheduled_start_at"], c["conflicting_session_id"]) for c in body["conflicts"]] == [
        (first.scheduled_start_at.isoformat(), str(clash_a.id)),
        (second.scheduled_start_at.isoformat(), str(clash_b.id)),
    ]
    assert {c["conflicting_start_at"] for c in body["conflicts"]} == {
        clash_a.scheduled_start_at.isoformat(),
        clash_b.scheduled_start_at.isoformat(),
    }
    assert snapshot() == before
    free.refresh_from_db()
    assert free.status == "scheduled"


def test_reassigning_refuses_the_same_tutor_a_non_tutor_an_ended_match_and_a_non_admin(
    admin_api, tutor_api, match, tutor, student, other_tutor
):
    before = snapshot()
    for tutor_id in (tutor.id, student.id):
        body = assert_problem(
            admin_api.post(f"/matches/{match.id}/reassign", {"tutor_id": str(tutor_id), "reason": "X"}),
            422,
            "validation_error",
        )
        assert body["field"] == "tutor_id"
    assert_problem(
        tutor_api.post(f"/matches/{match.id}/reassign", {"tutor_id": str(other_tutor.id), "reason": "X"}),
        403,
        "forbidden",
    )
    assert_problem(
        admin_api.post(f"/matches/{match.id}/reassign", {"tutor_id": str(other_tutor.id)}),
        422,
        "validation_error",
    )
    assert snapshot() == before
    admin_api.post(f"/matches/{match.id}/end", {"reason": "Done"})
    assert_problem(
        admin_api.post(f"/matches/{match.id}/reassign", {"tutor_id": str(other_tutor.id), "reason": "X"}),
        409,
        "match_not_active",
    )


def test_reassigning_a_match_with_no_upcoming_lessons_moves_none(admin_api, match):
    new_tutor = TutorFactory()
    body = admin_api.post(
        f"/matches/{match.id}/reassign", {"tutor_id": str(new_tutor.id), "reason": "Swap"}
    ).json()
    assert body["moved"] == 0 and body["match"]["tutor_id"] == str(new_tutor.id)
    assert Match.objects.filter(request=match.request, status="active").get().tutor_id == new_tutor.id


def test_a_student_is_never_a_tutor_for_a_reassignment(admin_api, match):
    someone = StudentFactory()
    response = admin_api.post(f"/matches/{match.id}/reassign", {"tutor_id": str(someone.id), "reason": "X"})
    assert assert_problem(response, 422, "validation_error")["field"] == "tutor_id"
