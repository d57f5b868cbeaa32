"""The email settings and the admin's email log, in Chromium at desktop and phone width: a tutor
switches reminders off and the page says so; an admin reads the reminders coming up and the emails
sent, filters them, and both pages fit a phone and pass axe-core."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.pages import assert_accessible, fits_width, log_in, screenshot
from tests.factories import make_session
from tests.reminders.conftest import work_at
from tutordesk.events.selectors import email_switches

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_tutor_switches_reminders_off(open_page, tutor, screenshots, width):
    page = open_page(width)
    log_in(page, tutor.email)
    page.goto("/settings/notifications/")
    form = page.locator("[data-notification-settings]")
    for name in ("outcome_emails", "reminder_emails", "nudge_emails"):
        assert form.locator(f'input[name="{name}"]').is_checked()
    form.get_by_label("Remind me before each lesson").uncheck()
    form.get_by_role("button", name="Save").click()
    page.get_by_text("Your email choices are saved.").wait_for()
    assert not email_switches(tutor)["reminder_emails"]
    assert all(on for name, on in email_switches(tutor).items() if name != "reminder_emails")
    assert not page.locator('input[name="reminder_emails"]').is_checked()
    assert fits_width(page)
    screenshot(page, screenshots, f"tutor-email-settings-{width}")
    assert_accessible(page, "the email settings page")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_an_admin_reads_the_email_log(open_page, admin, match, package, screenshots, width):
    start = timezone.now().replace(microsecond=0) + timedelta(hours=30)
    session = make_session(match=match, scheduled_start_at=start)
    make_session(match=match, scheduled_start_at=start + timedelta(days=1))
    work_at(timezone.now())
    work_at(start - timedelta(hours=24))
    page = open_page(width)
    log_in(page, admin.email)
    page.goto("/emails/")
    reminders = page.locator("[data-reminders] [data-reminder-id]")
    assert reminders.count() == 5  # the first lesson's 1h and nudge; the second's 24h, 1h and nudge
    assert page.locator(f'[data-reminders] [data-session-id="{session.id}"]').count() == 2
    assert page.locator('[data-emails] [data-kind="reminder"]').count() == 2  # the student, the tutor
    assert page.locator('[data-emails] [data-kind="lesson_booked"]').count() == 2  # the student, twice
    assert fits_width(page)
    screenshot(page, screenshots, f"admin-email-log-{width}")
    assert_accessible(page, "the email log")

    page.select_option("#id_kind", "outcome")
    page.locator("[data-filters]").get_by_role("button", name="Filter").click()
    page.locator("[data-emails] [data-empty]").wait_for()
    page.locator('[data-reminder-filter="sent"]').click()
    page.wait_for_url("**reminders=sent**")
    assert page.locator("[data-reminders] [data-reminder-id]").count() == 1
    assert page.locator('[data-reminders] [data-state="sent"]').count() == 1
