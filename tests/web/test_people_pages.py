"""/people/ and a person's page (CONTRACT §11, §15 hooks), admins only; /settings/ for everyone."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.factories import TEST_PASSWORD, UserFactory
from tests.web.conftest import logged_in
from tutordesk.accounts.models import Guardianship, Role, User
from tutordesk.audit.models import AuditLog

pytestmark = pytest.mark.django_db


def key() -> str:
    return str(uuid.uuid4())


def test_only_admins_see_people(tutor_client, student_client, admin_client_, student):
    assert tutor_client.get("/people/").status_code == 403
    assert student_client.get("/people/").status_code == 403
    assert student_client.get(f"/people/{student.id}/").status_code == 403
    assert admin_client_.get("/people/").status_code == 200


def test_people_rows_search_and_filter(admin_client_, tutor, other_tutor, student):
    page = admin_client_.get("/people/").content.decode()
    for person in (tutor, other_tutor, student):
        assert f'data-user-id="{person.id}"' in page
        assert f'href="/people/{person.id}/"' in page
    assert 'data-action="invite"' in page
    for field in ("email", "name", "role", "timezone"):
        assert f'name="{field}"' in page
    assert f'name="student_ids" value="{student.id}"' in page
    found = admin_client_.get("/people/", {"q": "OTTO"}).content.decode()
    assert f'data-user-id="{other_tutor.id}"' in found and f'data-user-id="{tutor.id}"' not in found
    tutors = admin_client_.get("/people/", {"role": "tutor"}).content.decode()
    assert f'data-user-id="{tutor.id}"' in tutors and f'data-user-id="{student.id}"' not in tutors


def test_an_admin_invites_a_guardian_from_the_page(admin_client_, student):
    form = {
        "idempotency_key": key(),
        "email": "gwen@example.test",
        "name": "Gwen Guardian",
        "role": "guardian",
        "timezone": "Europe/London",
        "student_ids": [str(student.id)],
    }
    response = admin_client_.post("/people/invite/", form)
    guardian = User.objects.get(email="gwen@example.test")
    assert response.status_code == 302 and response["Location"] == f"/people/{guardian.id}/"
    assert Guardianship.objects.filter(guardian=guardian, student=student).exists()
    assert admin_client_.post("/people/invite/", form).status_code == 302  # replayed, not repeated
    assert User.objects.filter(email="gwen@example.test").count() == 1


def test_an_invite_with_a_taken_email_shows_the_refusal_on_the_form(admin_client_, tutor):
    form = {
        "idempotency_key": key(),
        "email": tutor.email.upper(),
        "name": "X",
        "role": "student",
        "timezone": "",
    }
    response = admin_client_.post("/people/invite/", form)
    assert response.status_code == 422
    assert 'data-field-error="email"' in response.content.decode()


def test_the_person_page_deactivates_and_reactivates(admin_client_, student, match, future_session):
    page = admin_client_.get(f"/people/{student.id}/").content.decode()
    assert 'data-action="deactivate"' in page and 'data-action="reactivate"' not in page
    assert f'data-session-id="{future_session.id}"' in page
    assert f'data-match-id="{match.id}"' in page
    admin_client_.post(f"/people/{student.id}/deactivate/", {"idempotency_key": key()})
    student.refresh_from_db()
    assert not student.is_active
    page = admin_client_.get(f"/people/{student.id}/").content.decode()
    assert 'data-action="reactivate"' in page and 'data-action="deactivate"' not in page
    admin_client_.post(f"/people/{student.id}/reactivate/", {"idempotency_key": key()})
    student.refresh_from_db()
    assert student.is_active


def test_a_booked_tutor_is_refused_in_words(admin_client_, tutor, future_session):
    response = admin_client_.post(f"/people/{tutor.id}/deactivate/", {"idempotency_key": key()}, follow=True)
    assert "upcoming lessons" in response.content.decode()
    tutor.refresh_from_db()
    assert tutor.is_active


def test_a_guardian_s_page_lists_and_changes_their_students(admin_client_, student):
    guardian = UserFactory(role=Role.GUARDIAN)
    Guardianship.objects.create(guardian=guardian, student=student)
    page = admin_client_.get(f"/people/{guardian.id}/").content.decode()
    assert f'data-student-id="{student.id}"' in page
    admin_client_.post(f"/people/{guardian.id}/students/", {"idempotency_key": key()})
    assert not Guardianship.objects.filter(guardian=guardian).exists()


def test_a_missing_person_is_404(admin_client_):
    assert admin_client_.get(f"/people/{uuid.uuid4()}/").status_code == 404


def test_everyone_changes_their_own_name_and_time_zone(student):
    client = logged_in(student)
    page = client.get("/settings/").content.decode()
    assert '<option value="Europe/Berlin"' in page
    response = client.post(
        "/settings/", {"idempotency_key": key(), "name": "Sam S.", "timezone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert (student.name, student.timezone) == ("Sam S.", "Europe/Berlin")
    assert (
        client.post(
            "/settings/", {"idempotency_key": key(), "name": "x", "timezone": "Mars/Base"}
        ).status_code
        == 422
    )


def test_a_password_change_needs_the_old_one_and_is_audited(student):
    client = logged_in(student)
    wrong = client.post(
        "/settings/password/",
        {"old_password": "nope", "new_password1": "a-new-long-secret", "new_password2": "a-new-long-secret"},
    )
    assert wrong.status_code == 422 and 'data-field-error="old_password"' in wrong.content.decode()
    right = client.post(
        "/settings/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-new-long-secret",
            "new_password2": "a-new-long-secret",
        },
    )
    assert right.status_code == 302
    assert client.get("/settings/").status_code == 200  # still logged in
    student.refresh_from_db()
    assert student.check_password("a-new-long-secret")
    assert AuditLog.objects.filter(entity_id=student.id, action="password_set").count() == 1


def test_the_login_page_offers_a_reset(client):
    page = client.get("/accounts/login/").content.decode()
    assert re.search(r'href="/accounts/password-reset/"[^>]*data-action="forgot_password"', page)
