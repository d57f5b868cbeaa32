"""Issue 10 as a tutoring business tries it on its first morning, in Chromium: schedule from the
dashboard, mark several sessions at once, read a session's whole story, subscribe to a calendar,
read the no-show rates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from icalendar import Calendar

from tests.browser.pages import (
    assert_accessible,
    background_rgb,
    badge,
    log_in,
    row,
    screenshot,
    tailwind_rgb,
)
from tests.factories import make_match, make_package, make_session
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Package

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_tutor_schedules_a_session_from_the_dashboard(page, tutor, match, screenshots):
    tutor.timezone = "Europe/Berlin"
    tutor.save(update_fields=["timezone"])
    log_in(page, tutor.email)
    page.locator('[data-action="schedule"]').click()
    panel = page.locator("#panel[open]")
    assert "Europe/Berlin" in panel.locator('label[for="id_scheduled_start_at"]').inner_text()
    panel.locator('select[name="match"]').select_option(str(match.id))
    panel.locator('input[name="scheduled_start_at"]').fill("2087-06-02T17:00")
    # Whatever the browser's own format, the line under the picker reads as the pages print.
    assert (
        panel.locator("#id_scheduled_start_at_as_printed").inner_text()
        == "Mon 2 Jun 2087, 17:00 (Europe/Berlin)"
    )
    screenshot(page, screenshots, "tutor-schedule-time-as-printed-desktop", full_page=False)
    panel.locator('input[name="duration_minutes"]').fill("90")
    panel.locator('input[name="meet_link"]').fill("https://meet.example.com/june")
    panel.locator("[data-schedule-submit]").click()
    page.locator('[data-message="success"]').wait_for()
    session = Session.objects.get()
    assert session.scheduled_start_at == datetime(2087, 6, 2, 15, 0, tzinfo=UTC)  # 17:00 CEST
    assert (session.duration_minutes, session.meet_link) == (90, "https://meet.example.com/june")
    upcoming = page.locator(f'[data-section="upcoming"] [data-session-id="{session.id}"]')
    assert "Mon 2 Jun 2087, 17:00" in upcoming.inner_text()
    assert (
        "Scheduled: Sam Student · Algebra, Mon 2 Jun 2087, 17:00 CEST."
        in page.locator("[data-message]").inner_text()
    )

    # The same hour again: refused in plain words that name the clash, with a link to it.
    page.locator('[data-action="schedule"]').click()
    panel.locator('select[name="match"]').select_option(str(match.id))
    panel.locator('input[name="scheduled_start_at"]').fill("2087-06-02T17:30")
    panel.locator("[data-schedule-submit]").click()
    error = panel.locator("[data-form-error]")
    error.wait_for()
    assert (
        "The tutor already has a session at Mon 2 Jun 2087, 17:00 CEST. Pick a different time."
        in error.inner_text()
    )
    assert_accessible(page, "the schedule panel with a refusal")
    screenshot(page, screenshots, "tutor-schedule-double-booked-desktop", full_page=False)
    panel.locator("[data-conflicting-session]").click()
    page.wait_for_url(f"**/sessions/{session.id}/")
    assert Session.objects.count() == 1


def test_the_schedule_form_works_by_keyboard_alone(page, tutor, match):
    log_in(page, tutor.email)
    page.locator('[data-action="schedule"]').focus()
    page.keyboard.press("Enter")
    page.locator("#panel[open] #panel-title").wait_for()
    assert page.evaluate("document.activeElement.name") == "match"  # focus moves into the panel
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("06022087")
    page.keyboard.press("Tab")
    page.keyboard.type("0900AM")
    page.keyboard.press("Enter")
    page.locator('[data-message="success"]').wait_for()
    assert Session.objects.get().scheduled_start_at == datetime(2087, 6, 2, 9, 0, tzinfo=UTC)


def test_escape_closes_the_slide_over_and_gives_focus_back(page, tutor, match):
    log_in(page, tutor.email)
    opener = page.locator('[data-action="schedule"]')
    opener.click()
    page.locator("#panel[open] #panel-title").wait_for()  # the form has arrived
    page.keyboard.press("Escape")
    page.locator("#panel[open]").wait_for(state="detached")
    assert page.evaluate("document.activeElement.dataset.action") == "schedule"
    assert page.locator("#panel-body").inner_html() == ""


def test_an_answer_that_arrives_after_the_panel_closed_does_not_reopen_it(page, tutor, match):
    log_in(page, tutor.email)
    page.locator('[data-action="schedule"]').click()
    page.locator("#panel[open] #panel-title").wait_for()
    held = []
    page.route("**/sessions/new/", lambda route: held.append(route))
    page.evaluate("() => { htmx.ajax('GET', '/sessions/new/', {target: '#panel-body'}); }")  # loading…
    for _ in range(250):  # the request reaches the route within moments
        if held:
            break
        page.wait_for_timeout(20)
    assert held, "the second load never left the page"
    page.keyboard.press("Escape")  # …when the tutor closes the panel
    page.locator("#panel[open]").wait_for(state="detached")
    with page.expect_response("**/sessions/new/"):
        held[0].continue_()
    page.wait_for_timeout(200)  # htmx swaps and settles within a frame or two of the answer
    assert page.locator("#panel[open]").count() == 0
    assert page.locator("#panel-body").inner_html() == ""


def test_a_tutor_marks_three_sessions_at_once_and_reads_which_were_refused(page, tutor, match, screenshots):
    make_package(request=match.request, sessions_total=2)
    now = timezone.now()
    sessions = [make_session(match=match, scheduled_start_at=now - timedelta(hours=h)) for h in (1, 3, 5)]
    log_in(page, tutor.email)
    bulk_done = page.locator('[data-action="bulk_done"]')
    assert bulk_done.is_disabled()
    page.locator("[data-select-all]").check()
    assert page.locator("[data-selected-count]").inner_text() == "3 selected"
    row(page, sessions[2]).locator("[data-select]").uncheck()
    row(page, sessions[2]).locator("[data-select]").check()
    assert bulk_done.is_enabled()
    bulk_done.click()
    page.locator('[data-bulk-result="refused"]').wait_for()
    recorded = page.locator('[data-bulk-result="recorded"]').inner_text()
    refused = page.locator('[data-bulk-result="refused"]').inner_text()
    assert recorded.startswith("Recorded 2 sessions as Done")
    assert "This student has no sessions left — ask an admin to add a package." in refused
    statuses = sorted(Session.objects.get(pk=s.pk).status for s in sessions)
    assert statuses == ["done", "done", "scheduled"]
    assert Package.objects.get(request=match.request).sessions_used == 2
    for s in sessions:
        if Session.objects.get(pk=s.pk).status == "done":
            assert badge(page, s).inner_text() == "Done"
            assert background_rgb(page, badge(page, s)) == tailwind_rgb(page, "bg-green-100")
    assert_accessible(page, "the dashboard after a bulk change")
    screenshot(page, screenshots, "tutor-bulk-summary-desktop")


def test_the_session_page_tells_the_whole_story(page, tutor, admin, past_session, package, screenshots):
    log_in(page, tutor.email)
    row(page, past_session).locator('[data-action="done"]').click()
    page.locator(f'[data-session-id="{past_session.id}"] [data-status="done"]').wait_for()
    row(page, past_session).locator("[data-session-link]").click()
    page.wait_for_url(f"**/sessions/{past_session.id}/")
    entries = page.locator("[data-timeline-entry]")
    assert entries.count() == 2
    assert "Charged 1 session to the package of 10" in entries.nth(1).inner_text()
    assert "leaving 9 of 10 in it" in entries.nth(1).inner_text()
    assert_accessible(page, "the session page")


def test_a_tutor_gets_copies_and_rotates_the_calendar_link(page, tutor, past_session, screenshots):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, tutor.email)
    page.locator("[data-calendar-feed-button]").click()
    panel = page.locator("#panel[open]")
    panel.locator("[data-calendar-issue]").click()
    url = panel.locator("[data-calendar-url]").input_value()
    panel.locator("[data-copy]").click()
    panel.locator("[data-copy]", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert_accessible(page, "the calendar panel with a link")
    screenshot(page, screenshots, "tutor-calendar-link-desktop", full_page=False)

    feed = page.request.get(url)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"{past_session.id}@tutordesk"]

    panel.locator("[data-calendar-issue]").click()
    panel.locator("[data-calendar-url]").wait_for()
    page.wait_for_function("old => document.querySelector('[data-calendar-url]').value !== old", arg=url)
    assert page.request.get(url).status == 404
    assert page.request.get(panel.locator("[data-calendar-url]").input_value()).status == 200
    panel.locator("[data-calendar-off]").click()
    panel.locator('[data-calendar-state="off"]').wait_for()


def test_an_admin_reads_no_show_rates_and_downloads_the_csv(page, admin, tutor, match, package, other_tutor):
    from tests.helpers import bring_to_status

    for status in ("done", "no_show_student", "no_show_tutor", "done"):
        bring_to_status(make_session(match=match), status)
    make_session(match=make_match(tutor=other_tutor))
    log_in(page, admin.email)
    page.click('nav >> text="Reports"')
    page.wait_for_url("**/reports/")
    tara = page.locator(f'[data-report-row="{tutor.id}"]')
    assert tara.locator('[data-count="no_show_rate"]').inner_text() == "50%"
    assert page.locator('[data-chart="outcomes"] svg rect').count() >= 3
    page.select_option('select[name="group_by"]', "month")
    page.click('form[data-filters] button[type="submit"]')
    page.wait_for_url("**/reports/?*group_by=month*")
    with page.expect_download() as download:
        page.click("[data-export-csv]")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("month,label,scheduled,done") and "total,All" in text
