"""Cancelling one lesson and the week view in a real browser (CONTRACT §12, §15): each role cancels
where it may with a reason, no Cancel where it may not (a student inside the notice window), and
the week at desktop and phone width. Screenshots under test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.pages import assert_accessible, badge, log_in, row, screenshot
from tests.factories import UserFactory, make_match, make_session
from tests.helpers import bring_to_status
from tutordesk.accounts.models import Guardianship, Role
from tutordesk.scheduling.models import Session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def hours_ahead(match, hours: float):
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=hours)
    return make_session(match=match, scheduled_start_at=start)


def cancel_from_the_row(page, session, reason: str) -> None:
    row(page, session).locator('[data-action="cancel"]').click()
    panel = page.locator("#panel[open]")
    panel.locator('input[name="reason"]').fill(reason)
    panel.locator('[data-action="cancel"]').click()
    page.locator('[data-message="success"]').wait_for()


@pytest.mark.parametrize("who", ["tutor", "admin", "student"])
def test_each_role_cancels_from_a_row_with_a_reason(who, request, open_page, screenshots, match, package):
    person = request.getfixturevalue(who)
    lesson = hours_ahead(match, 72)
    page = open_page("desktop")
    log_in(page, person.email)
    if who == "admin":
        page.goto("/?status=scheduled")
    cancel_from_the_row(page, lesson, f"Cancelled by the {who} for a test")
    assert Session.objects.get(pk=lesson.pk).status == "rescheduled"
    page.goto(f"/sessions/{lesson.id}/")
    words = page.locator("[data-timeline-words]").last.inner_text()
    assert words.startswith(f"Cancelled by {person.name} ({who}),") and words.endswith(
        f"notice: Cancelled by the {who} for a test"
    )
    assert page.locator('[data-action="cancel"]').count() == 0
    assert badge(page, lesson).first.inner_text() == "Rescheduled"
    screenshot(page, screenshots, f"cancelled-by-{who}")


def test_a_guardian_cancels_from_the_lesson_page(open_page, screenshots, student, match, package):
    guardian = UserFactory(role=Role.GUARDIAN, email="gwen@example.test", name="Gwen Guardian")
    Guardianship.objects.create(guardian=guardian, student=student)
    lesson = hours_ahead(match, 50)
    page = open_page("phone")
    log_in(page, guardian.email)
    page.goto(f"/sessions/{lesson.id}/")
    page.locator('input[name="reason"]').fill("Family trip")
    screenshot(page, screenshots, "cancel-guardian-phone")
    page.locator('[data-action="cancel"]').click()
    page.locator('[data-message="success"]').wait_for()
    assert Session.objects.get(pk=lesson.pk).status == "rescheduled"
    assert "Cancelled by Gwen Guardian (guardian)" in page.locator("[data-timeline]").inner_text()


def test_a_student_inside_the_notice_sees_no_cancel_and_why(open_page, screenshots, student, match, package):
    soon = hours_ahead(match, 5)
    page = open_page("desktop")
    log_in(page, student.email)
    assert row(page, soon).count() == 1
    assert page.locator('[data-action="cancel"]').count() == 0
    page.goto(f"/sessions/{soon.id}/")
    assert page.locator('[data-action="cancel"]').count() == 0
    assert "24 hours" in page.locator("[data-cancel-refusal]").inner_text()
    screenshot(page, screenshots, "cancel-too-late-student")


def test_an_empty_reschedule_is_a_clear_form_error(open_page, tutor, match, package):
    lesson = hours_ahead(match, 30)
    page = open_page("desktop")
    log_in(page, tutor.email)
    row(page, lesson).locator('[data-action="rescheduled"]').click()
    panel = page.locator("#panel[open]")
    panel.locator('[data-action="rescheduled"]').click()
    assert "Choose the new time" in panel.locator("[data-form-error]").inner_text()
    assert Session.objects.get(pk=lesson.pk).status == "scheduled"


def test_an_admin_confirms_a_past_lesson_and_a_tutor_cannot_book_one(
    open_page, screenshots, admin, tutor, match
):
    yesterday = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = open_page("desktop")
    log_in(page, tutor.email)
    page.goto("/sessions/new/")
    page.select_option('select[name="match"]', str(match.id))
    page.fill('input[name="scheduled_start_at"]', yesterday)
    page.locator("[data-schedule-submit]").click()
    page.get_by_text("That time is in the past").wait_for()
    assert page.locator("[data-confirm-past]").count() == 0
    assert not Session.objects.exists()

    page = open_page("desktop")
    log_in(page, admin.email)
    page.goto("/sessions/new/")
    page.select_option('select[name="match"]', str(match.id))
    page.fill('input[name="scheduled_start_at"]', yesterday)
    page.locator("[data-schedule-submit]").click()
    page.locator("[data-confirm-past]").wait_for()
    screenshot(page, screenshots, "schedule-past-admin-confirm")
    assert not Session.objects.exists()
    page.locator('input[name="confirm_past"]').check()
    page.locator("[data-schedule-submit]").click()
    page.locator('[data-message="success"]').wait_for()
    assert Session.objects.count() == 1


@pytest.fixture
def week_lessons(match, package, other_tutor):
    """This week's lessons of Tara (one recorded, one taken off the schedule) and one of Otto's."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    base = timezone.make_aware(timezone.datetime.combine(monday, timezone.datetime.min.time()))
    lessons = {}
    for day, hour in ((0, 9), (0, 15), (2, 11), (4, 16), (6, 10)):
        start = base + timedelta(days=day, hours=hour)
        lessons[(day, hour)] = make_session(match=match, scheduled_start_at=start)
    done = lessons[(0, 9)]
    if done.scheduled_start_at <= timezone.now():
        bring_to_status(done, "done")
    bring_to_status(lessons[(2, 11)], "rescheduled")
    lessons["otto"] = make_session(
        match=make_match(tutor=other_tutor), scheduled_start_at=base + timedelta(days=3, hours=14)
    )
    return monday, lessons


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_week_view_for_a_tutor(width, open_page, screenshots, tutor, week_lessons):
    monday, lessons = week_lessons
    page = open_page(width)
    log_in(page, tutor.email)
    page.locator('nav [data-nav="week"]').click()
    page.wait_for_url("**/week/")
    blocks = page.locator("[data-week] [data-session-id]")
    assert blocks.count() == 4  # the rescheduled one and Otto's are not there
    assert page.locator(f'[data-session-id="{lessons[(2, 11)].id}"]').count() == 0
    assert page.locator(f'[data-session-id="{lessons["otto"].id}"]').count() == 0
    first_day = page.locator(f'[data-day="{monday:%Y-%m-%d}"] [data-session-id]')
    assert [first_day.nth(i).get_attribute("data-session-id") for i in range(2)] == [
        str(lessons[(0, 9)].id),
        str(lessons[(0, 15)].id),
    ]
    boxes = [
        page.locator(f'[data-day="{monday + timedelta(days=d):%Y-%m-%d}"]').bounding_box() for d in (0, 1)
    ]
    if width == "desktop":
        assert boxes[0]["y"] == boxes[1]["y"] and boxes[1]["x"] > boxes[0]["x"]  # columns side by side
    else:
        assert boxes[1]["y"] > boxes[0]["y"] and boxes[1]["x"] == boxes[0]["x"]  # a list of days
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, f"the week ({width})")
    screenshot(page, screenshots, f"week-tutor-{width}")
    page.locator(f'[data-session-id="{lessons[(4, 16)].id}"]').click()
    page.wait_for_url(f"**/sessions/{lessons[(4, 16)].id}/")
    page.go_back()
    page.locator("[data-week-next]").click()
    page.wait_for_url(f"**/week/?start={monday + timedelta(days=7):%Y-%m-%d}")
    assert page.locator("[data-week] [data-session-id]").count() == 0


