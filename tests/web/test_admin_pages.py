"""The admin's pages: all sessions with filters, packages per request, and the audit log with CSV export."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import StudentFactory, make_match, make_package, make_session
from tests.helpers import bring_to_status
from tests.web.conftest import htmx, link, status_post
from tutordesk.audit.models import AuditLog
from tutordesk.tutoring.models import Package


@pytest.fixture
def second_match(other_tutor):
    match = make_match(tutor=other_tutor, student=StudentFactory(name="Zoe Zed"), subject="Physics")
    make_package(request=match.request)
    return match


def test_the_admin_sees_every_tutors_sessions(admin_client_, past_session, second_match):
    foreign = make_session(match=second_match)
    html = admin_client_.get("/").content.decode()
    assert str(past_session.id) in html and str(foreign.id) in html


def test_the_sessions_filter_by_status_tutor_student_and_dates(
    admin_client_, past_session, second_match, other_tutor
):
    foreign = make_session(match=second_match, scheduled_start_at=datetime(2086, 5, 1, 12, tzinfo=UTC))
    bring_to_status(past_session, "done")

    def ids(query: str) -> set[str]:
        html = admin_client_.get("/" + query).content.decode()
        return {s for s in (str(past_session.id), str(foreign.id)) if f'data-session-id="{s}"' in html}

    assert ids("?status=done") == {str(past_session.id)}
    assert ids(f"?tutor={other_tutor.id}") == {str(foreign.id)}
    assert ids("?student=zoe") == {str(foreign.id)}
    assert ids("?start=2086-04-30&end=2086-05-01") == {str(foreign.id)}
    assert ids("?end=2085-01-01") == {str(past_session.id)}


def test_a_filter_that_matches_nothing_says_so(admin_client_, past_session):
    assert "No session matches these filters." in admin_client_.get("/?status=rescheduled").content.decode()


def test_a_bad_filter_value_shows_the_field_error_not_a_crash(admin_client_, past_session):
    response = admin_client_.get("/?start=not-a-date&tutor=nope")
    assert response.status_code == 200
    assert response.context["form"].has_error("start", "invalid")
    assert 'data-field-error="start"' in response.content.decode()


def test_packages_show_used_over_total_per_request(admin_client_, past_session, package, tutor_client):
    status_post(tutor_client, past_session, "done")
    html = admin_client_.get("/packages/").content.decode()
    assert "1 / 10" in html
    assert "Sam Student" in html and "Algebra" in html
    assert "data-add-package" in html


def test_an_admin_adds_a_package_once_even_when_the_form_is_posted_twice(
    admin, admin_client_, match, package
):
    data = {
        "sessions_total": "5",
        "idempotency_key": str(uuid.uuid4()),
        "next": "/packages/",
        "confirm": "yes",
    }
    first = admin_client_.post(f"/requests/{match.request_id}/packages/", data)
    second = admin_client_.post(f"/requests/{match.request_id}/packages/", data)
    assert first.status_code == second.status_code == 302
    assert Package.objects.filter(request=match.request).count() == 2
    assert AuditLog.objects.filter(action="package_created", actor=admin).count() == 1
    assert "Added a package of 5 sessions." in admin_client_.get("/packages/").content.decode()


def test_a_package_outside_1_to_500_is_refused(admin_client_, match):
    admin_client_.post(
        f"/requests/{match.request_id}/packages/",
        {"sessions_total": "501", "idempotency_key": "k", "confirm": "yes"},
    )
    assert not Package.objects.filter(request=match.request).exists()


def test_tutors_students_and_guardians_cannot_open_admin_pages(
    tutor_client, student_client, guardian_client, match
):
    for client in (tutor_client, student_client, guardian_client):
        assert client.get("/packages/").status_code == 403
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403
        response = client.post(
            f"/requests/{match.request_id}/packages/", {"sessions_total": "5", "idempotency_key": "k"}
        )
        assert response.status_code == 403


@pytest.mark.parametrize("path", ["/packages/", "/webhooks/"])
def test_the_refusal_is_a_page_with_the_menu_and_a_way_back(student, student_client, path):
    response = student_client.get(path)
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page is not available to your role." in page
    assert 'aria-label="Main"' in page and "Back to the dashboard" in page
    assert student.email in page or student.name in page


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
    rows = html[html.index("<tbody") :]
    assert rows.index('data-audit-action="session_status_corrected"') < rows.index(
        'data-audit-action="session_status_updated"'
    )  # newest first


def test_the_audit_page_filters_by_action_and_actor(
    admin_client_, tutor_client, past_session, future_session
):
    status_post(tutor_client, past_session, "done")
    new_time = timezone.localtime(future_session.scheduled_start_at + timedelta(days=1))
    status_post(tutor_client, future_session, "rescheduled", new_start_at=f"{new_time:%Y-%m-%dT%H:%M}")
    html = admin_client_.get("/audit/?action=session_status_updated&actor=tara").content.decode()
    assert html.count("data-audit-id=") == 2
    assert admin_client_.get("/audit/?actor=nobody").content.decode().count("data-audit-id=") == 0


def test_the_audit_csv_export_has_the_filtered_rows_and_defuses_formulas(
    admin_client_, tutor_client, past_session
):
    status_post(tutor_client, past_session, "done", tutor_notes="=HYPERLINK(1)")
    response = admin_client_.get(
        f"/audit/export.csv?entity_id={past_session.id}&action=session_status_updated"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["id", "created_at", "actor_user_id", "actor_email", "action"]
    assert len(rows) == 2
    assert rows[1][4] == "session_status_updated"
    assert rows[1][3] == "tara@example.test"
    assert "=HYPERLINK(1)" in rows[1][7]  # inside the JSON, which starts with "{"


def test_audit_rows_come_fifty_to_a_page_with_older_and_newer_links(admin, admin_client_, match):
    from tutordesk.audit.services import audit_log_write
    from tutordesk.tutoring.audit import PackageCreated

    for _ in range(55):
        audit_log_write(
            actor=admin,
            entity_id=uuid.uuid4(),
            details=PackageCreated(request_id=uuid.uuid4(), sessions_total=1),
        )
    every = list(AuditLog.objects.order_by("-created_at", "-id").values_list("id", flat=True))
    first = admin_client_.get("/audit/").content.decode()
    first_ids = re.findall(r'data-audit-id="([^"]+)"', first)
    assert len(first_ids) == 50 and link(first, "data-page-before") is None
    second = admin_client_.get("/audit/" + link(first, "data-page-after")).content.decode()
    second_ids = re.findall(r'data-audit-id="([^"]+)"', second)
    assert [uuid.UUID(i) for i in first_ids + second_ids] == every
    assert link(second, "data-page-after") is None
    back = admin_client_.get("/audit/" + link(second, "data-page-before")).content.decode()
    assert re.findall(r'data-audit-id="([^"]+)"', back) == first_ids


def test_audit_dates_are_read_in_the_admins_time_zone(admin, admin_client_):
    from zoneinfo import ZoneInfo

    from tutordesk.audit.services import audit_log_write
    from tutordesk.tutoring.audit import PackageCreated

    # An admin so far from UTC that their calendar day is not UTC's right now: Kiritimati (UTC+14)
    # is a day ahead from 10:00 UTC on, Etc/GMT+12 (UTC-12) a day behind until 12:00 UTC.
    admin.timezone = "Pacific/Kiritimati" if timezone.now().hour >= 11 else "Etc/GMT+12"
    admin.save(update_fields=["timezone"])
    row = audit_log_write(
        actor=admin, entity_id=uuid.uuid4(), details=PackageCreated(request_id=uuid.uuid4(), sessions_total=1)
    )
    local_day = row.created_at.astimezone(ZoneInfo(admin.timezone)).date()
    utc_day = row.created_at.astimezone(UTC).date()
    assert local_day != utc_day

    def listed(query: str) -> bool:
        return f'data-audit-id="{row.id}"' in admin_client_.get(f"/audit/?{query}").content.decode()

    assert listed(f"start={local_day}&end={local_day}")
    assert not listed(f"start={utc_day}&end={utc_day}")
    assert not listed(f"start={local_day + timedelta(days=1)}")
    assert not listed(f"end={local_day - timedelta(days=1)}")


def test_the_admin_finds_sessions_awaiting_an_outcome_oldest_first(admin_client_, match, package):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import make_session
    from tests.helpers import update_status

    now = timezone.now()
    older = make_session(match=match, scheduled_start_at=now - timedelta(days=3))
    newer = make_session(match=match, scheduled_start_at=now - timedelta(hours=2))
    recorded = make_session(match=match, scheduled_start_at=now - timedelta(days=1))
    upcoming = make_session(match=match, scheduled_start_at=now + timedelta(days=1))
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
    assert 'title="session_status_updated">Status recorded</span>' in page
    assert 'data-audit-action="session_status_updated"' in page
    # The details in words, as the timeline says them, with the package move decided once.
    assert "Recorded Done (was Upcoming); 1 session charged" in page
    csv = b"".join(admin_client_.get("/audit/export.csv").streaming_content).decode()
    assert "session_status_updated" in csv


def test_the_audit_log_filters_by_the_person_a_row_is_about_by_name_not_by_id(
    admin, admin_client_, tutor, other_tutor
):
    from django.db import transaction

    from tutordesk.accounts.services import user_update

    with transaction.atomic():
        user_update(user_id=tutor.id, changes={"name": "Tara T. Tutor"}, actor=admin)
    about_tara = AuditLog.objects.get(entity_id=tutor.id, action="user_updated")

    page = admin_client_.get("/audit/?person=tara@example").content.decode()
    assert f'data-audit-id="{about_tara.id}"' in page
    assert "Changed name from &#x27;Tara Tutor&#x27; to &#x27;Tara T. Tutor&#x27;" in page
    assert f'data-audit-id="{about_tara.id}"' not in admin_client_.get("/audit/?person=Otto").content.decode()
    # Who did it is a name or an email too.
    assert f'data-audit-id="{about_tara.id}"' in admin_client_.get("/audit/?actor=Ada").content.decode()
    assert f'data-audit-id="{about_tara.id}"' not in admin_client_.get("/audit/?actor=Otto").content.decode()


@pytest.mark.parametrize(("page", "row"), [("/", "data-session-id="), ("/audit/", "data-audit-id=")])
def test_a_from_after_its_to_is_a_form_error_and_lists_nothing(admin_client_, past_session, page, row):
    """The sessions and audit filters: To before From is refused on the To field; nothing is listed
    (no fallback to every row), and the export sends the admin back to the page that says why."""
    # The session's start and its audit row's time, as the admin (UTC) reads them.
    day = timezone.localdate(past_session.scheduled_start_at if page == "/" else past_session.created_at)
    response = admin_client_.get(f"{page}?start={day}&end={day - timedelta(days=1)}")
    assert response.status_code == 200
    assert response.context["form"].has_error("end", code="end_before_start")
    html = response.content.decode()
    assert 'data-field-error="end"' in html
    assert row not in html and "data-empty" in html
    # The same day as From and To is that whole day, not an error.
    same_day = admin_client_.get(f"{page}?start={day}&end={day}")
    assert not same_day.context["form"].errors
    assert row in same_day.content.decode()


def test_the_audit_export_of_a_from_after_its_to_goes_back_to_the_page(admin_client_, past_session):
    response = admin_client_.get("/audit/export.csv?start=2030-05-02&end=2030-05-01")
    assert response.status_code == 302
    assert response["Location"] == "/audit/?start=2030-05-02&end=2030-05-01"
