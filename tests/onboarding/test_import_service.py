"""import_csv (CONTRACT §11 "Import"): a dry run changes nothing; a real run is all or nothing,
through the services (audit rows and events), and the same file again creates nothing."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.factories import make_match
from tests.helpers import snapshot
from tests.onboarding.helpers import GOOD, enrolment_file
from tutordesk.accounts.models import Guardianship, Role, User
from tutordesk.audit.models import AuditAction, AuditLog
from tutordesk.core.errors import Forbidden, ImportInvalid, ImportTooLarge
from tutordesk.events.models import Event
from tutordesk.onboarding.csvfile import MAX_BYTES
from tutordesk.onboarding.models import Import
from tutordesk.onboarding.services import import_csv as import_csv_service
from tutordesk.tutoring.models import Match, Package, TutoringRequest

pytestmark = pytest.mark.django_db


def import_csv(**kwargs):
    """As its callers run it: inside an outermost transaction of their own."""
    with transaction.atomic():
        return import_csv_service(**kwargs)


def table_counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "requests": TutoringRequest.objects.count(),
        "matches": Match.objects.count(),
        "packages": Package.objects.count(),
        "audit": AuditLog.objects.count(),
        "events": Event.objects.count(),
        "imports": Import.objects.count(),
    }


def test_a_dry_run_says_what_would_be_made_and_changes_nothing(admin):
    before = table_counts()
    result = import_csv(actor=admin, data=GOOD, dry_run=True)
    assert result.dry_run_dict() == {
        "rows": 3,
        "create": {"users": 5, "requests": 3, "matches": 3, "packages": 3},
        "errors": [],
    }
    assert table_counts() == before


def test_a_real_run_makes_everything_through_the_services(admin):
    result = import_csv(actor=admin, data=GOOD, dry_run=False)
    assert result.created_dict() == {
        "rows": 3,
        "created": {"users": 5, "requests": 3, "matches": 3, "packages": 3},
    }
    ann = User.objects.get(email="ann@example.com")
    assert (ann.name, ann.role, ann.timezone, ann.has_usable_password()) == (
        "Ann Lee",
        Role.STUDENT,
        "Europe/Berlin",
        False,
    )
    assert User.objects.get(email="ben@example.com").timezone == "UTC"
    assert User.objects.get(email="tom@example.com").role == Role.TUTOR
    pat = User.objects.get(email="pat@example.com")
    assert pat.role == Role.GUARDIAN
    assert Guardianship.objects.filter(guardian=pat, student=ann).exists()
    assert sorted(
        Match.objects.filter(request__student=ann).values_list("request__subject", "tutor__email")
    ) == [("Chemistry", "tia@example.com"), ("Maths", "tom@example.com")]
    assert sorted(Package.objects.values_list("sessions_total", flat=True)) == [5, 8, 10]
    actions = list(AuditLog.objects.values_list("action", flat=True))
    assert actions.count(AuditAction.USER_INVITED) == 5
    assert actions.count(AuditAction.REQUEST_CREATED) == 3
    assert actions.count(AuditAction.MATCH_CREATED) == 3
    assert actions.count(AuditAction.PACKAGE_CREATED) == 3
    assert actions.count(AuditAction.GUARDIAN_LINK_ADDED) == 1
    assert actions.count(AuditAction.IMPORT_COMPLETED) == 1
    assert Event.objects.filter(type="package.created").count() == 3
    record = Import.objects.get()
    assert (record.rows, record.users_created, record.packages_created, record.actor_id) == (
        3,
        5,
        3,
        admin.id,
    )


def test_the_same_file_again_creates_nothing(admin):
    import_csv(actor=admin, data=GOOD, dry_run=False)
    before = table_counts()
    assert import_csv(actor=admin, data=GOOD, dry_run=True).dry_run_dict()["create"] == {
        "users": 0,
        "requests": 0,
        "matches": 0,
        "packages": 0,
    }
    again = import_csv(actor=admin, data=GOOD, dry_run=False)
    assert again.repeat
    assert again.created_dict()["created"] == {"users": 0, "requests": 0, "matches": 0, "packages": 0}
    after = table_counts()
    # Only the import itself is recorded (and audited).
    assert after == {**before, "imports": before["imports"] + 1, "audit": before["audit"] + 1}


def test_a_new_file_for_known_people_sells_new_packages_on_the_same_requests(admin):
    import_csv(actor=admin, data=GOOD, dry_run=False)
    top_up = enrolment_file("ANN@example.com,Ann Lee,,maths,Tom@Example.com,Tom Tutor,,4,,")
    result = import_csv(actor=admin, data=top_up, dry_run=False)
    assert result.created_dict()["created"] == {"users": 0, "requests": 0, "matches": 0, "packages": 1}
    maths = TutoringRequest.objects.get(student__email="ann@example.com", subject="Maths")
    assert sorted(maths.packages.values_list("sessions_total", flat=True)) == [4, 10]


def test_an_existing_person_of_another_role_refuses_the_file_and_nothing_is_made(admin, tutor, student):
    data = enrolment_file(
        "ann@example.com,Ann,,Maths,tom@example.com,Tom,,10,,",
        f"zed@example.com,Zed,,Maths,{student.email.upper()},Sam,,10,,",
        f"amy@example.com,Amy,,Maths,tom@example.com,Tom,,10,{tutor.email},Tara",
        "bad@example.com,Bad,Nowhere/City,Maths,tom@example.com,Tom,,10,,",
    )
    before = table_counts()
    plan = import_csv(actor=admin, data=data, dry_run=True)
    expected = [
        {"row": 3, "column": "tutor_email", "code": "role_conflict"},
        {"row": 4, "column": "guardian_email", "code": "role_conflict"},
        {"row": 5, "column": "student_timezone", "code": "unknown_timezone"},
    ]
    assert [{k: e[k] for k in ("row", "column", "code")} for e in plan.dry_run_dict()["errors"]] == expected
    with pytest.raises(ImportInvalid) as refused:
        import_csv(actor=admin, data=data, dry_run=False)
    assert [{k: e[k] for k in ("row", "column", "code")} for e in refused.value.context["errors"]] == expected
    assert table_counts() == before


def test_a_request_already_matched_with_the_rows_tutor_is_reused(admin, tutor, student):
    match = make_match(tutor=tutor, student=student)
    data = enrolment_file(
        f"{student.email},{student.name},,{match.request.subject},{tutor.email},{tutor.name},,6,,"
    )
    result = import_csv(actor=admin, data=data, dry_run=False)
    assert result.created_dict()["created"] == {"users": 0, "requests": 0, "matches": 0, "packages": 1}
    assert match.request.packages.get().sessions_total == 6


def test_a_file_over_the_limit_is_refused(admin):
    with pytest.raises(ImportTooLarge):
        import_csv(actor=admin, data=b"x" * (MAX_BYTES + 1), dry_run=True)


def test_only_an_admin_imports(tutor):
    with pytest.raises(Forbidden):
        import_csv(actor=tutor, data=GOOD, dry_run=True)


def test_a_refused_import_leaves_the_database_as_it_was(admin):
    data = enrolment_file(
        "ann@example.com,Ann,,Maths,tom@example.com,Tom,,10,,",
        "ben@example.com,Ben,,Maths,tom@example.com,Tom,,0,,",
    )
    before = snapshot()
    with pytest.raises(ImportInvalid):
        import_csv(actor=admin, data=data, dry_run=False)
    assert User.objects.filter(email="ann@example.com").count() == 0
    assert snapshot() == before


def test_a_deactivated_tutor_refuses_the_row(admin, tutor):
    User.objects.filter(pk=tutor.pk).update(is_active=False)
    data = enrolment_file(f"ann@example.com,Ann,,Maths,{tutor.email},{tutor.name},,10,,")
    errors = import_csv(actor=admin, data=data, dry_run=True).dry_run_dict()["errors"]
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [(2, "tutor_email", "inactive_tutor")]
