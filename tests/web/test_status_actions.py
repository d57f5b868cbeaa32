"""Tutors and admins record outcomes from the dashboard: in place with htmx, through the services."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from tests.factories import make_match, make_session, spend_sessions
from tests.web.conftest import htmx, logged_in, row_of, status_post
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session


def test_done_returns_the_row_with_a_green_badge_and_one_fewer_session_left(
    tutor_client, past_session, package
):
    response = status_post(tutor_client, past_session, "done", tutor_notes="Worked on fractions")
    assert response.status_code == 200
    row = row_of(response.content.decode(), past_session.id)
    assert 'data-status="done"' in row and "bg-green-100 text-green-800" in row and ">Done<" in row
    assert ">9<" in row
    assert "Worked on fractions" in tutor_client.get(f"/sessions/{past_session.id}/").content.decode()
    package.refresh_from_db()
    assert package.sessions_used == 1
    past_session.refresh_from_db()
    assert past_session.status == "done" and past_session.package_id == package.id


def test_the_response_also_updates_sessions_left_on_other_rows_of_the_request(tutor_client, past_session):
    html = status_post(tutor_client, past_session, "no_show_student").content.decode()
    assert f"hx-swap-oob=\"innerHTML:[data-left-for='{past_session.request_id}']\">9<" in html


def test_a_tutor_no_show_charges_nothing(tutor_client, past_session, package):
    row = row_of(status_post(tutor_client, past_session, "no_show_tutor").content.decode(), past_session.id)
    assert 'data-status="no_show_tutor"' in row and "bg-orange-100 text-orange-800" in row
    package.refresh_from_db()
    assert package.sessions_used == 0


def test_reschedule_with_a_new_time_adds_the_replacement_as_upcoming(tutor_client, past_session):
    new_time = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    html = status_post(
        tutor_client, past_session, "rescheduled", new_start_at=new_time.strftime("%Y-%m-%dT%H:%M")
    ).content.decode()
    assert 'data-status="rescheduled"' in row_of(html, past_session.id)
    replacement = Session.objects.get(rescheduled_from=past_session)
    assert replacement.scheduled_start_at == new_time
    assert 'data-status="scheduled"' in row_of(html, replacement.id)
    # The two rows point at each other in words a person reads.
    page = tutor_client.get("/").content.decode()
    assert f"Moved to {new_time:%a %-d %b, %H:%M}" in row_of(page, past_session.id)
    original = past_session.scheduled_start_at
    assert f"Rescheduled from {original:%a %-d %b, %H:%M}" in row_of(page, replacement.id)


def test_a_started_session_without_an_outcome_says_it_awaits_one(tutor_client, past_session, future_session):
    page = tutor_client.get("/").content.decode()
    assert "awaiting outcome" in row_of(page, past_session.id)
    assert "awaiting outcome" not in row_of(page, future_session.id)
    status_post(tutor_client, past_session, "done")
    assert "awaiting outcome" not in row_of(tutor_client.get("/").content.decode(), past_session.id)


def test_the_new_time_is_read_in_the_tutors_time_zone(tutor, tutor_client, past_session):
    tutor.timezone = "Asia/Singapore"
    tutor.save(update_fields=["timezone"])
    status_post(tutor_client, past_session, "rescheduled", new_start_at="2087-06-01T18:00")
    replacement = Session.objects.get(rescheduled_from=past_session)
    assert replacement.scheduled_start_at.isoformat() == "2087-06-01T10:00:00+00:00"


def test_a_reschedule_into_the_past_is_refused_in_plain_words(tutor_client, past_session):
    html = status_post(
        tutor_client, past_session, "rescheduled", new_start_at="2001-01-01T10:00"
    ).content.decode()
    assert "The new time must be in the future." in row_of(html, past_session.id)
    past_session.refresh_from_db()
    assert past_session.status == "scheduled"


def test_no_package_left_shows_the_plain_error_in_the_row_and_changes_nothing(
    tutor_client, past_session, package
):
    spend_sessions(package, 10)
    response = status_post(tutor_client, past_session, "done")
    assert response.status_code == 200
    row = row_of(response.content.decode(), past_session.id)
    assert "This student has no sessions left — ask an admin to add a package" in row
    assert 'role="alert"' in row and 'data-status="scheduled"' in row
    past_session.refresh_from_db()
    assert past_session.status == "scheduled"
    assert not AuditLog.objects.filter(entity_id=past_session.id, action="session_status_updated").exists()


def test_an_outcome_before_the_start_is_refused_in_plain_words(tutor_client, future_session):
    row = row_of(status_post(tutor_client, future_session, "done").content.decode(), future_session.id)
    assert "started yet. You can record an outcome once it has." in row


def test_the_same_key_twice_charges_once(tutor_client, past_session, package):
    key = str(uuid.uuid4())
    first = status_post(tutor_client, past_session, "done", key=key)
    second = status_post(tutor_client, past_session, "done", key=key)
    assert first.status_code == second.status_code == 200
    assert 'data-status="done"' in row_of(second.content.decode(), past_session.id)
    assert "data-row-error" not in second.content.decode()
    package.refresh_from_db()
    assert package.sessions_used == 1
    assert AuditLog.objects.filter(entity_id=past_session.id, action="session_status_updated").count() == 1


def test_a_second_form_for_the_same_outcome_charges_once_and_shows_the_row(
    tutor_client, past_session, package
):
    status_post(tutor_client, past_session, "done")
    second = status_post(tutor_client, past_session, "done")
    assert "data-row-error" not in second.content.decode()
    package.refresh_from_db()
    assert package.sessions_used == 1


def test_a_conflicting_second_outcome_is_explained(tutor_client, past_session):
    status_post(tutor_client, past_session, "done")
    row = row_of(status_post(tutor_client, past_session, "no_show_tutor").content.decode(), past_session.id)
    assert "already Done" in row


def test_another_tutors_session_is_not_found(past_session, other_tutor):
    response = status_post(logged_in(other_tutor), past_session, "done")
    assert response.status_code == 404
    past_session.refresh_from_db()
    assert past_session.status == "scheduled"


def test_a_student_may_not_post_a_status(student_client, past_session):
    assert status_post(student_client, past_session, "done").status_code == 403


def test_a_tutor_may_not_correct(tutor_client, past_session):
    response = htmx(
        tutor_client,
        f"/sessions/{past_session.id}/correction/",
        {"status": "done", "reason": "x", "idempotency_key": "k"},
    )
    assert response.status_code == 403


def test_a_post_without_the_csrf_token_is_refused(tutor, past_session, package):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tutor, backend="tutordesk.accounts.backends.EmailBackend")
    client.get("/")
    response = client.post(
        f"/sessions/{past_session.id}/status/", {"status": "done", "idempotency_key": "k1"}
    )
    assert response.status_code == 403
    package.refresh_from_db()
    assert package.sessions_used == 0


def test_a_post_with_the_pages_csrf_token_is_accepted(tutor, past_session):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tutor, backend="tutordesk.accounts.backends.EmailBackend")
    html = client.get("/").content.decode()
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(
        f"/sessions/{past_session.id}/status/",
        {"status": "done", "idempotency_key": "k2", "csrfmiddlewaretoken": token},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200


def test_notes_with_a_script_tag_render_as_text(tutor_client, past_session):
    status_post(tutor_client, past_session, "done", tutor_notes="<script>alert(1)</script>")
    html = tutor_client.get(f"/sessions/{past_session.id}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_plain_form_post_without_htmx_redirects_back_with_a_message(tutor_client, past_session):
    response = tutor_client.post(
        f"/sessions/{past_session.id}/status/",
        {"status": "done", "idempotency_key": "k3", "next": "/?recent_page=1"},
    )
    assert response.status_code == 302 and response["Location"] == "/?recent_page=1"
    assert "Recorded as Done." in tutor_client.get("/").content.decode()


def test_a_next_url_off_the_site_is_ignored(tutor_client, past_session):
    response = tutor_client.post(
        f"/sessions/{past_session.id}/status/",
        {"status": "done", "idempotency_key": "k4", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_an_unknown_status_is_refused_without_a_change(tutor_client, past_session):
    row = row_of(status_post(tutor_client, past_session, "cancelled").content.decode(), past_session.id)
    assert "data-row-error" in row
    past_session.refresh_from_db()
    assert past_session.status == "scheduled"


def test_an_admin_records_an_outcome_for_any_tutor(admin, past_session, package):
    row = row_of(status_post(logged_in(admin), past_session, "done").content.decode(), past_session.id)
    assert 'data-status="done"' in row
    past_session.refresh_from_db()
    assert past_session.updated_by_id == admin.id


def test_an_admin_correction_refunds_and_is_audited(admin, tutor_client, past_session, package):
    status_post(tutor_client, past_session, "done")
    client = logged_in(admin)
    html = htmx(
        client,
        f"/sessions/{past_session.id}/correction/",
        {"status": "no_show_tutor", "reason": "Tutor was ill", "idempotency_key": str(uuid.uuid4())},
    ).content.decode()
    row = row_of(html, past_session.id)
    assert 'data-status="no_show_tutor"' in row and ">10<" in row
    assert "Corrected to Tutor No-show; 1 session refunded, leaving 10 in that package." in html
    package.refresh_from_db()
    assert package.sessions_used == 0
    actions = list(
        AuditLog.objects.filter(entity_id=past_session.id)
        .order_by("created_at")
        .values_list("action", flat=True)
    )
    assert actions == ["session_created", "session_status_updated", "session_status_corrected"]


def test_a_correction_needs_a_reason(admin, tutor_client, past_session):
    status_post(tutor_client, past_session, "done")
    html = htmx(
        logged_in(admin),
        f"/sessions/{past_session.id}/correction/",
        {"status": "no_show_tutor", "reason": "", "idempotency_key": "k5"},
    ).content.decode()
    assert "Reason: This field is required." in row_of(html, past_session.id)


def test_recorded_rows_offer_an_admin_the_correct_control(admin, past_session):
    from tests.helpers import bring_to_status

    bring_to_status(past_session, "done")
    client = logged_in(admin)
    row = row_of(client.get("/").content.decode(), past_session.id)
    assert 'data-action="correct"' in row
    panel = client.get(
        f"/sessions/{past_session.id}/correct/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="panel-body"
    ).content.decode()
    assert 'name="reason"' in panel and 'data-action="correct"' in panel
    assert '<option value="done"' not in panel  # not the status it already has
    assert '<option value="scheduled"' in panel


def test_rows_of_other_matches_are_untouched(tutor, tutor_client, past_session):
    other = make_session(match=make_match(tutor=tutor))
    status_post(tutor_client, past_session, "done")
    other.refresh_from_db()
    assert other.status == "scheduled"


def test_the_same_key_for_a_different_change_is_refused_and_changes_nothing(
    tutor_client, past_session, package
):
    key = str(uuid.uuid4())
    status_post(tutor_client, past_session, "no_show_tutor", key=key)
    past_session.refresh_from_db()
    html = status_post(tutor_client, past_session, "done", key=key).content.decode()
    assert "already used for a different change" in row_of(html, past_session.id)
    package.refresh_from_db()
    assert package.sessions_used == 0


def test_an_error_is_replayed_for_its_key_and_a_fresh_form_can_retry(
    admin, tutor_client, past_session, package
):
    spend_sessions(package, 10)
    key = str(uuid.uuid4())
    assert "no sessions left" in status_post(tutor_client, past_session, "done", key=key).content.decode()
    from tests.factories import make_package

    make_package(request=past_session.request, sessions_total=5)
    assert "no sessions left" in status_post(tutor_client, past_session, "done", key=key).content.decode()
    row = row_of(status_post(tutor_client, past_session, "done").content.decode(), past_session.id)
    assert 'data-status="done"' in row and ">4<" in row


def test_a_damaged_key_is_refused_in_plain_words(tutor_client, past_session):
    row = row_of(
        status_post(tutor_client, past_session, "done", key="k\u00e9y").content.decode(), past_session.id
    )
    assert "reload the page" in row
    past_session.refresh_from_db()
    assert past_session.status == "scheduled"
