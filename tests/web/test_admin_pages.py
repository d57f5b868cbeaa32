"""The admin's pages: all sessions with filters, packages per request, and the audit log with CSV export."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import MatchFactory, PackageFactory, SessionFactory, StudentFactory
from tests.helpers import put_in_status
from tests.web.conftest import htmx, status_post
from tutordesk.audit.models import AuditLog
from tutordesk.tutoring.models import Package


@pytest.fixture
def second_match(other_tutor):
    match = MatchFactory(
        tutor=other_tutor, request__student=StudentFactory(name="Zoe Zed"), request__subject="Physics"
    )
    PackageFactory(request=match.request)
    return match


def test_the_admin_sees_every_tutors_sessions(admin_client_, past_session, second_match):
    foreign = SessionFactory(match=second_match)
    html = admin_client_.get("/").content.decode()
    assert str(past_session.id) in html and str(foreign.id) in html


def test_the_sessions_filter_by_status_tutor_student_and_dates(
    admin_client_, past_session, second_match, other_tutor
):
    foreign = SessionFactory(match=second_match, scheduled_start_at=datetime(2030, 5, 1, 12, tzinfo=UTC))
    put_in_status(past_session, "done")

    def ids(query: str) -> set[str]:
        html = admin_client_.get("/" + query).content.decode()
        return {s for s in (str(past_session.id), str(foreign.id)) if f'data-session-id="{s}"' in html}

    assert ids("?status=done") == {str(past_session.id)}
    assert ids(f"?tutor={other_tutor.id}") == {str(foreign.id)}
    assert ids("?student=zoe") == {str(foreign.id)}
    assert ids("?start=2030-04-30&end=2030-05-01") == {str(foreign.id)}
    assert ids("?end=2029-01-01") == {str(past_session.id)}


def test_a_filter_that_matches_nothing_says_so(admin_client_, past_session):
    assert "No session matches these filters." in admin_client_.get("/?status=rescheduled").content.decode()


def test_a_bad_filter_value_shows_the_field_error_not_a_crash(admin_client_, past_session):
    response = admin_client_.get("/?start=not-a-date&tutor=nope")
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_packages_show_used_over_total_per_request(admin_client_, past_session, package, tutor_client):
    status_post(tutor_client, past_session, "done")
    html = admin_client_.get("/packages/").content.decode()
    assert "1 / 10" in html
    assert "Sam Student" in html and "Algebra" in html
    assert "data-add-package" in html


def test_an_admin_adds_a_package_once_even_when_the_form_is_posted_twice(admin_client_, match, package):
    data = {"sessions_total": "5", "idempotency_key": str(uuid.uuid4()), "next": "/packages/"}
    first = admin_client_.post(f"/requests/{match.request_id}/packages/", data)
    second = admin_client_.post(f"/requests/{match.request_id}/packages/", data)
    assert first.status_code == second.status_code == 302
    assert Package.objects.filter(request=match.request).count() == 2
    assert AuditLog.objects.filter(action="package_created").count() == 1
    assert "Added a package of 5 sessions." in admin_client_.get("/packages/").content.decode()


def test_a_package_outside_1_to_500_is_refused(admin_client_, match):
    admin_client_.post(
        f"/requests/{match.request_id}/packages/", {"sessions_total": "501", "idempotency_key": "k"}
    )
    assert not Package.objects.filter(request=match.request).exists()


def test_tutors_and_students_cannot_open_admin_pages(tutor_client, student_client, match):
    for client in (tutor_client, student_client):
        assert client.get("/packages/").status_code == 403
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403
        response = client.post(
            f"/requests/{match.request_id}/packages/", {"sessions_total": "5", "idempotency_key": "k"}
        )
        assert response.status_code == 403


def test_the_audit_page_lists_an_outcome_and_its_correction(admin, admin_client_, tutor_client, past_session):
    status_post(tutor_client, past_session, "done")
    htmx(
        admin_client_,
        f"/sessions/{past_session.id}/correction/",
        {"status": "no_show_tutor", "reason": "Wrong button", "idempotency_key": "c1"},
    )
    html = admin_client_.get(f"/audit/?entity_id={past_session.id}").content.decode()
    assert html.count('data-audit-action="session_status_updated"') == 1
    assert html.count('data-audit-action="session_status_corrected"') == 1
    assert "Wrong button" in html
    assert html.index("session_status_corrected") < html.index("session_status_updated")  # newest first


def test_the_audit_page_filters_by_action_and_actor(
    admin_client_, tutor_client, past_session, future_session
):
    status_post(tutor_client, past_session, "done")
    status_post(tutor_client, future_session, "rescheduled")
    html = admin_client_.get("/audit/?action=session_status_updated&actor=tara").content.decode()
    assert html.count("data-audit-id=") == 2
    assert admin_client_.get("/audit/?actor=nobody").content.decode().count("data-audit-id=") == 0


def test_the_audit_csv_export_has_the_filtered_rows_and_defuses_formulas(
    admin_client_, tutor_client, past_session
):
    status_post(tutor_client, past_session, "done", tutor_notes="=HYPERLINK(1)")
    response = admin_client_.get(f"/audit/export.csv?entity_id={past_session.id}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["id", "created_at", "actor_user_id", "actor_email", "action"]
    assert len(rows) == 2
    assert rows[1][4] == "session_status_updated"
    assert rows[1][3] == "tara@example.test"
    assert "=HYPERLINK(1)" in rows[1][7]  # inside the JSON, which starts with "{"


def test_audit_rows_are_paginated(admin, admin_client_, match):
    from tutordesk.audit.services import audit_log_write

    for _ in range(55):
        audit_log_write(
            actor=admin, action="package_created", entity_type="package", entity_id=uuid.uuid4(), details={}
        )
    html = admin_client_.get("/audit/").content.decode()
    assert "Page 1 of 2" in html and html.count("data-audit-id=") == 50


def test_audit_dates_are_read_in_the_admins_time_zone(admin, admin_client_, match):
    from tutordesk.audit.services import audit_log_write

    audit_log_write(
        actor=admin, action="package_created", entity_type="package", entity_id=uuid.uuid4(), details={}
    )
    today = timezone.localdate()
    assert (
        admin_client_.get(f"/audit/?start={today}&end={today}").content.decode().count("data-audit-id=") == 1
    )
    tomorrow = today + timedelta(days=2)
    assert admin_client_.get(f"/audit/?start={tomorrow}").content.decode().count("data-audit-id=") == 0


def test_the_admin_finds_sessions_awaiting_an_outcome_oldest_first(admin_client_, match, package):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import SessionFactory
    from tests.helpers import update_status

    now = timezone.now()
    older = SessionFactory(match=match, scheduled_start_at=now - timedelta(days=3))
    newer = SessionFactory(match=match, scheduled_start_at=now - timedelta(hours=2))
    recorded = SessionFactory(match=match, scheduled_start_at=now - timedelta(days=1))
    upcoming = SessionFactory(match=match, scheduled_start_at=now + timedelta(days=1))
    update_status(session_id=recorded.id, status="no_show_tutor", actor=match.tutor)

    page = admin_client_.get("/", {"status": "awaiting_outcome"}).content.decode()

    assert page.index(f'data-session-id="{older.id}"') < page.index(f'data-session-id="{newer.id}"')
    assert f'data-session-id="{recorded.id}"' not in page
    assert f'data-session-id="{upcoming.id}"' not in page
    assert "?status=awaiting_outcome" in admin_client_.get("/").content.decode()


def test_the_audit_page_names_actions_in_words(admin_client_, past_session, tutor):
    from tests.helpers import update_status

    update_status(session_id=past_session.id, status="done", actor=tutor)
    page = admin_client_.get("/audit/").content.decode()
    assert ">Status recorded</td>" in page
    assert 'data-audit-action="session_status_updated"' in page
    csv = b"".join(admin_client_.get("/audit/export.csv").streaming_content).decode()
    assert "session_status_updated" in csv