def test_the_week_view_for_an_admin_choosing_a_tutor(
    open_page, screenshots, admin, other_tutor, week_lessons
):
    monday, _ = week_lessons
    page = open_page("desktop")
    log_in(page, admin.email)
    page.goto("/week/")
    assert page.locator("[data-week] [data-session-id]").count() == 5
    page.select_option("#week-tutor", label=other_tutor.name)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/week/?start={monday:%Y-%m-%d}&tutor={other_tutor.id}")
    assert page.locator("[data-week] [data-session-id]").count() == 1
    screenshot(page, screenshots, "week-admin-one-tutor")


def test_a_student_is_told_the_week_is_not_for_their_role(open_page, student):
    page = open_page("phone")
    log_in(page, student.email)
    assert page.locator('[data-nav="week"]').count() == 0
    page.goto("/week/")
    assert "not available to your role" in page.locator("[data-forbidden]").inner_text()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_an_empty_today_is_readable_whatever_the_weekday(width, open_page, screenshots, tutor):
    """Today's column is tinted; its "No lessons" must keep its contrast on the tint. The week
    above has lessons on some days only, so it meets an empty today on some weekdays only."""
    page = open_page(width)
    log_in(page, tutor.email)
    page.goto("/week/")
    today = page.locator('[data-day][aria-current="date"]')
    assert today.get_attribute("data-day") == f"{timezone.localdate():%Y-%m-%d}"
    assert today.locator("[data-empty-day]").inner_text() == "No lessons"
    assert_accessible(page, f"an empty week ({width})")
    screenshot(page, screenshots, f"week-empty-today-{width}")
