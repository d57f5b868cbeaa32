"""The requests pages in Chromium, at desktop and phone width: an admin adds a request, matches a
tutor, sells a package through its confirmation, reassigns the match and reads every clash in
words (nothing changes), reassigns to a free tutor, and ends the match. The pages pass axe-core."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.pages import assert_accessible, log_in, screenshot
from tests.factories import StudentFactory, TutorFactory, make_match, make_package, make_session
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match, Package, TutoringRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _hour(days: float):
    return (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_an_admin_adds_a_request_matches_a_tutor_and_sells_a_package(
    open_page, admin, tutor, screenshots, width
):
    StudentFactory(name="Pia Pupil", email="pia@example.test")
    page = open_page(width)
    log_in(page, admin.email)
    page.goto("/requests/")
    form = page.locator("[data-new-request]")
    form.get_by_label("Student").select_option(label="Pia Pupil (pia@example.test)")
    form.get_by_label("Subject").fill("Geometry")
    screenshot(page, screenshots, f"admin-requests-{width}")
    assert_accessible(page, "the requests list")
    form.locator('[data-action="new_request"]').click()
    page.get_by_text("Added a request for Geometry.").wait_for()
    request = TutoringRequest.objects.get(subject="Geometry")
    assert page.url.endswith(f"/requests/{request.id}/")

    page.locator("[data-match-form]").get_by_label("Tutor").select_option(
        label="Tara Tutor (tara@example.test)"
    )
    page.locator('[data-action="match"]').click()
    page.get_by_text("Matched Tara Tutor to this request.").wait_for()
    assert Match.objects.get(request=request).tutor_id == tutor.id

    page.locator("#sell-sessions").fill("8")
    page.locator('[data-action="sell_package"]').click()
    page.get_by_text("Sell 8 sessions to Pia Pupil for Geometry?").wait_for()
    assert not Package.objects.filter(request=request).exists()
    screenshot(page, screenshots, f"admin-package-confirm-{width}")
    assert_accessible(page, "the package confirmation")
    page.locator('[data-action="confirm"]').click()
    page.get_by_text("Added a package of 8 sessions.").wait_for()
    assert Package.objects.get(request=request).sessions_total == 8
    assert page.locator("[data-sessions-left]").inner_text() == "8"
    screenshot(page, screenshots, f"admin-request-page-{width}")
    assert_accessible(page, "the request page")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_an_admin_reassigns_reads_every_clash_then_ends_the_match(
    open_page, admin, match, package, other_tutor, screenshots, width
):
    lessons = [make_session(match=match, scheduled_start_at=_hour(days)) for days in (1, 2, 3)]
    busy = make_match(tutor=other_tutor, student=StudentFactory(name="Lee Learner"), subject="Chemistry")
    make_package(request=busy.request)
    make_session(match=busy, scheduled_start_at=lessons[0].scheduled_start_at)
    make_session(match=busy, scheduled_start_at=lessons[1].scheduled_start_at + timedelta(minutes=30))
    free = TutorFactory(name="Nina New", email="nina@example.test")
    page = open_page(width)
    log_in(page, admin.email)
    page.goto(f"/requests/{match.request_id}/")

    form = page.locator("[data-reassign-form]")
    form.get_by_label("New tutor").select_option(label="Otto Outsider (otto@example.test)")
    form.get_by_label("Reason").fill("Tara moves away")
    form.locator('[data-action="reassign"]').click()
    page.locator("[data-conflicts]").wait_for()
    assert page.locator("[data-conflict]").count() == 2
    assert Match.objects.get(pk=match.pk).status == "active"
    assert not Session.objects.filter(tutor=other_tutor, request=match.request).exists()
    screenshot(page, screenshots, f"admin-reassign-clashes-{width}")
    assert_accessible(page, "the request page with clashes")

    form = page.locator("[data-reassign-form]")
    form.get_by_label("New tutor").select_option(label="Nina New (nina@example.test)")
    form.get_by_label("Reason").fill("Tara moves away")
    form.locator('[data-action="reassign"]').click()
    page.get_by_text("Reassigned to Nina New; 3 upcoming lessons moved at the same times.").wait_for()
    assert Session.objects.filter(tutor=free, status="scheduled").count() == 3
    assert page.locator("[data-active-tutor]").inner_text() == "Nina New"

    form = page.locator("[data-end-form]")
    form.get_by_label("Reason").fill("Course finished")
    form.locator('[data-action="end_match"]').click()
    page.get_by_text("3 upcoming lessons left the schedule").wait_for()
    assert not Match.objects.filter(request=match.request, status="active").exists()
    assert page.locator('[data-action="match"]').count() == 1
    screenshot(page, screenshots, f"admin-match-ended-{width}")
