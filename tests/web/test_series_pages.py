"""Series from the pages (CONTRACT §12, §15): the schedule form's repeat fields and preview, the
series' page, ending it from a lesson and changing this and following — refusals in words."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from tests.factories import make_package, make_session
from tests.web.conftest import logged_in
from tests.web.test_scheduling import PANEL, schedule
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Series, Session

pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin_tutor(tutor):
    tutor.timezone = "Europe/Berlin"
    tutor.save(update_fields=["timezone"])
    return tutor


def test_the_form_has_the_repeat_fields_and_the_preview_and_save_hooks(berlin_tutor, tutor_client, match):
    html = tutor_client.get("/sessions/new/", **PANEL).content.decode()
    for day in ("MO", "TU", "WE", "TH", "FR", "SA", "SU"):
        assert re.search(
            rf'name="repeat_weekdays"[^>]*value="{day}"|value="{day}"[^>]*name="repeat_weekdays"', html
        )
    for name in ("repeat_interval", "repeat_count", "repeat_until"):
        assert f'name="{name}"' in html
    assert 'data-action="preview"' in html and 'data-action="save"' in html


def test_the_preview_lists_each_lesson_marks_a_clash_and_books_nothing(
    berlin_tutor, tutor_client, match, package
):
    make_session(match=match, scheduled_start_at=datetime(2087, 3, 10, 15, 0, tzinfo=UTC))
    before = Session.objects.count()
    response = schedule(
        tutor_client, match, "2087-03-03T16:00", repeat_weekdays=["MO"], repeat_count="4", intent="preview"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("data-occurrence=") == 4
    assert html.count("data-conflict") == 1
    assert "data-forecast" in html and "10 prepaid sessions left" in html
    assert Session.objects.count() == before and Series.objects.count() == 0


def test_the_forecast_warns_in_words_when_lessons_outnumber_the_sessions_left(
    berlin_tutor, tutor_client, match
):
    response = schedule(tutor_client, match, "2087-03-03T16:00", repeat_count="3", intent="preview")
    html = response.content.decode()
    assert "data-forecast-warning" in html
    assert "0 prepaid sessions left: 3 lessons are not covered yet" in html


def test_saving_books_the_series_and_goes_to_its_page(berlin_tutor, tutor_client, match, package):
    response = schedule(
        tutor_client, match, "2087-03-24T16:00", repeat_weekdays=["MO", "TH"], repeat_count="4", intent="save"
    )
    assert response.status_code == 200, response.content[:300]
    series = Series.objects.get()
    assert response["HX-Redirect"] == f"/series/{series.id}/"
    starts = [
        s.scheduled_start_at for s in Session.objects.filter(series=series).order_by("scheduled_start_at")
    ]
    # 16:00 in Berlin on both sides of the spring change (30 March 2087).
    assert [s.hour for s in starts] == [15, 15, 14, 14]
    page = tutor_client.get(f"/series/{series.id}/").content.decode()
    assert page.count("data-session-id=") == 4
    assert "Booked a series of 4 lessons, every week on Mon and Thu at 16:00 Europe/Berlin" in page
    lesson = tutor_client.get(f"/sessions/{starts and Session.objects.filter(series=series).first().id}/")
    assert f'data-series-id="{series.id}"' in lesson.content.decode()


def test_a_time_the_clocks_skip_is_refused_in_words_never_djangos_text(berlin_tutor, tutor_client, match):
    lone = schedule(tutor_client, match, "2087-03-30T02:30").content.decode()
    assert "does not exist in Europe/Berlin" in lone
    assert "couldn" not in lone
    later = schedule(
        tutor_client, match, "2087-03-23T02:30", repeat_count="2", intent="save"
    ).content.decode()
    assert "Sun 30 Mar 2087 at 02:30 does not exist" in later
    assert "couldn" not in later
    assert Session.objects.count() == 0


def test_a_repeat_without_a_count_or_a_date_is_refused_on_its_field(berlin_tutor, tutor_client, match):
    html = schedule(tutor_client, match, "2087-03-03T16:00", repeat_weekdays=["MO"]).content.decode()
    assert 'data-field-error="repeat_count"' in html
    html = schedule(
        tutor_client, match, "2087-03-03T16:00", repeat_count="3", repeat_until="2087-04-01"
    ).content.decode()
    assert 'data-field-error="repeat_count"' in html
    assert Session.objects.count() == 0


def test_a_clash_refuses_the_whole_series_in_words(berlin_tutor, tutor_client, match):
    make_session(match=match, scheduled_start_at=datetime(2087, 3, 10, 15, 0, tzinfo=UTC))
    make_session(match=match, scheduled_start_at=datetime(2087, 3, 17, 15, 0, tzinfo=UTC))
    html = schedule(tutor_client, match, "2087-03-03T16:00", repeat_count="4", intent="save").content.decode()
    assert "2 of these lessons clash" in html
    assert Series.objects.count() == 0 and Session.objects.count() == 2


def book(client, match, **extra):
    schedule(client, match, "2087-03-03T16:00", repeat_count="4", intent="save", **extra)
    series = Series.objects.latest("created_at")
    return series, list(series.sessions.order_by("scheduled_start_at"))


def test_students_see_the_series_page_read_only_and_outsiders_get_404(
    berlin_tutor, tutor_client, student, other_tutor, match
):
    series, sessions = book(tutor_client, match)
    html = logged_in(student).get(f"/series/{series.id}/?from={sessions[1].id}").content.decode()
    assert html.count("data-session-id=") == 4
    assert 'data-action="end_series"' not in html and 'data-action="change_following"' not in html
    assert 'data-action="from_here"' not in html
    assert logged_in(other_tutor).get(f"/series/{series.id}/").status_code == 404
    assert logged_in(student).post(f"/series/{series.id}/end/", {}).status_code in (302, 403)


def test_ending_the_series_from_a_lesson(berlin_tutor, tutor_client, match):
    series, sessions = book(tutor_client, match)
    page = tutor_client.get(f"/series/{series.id}/?from={sessions[2].id}").content.decode()
    assert 'data-action="end_series"' in page and 'data-action="change_following"' in page
    response = tutor_client.post(
        f"/series/{series.id}/end/",
        {"session": str(sessions[2].id), "reason": "Exams", "idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 302
    assert [Session.objects.get(pk=s.id).status for s in sessions] == [
        "scheduled", "scheduled", "rescheduled", "rescheduled",
    ]  # fmt: skip
    assert (
        "Series ended: 2 lessons taken off the schedule."
        in tutor_client.get(response["Location"]).content.decode()
    )


def test_change_this_and_following_ends_and_books_in_one_go(berlin_tutor, tutor_client, match):
    series, sessions = book(tutor_client, match)
    response = tutor_client.post(
        f"/series/{series.id}/change/",
        {
            "session": str(sessions[1].id),
            "start_time": "17:30",
            "repeat_weekdays": ["TU"],
            "repeat_interval": "2",
            "repeat_count": "3",
            "duration_minutes": "45",
            "reason": "New timetable",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302, response.content[:500]
    new = Series.objects.get(replaces=series)
    assert response["Location"] == f"/series/{new.id}/"
    assert new.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=3"
    assert [Session.objects.get(pk=s.id).status for s in sessions][1:] == ["rescheduled"] * 3
    new_starts = [s.scheduled_start_at for s in new.sessions.order_by("scheduled_start_at")]
    assert new_starts[0] == datetime(2087, 3, 11, 16, 30, tzinfo=UTC)  # Tue 17:30 CET
    assert all(s.duration_minutes == 45 for s in new.sessions.all())
    assert AuditLog.objects.filter(action="series_created", entity_id=new.id).count() == 1


def test_change_this_and_following_that_clashes_changes_nothing(berlin_tutor, tutor_client, match):
    series, sessions = book(tutor_client, match)
    make_session(match=match, scheduled_start_at=datetime(2087, 3, 11, 16, 30, tzinfo=UTC))
    response = tutor_client.post(
        f"/series/{series.id}/change/",
        {
            "session": str(sessions[1].id),
            "start_time": "17:30",
            "repeat_weekdays": ["TU"],
            "repeat_interval": "1",
            "repeat_count": "3",
            "duration_minutes": "60",
            "reason": "New timetable",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 409
    assert "data-form-error" in response.content.decode()
    assert [Session.objects.get(pk=s.id).status for s in sessions] == ["scheduled"] * 4
    assert Series.objects.count() == 1


def test_none_left_is_said_in_words_wherever_left_is_shown(tutor_client, admin_client_, student, match):
    make_package(request=match.request, sessions_total=1, sessions_used=1)  # exhausted: 0 left
    lesson = make_session(match=match, scheduled_start_at=datetime(2087, 3, 3, 15, 0, tzinfo=UTC))
    for client, url in (
        (tutor_client, "/"),
        (tutor_client, f"/sessions/{lesson.id}/"),
        (admin_client_, "/packages/"),
        (logged_in(student), "/"),
    ):
        html = client.get(url).content.decode()
        assert "data-none-left" in html and "none left" in html, url


def test_after_booking_a_lone_lesson_the_forecast_warns_when_nothing_covers_it(tutor_client, match):
    response = schedule(tutor_client, match, "2087-03-03T16:00", panel=False)
    page = tutor_client.get(response["Location"]).content.decode()
    assert "Warning: 1 lesson on the schedule, only 0 prepaid sessions left" in page
