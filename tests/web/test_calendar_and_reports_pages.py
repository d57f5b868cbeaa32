"""The calendar card (get, show once, rotate, turn off) and the admin's reports page with its CSV."""

from __future__ import annotations

import csv
import io
import re
import uuid
from html import unescape

from django.test import Client
from icalendar import Calendar

from tests.factories import make_match, make_session
from tests.helpers import bring_to_status
from tests.web.conftest import logged_in
from tutordesk.calendars.models import CalendarFeed
from tutordesk.reports.selectors import outcome_report
from tutordesk.scheduling.status import OUTCOMES_FIRST, SESSION_STATUS_LABELS

PANEL = {
    "HTTP_HX_REQUEST": "true",
    "HTTP_HX_TARGET": "panel-body",
    "HTTP_HX_CURRENT_URL": "http://testserver/",
}


def issue(client, key: str | None = None) -> str:
    html = client.post(
        "/calendar-feed/", {"idempotency_key": key or str(uuid.uuid4())}, **PANEL
    ).content.decode()
    url = re.search(r'id="calendar-url" type="text" readonly value="([^"]+)"', html)
    assert url, html
    return unescape(url.group(1))


def feed_uids(url: str) -> set[str]:
    response = Client().get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    calendar = Calendar.from_ical(b"".join(response.streaming_content))
    return {str(e["UID"]) for e in calendar.walk("VEVENT")}


def test_every_dashboard_has_the_calendar_button(tutor_client, admin_client_, student_client):
    for client in (tutor_client, admin_client_, student_client):
        assert "data-calendar-feed-button" in client.get("/").content.decode()


def test_the_card_gives_a_working_link_once(tutor_client, past_session):
    card = tutor_client.get("/calendar-feed/", **PANEL).content.decode()
    assert "You have no calendar link yet." in card and "data-calendar-issue" in card
    url = issue(tutor_client)
    assert feed_uids(url) == {f"{past_session.id}@tutordesk"}
    again = tutor_client.get("/calendar-feed/", **PANEL).content.decode()
    assert 'data-calendar-state="on"' in again and url not in again  # shown once, never again


def test_a_double_click_shows_the_same_link_and_a_new_click_rotates(tutor_client, past_session):
    key = str(uuid.uuid4())
    first = issue(tutor_client, key)
    assert issue(tutor_client, key) == first
    rotated = issue(tutor_client)
    assert rotated != first
    assert Client().get(first.removeprefix("http://testserver")).status_code == 404
    assert feed_uids(rotated)


def test_turning_it_off_kills_the_link(tutor, tutor_client, past_session):
    url = issue(tutor_client)
    card = tutor_client.post(
        "/calendar-feed/off/", {"idempotency_key": str(uuid.uuid4())}, **PANEL
    ).content.decode()
    assert "Your calendar link is off." in card
    assert not CalendarFeed.objects.filter(user=tutor).exists()
    assert Client().get(url.removeprefix("http://testserver")).status_code == 404


