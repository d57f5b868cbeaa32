"""Scheduling from the pages (CONTRACT §8): the same service and refusals as the API, the start
read in the viewer's time zone, and every refusal in plain words that changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import end_match, make_match, make_session
from tests.helpers import snapshot
from tests.web.conftest import logged_in
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session

PANEL = {
    "HTTP_HX_REQUEST": "true",
    "HTTP_HX_TARGET": "panel-body",
    "HTTP_HX_CURRENT_URL": "http://testserver/",
}


def schedule(client, the_match, start: str, *, key: str | None = None, panel: bool = True, **extra):
    data = {
        "match": str(the_match.id),
        "scheduled_start_at": start,
        "duration_minutes": "45",
        "meet_link": "https://meet.example.com/new-room",
        "idempotency_key": key or str(uuid.uuid4()),
        **extra,
    }
    return client.post("/sessions/new/", data, **(PANEL if panel else {}))


def test_a_tutor_schedules_a_session_in_their_own_time_zone(tutor, tutor_client, match):
    tutor.timezone = "America/New_York"
    tutor.save(update_fields=["timezone"])
    response = schedule(tutor_client, match, "2087-03-03T16:30")
    assert response.status_code == 200 and response["HX-Redirect"] == "/"
    session = Session.objects.get()
    assert session.scheduled_start_at == datetime(2087, 3, 3, 21, 30, tzinfo=UTC)  # 16:30 EST
    assert (session.duration_minutes, session.meet_link) == (45, "https://meet.example.com/new-room")
    assert (session.tutor_id, session.student_id, session.match_id) == (
        tutor.id,
        match.request.student_id,
        match.id,
    )
    assert AuditLog.objects.filter(entity_id=session.id, action="session_created", actor=tutor).count() == 1
    page = tutor_client.get("/").content.decode()
    assert "Scheduled: Sam Student · Algebra, Mon 3 Mar 2087, 16:30 EST." in page
    assert f'data-session-id="{session.id}"' in page


def test_the_form_offers_the_tutors_active_matches_only(tutor, tutor_client, match, other_tutor):
    ended = make_match(tutor=tutor, subject="History")
    end_match(ended)
    foreign = make_match(tutor=other_tutor, subject="Physics")
    html = tutor_client.get("/sessions/new/", **PANEL).content.decode()
    assert f'value="{match.id}"' in html and "Sam Student · Algebra" in html
    assert str(ended.id) not in html and str(foreign.id) not in html
    for name in ("match", "scheduled_start_at", "duration_minutes", "meet_link"):
        assert f'name="{name}"' in html
    assert 'type="datetime-local"' in html and 'id="panel-title"' in html


def test_without_htmx_the_form_is_a_page_of_its_own(tutor_client, match):
    html = tutor_client.get("/sessions/new/").content.decode()
    assert "<title>Schedule a session · Tutordesk</title>" in html and 'name="scheduled_start_at"' in html
    response = schedule(tutor_client, match, "2087-03-03T10:00", panel=False, next="/?upcoming=")
    assert response.status_code == 302 and response["Location"] == "/?upcoming="
    assert Session.objects.count() == 1


def test_a_double_booking_is_refused_naming_the_clashing_session(tutor, tutor_client, match):
    tutor.timezone = "Europe/Berlin"
    tutor.save(update_fields=["timezone"])
    clash = make_session(match=match, scheduled_start_at=datetime(2087, 3, 3, 9, 0, tzinfo=UTC))
    other = make_match(tutor=tutor, subject="Physics")
    before = snapshot()
    html = schedule(tutor_client, other, "2087-03-03T10:30").content.decode()  # 09:30 UTC, inside the clash
    assert "The tutor already has a session at Mon 3 Mar 2087, 10:00 CET. Pick a different time." in html
    assert f'href="/sessions/{clash.id}/"' in html and "data-conflicting-session" in html
    assert 'role="alert"' in html
    assert snapshot() == before


def test_a_refused_form_can_be_fixed_and_sent_again(tutor, tutor_client, match):
    make_session(match=match, scheduled_start_at=datetime(2087, 3, 3, 9, 0, tzinfo=UTC))
    other = make_match(tutor=tutor, subject="Physics")
    html = schedule(tutor_client, other, "2087-03-03T09:30").content.decode()
    key = html.split('name="idempotency_key" value="')[1].split('"')[0]
    response = schedule(tutor_client, other, "2087-03-03T11:00", key=key)
    assert response.status_code == 200 and response.has_header("HX-Redirect")
    assert Session.objects.filter(match=other).count() == 1


def test_the_same_form_sent_twice_schedules_once(tutor_client, match):
    key = str(uuid.uuid4())
    first = schedule(tutor_client, match, "2087-03-03T10:00", key=key)
    second = schedule(tutor_client, match, "2087-03-03T10:00", key=key)
    assert first["HX-Redirect"] == second["HX-Redirect"] == "/"
    assert Session.objects.count() == 1
    assert AuditLog.objects.filter(action="session_created").count() == 1


def test_another_tutors_match_is_refused_as_not_in_the_list(tutor_client, other_tutor):
    foreign = make_match(tutor=other_tutor)
    before = snapshot()
    html = schedule(tutor_client, foreign, "2087-03-03T10:00").content.decode()
    assert "That match is not one you can schedule for" in html
    assert snapshot() == before


def test_a_match_that_ended_while_the_form_was_open_is_refused_in_words(tutor, tutor_client, match):
    html = tutor_client.get("/sessions/new/", **PANEL).content.decode()
    assert str(match.id) in html
    end_match(match)
    html = schedule(tutor_client, match, "2087-03-03T10:00").content.decode()
    assert "That match is not one you can schedule for (it may have ended)." in html
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    "field, value, code",
    [
        ("scheduled_start_at", "", "required"),
        ("scheduled_start_at", "tomorrow", "invalid"),
        ("scheduled_start_at", "2101-01-01T10:00", "out_of_range"),
        ("duration_minutes", "10", "min_value"),
        ("duration_minutes", "241", "max_value"),
        ("duration_minutes", "1.5", "invalid"),
        ("meet_link", "http://meet.example.com/x", "not_https"),
        ("meet_link", "javascript:alert(1)", "not_https"),
        ("match", "", "required"),
        ("idempotency_key", "k\u00e9y", "damaged_key"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_changes_nothing(tutor_client, match, field, value, code):
    before = snapshot()
    response = schedule(tutor_client, match, "2087-03-03T10:00", **{field: value})
    assert response.status_code == 200
    assert response.context["form"].has_error(field, code)
    html = response.content.decode()
    if field == "idempotency_key":  # said above the form: the field is hidden
        assert 'role="alert"' in html
    else:
        assert f'data-field-error="{field}"' in html
    assert snapshot() == before


def test_a_time_as_the_pages_print_it_is_read_too(tutor, tutor_client, match):
    """Typed by hand (a browser without the picker, or pasted from a page), the pages' format is
    read in the viewer's zone; re-shown, the form prints the time that way under the picker."""
    tutor.timezone = "America/New_York"
    tutor.save(update_fields=["timezone"])
    schedule(tutor_client, match, "Mon 3 Mar 2087, 16:30")
    session = Session.objects.get()
    assert session.scheduled_start_at == datetime(2087, 3, 3, 21, 30, tzinfo=UTC)
    refused = schedule(tutor_client, match, "Mon 3 Mar 2087, 16:45").content.decode()  # overlaps
    assert (
        '<p id="id_scheduled_start_at_as_printed" class="mt-1 text-sm text-slate-600" '
        'data-as-printed="datetime-local" data-zone="America/New_York" aria-live="polite">'
        "Mon 3 Mar 2087, 16:45 (America/New_York)</p>"
    ) in refused
    assert 'aria-describedby="id_scheduled_start_at_as_printed"' in refused


