"""A guardian in Chromium (CONTRACT §11, §15): their dashboard with each student's lessons and
packages, a session's page with no write controls, at desktop and phone widths; accessible, fitting
the screen, with screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from tests.browser.pages import assert_accessible, fits_width, log_in, screenshot
from tests.factories import GuardianFactory, link_guardian

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def visit(page, path: str, screenshots, name: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert fits_width(page), f"{name} scrolls sideways"
    assert_accessible(page, name)
    screenshot(page, screenshots, name)


@pytest.fixture
def parent(world, student):
    """Gina looks after Sam (Algebra with Tara) and Zoe (Physics, 2 prepaid)."""
    return link_guardian(
        GuardianFactory(name="Gina Guardian", email="gina@example.test", timezone="Europe/London"),
        student,
        world["zoe"].request.student,
    )


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_guardian_sees_each_students_lessons_read_only(
    open_page, world, parent, student, screenshots, width
):
    page = open_page(width)
    log_in(page, parent.email)
    visit(page, "/", screenshots, f"guardian-dashboard-{width}")

    blocks = page.locator("[data-student-id]")
    assert blocks.count() == 2
    assert [blocks.nth(i).locator("h2").first.inner_text() for i in range(2)] == ["Sam Student", "Zoe Zed"]
    sam = page.locator(f'[data-student-id="{student.id}"]')
    upcoming = sam.locator('[data-section="upcoming"] [data-session-id]')
    assert [upcoming.nth(i).get_attribute("data-session-id") for i in range(upcoming.count())][:2] == [
        str(s.id) for s in world["upcoming"]
    ]
    done = sam.locator(f'[data-session-id="{world["done"].id}"] [data-status="done"]')
    assert done.inner_text() == "Done"
    # Read-only, but for Cancel on lessons far enough ahead (CONTRACT §12).
    assert page.locator('[data-action]:not([data-action="cancel"])').count() == 0
    assert str(world["lee_waiting"].id) not in page.content()

    sam.locator(f'[data-session-id="{world["done"].id}"] a[data-session-link]').click()
    page.wait_for_url(f"**/sessions/{world['done'].id}/")
    visit(page, f"/sessions/{world['done'].id}/", screenshots, f"guardian-session-done-{width}")
    assert page.locator("[data-timeline-entry]").count() >= 2
    assert page.locator("[data-action]").count() == 0
    assert page.locator("main form").count() == 0

    visit(page, f"/sessions/{world['upcoming'][0].id}/", screenshots, f"guardian-session-upcoming-{width}")
    assert page.locator('[data-action]:not([data-action="cancel"])').count() == 0
    assert page.locator("[data-outcome-form]").count() == 0


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_guardian_with_no_students_sees_an_empty_state(open_page, db, screenshots, width):
    nobody = GuardianFactory(name="Nora Nobody")
    page = open_page(width)
    log_in(page, nobody.email)
    visit(page, "/", screenshots, f"guardian-no-students-{width}")
    assert page.locator("[data-no-students]").is_visible()