def test_without_htmx_the_card_is_a_page(student_client, past_session):
    assert "Calendar feed · Tutordesk" in student_client.get("/calendar-feed/").content.decode()
    html = student_client.post("/calendar-feed/", {"idempotency_key": str(uuid.uuid4())}).content.decode()
    assert "data-calendar-url" in html
    response = student_client.post("/calendar-feed/off/", {"idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 302


def test_a_damaged_key_is_refused_in_words(tutor_client):
    html = tutor_client.post("/calendar-feed/", {"idempotency_key": ""}, **PANEL).content.decode()
    assert 'role="alert"' in html and not CalendarFeed.objects.exists()


def test_the_feed_and_card_need_no_admin(student, past_session):
    client = logged_in(student)
    assert feed_uids(issue(client)) == {f"{past_session.id}@tutordesk"}


# ---------------------------------------------------------------- reports


def test_the_reports_page_shows_the_same_numbers_as_the_report(
    admin, admin_client_, match, package, other_tutor
):
    for status in ("done", "no_show_student", "no_show_tutor"):
        bring_to_status(make_session(match=match), status)
    make_session(match=make_match(tutor=other_tutor))
    html = admin_client_.get("/reports/").content.decode()
    report = outcome_report(user=admin, group_by="tutor")
    for row in report["rows"]:
        chunk = html[html.index(f'data-report-row="{row["key"]}"') :]
        for field in ("scheduled", "done", "rescheduled", "no_show_student", "no_show_tutor", "charged"):
            assert f'data-count="{field}">{row[field]}<' in chunk
    assert 'data-count="no_show_rate">67%<' in html  # Tara: 2 no-shows of 3 held or missed
    assert 'data-count="no_show_rate">—<' in html  # Otto: nothing held yet
    assert html.count("<svg") >= 2 and 'role="img"' in html and "<rect" in html
    # Charts and their scripts come from this server, none from a CDN. (Only the tags' addresses are
    # read: the page's CSRF token is random text that may spell anything.)
    assets = re.findall(r"<(?:script|link|img)\b[^>]*?\b(?:src|href)=\"([^\"]*)\"", html)
    assert assets and all(url.startswith("/") and not url.startswith("//") for url in assets), assets


def test_the_reports_page_groups_by_month_and_student(admin_client_, past_session):
    bring_to_status(past_session, "done")
    month = f"{past_session.scheduled_start_at:%Y-%m}"
    assert f'data-report-row="{month}"' in admin_client_.get("/reports/?group_by=month").content.decode()
    assert (
        f'data-report-row="{past_session.student_id}"'
        in admin_client_.get("/reports/?group_by=student").content.decode()
    )


def test_the_csv_has_every_row_and_the_totals(admin_client_, match, package):
    for status in ("done", "no_show_student"):
        bring_to_status(make_session(match=match), status)
    response = admin_client_.get("/reports/outcomes.csv?group_by=tutor")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "tutor",
        "label",
        "scheduled",
        "done",
        "rescheduled",
        "no_show_student",
        "no_show_tutor",
        "charged",
        "no_show_rate",
    ]
    assert rows[1][1:] == ["Tara Tutor", "0", "1", "0", "1", "0", "2", "0.5000"]
    assert rows[-1][:2] == ["total", "All"]


def test_a_bad_report_filter_is_shown_not_crashed(admin_client_):
    response = admin_client_.get("/reports/?group_by=subject&start=nope")
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()


def test_only_admins_open_reports(tutor_client, student_client):
    for client in (tutor_client, student_client):
        assert client.get("/reports/").status_code == 403
        assert client.get("/reports/outcomes.csv").status_code == 403


def test_a_report_without_dates_says_it_covers_all_time(admin_client_, past_session):
    bring_to_status(past_session, "done")
    html = admin_client_.get("/reports/").content.decode()
    assert 'data-period="all"' in html
    narrowed = admin_client_.get("/reports/?start=2030-05-01&end=2030-05-31").content.decode()
    assert "data-period>" in narrowed and 'data-period="all"' not in narrowed


def test_a_report_whose_from_is_after_its_to_is_refused_and_counts_nothing(admin_client_, past_session):
    response = admin_client_.get("/reports/?start=2030-05-02&end=2030-05-01&group_by=student")
    assert response.status_code == 200
    assert response.context["form"].has_error("end", code="end_before_start")
    html = response.content.decode()
    assert 'data-field-error="end"' in html and "data-report-refused" in html
    assert "data-totals" not in html and "data-report-row" not in html
    csv_response = admin_client_.get("/reports/outcomes.csv?start=2030-05-02&end=2030-05-01")
    assert csv_response.status_code == 302
    assert csv_response["Location"] == "/reports/?start=2030-05-02&end=2030-05-01"


def test_the_report_lists_every_status_in_the_lifecycles_words(admin_client_, past_session):
    """Columns and totals come from the lifecycle table: every status, outcomes first, by its label."""
    bring_to_status(past_session, "done")
    html = admin_client_.get("/reports/").content.decode()
    head = html[html.index("<thead") : html.index("</thead>")]
    labels = [SESSION_STATUS_LABELS[s] for s in OUTCOMES_FIRST]
    assert re.findall(r'<th scope="col" class="px-3 py-2 text-right font-medium">([^<]+)</th>', head) == [
        *labels,
        "Charged",
    ]
    totals = html[html.index("data-totals") : html.index("</dl>")]
    assert re.findall(r'data-total="(\w+)"', totals) == [*OUTCOMES_FIRST, "charged", "no_show_rate"]
