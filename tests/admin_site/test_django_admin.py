"""Django's admin shows everything but cannot bypass the services or rewrite history."""

from __future__ import annotations

import pytest

from tests.helpers import update_status
from tutordesk.audit.models import AuditLog
from tutordesk.tutoring.models import Package


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/apitoken/",
        "/admin/tutoring/tutoringrequest/",
        "/admin/tutoring/match/",
        "/admin/tutoring/package/",
        "/admin/tutoring/package/add/",
        "/admin/scheduling/session/",
        "/admin/audit/auditlog/",
    ],
)
def test_every_list_opens_for_an_admin(admin_client, past_session, url):
    assert admin_client.get(url).status_code == 200


def test_tutors_and_students_are_kept_out(client, tutor, student):
    for user in (tutor, student):
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_audit_rows_cannot_be_changed_or_deleted_there(admin_client, past_session, tutor):
    update_status(session_id=past_session.id, status="no_show_tutor", actor=tutor)
    row = AuditLog.objects.get(action="session_status_updated")
    page = admin_client.get(f"/admin/audit/auditlog/{row.pk}/change/")
    assert page.status_code == 200
    assert b'name="action"' not in page.content
    assert admin_client.post(f"/admin/audit/auditlog/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditLog.objects.get(pk=row.pk).action == "session_status_updated"


def test_session_status_cannot_be_edited_there(admin_client, past_session):
    page = admin_client.get(f"/admin/scheduling/session/{past_session.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content
    response = admin_client.post(f"/admin/scheduling/session/{past_session.pk}/change/", {"status": "done"})
    assert response.status_code == 403
    past_session.refresh_from_db()
    assert past_session.status == "scheduled"


def test_sessions_used_cannot_be_edited_there(admin_client, package):
    page = admin_client.get(f"/admin/tutoring/package/{package.pk}/change/")
    assert b'name="sessions_used"' not in page.content
    admin_client.post(
        f"/admin/tutoring/package/{package.pk}/change/",
        {"sessions_used": 7, "sessions_total": 10, "status": "active"},
    )
    package.refresh_from_db()
    assert package.sessions_used == 0


def test_a_package_added_there_goes_through_the_service(admin_client, match, admin):
    response = admin_client.post(
        "/admin/tutoring/package/add/", {"request": str(match.request_id), "sessions_total": 8}
    )
    assert response.status_code == 302
    package = Package.objects.get()
    assert (package.sessions_total, package.sessions_used, package.status) == (8, 0, "active")
    assert AuditLog.objects.get(entity_id=package.id).actor_id == admin.id


def test_a_request_added_there_needs_a_student_and_is_audited(admin_client, student, tutor, admin):
    from tutordesk.tutoring.models import TutoringRequest

    refused = admin_client.post(
        "/admin/tutoring/tutoringrequest/add/", {"student": str(tutor.pk), "subject": "Maths"}
    )
    assert refused.status_code == 200 and not TutoringRequest.objects.exists()
    added = admin_client.post(
        "/admin/tutoring/tutoringrequest/add/", {"student": str(student.pk), "subject": "Maths"}
    )
    assert added.status_code == 302
    request = TutoringRequest.objects.get()
    assert (request.student_id, request.subject, request.status) == (student.pk, "Maths", "open")
    assert AuditLog.objects.get(entity_id=request.id).action == "request_created"


def test_a_match_added_there_needs_a_tutor_and_marks_the_request_matched(admin_client, student, tutor, admin):
    from tests.factories import make_request
    from tutordesk.tutoring.models import Match

    request = make_request(student=student)
    refused = admin_client.post(
        "/admin/tutoring/match/add/", {"request": str(request.pk), "tutor": str(student.pk)}
    )
    assert refused.status_code == 200 and not Match.objects.exists()
    added = admin_client.post(
        "/admin/tutoring/match/add/", {"request": str(request.pk), "tutor": str(tutor.pk)}
    )
    assert added.status_code == 302
    match = Match.objects.get()
    request.refresh_from_db()
    assert (match.tutor_id, match.status, request.status) == (tutor.pk, "active", "matched")
    assert AuditLog.objects.get(entity_id=match.id).action == "match_created"
    second = admin_client.post(
        "/admin/tutoring/match/add/", {"request": str(request.pk), "tutor": str(tutor.pk)}, follow=True
    )
    assert b"already has an active match" in second.content
    assert Match.objects.count() == 1