def test_an_admin_schedules_for_any_tutors_match(admin, other_tutor):
    foreign = make_match(tutor=other_tutor, subject="Physics")
    client = logged_in(admin)
    assert f"(tutor {other_tutor.name})" in client.get("/sessions/new/", **PANEL).content.decode()
    schedule(client, foreign, "2087-03-03T10:00")
    session = Session.objects.get()
    assert session.tutor_id == other_tutor.id and session.updated_by_id == admin.id


def test_students_cannot_schedule(student_client, match):
    assert student_client.get("/sessions/new/").status_code == 403
    assert schedule(student_client, match, "2087-03-03T10:00").status_code == 403
    assert not Session.objects.exists()


def test_the_dashboards_offer_scheduling_to_tutors_and_admins_only(
    tutor_client, admin_client_, student_client
):
    assert 'data-action="schedule"' in tutor_client.get("/").content.decode()
    assert 'data-action="schedule"' in admin_client_.get("/").content.decode()
    assert 'data-action="schedule"' not in student_client.get("/").content.decode()


def test_a_session_in_the_past_is_logged_after_the_fact_by_an_admin_who_confirms_it(
    tutor_client, admin_client_, match
):
    """No lesson in the past by accident (CONTRACT §12): a tutor is refused, an admin confirms."""
    start = (timezone.localtime(timezone.now() - timedelta(days=1))).strftime("%Y-%m-%dT%H:%M")
    schedule(tutor_client, match, start)
    assert not Session.objects.exists()
    schedule(admin_client_, match, start)
    assert not Session.objects.exists()
    schedule(admin_client_, match, start, confirm_past="on")
    assert Session.objects.get().scheduled_start_at < timezone.now()
