"""A term of lessons in one go, in Chromium (CONTRACT §12, §15): a tutor previews and books a weekly
series from the schedule panel, sees a clash before saving, opens the series' page, changes it
from a lesson; an admin ends one; the student reads it, read-only — at desktop and phone width."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.browser.pages import assert_accessible, fits_width, log_in, screenshot
from tests.factories import make_session
from tutordesk.scheduling.models import Series, Session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_series(panel, match, start: str, days: list[str], count: str) -> None:
    panel.locator('select[name="match"]').select_option(str(match.id))
    panel.locator('input[name="scheduled_start_at"]').fill(start)
    for day in days:
        panel.locator(f'input[name="repeat_weekdays"][value="{day}"]').check()
    panel.locator('input[name="repeat_count"]').fill(count)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_tutor_previews_and_books_a_series_then_changes_it_from_a_lesson(
    open_page, tutor, match, package, screenshots, width
):
    tutor.timezone = "Europe/Berlin"
    tutor.save(update_fields=["timezone"])
    taken = make_session(match=match, scheduled_start_at=datetime(2087, 3, 13, 15, 0, tzinfo=UTC))
    page = open_page(width)
    log_in(page, tutor.email)
    page.locator('[data-action="schedule"]').first.click()
    panel = page.locator("#panel[open]")
    fill_series(panel, match, "2087-03-03T16:00", ["MO", "TH"], "12")
    panel.locator('[data-action="preview"]').click()
    panel.locator("[data-preview]").wait_for()
    assert panel.locator("[data-occurrence]").count() == 12
    assert panel.locator("[data-occurrence][data-conflict]").count() == 1
    assert "Clash" in panel.locator("[data-conflict]").inner_text()
    assert "not covered yet" in panel.locator("[data-forecast]").inner_text()  # 13 booked, 10 left
    screenshot(page, screenshots, f"series-preview-with-clash-{width}", full_page=False)
    assert_accessible(page, "the schedule panel with a series preview")

    # Saving with the clash is refused, whole; without it (Mondays only) it books.
    panel.locator('[data-action="save"]').click()
    panel.locator("[data-form-error]").wait_for()
    assert Series.objects.count() == 0
    panel.locator('input[name="repeat_weekdays"][value="TH"]').uncheck()
    panel.locator('input[name="repeat_count"]').fill("6")
    panel.locator('[data-action="save"]').click()
    page.wait_for_url("**/series/**")
    series = Series.objects.get()
    assert page.locator("[data-session-id]").count() == 6
    assert page.locator('[data-status="scheduled"]').count() == 6
    assert "every week on Mon at 16:00 Europe/Berlin" in page.locator("[data-series-rule]").inner_text()
    assert fits_width(page)
    screenshot(page, screenshots, f"series-page-tutor-{width}")

    # Change this and following, from the third lesson: Tuesdays at 17:30.
    third = series.sessions.order_by("scheduled_start_at")[2]
    page.locator(f'[data-session-id="{third.id}"] [data-action="from_here"]').click()
    page.locator('[data-action="change_following"]').wait_for()
    screenshot(page, screenshots, f"series-from-here-{width}")
    form = page.locator("form", has=page.locator('[data-action="change_following"]'))
    form.locator('input[name="start_time"]').fill("17:30")
    form.locator('input[name="repeat_weekdays"][value="MO"]').uncheck()
    form.locator('input[name="repeat_weekdays"][value="TU"]').check()
    form.locator('input[name="repeat_count"]').fill("3")
    form.locator('input[name="reason"]').fill("New timetable")
    form.locator('[data-action="change_following"]').click()
    page.locator('[data-message="success"]').wait_for()
    new = Series.objects.get(replaces=series)
    assert page.url.endswith(f"/series/{new.id}/")
    assert page.locator("[data-session-id]").count() == 3
    assert Session.objects.filter(series=series, status="rescheduled").count() == 4
    assert taken.id  # the clashing lesson stays as it was
    screenshot(page, screenshots, f"series-changed-{width}")

    # A lesson of the series links back to it.
    page.goto(f"/sessions/{new.sessions.first().id}/")
    page.locator(f'[data-series-id="{new.id}"]').click()
    page.wait_for_url(f"**/series/{new.id}/")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_an_admin_ends_a_series_and_the_student_reads_it(
    open_page, admin, student, match, package, screenshots, width
):
    from tutordesk.scheduling.series import clean_rule, series_create

    series = series_create(
        match_id=match.id,
        rule=clean_rule(start_at=datetime(2087, 3, 3, 15, 0, tzinfo=UTC), timezone="Europe/Berlin", count=5),
        duration_minutes=60,
        actor=admin,
    ).series
    lessons = list(series.sessions.order_by("scheduled_start_at"))
    page = open_page(width)
    log_in(page, admin.email)
    page.goto(f"/series/{series.id}/?from={lessons[3].id}")
    page.locator('input[name="reason"]').first.fill("Student moves away")
    page.locator('[data-action="end_series"]').click()
    page.locator('[data-message="success"]').wait_for()
    assert page.locator('[data-status="rescheduled"]').count() == 2
    screenshot(page, screenshots, f"series-ended-admin-{width}")

    reader = open_page(width)
    log_in(reader, student.email)
    reader.goto(f"/series/{series.id}/?from={lessons[0].id}")
    assert reader.locator("[data-session-id]").count() == 5
    assert (
        reader.locator(
            '[data-action="end_series"], [data-action="change_following"], [data-action="from_here"]'
        ).count()
        == 0
    )
    assert fits_width(reader)
    assert_accessible(reader, "the series page for a student")
    screenshot(reader, screenshots, f"series-page-student-{width}")
