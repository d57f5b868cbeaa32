"""People (CONTRACT §11): invited, never given a password; deactivated and reactivated; a
guardian's students. Every change audited, with its event written in the same transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from tests.factories import TEST_PASSWORD, StudentFactory, TutorFactory, make_match, make_session
from tutordesk.accounts.models import Guardianship, Role, User
from tutordesk.accounts.services import (
    api_token_authenticate,
    api_token_create,
    guardian_students_set,
    person_deactivate,
    person_invite,
    person_reactivate,
    person_update,
)
from tutordesk.audit.models import AuditLog
from tutordesk.core.errors import EmailTaken, Forbidden, HasUpcomingSessions, ValidationError
from tutordesk.events.models import Event

pytestmark = pytest.mark.django_db


def logs_in(user) -> bool:
    answer = Client().post("/accounts/login/", {"username": user.email, "password": TEST_PASSWORD})
    return answer.status_code == 302


def invite(actor, **fields):
    with transaction.atomic():
        return person_invite(actor=actor, **{"name": "Nia New", "role": "tutor", **fields})


def test_an_invited_person_has_no_usable_password_an_audit_row_and_an_event(admin):
    user = invite(admin, email="Nia@Example.test", timezone="Europe/Berlin")
    assert user.email == "nia@example.test"
    assert not user.has_usable_password()
    assert user.timezone == "Europe/Berlin"
    [row] = AuditLog.objects.filter(entity_id=user.id)
    assert row.action == "user_invited" and row.actor_id == admin.id
    [event] = Event.objects.filter(type="user.invited")
    assert event.data["user"]["id"] == str(user.id)
    assert event.data["send_invitation"] is True
    assert "token" not in str(event.data)


def test_an_empty_time_zone_is_the_business_default(admin, settings):
    assert invite(admin, email="a@example.test", timezone="").timezone == settings.TIME_ZONE
    assert invite(admin, email="b@example.test").timezone == settings.TIME_ZONE


def test_an_email_in_use_in_any_case_is_taken_and_nothing_is_written(admin, tutor):
    before = (User.objects.count(), AuditLog.objects.count(), Event.objects.count())
    with pytest.raises(EmailTaken):
        invite(admin, email=tutor.email.upper())
    assert (User.objects.count(), AuditLog.objects.count(), Event.objects.count()) == before


@pytest.mark.parametrize("zone", ["Mars/Olympus", "utc ", "Europe"])
def test_an_unknown_time_zone_is_refused(admin, zone):
    with pytest.raises(ValidationError) as refused:
        invite(admin, email="c@example.test", timezone=zone)
    assert refused.value.context["field"] == "timezone"


def test_a_guardian_looks_after_students_only(admin, student, tutor):
    guardian = invite(admin, email="g@example.test", role="guardian", student_ids=[str(student.id)])
    assert list(Guardianship.objects.filter(guardian=guardian).values_list("student_id", flat=True)) == [
        student.id
    ]
    with pytest.raises(ValidationError) as refused:
        invite(admin, email="g2@example.test", role="guardian", student_ids=[tutor.id])
    assert refused.value.context["field"] == "student_ids"
    with pytest.raises(ValidationError):
        invite(admin, email="t2@example.test", role="tutor", student_ids=[student.id])
    assert not User.objects.filter(email__in=["g2@example.test", "t2@example.test"]).exists()


@pytest.mark.parametrize("persona", ["tutor", "student"])
def test_only_an_admin_invites(request, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(Forbidden):
        invite(actor, email="x@example.test")


def test_a_deactivated_person_cannot_log_in_nor_use_a_token_and_keeps_their_history(admin, student):
    raw = api_token_create(email=student.email)[1]
    client = Client()
    client.force_login(student)
    with transaction.atomic():
        user = person_deactivate(actor=admin, user_id=student.id)
    assert not user.is_active
    assert not logs_in(student)
    assert api_token_authenticate(raw) is None
    assert client.get("/").status_code == 302  # the open session is over
    assert AuditLog.objects.filter(entity_id=student.id, action="user_deactivated").count() == 1
    assert Event.objects.filter(type="user.deactivated").count() == 1
    with transaction.atomic():
        person_reactivate(actor=admin, user_id=student.id)
    assert logs_in(student)
    assert api_token_authenticate(raw) == student
    assert Event.objects.filter(type="user.reactivated").count() == 1


def test_deactivating_twice_writes_once(admin, student):
    for _ in range(2):
        with transaction.atomic():
            person_deactivate(actor=admin, user_id=student.id)
    assert AuditLog.objects.filter(entity_id=student.id, action="user_deactivated").count() == 1


def test_a_tutor_with_upcoming_lessons_is_not_deactivated(admin, tutor, future_session):
    with pytest.raises(HasUpcomingSessions), transaction.atomic():
        person_deactivate(actor=admin, user_id=tutor.id)
    tutor.refresh_from_db()
    assert tutor.is_active


def test_a_tutor_whose_lessons_are_past_is_deactivated(admin):
    tutor = TutorFactory()
    make_session(match=make_match(tutor=tutor), scheduled_start_at=timezone.now() - timedelta(days=1))
    with transaction.atomic():
        assert not person_deactivate(actor=admin, user_id=tutor.id).is_active


def test_an_admin_cannot_deactivate_themself(admin):
    with pytest.raises(ValidationError), transaction.atomic():
        person_deactivate(actor=admin, user_id=admin.id)


def test_a_person_changes_their_own_name_and_time_zone_but_not_someone_else_s(student, tutor):
    with transaction.atomic():
        person_update(actor=student, user_id=student.id, name="Sam S.", timezone="Asia/Tokyo")
    student.refresh_from_db()
    assert (student.name, student.timezone) == ("Sam S.", "Asia/Tokyo")
    [row] = AuditLog.objects.filter(entity_id=student.id, action="user_updated")
    assert row.details["changes"]["timezone"] == {"old": "UTC", "new": "Asia/Tokyo"}
    with pytest.raises(Forbidden), transaction.atomic():
        person_update(actor=student, user_id=tutor.id, name="Nope")


def test_a_guardian_s_students_are_set_as_a_whole(admin, student):
    other = StudentFactory()
    guardian = invite(admin, email="g@example.test", role=Role.GUARDIAN, student_ids=[student.id])
    with transaction.atomic():
        guardian_students_set(actor=admin, guardian_id=guardian.id, student_ids=[other.id])
    assert set(Guardianship.objects.filter(guardian=guardian).values_list("student_id", flat=True)) == {
        other.id
    }
    [row] = AuditLog.objects.filter(entity_id=guardian.id, action="guardian_students_set")
    assert row.details == {"added": [str(other.id)], "removed": [str(student.id)]}
    assert Event.objects.filter(type="user.students_changed").count() == 1
    with transaction.atomic():  # the same list again: nothing written
        guardian_students_set(actor=admin, guardian_id=guardian.id, student_ids=[other.id])
    assert AuditLog.objects.filter(entity_id=guardian.id, action="guardian_students_set").count() == 1
    with pytest.raises(ValidationError), transaction.atomic():
        guardian_students_set(actor=admin, guardian_id=student.id, student_ids=[other.id])


def test_django_s_admin_adds_a_person_without_a_password_and_invites_them(admin):
    client = Client()
    client.force_login(admin, backend="tutordesk.accounts.backends.EmailBackend")
    form = client.get("/admin/accounts/user/add/").content.decode()
    assert "new_password" not in form
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "Ivy@Example.test",
            "name": "Ivy",
            "role": "tutor",
            "timezone": "UTC",
            "new_password": "x" * 12,
        },
    )
    assert response.status_code == 302
    ivy = User.objects.get(email="ivy@example.test")
    assert not ivy.has_usable_password()
    assert Event.objects.filter(type="user.invited", data__user__id=str(ivy.id)).exists()
