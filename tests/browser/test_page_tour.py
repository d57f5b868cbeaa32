"""Every page, for every role, at desktop and phone widths: it renders, fits the screen, passes
axe-core's serious and critical checks, and leaves a screenshot in test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from tests.browser.pages import assert_accessible, fits_width, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def visit(page, path: str, screenshots, name: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert fits_width(page), f"{name} scrolls sideways"
    assert_accessible(page, name)
    screenshot(page, screenshots, name)


def open_panel(page, opener: str, screenshots, name: str) -> None:
    page.locator(opener).first.click()
    page.locator("#panel[open] #panel-title").wait_for()
    assert_accessible(page, name)
    screenshot(page, screenshots, name, full_page=False)
    page.keyboard.press("Escape")
    page.locator("#panel[open]").wait_for(state="detached")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_tutors_pages(open_page, world, tutor, screenshots, width):
    page = open_page(width)
    log_in(page, tutor.email)
    visit(page, "/", screenshots, f"tutor-dashboard-{width}")
    open_panel(page, '[data-action="schedule"]', screenshots, f"tutor-schedule-panel-{width}")
    open_panel(
        page,
        f'[data-session-id="{world["waiting"][0].id}"] [data-action="rescheduled"]',
        screenshots,
        f"tutor-reschedule-panel-{width}",
    )
    open_panel(page, "[data-calendar-feed-button]", screenshots, f"tutor-calendar-panel-{width}")
    visit(page, f"/sessions/{world['waiting'][0].id}/", screenshots, f"tutor-session-awaiting-{width}")
    visit(page, f"/sessions/{world['rescheduled'].id}/", screenshots, f"tutor-session-rescheduled-{width}")
    visit(page, "/sessions/new/", screenshots, f"tutor-schedule-page-{width}")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_admins_pages(open_page, world, admin, screenshots, width):
    page = open_page(width)
    log_in(page, admin.email)
    visit(page, "/", screenshots, f"admin-sessions-{width}")
    # The menu keeps Django's admin at every width.
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Django admin").is_visible()
    open_panel(
        page,
        f'[data-session-id="{world["done"].id}"] [data-action="correct"]',
        screenshots,
        f"admin-correct-panel-{width}",
    )
    open_panel(page, '[data-action="schedule"]', screenshots, f"admin-schedule-panel-{width}")
    visit(page, "/?status=awaiting_outcome", screenshots, f"admin-awaiting-{width}")
    visit(page, "/?start=2030-05-02&end=2030-05-01", screenshots, f"admin-sessions-refused-range-{width}")
    visit(page, f"/sessions/{world['corrected'].id}/", screenshots, f"admin-session-corrected-{width}")
    visit(page, "/packages/", screenshots, f"admin-packages-{width}")
    visit(page, "/audit/", screenshots, f"admin-audit-{width}")
    visit(page, "/reports/", screenshots, f"admin-reports-{width}")
    visit(page, "/reports/?group_by=month", screenshots, f"admin-reports-month-{width}")
    visit(page, "/reports/?start=2030-05-02&end=2030-05-01", screenshots, f"admin-reports-refused-{width}")
    visit(page, "/calendar-feed/", screenshots, f"admin-calendar-page-{width}")
    visit(page, "/webhooks/", screenshots, f"admin-webhooks-{width}")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_students_pages(open_page, world, student, screenshots, width):
    page = open_page(width)
    log_in(page, student.email)
    visit(page, "/", screenshots, f"student-dashboard-{width}")
    open_panel(page, "[data-calendar-feed-button]", screenshots, f"student-calendar-panel-{width}")
    visit(page, f"/sessions/{world['done'].id}/", screenshots, f"student-session-done-{width}")
    visit(page, "/packages/", screenshots, f"student-not-for-your-role-{width}")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_login_page(open_page, screenshots, width):
    page = open_page(width)
    visit(page, "/accounts/login/", screenshots, f"login-{width}")
