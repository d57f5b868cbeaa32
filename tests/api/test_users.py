"""POST/GET /api/v1/users, deactivate, reactivate and a guardian's students (CONTRACT §11)."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import assert_problem
from tests.factories import StudentFactory, UserFactory
from tutordesk.accounts.models import Role, User
from tutordesk.audit.models import AuditLog

pytestmark = pytest.mark.django_db

USER_KEYS = {"id", "email", "name", "role", "timezone", "is_active", "student_ids"}


def put(api, path, body, key=None):
    headers = dict(api.headers)
    if key:
        headers["Idempotency-Key"] = key
    return api.client.put(
        "/api/v1" + path, json.dumps(body), content_type="application/json", headers=headers
    )


def test_an_admin_invites_a_person_and_gets_the_user_shape(admin_api):
    response = admin_api.post(
        "/users", {"email": "Nia@Example.test", "name": "Nia", "role": "tutor", "timezone": "Europe/Paris"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == USER_KEYS
    assert body | {"id": None} == {
        "id": None,
        "email": "nia@example.test",
        "name": "Nia",
        "role": "tutor",
        "timezone": "Europe/Paris",
        "is_active": True,
        "student_ids": [],
    }
    assert not User.objects.get(pk=body["id"]).has_usable_password()
    assert "password" not in response.content.decode().lower()


def test_an_email_in_use_ignoring_case_is_409_email_taken(admin_api, tutor):
    response = admin_api.post("/users", {"email": tutor.email.upper(), "name": "X", "role": "student"})
    assert_problem(response, 409, "email_taken")


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a@example.test", "name": "A", "role": "owner"},
        {"email": "a@example.test", "name": "A", "role": "student", "timezone": "Nowhere/City"},
        {"email": "a@example.test", "name": " ", "role": "student"},
        {"email": "a@example.test", "name": "A", "role": "student", "password": "x"},
        {"email": "a@example.test", "name": "A", "role": "guardian", "student_ids": ["nope"]},
    ],
)
def test_bad_bodies_are_422_and_change_nothing(admin_api, body):
    before = User.objects.count()
    assert_problem(admin_api.post("/users", body), 422, "validation_error")
    assert User.objects.count() == before


def test_a_guardian_is_invited_with_students_and_they_must_be_students(admin_api, student, tutor):
    ok = admin_api.post(
        "/users",
        {"email": "g@example.test", "name": "G", "role": "guardian", "student_ids": [str(student.id)]},
    )
    assert ok.status_code == 201 and ok.json()["student_ids"] == [str(student.id)]
    refused = admin_api.post(
        "/users",
        {"email": "g2@example.test", "name": "G", "role": "guardian", "student_ids": [str(tutor.id)]},
    )
    assert_problem(refused, 422, "validation_error")


def test_an_invite_with_a_key_is_replayed_not_repeated(admin_api):
    body = {"email": "once@example.test", "name": "Once", "role": "student"}
    first = admin_api.post("/users", body, key="invite-1")
    again = admin_api.post("/users", body, key="invite-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert User.objects.filter(email="once@example.test").count() == 1
    assert_problem(admin_api.post("/users", body), 409, "email_taken")


def test_the_list_filters_by_role_and_searches_name_or_email(admin_api, tutor, other_tutor, student):
    def emails(query):
        response = admin_api.get("/users", query)
        assert response.status_code == 200
        return {item["email"] for item in response.json()["items"]}

    assert emails({"role": "tutor"}) == {tutor.email, other_tutor.email}
    assert emails({"q": "TARA"}) == {tutor.email}
    assert emails({"q": "sam@"}) == {student.email}
    assert_problem(admin_api.get("/users", {"role": "owner"}), 422, "validation_error")


def test_the_list_pages_with_a_cursor(admin_api):
    for n in range(5):
        StudentFactory(email=f"page{n}@example.test")
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": 2, "q": "page"} | ({"cursor": cursor} if cursor else {})
        body = admin_api.get("/users", query).json()
        seen += [item["email"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"page{n}@example.test" for n in range(5)]


def test_one_person_and_a_missing_one(admin_api, student):
    assert admin_api.get(f"/users/{student.id}").json()["email"] == student.email
    assert_problem(admin_api.get("/users/00000000-0000-0000-0000-000000000000"), 404, "not_found")
    assert_problem(admin_api.get("/users/not-a-uuid"), 404, "not_found")


def test_deactivate_and_reactivate(admin_api, student):
    off = admin_api.post(f"/users/{student.id}/deactivate")
    assert off.status_code == 200 and off.json()["is_active"] is False
    on = admin_api.post(f"/users/{student.id}/reactivate")
    assert on.status_code == 200 and on.json()["is_active"] is True


def test_a_deactivated_person_s_token_stops_working(admin_api, student_api, student):
    assert student_api.get("/me").status_code == 200
    admin_api.post(f"/users/{student.id}/deactivate")
    assert_problem(student_api.get("/me"), 401, "not_authenticated")


def test_a_tutor_with_upcoming_sessions_is_409_and_stays_active(admin_api, tutor, future_session):
    assert_problem(admin_api.post(f"/users/{tutor.id}/deactivate"), 409, "has_upcoming_sessions")
    tutor.refresh_from_db()
    assert tutor.is_active
    assert not AuditLog.objects.filter(action="user_deactivated").exists()


def test_a_guardian_s_students_are_replaced(admin_api, student):
    guardian = UserFactory(role=Role.GUARDIAN)
    other = StudentFactory()
    response = put(
        admin_api, f"/users/{guardian.id}/students", {"student_ids": [str(student.id), str(other.id)]}
    )
    assert response.status_code == 200, response.content
    assert set(response.json()["student_ids"]) == {str(student.id), str(other.id)}
    response = put(admin_api, f"/users/{guardian.id}/students", {"student_ids": []}, key="k1")
    assert response.json()["student_ids"] == []
    assert_problem(
        put(admin_api, f"/users/{student.id}/students", {"student_ids": []}), 422, "validation_error"
    )


def test_a_page_of_people_costs_the_same_statements_however_many_guardians_it_holds(admin_api, student):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tutordesk.accounts.models import Guardianship

    def statements() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_api.get("/users", {"limit": 50}).status_code == 200
        return len(captured.captured_queries)

    guardian = UserFactory(role=Role.GUARDIAN)
    Guardianship.objects.create(guardian=guardian, student=student)
    few = statements()
    for _ in range(5):
        Guardianship.objects.create(guardian=UserFactory(role=Role.GUARDIAN), student=student)
    assert statements() == few
