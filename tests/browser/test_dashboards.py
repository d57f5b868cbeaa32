"""What a person sees and does in Chromium: outcomes, badges, sessions left, safety and screenshots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.pages import (
    background_rgb,
    badge,
    log_in,
    row,
    sessions_left,
    tailwind_rgb,
)
from tests.factories import make_match, make_package, make_session
from tests.helpers import bring_to_status, update_status
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Package

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Tailwind v4's palette in sRGB, to catch a stylesheet that lost its colours altogether.
SRGB = {"bg-green-100": (220, 252, 231), "bg-red-100": (255, 226, 226), "bg-orange-100": (255, 237, 212)}


def assert_colour(page, session, cls: str) -> None:
    measured = background_rgb(page, badge(page, session))
    assert measured == tailwind_rgb(page, cls), f"badge is {measured}, {cls} is {tailwind_rgb(page, cls)}"
    if cls in SRGB:
        assert all(abs(a - b) <= 4 for a, b in zip(measured, SRGB[cls], strict=True)), measured


def click_action(page, session, action: str) -> None:
    row(page, session).locator(f'[data-action="{action}"]').click()


def test_a_tutor_marks_a_past_session_done_and_the_badge_turns_green(page, tutor, past_session):
    log_in(page, tutor.email)
    assert badge(page, past_session).inner_text() == "Upcoming"
    assert_colour(page, past_session, "bg-blue-100")
    assert sessions_left(page, past_session) == 10

    click_action(page, past_session, "done")
    done = page.locator(f'[data-session-id="{past_session.id}"] [data-status="done"]')
    done.wait_for()
    assert done.inner_text() == "Done"
    assert_colour(page, past_session, "bg-green-100")
    assert sessions_left(page, past_session) == 9
    assert row(page, past_session).locator('[data-action="done"]').count() == 0


def test_no_shows_and_a_reschedule_show_their_colours_and_charges(page, tutor, match, package):
    now = timezone.now()
    absent, ill, moved = (
        make_session(match=match, scheduled_start_at=now - timedelta(hours=h)) for h in (2, 5, 8)
    )
    log_in(page, tutor.email)

    click_action(page, absent, "no_show_student")
    page.locator(f'[data-session-id="{absent.id}"] [data-status="no_show_student"]').wait_for()
    assert badge(page, absent).inner_text() == "Student No-show"
    assert_colour(page, absent, "bg-red-100")
    assert sessions_left(page, absent) == 9

    click_action(page, ill, "no_show_tutor")
    page.locator(f'[data-session-id="{ill.id}"] [data-status="no_show_tutor"]').wait_for()
    assert badge(page, ill).inner_text() == "Tutor No-show"
    assert_colour(page, ill, "bg-orange-100")
    assert sessions_left(page, ill) == 9  # unchanged by a tutor no-show

    # Reschedule opens the slide-over: a new time in the tutor's zone, then the page reloads.
    new_time = (timezone.localtime(now + timedelta(days=2))).strftime("%Y-%m-%dT%H:%M")
    click_action(page, moved, "rescheduled")
    panel = page.locator("#panel[open]")
    panel.locator('input[name="new_start_at"]').fill(new_time)
    printed = f"{timezone.localtime(now + timedelta(days=2)):%a %-d %b %Y, %H:%M} ({tutor.timezone})"
    assert panel.locator(f"#new-start-{moved.id}_as_printed").inner_text() == printed
    panel.locator('[data-action="rescheduled"]').click()
    page.locator(f'[data-session-id="{moved.id}"] [data-status="rescheduled"]').wait_for()
    assert page.locator("#panel[open]").count() == 0
    assert "Rescheduled to" in page.locator('[data-message="success"]').inner_text()
    assert badge(page, moved).inner_text() == "Rescheduled"
    assert_colour(page, moved, "bg-yellow-100")
    replacement = Session.objects.get(rescheduled_from=moved)
    upcoming = page.locator('[data-section="upcoming"]')
    assert upcoming.locator(f'[data-session-id="{replacement.id}"] [data-status="scheduled"]').count() == 1
    assert_colour(page, replacement, "bg-blue-100")
    assert page.locator(f'[data-section="needs-outcome"] [data-session-id="{replacement.id}"]').count() == 0
    assert sessions_left(page, moved) == 9
    assert Package.objects.get(pk=package.pk).sessions_used == 1


def test_a_double_click_on_done_charges_once(page, tutor, match, package):
    first, second = (
        make_session(match=match, scheduled_start_at=timezone.now() - timedelta(hours=h)) for h in (2, 4)
    )
    log_in(page, tutor.email)

    row(page, first).locator('[data-action="done"]').dblclick()
    page.locator(f'[data-session-id="{first.id}"] [data-status="done"]').wait_for()
    page.wait_for_load_state("networkidle")
    assert sessions_left(page, first) == 9

    # The same form sent twice at once, bypassing the page's own button guard: the key makes it one change.
    statuses = (
        row(page, second)
        .locator("form")
        .evaluate(
            """form => {
            const body = new FormData(form);
            body.set('status', 'done');
            const send = () => fetch(form.action, {method: 'POST', body, headers: {'HX-Request': 'true'}});
            return Promise.all([send(), send()]).then(rs => rs.map(r => r.status));
        }"""
        )
    )
    assert statuses == [200, 200]
    package.refresh_from_db()
    assert package.sessions_used == 2
    for session in (first, second):
        assert AuditLog.objects.filter(entity_id=session.id, action="session_status_updated").count() == 1


def test_a_tutor_never_sees_another_tutors_sessions(page, tutor, other_tutor, past_session):
    foreign = make_session(match=make_match(tutor=other_tutor))
    make_package(request=foreign.request)
    log_in(page, tutor.email)
    assert row(page, past_session).count() == 1
    assert row(page, foreign).count() == 0
    assert str(foreign.id) not in page.content()

    token = page.locator('input[name="csrfmiddlewaretoken"]').first.input_value()
    response = page.request.post(
        f"/sessions/{foreign.id}/status/",
        form={"status": "done", "idempotency_key": "probe", "csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
    )
    assert response.status == 404
    assert Session.objects.get(pk=foreign.pk).status == "scheduled"


def test_a_form_posted_without_its_csrf_token_is_refused(page, tutor, past_session, package):
    log_in(page, tutor.email)
    status = (
        row(page, past_session)
        .locator("form")
        .evaluate(
            """form => {
            const body = new FormData(form);
            body.delete('csrfmiddlewaretoken');
            body.set('status', 'done');
            return fetch(form.action, {method: 'POST', body}).then(r => r.status);
        }"""
        )
    )
    assert status == 403

    # The same through the page: the token taken out of the form, then a click on Done.
    row(page, past_session).locator('input[name="csrfmiddlewaretoken"]').evaluate("el => el.remove()")
    click_action(page, past_session, "done")
    error = row(page, past_session).locator("[data-row-error]")
    error.wait_for()
    assert "refused" in error.inner_text()
    assert badge(page, past_session).inner_text() == "Upcoming"
    assert Package.objects.get(pk=package.pk).sessions_used == 0
    assert Session.objects.get(pk=past_session.pk).status == "scheduled"


def test_notes_containing_a_script_tag_render_as_text(page, tutor, past_session):
    log_in(page, tutor.email)
    row(page, past_session).locator("[data-session-link]").click()
    page.wait_for_url(f"**/sessions/{past_session.id}/")
    notes = "<script>window.__pwned = true</script><b>bold?</b>"
    page.locator('[data-outcome-form] textarea[name="tutor_notes"]').fill(notes)
    page.locator('[data-outcome-form] [data-action="done"]').click()
    page.locator(f'[data-session-id="{past_session.id}"] [data-status="done"]').wait_for()
    for shown in (page.locator("[data-notes]"), page.locator("[data-timeline-notes]")):
        assert notes in shown.inner_text()
        assert shown.locator("script, b").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_an_admin_corrects_done_to_tutor_no_show_and_the_audit_shows_both(
    page, admin, tutor, past_session, package
):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    log_in(page, admin.email)
    assert sessions_left(page, past_session) == 9

    click_action(page, past_session, "correct")
    panel = page.locator("#panel[open]")
    panel.locator('select[name="status"]').select_option("no_show_tutor")
    panel.locator('input[name="reason"]').fill("The tutor was ill; recorded by mistake")
    panel.locator('[data-action="correct"]').click()
    page.locator(f'[data-session-id="{past_session.id}"] [data-status="no_show_tutor"]').wait_for()
    assert_colour(page, past_session, "bg-orange-100")
    assert sessions_left(page, past_session) == 10
    assert Package.objects.get(pk=package.pk).sessions_used == 0

    page.click('nav >> text="Audit log"')
    page.wait_for_url("**/audit/")
    # Every row about that session: the row's own link, never a typed id.
    page.click('[data-audit-action="session_status_corrected"] [data-entity-link]')
    page.wait_for_url(f"**/audit/?*entity_id={past_session.id}*")
    assert page.locator("[data-entity-filter]").is_visible()
    assert page.locator('[data-audit-action="session_status_updated"]').count() == 1
    assert page.locator('[data-audit-action="session_status_corrected"]').count() == 1
    assert "recorded by mistake" in page.content()


def test_a_correction_without_a_reason_is_refused_in_the_slide_over(page, admin, past_session):
    bring_to_status(past_session, "done")
    log_in(page, admin.email)
    click_action(page, past_session, "correct")
    panel = page.locator("#panel[open]")
    panel.locator('select[name="status"]').select_option("no_show_tutor")
    panel.locator("form").evaluate("form => form.noValidate = true")
    panel.locator('[data-action="correct"]').click()
    error = panel.locator("[data-form-error]")
    error.wait_for()
    assert "Reason: This field is required." in error.inner_text()
    assert Session.objects.get(pk=past_session.pk).status == "done"


def test_a_student_sees_own_sessions_read_only(page, student, tutor, past_session, future_session):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    log_in(page, student.email)
    assert badge(page, past_session).inner_text() == "Done"
    assert badge(page, future_session).inner_text() == "Upcoming"
    assert page.locator("[data-action]").count() == 0
    assert page.locator("[data-package-summary] [data-sessions-left]").inner_text() == "9"


def test_the_tutor_dashboard_fits_a_phone_screen(browser, live_server, tutor, past_session, future_session):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    phone = context.new_page()
    try:
        log_in(phone, tutor.email)
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        done = row(phone, past_session).locator('[data-action="done"]')
        assert done.is_visible() and done.bounding_box()["height"] >= 28
    finally:
        context.close()


def test_a_row_is_worked_by_keyboard_alone(page, tutor, past_session):
    log_in(page, tutor.email)
    row(page, past_session).locator("[data-select]").focus()
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.action") == "done":
            break
    assert page.evaluate("document.activeElement.dataset.action") == "done"
    page.keyboard.press("Enter")
    page.locator(f'[data-session-id="{past_session.id}"] [data-status="done"]').wait_for()


def test_the_lockout_message_is_shown_after_five_failures(page, tutor):
    for _ in range(5):
        page.goto("/accounts/login/")
        page.fill('input[name="username"]', tutor.email)
        page.fill('input[name="password"]', "wrong password")
        page.click('button[type="submit"]')
    assert page.locator("[data-locked-out]").is_visible()
    assert "Try again in 15 minutes" in page.locator("[data-locked-out]").inner_text()
