"""Anyone can turn outcome emails off (and on) on a page; the change is audited."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from tests.web.conftest import logged_in
from tutordesk.audit.models import AuditLog
from tutordesk.core.errors import Forbidden
from tutordesk.events.selectors import outcome_emails_on
from tutordesk.events.services import notification_preference_update

pytestmark = pytest.mark.django_db


def test_a_student_turns_outcome_emails_off_and_on(student):
    page = logged_in(student)
    html = page.get("/settings/notifications/").content.decode()
    assert 'name="outcome_emails"' in html and "checked" in html

    response = page.post("/settings/notifications/", {"idempotency_key": str(uuid.uuid4())}, follow=True)
    assert "Outcome emails are off." in response.content.decode()
    assert outcome_emails_on(student) is False
    log = AuditLog.objects.get(action="notification_preference_changed")
    assert (log.actor_id, log.entity_id, log.details) == (
        student.id,
        student.id,
        {"outcome_emails": {"from": True, "to": False}},
    )

    page.post("/settings/notifications/", {"outcome_emails": "on", "idempotency_key": str(uuid.uuid4())})
    assert outcome_emails_on(student) is True
    assert AuditLog.objects.filter(action="notification_preference_changed").count() == 2


def test_saving_the_same_choice_writes_nothing(student):
    with transaction.atomic():
        assert notification_preference_update(user=student, outcome_emails=True, actor=student) is False
    assert not AuditLog.objects.filter(action="notification_preference_changed").exists()


def test_nobody_else_but_an_admin_changes_it(student, tutor, admin):
    with pytest.raises(Forbidden), transaction.atomic():
        notification_preference_update(user=student, outcome_emails=False, actor=tutor)
    with transaction.atomic():
        notification_preference_update(user=student, outcome_emails=False, actor=admin)
    assert outcome_emails_on(student) is False


def test_the_page_needs_a_login(client):
    response = client.get("/settings/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
