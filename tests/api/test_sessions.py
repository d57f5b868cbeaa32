"""The session endpoints of CONTRACT §4: shapes, ordering, filters, pagination, every error code."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import assert_problem
from tests.factories import end_match, make_match, make_package, make_session
from tests.helpers import bring_to_status, snapshot
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session

pytestmark = pytest.mark.django_db

SESSION_FIELDS = {
    "id", "match_id", "request_id", "tutor_id", "student_id", "scheduled_start_at", "duration_minutes",
    "meet_link", "status", "status_label", "tutor_notes", "package_id", "rescheduled_from_id",
    "updated_by_user_id", "updated_at", "created_at", "series_id",
}  # fmt: skip
PACKAGE_FIELDS = {
    "id", "request_id", "sessions_total", "sessions_used", "sessions_remaining", "status", "created_at",
    "updated_at",
}  # fmt: skip


def has_offset(text: str) -> bool:
    return datetime.fromisoformat(text).utcoffset() is not None


def test_it_shows_a_session_with_every_contract_field(tutor_api, past_session):
    response = tutor_api.get(f"/sessions/{past_session.id}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == SESSION_FIELDS
    assert body["id"] == str(past_session.id)
    assert body["match_id"] == str(past_session.match_id)
    assert body["status"] == "scheduled"
    assert body["status_label"] == "Upcoming"
    assert body["package_id"] is None
    assert all(has_offset(body[f]) for f in ("scheduled_start_at", "updated_at", "created_at"))


def test_it_marks_a_session_done_and_returns_the_charged_package(tutor_api, tutor, past_session, package):
    response = tutor_api.post(
        f"/sessions/{past_session.id}/status", {"status": "done", "tutor_notes": "Good"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"session", "package", "replacement_session"}
    assert body["session"]["status"] == "done"
    assert body["session"]["status_label"] == "Done"
    assert body["session"]["tutor_notes"] == "Good"
    assert body["session"]["package_id"] == str(package.id)
    assert body["session"]["updated_by_user_id"] == str(tutor.id)
    assert set(body["package"]) == PACKAGE_FIELDS
    assert (body["package"]["sessions_used"], body["package"]["sessions_remaining"]) == (1, 9)
    assert body["replacement_session"] is None
    package.refresh_from_db()
    assert package.sessions_used == 1
    assert AuditLog.objects.filter(entity_id=past_session.id, action="session_status_updated").count() == 1


def test_a_non_consuming_status_returns_no_package(tutor_api, past_session):
    body = tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "no_show_tutor"}).json()
    assert body["session"]["status"] == "no_show_tutor"
    assert body["package"] is None


def test_it_reschedules_with_a_replacement_session(tutor_api, future_session):
    new_start = (timezone.now() + timedelta(days=3)).isoformat()
    response = tutor_api.post(
        f"/sessions/{future_session.id}/status", {"status": "rescheduled", "new_start_at": new_start}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    replacement = body["replacement_session"]
    assert set(replacement) == SESSION_FIELDS
    assert replacement["rescheduled_from_id"] == str(future_session.id)
    assert replacement["status"] == "scheduled"
    assert datetime.fromisoformat(replacement["scheduled_start_at"]) == datetime.fromisoformat(new_start)
    assert body["package"] is None


def test_a_second_done_is_an_invalid_transition_naming_the_current_status(tutor_api, past_session, package):
    tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"})
    before = snapshot()
    body = assert_problem(
        tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"}), 409, "invalid_transition"
    )
    assert body["current_status"] == "done"
    assert snapshot() == before


def test_it_refuses_an_outcome_before_the_start(tutor_api, future_session):
    before = snapshot()
    assert_problem(
        tutor_api.post(f"/sessions/{future_session.id}/status", {"status": "done"}),
        409,
        "session_not_started",
    )
    assert snapshot() == before


def test_it_refuses_a_consuming_status_without_a_package_left(tutor_api, match):
    make_package(request=match.request, sessions_total=1, sessions_used=1)  # exhausted
    session = make_session(match=match)
    before = snapshot()
    assert_problem(
        tutor_api.post(f"/sessions/{session.id}/status", {"status": "no_show_student"}),
        409,
        "no_active_package",
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"status": "finished"},
        {},
        {"status": "done", "tutor_notes": "x" * 2001},
        {"status": "rescheduled", "new_start_at": "tomorrow"},
        {"status": "rescheduled", "new_start_at": "2030-01-01T10:00:00"},  # no offset
        {"status": "done", "new_start_at": "2030-01-01T10:00:00+00:00"},  # only with rescheduled
        {"status": "rescheduled", "new_start_at": "2001-01-01T10:00:00+00:00"},  # in the past
        {"status": "done", "unexpected": 1},
        {"status": 5},
    ],
)
def test_it_refuses_a_malformed_status_body_with_a_validation_error(tutor_api, past_session, body):
    before = snapshot()
    assert_problem(tutor_api.post(f"/sessions/{past_session.id}/status", body), 422, "validation_error")
    assert snapshot() == before


def test_an_admin_corrects_a_done_session_and_the_package_is_refunded(
    admin_api, tutor_api, past_session, package
):
    tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"})
    response = admin_api.post(
        f"/sessions/{past_session.id}/correction", {"status": "no_show_tutor", "reason": "Tutor was ill"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["session"]["status"] == "no_show_tutor"
    assert body["package"]["id"] == str(package.id)
    assert body["package"]["sessions_used"] == 0
    assert body["replacement_session"] is None
    log = AuditLog.objects.get(action="session_status_corrected")
    assert log.details["reason"] == "Tutor was ill"


def test_a_correction_of_a_scheduled_session_is_an_invalid_transition(admin_api, past_session):
    body = assert_problem(
        admin_api.post(f"/sessions/{past_session.id}/correction", {"status": "done", "reason": "x"}),
        409,
        "invalid_transition",
    )
    assert body["current_status"] == "scheduled"


@pytest.mark.parametrize(
    "body", [{"status": "done"}, {"status": "done", "reason": ""}, {"status": "done", "reason": "x" * 501}]
)
def test_a_correction_needs_a_reason_of_1_to_500_characters(admin_api, past_session, body):
    bring_to_status(past_session, "no_show_tutor")
    assert_problem(admin_api.post(f"/sessions/{past_session.id}/correction", body), 422, "validation_error")


def test_a_tutor_creates_a_session_for_their_match(tutor_api, match, tutor):
    start = timezone.now() + timedelta(days=2)
    response = tutor_api.post(
        "/sessions",
        {"match_id": str(match.id), "scheduled_start_at": start.isoformat(), "duration_minutes": 45},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == SESSION_FIELDS
    assert (body["tutor_id"], body["duration_minutes"], body["meet_link"]) == (str(tutor.id), 45, None)
    assert Session.objects.filter(pk=body["id"]).exists()


def test_an_overlapping_session_is_tutor_double_booked(tutor_api, match, future_session):
    start = future_session.scheduled_start_at + timedelta(minutes=30)
    before = snapshot()
    body = assert_problem(
        tutor_api.post(
            "/sessions",
            {"match_id": str(match.id), "scheduled_start_at": start.isoformat(), "duration_minutes": 60},
        ),
        409,
        "tutor_double_booked",
    )
    assert body["conflicting_session_id"] == str(future_session.id)
    assert snapshot() == before


@pytest.mark.parametrize(
    "change",
    [
        {"duration_minutes": 10},
        {"duration_minutes": 241},
        {"meet_link": "http://insecure.example.com"},
        {"scheduled_start_at": "2030-13-01T00:00:00Z"},
        {"match_id": "not-a-uuid"},
    ],
)
def test_it_refuses_a_malformed_session(tutor_api, match, change):
    body = {
        "match_id": str(match.id),
        "scheduled_start_at": (timezone.now() + timedelta(days=2)).isoformat(),
        "duration_minutes": 60,
        **change,
    }
    assert_problem(tutor_api.post("/sessions", body), 422, "validation_error")
    assert not Session.objects.exists()


def test_a_session_for_an_ended_match_is_refused(tutor_api, match):
    end_match(match)
    start = (timezone.now() + timedelta(days=2)).isoformat()
    assert_problem(
        tutor_api.post(
            "/sessions", {"match_id": str(match.id), "scheduled_start_at": start, "duration_minutes": 60}
        ),
        422,
        "validation_error",
    )


def test_the_list_is_ordered_by_start_and_pages_with_a_cursor(admin_api, match, package):
    base = timezone.now() - timedelta(days=10)
    same_time = base + timedelta(days=1)
    created = [make_session(match=match, scheduled_start_at=base + timedelta(hours=i * 3)) for i in range(5)]
    # Ties on time: three tutors' sessions at one moment (one tutor is never booked twice at once).
    created += [
        make_session(match=m, scheduled_start_at=same_time) for m in (match, make_match(), make_match())
    ]
    expected = [str(s.id) for s in sorted(created, key=lambda s: (s.scheduled_start_at, str(s.id)))]

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = admin_api.get("/sessions", params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(expected) == len(set(seen))
    starts = [Session.objects.get(pk=i).scheduled_start_at for i in seen]
    assert starts == sorted(starts)
    assert sorted(seen) == sorted(expected)


def test_the_list_filters_by_status_people_and_time(admin_api, match, package, tutor, student):
    now = timezone.now()
    old = make_session(match=match, scheduled_start_at=now - timedelta(days=5))
    recent = make_session(match=match, scheduled_start_at=now - timedelta(days=1))
    bring_to_status(recent, "done")
    elsewhere = make_session(scheduled_start_at=now - timedelta(days=2))

    def ids(**params):
        return {item["id"] for item in admin_api.get("/sessions", params).json()["items"]}

    assert ids(status="done") == {str(recent.id)}
    assert ids(tutor_id=str(tutor.id)) == {str(old.id), str(recent.id)}
    assert ids(student_id=str(elsewhere.student_id)) == {str(elsewhere.id)}
    window = {"from": (now - timedelta(days=3)).isoformat(), "to": (now - timedelta(hours=12)).isoformat()}
    assert ids(**window) == {str(recent.id), str(elsewhere.id)}
    assert admin_api.get("/sessions", {"limit": 1}).json()["next_cursor"] is not None


def test_a_tutor_lists_only_their_sessions_and_a_student_only_theirs(
    tutor_api, student_api, other_tutor_api, past_session
):
    make_session()  # someone else's
    assert [i["id"] for i in tutor_api.get("/sessions").json()["items"]] == [str(past_session.id)]
    assert [i["id"] for i in student_api.get("/sessions").json()["items"]] == [str(past_session.id)]
    assert other_tutor_api.get("/sessions").json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "garbage"},
        {"cursor": "W10"},  # base64 of []
        {"cursor": "WyIyMDI0LTAxLTAxVDAwOjAwOjAwIiwibm9wZSJd"},  # naive time, bad id
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"status": "finished"},
        {"tutor_id": "not-a-uuid"},
        {"from": "yesterday"},
        {"from": "2024-01-01T00:00:00"},
        {"from": "1700000000"},
        {"to": "0.5"},
        {"to": "9999-12-31T23:59:59-14:00"},
    ],
)
def test_the_list_refuses_bad_query_parameters(admin_api, params):
    assert_problem(admin_api.get("/sessions", params), 422, "validation_error")


def test_an_unknown_or_malformed_session_id_is_not_found(admin_api):
    assert_problem(admin_api.get("/sessions/7c9e6679-7425-40de-944b-e07fc1f90ae7"), 404, "not_found")
    assert_problem(admin_api.get("/sessions/not-a-uuid"), 404, "not_found")
    assert_problem(admin_api.post("/sessions/not-a-uuid/status", {"status": "done"}), 404, "not_found")


# No lesson in the past by accident (CONTRACT §12).
def test_a_tutor_cannot_schedule_a_lesson_in_the_past_but_an_admin_can(tutor_api, admin_api, match):
    body = {
        "match_id": str(match.id),
        "scheduled_start_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "duration_minutes": 60,
    }
    refused = assert_problem(tutor_api.post("/sessions", body), 422, "validation_error")
    assert refused["field"] == "scheduled_start_at"
    assert admin_api.post("/sessions", body).status_code == 201
