"""The Import page and the Enrol form in Chromium, at desktop and phone width: a preview that
lists every bad row, a good file previewed then imported, a student enrolled in one go; both
pages pass axe-core."""

from __future__ import annotations

import pytest

from tests.browser.pages import assert_accessible, log_in, screenshot
from tests.onboarding.helpers import GOOD, enrolment_file
from tutordesk.accounts.models import User
from tutordesk.tutoring.models import Package

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAD = enrolment_file(
    'ann@example.com,"=HYPERLINK(""http://evil"",""click"")",,Maths,tom@example.com,Tom Tutor,,10,,',
    "ben@example.com,Ben Ode,Mars/Olympus,Physics,tom@example.com,Tom Tutor,,5,,",
    "BEN@example.com,Benjamin Ode,,Chemistry,tom@example.com,Tom Tutor,,5,,",
    "cat@example.com,Cat Ray,,Maths,tom@example.com,Tom Tutor,,0,,",
)


def choose_file(page, name: str, data: bytes) -> None:
    page.set_input_files('input[name="file"]', files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_preview_lists_every_bad_row_then_a_good_file_imports(open_page, admin, screenshots, width):
    page = open_page(width)
    log_in(page, admin.email)
    page.goto("/imports/")
    choose_file(page, "bad.csv", BAD)
    page.locator('[data-action="preview"]').click()
    page.locator("[data-import-error]").first.wait_for()
    cells = [
        (row.get_attribute("data-row"), row.get_attribute("data-column"))
        for row in page.locator("[data-import-error]").all()
    ]
    assert cells == [
        ("2", "student_name"),
        ("3", "student_timezone"),
        ("4", "student_name"),
        ("5", "sessions_total"),
    ]
    assert page.locator('[data-action="import"]').count() == 0
    screenshot(page, screenshots, f"admin-import-preview-errors-{width}")
    assert_accessible(page, "the import preview with bad rows")

    choose_file(page, "good.csv", GOOD)
    page.locator('[data-action="preview"]').click()
    page.locator('[data-action="import"]').wait_for()
    assert page.locator('[data-create="packages"]').inner_text() == "3"
    assert not User.objects.filter(email="ann@example.com").exists()
    screenshot(page, screenshots, f"admin-import-preview-good-{width}")
    page.locator('[data-action="import"]').click()
    page.locator("[data-import-summary]").wait_for()
    assert page.locator('[data-created="users"]').inner_text() == "5"
    assert Package.objects.count() == 3
    screenshot(page, screenshots, f"admin-import-done-{width}")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_student_is_enrolled_in_one_go(open_page, admin, tutor, screenshots, width):
    page = open_page(width)
    log_in(page, admin.email)
    page.goto("/enrol/")
    form = page.locator("[data-enrol-form]")
    form.get_by_label("Student's email").fill("nina@example.com")
    form.get_by_label("Student's name").fill("=Nina")
    form.get_by_label("Subject").fill("French")
    form.get_by_label("Tutor").select_option(label=tutor.name)
    form.get_by_label("First package (sessions)").fill("8")
    form.locator('[data-action="enrol"]').click()
    page.locator('[data-field-error="student_name"]').wait_for()
    screenshot(page, screenshots, f"admin-enrol-refused-{width}")
    assert_accessible(page, "the enrol form with an error")
    page.locator("[data-enrol-form]").get_by_label("Student's name").fill("Nina Novak")
    page.locator("[data-enrol-form]").get_by_label("Guardian's email (optional)").fill("mum@example.com")
    page.locator("[data-enrol-form]").get_by_label("Guardian's name").fill("Mara Novak")
    page.locator('[data-action="enrol"]').click()
    page.locator("[data-enrolled]").wait_for()
    assert "Nina Novak is enrolled" in page.locator("[data-enrolled]").inner_text()
    assert Package.objects.get(request__student__email="nina@example.com").sessions_total == 8
    screenshot(page, screenshots, f"admin-enrol-done-{width}")
