"""People pages in Chromium (CONTRACT §15 hooks): an admin finds people, invites a guardian with
their student, and deactivates and reactivates a person; desktop and phone widths."""

from __future__ import annotations

import pytest

from tests.browser.pages import log_in
from tutordesk.accounts.models import Guardianship, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_an_admin_invites_a_guardian_and_deactivates_them(
    open_page, screenshots, admin, tutor, student, width
):
    page = open_page(width)
    log_in(page, admin.email)
    page.goto("/people/")
    assert page.locator(f'[data-user-id="{student.id}"]').count() == 1
    page.screenshot(path=str(screenshots / f"people-{width}.png"), full_page=True)

    page.click('[data-action="invite"]')
    page.fill('input[name="email"]', "gwen@example.test")
    page.fill('input[name="name"]', "Gwen Guardian")
    page.select_option('select[name="role"]', "guardian")
    page.select_option('select[name="timezone"]', "Europe/London")
    page.check(f'input[name="student_ids"][value="{student.id}"]')
    page.screenshot(path=str(screenshots / f"people-invite-{width}.png"), full_page=True)
    page.click('[data-action="send_invitation"]')
    page.wait_for_url("**/people/*/")
    guardian = User.objects.get(email="gwen@example.test")
    assert page.url.endswith(f"/people/{guardian.id}/")
    assert Guardianship.objects.filter(guardian=guardian, student=student).exists()
    assert page.locator(f'[data-student-id="{student.id}"]').count() == 1
    page.screenshot(path=str(screenshots / f"person-{width}.png"), full_page=True)

    page.click('[data-action="deactivate"]')
    page.wait_for_selector('[data-action="reactivate"]')
    guardian.refresh_from_db()
    assert not guardian.is_active
    page.click('[data-action="reactivate"]')
    page.wait_for_selector('[data-action="deactivate"]')
    guardian.refresh_from_db()
    assert guardian.is_active

    page.goto("/people/?q=gwen")
    assert page.locator("[data-user-id]").count() == 1
    page.goto("/people/?role=tutor")
    assert page.locator(f'[data-user-id="{tutor.id}"]').count() == 1
    assert page.locator(f'[data-user-id="{student.id}"]').count() == 0


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_settings_and_a_tutor_s_person_page(open_page, screenshots, admin, tutor, future_session, width):
    page = open_page(width)
    log_in(page, admin.email)
    page.goto(f"/people/{tutor.id}/")
    assert page.locator(f'[data-session-id="{future_session.id}"] [data-status="scheduled"]').count() == 1
    page.screenshot(path=str(screenshots / f"person-tutor-{width}.png"), full_page=True)
    page.click('[data-action="deactivate"]')
    page.wait_for_selector('[data-message="error"]')
    assert "upcoming lessons" in page.locator('[data-message="error"]').inner_text()
    page.goto("/settings/")
    page.fill('input[name="name"]', "Ada A.")
    page.select_option('select[name="timezone"]', "America/New_York")
    page.click('[data-action="save_settings"]')
    page.wait_for_selector('[data-message="success"]')
    admin.refresh_from_db()
    assert (admin.name, admin.timezone) == ("Ada A.", "America/New_York")
    page.screenshot(path=str(screenshots / f"settings-{width}.png"), full_page=True)


def test_forgot_password_page(open_page, screenshots):
    page = open_page("phone")
    page.goto("/accounts/login/")
    page.click('[data-action="forgot_password"]')
    page.fill('input[name="email"]', "someone@example.test")
    page.click('[data-action="send_reset_link"]')
    page.wait_for_selector("[data-reset-sent]")
    page.screenshot(path=str(screenshots / "password-reset-sent-phone.png"), full_page=True)
