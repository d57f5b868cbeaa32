"""CONTRACT §11 "Import": the people an import or the Enrol form creates are invited (the same
email as Invite a person: a single-use link that sets a password); people found get nothing, and
neither a dry run nor the same file again sends anything. The worker sends through a real SMTP
server on 127.0.0.1."""

from __future__ import annotations

import pytest
import requests
from django.db import transaction

from tests.accounts import test_password_links
from tests.accounts.test_password_links import NEW_PASSWORD, form_post, link_in, logs_in
from tests.events.conftest import run_worker
from tests.factories import TutorFactory
from tests.onboarding.helpers import enrolment_file
from tutordesk.accounts.models import User
from tutordesk.audit.models import AuditAction, AuditLog
from tutordesk.events.models import EmailKind, EmailNotification, Event
from tutordesk.onboarding.services import enrol_student, import_csv

pytestmark = pytest.mark.django_db(transaction=True)

# A real SMTP server on 127.0.0.1 the worker sends to (BASE_URL is the live server).
inbox = test_password_links.inbox

FILE = enrolment_file(
    "ann@example.com,Ann Lee,Europe/Berlin,Maths,tom@example.com,Tom Tutor,,10,pat@example.com,Pat Lee",
)


def run_import(admin, data: bytes = FILE, *, dry_run: bool = False):
    with transaction.atomic():
        return import_csv(actor=admin, data=data, dry_run=dry_run)


def test_an_import_invites_each_new_person_once_and_nobody_found(admin, inbox, live_server):
    TutorFactory(email="tom@example.com", name="Tom Tutor")
    run_import(admin, dry_run=True)
    run_worker()
    assert inbox.messages == [] and not Event.objects.filter(type="user.invited").exists()

    run_import(admin)
    assert Event.objects.filter(type="user.invited").count() == 2
    new = set(
        User.objects.filter(email__in=["ann@example.com", "pat@example.com"]).values_list("id", flat=True)
    )
    invited = AuditLog.objects.filter(action=AuditAction.USER_INVITED)
    assert set(invited.values_list("entity_id", flat=True)) == new
    run_worker()
    assert sorted(m["To"] for m in inbox.messages) == ["ann@example.com", "pat@example.com"]
    assert EmailNotification.objects.filter(kind=EmailKind.INVITATION).count() == 2

    ann = next(m for m in inbox.messages if m["To"] == "ann@example.com")
    link = link_in(ann)
    assert link.startswith(live_server.url + "/accounts/reset/")
    done = form_post(requests.Session(), link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 200 and "data-password-set" in done.text
    assert logs_in(live_server, "ann@example.com", NEW_PASSWORD)

    run_import(admin)  # the same file again: everyone is found
    run_worker()
    assert len(inbox.messages) == 2
    assert Event.objects.filter(type="user.invited").count() == 2


def test_the_enrol_form_invites_its_new_student_and_guardian(admin, inbox):
    TutorFactory(email="tom@example.com", name="Tom Tutor")
    values = {
        "student_email": "ann@example.com",
        "student_name": "Ann Lee",
        "subject": "Maths",
        "tutor_email": "tom@example.com",
        "tutor_name": "Tom Tutor",
        "sessions_total": "10",
        "guardian_email": "pat@example.com",
        "guardian_name": "Pat Lee",
    }
    with transaction.atomic():
        enrol_student(actor=admin, values=values)
    run_worker()
    assert sorted(m["To"] for m in inbox.messages) == ["ann@example.com", "pat@example.com"]
    with transaction.atomic():
        enrol_student(actor=admin, values={**values, "subject": "Physics"})
    run_worker()
    assert len(inbox.messages) == 2
