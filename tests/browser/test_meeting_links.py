"""The session page's "Edit details" and a meeting link's state, in Chromium: a tutor lengthens a
lesson and is refused in words when it would overlap the next; a failed Google link offers
"Try again"; both pages pass axe-core."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.pages import assert_accessible, log_in, screenshot
from tests.factories import make_session
from tutordesk.meetings.models import LinkState, MeetingLink, Provider
from tutordesk.scheduling.models import Session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_tutor_edits_a_lessons_details_and_reads_a_refusal(page, tutor, match, package, screenshots):
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    session = make_session(match=match, scheduled_start_at=start)
    make_session(match=match, scheduled_start_at=start + timedelta(hours=2))
    log_in(page, tutor.email)
    page.goto(f"/sessions/{session.id}/")
    form = page.locator("[data-details-form]")
    form.get_by_label("Length (minutes)").fill("90")
    form.locator('[data-action="save_details"]').click()
    page.get_by_text("Details saved.").wait_for()
    assert Session.objects.get(pk=session.pk).duration_minutes == 90

    form = page.locator("[data-details-form]")
    form.get_by_label("Length (minutes)").fill("180")
    form.locator('[data-action="save_details"]').click()
    page.get_by_text("The tutor already has a session at").wait_for()
    assert Session.objects.get(pk=session.pk).duration_minutes == 90
    screenshot(page, screenshots, "tutor-session-details-refused-desktop")
    assert_accessible(page, "the session page with a refused edit")


def test_a_failed_google_link_offers_try_again(page, tutor, match, package, screenshots):
    session = make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=1), meet_link=None)
    MeetingLink.objects.create(
        session=session, provider=Provider.GOOGLE, state=LinkState.FAILED, event_id=session.id.hex
    )
    log_in(page, tutor.email)
    page.goto(f"/sessions/{session.id}/")
    state = page.locator('[data-meet-link-state="failed"]')
    assert "could not make the link" in state.inner_text()
    screenshot(page, screenshots, "tutor-session-link-failed-desktop", full_page=False)
    assert_accessible(page, "the session page with a failed link")
    state.locator('[data-action="retry_meet_link"]').click()
    page.get_by_text("Asked for the meeting link again").wait_for()
    assert page.locator('[data-meet-link-state="preparing"]').count() == 1
    screenshot(page, screenshots, "tutor-session-link-preparing-desktop", full_page=False)
    assert MeetingLink.objects.get(pk=session.pk).state == LinkState.PREPARING
