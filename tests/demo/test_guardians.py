"""The demo's guardians (CONTRACT §11): every third student has one (student1, student4, …), the
first also looks after student2; each shares their first student's last name, logs in with the
demo password and is named among the logins."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.demo.helpers import seed
from tests.events.conftest import run_worker
from tests.web.conftest import logged_in
from tutordesk.accounts.models import Guardianship, Role, User
from tutordesk.events.models import EmailNotification
from tutordesk.scheduling.models import Session

pytestmark = pytest.mark.django_db


def links() -> set[tuple[str, str]]:
    return set(Guardianship.objects.values_list("guardian__email", "student__email"))


def test_every_third_student_has_a_guardian_and_the_first_looks_after_two(db):
    seed(2, 7, 4)
    assert links() == {
        ("guardian1@example.com", "student1@example.com"),
        ("guardian1@example.com", "student2@example.com"),
        ("guardian2@example.com", "student4@example.com"),
        ("guardian3@example.com", "student7@example.com"),
    }
    for guardian in User.objects.filter(role=Role.GUARDIAN):
        first = Guardianship.objects.filter(guardian=guardian).order_by("student__email").first().student
        assert guardian.name.split()[-1] == first.name.split()[-1]


def test_a_single_student_gets_one_guardian(db):
    seed(1, 1, 2)
    assert links() == {("guardian1@example.com", "student1@example.com")}


def test_the_demo_guardian_sees_both_students_and_gets_the_storys_emails(db):
    seed(3, 6, 8)
    guardian = User.objects.get(email="guardian1@example.com")
    assert guardian.check_password("tutordesk-demo")
    html = logged_in(guardian).get("/").content.decode()
    for email in ("student1@example.com", "student2@example.com"):
        student = User.objects.get(email=email)
        assert f'data-student-id="{student.id}"' in html
        some = Session.objects.filter(student=student).order_by("scheduled_start_at").last()
        assert f'data-session-id="{some.id}"' in html
    run_worker()
    to_guardian = EmailNotification.objects.filter(recipient=guardian.email)
    assert to_guardian.filter(kind="outcome").exists()
    assert to_guardian.filter(kind="exhausted").exists()  # student2's package runs out in the story


def test_the_seed_prints_the_guardian_logins(db, capsys):
    call_command("seed_demo", "--tutors", "2", "--students", "7", "--sessions-per-match", "4")
    out = capsys.readouterr().out
    assert "  guardian guardian1@example.com" in out and "  guardian guardian3@example.com" in out
