"""Each person switches reminders (and a tutor, outcome nudges) off at /settings/notifications/;
each switch changes alone, is audited, and today's outcome switch keeps working."""

from __future__ import annotations

import uuid

import pytest

from tests.web.conftest import logged_in
from tutordesk.audit.models import AuditLog
from tutordesk.events.selectors import email_switches

pytestmark = pytest.mark.django_db


def save(page, **switches: str):
    shown = switches.pop("shown")
    data = {"shown": shown, "idempotency_key": str(uuid.uuid4()), **switches}
    return page.post("/settings/notifications/", data, follow=True)


ALL_ON = {
    name: True
    for name in ("outcome_emails", "reminder_emails", "nudge_emails", "booking_emails", "charge_emails")
}


def test_a_tutor_sees_three_switches_and_turns_reminders_off_alone(tutor):
    page = logged_in(tutor)
    html = page.get("/settings/notifications/").content.decode()
    for name in ("outcome_emails", "reminder_emails", "nudge_emails"):
        assert f'name="{name}"' in html
    assert "24 hours and 1 hour before it starts" in html

    save(page, shown="outcome_emails,reminder_emails,nudge_emails", outcome_emails="on", nudge_emails="on")
    assert email_switches(tutor) == {**ALL_ON, "reminder_emails": False}
    log = AuditLog.objects.get(action="notification_preference_changed")
    assert log.details == {"reminder_emails": {"from": True, "to": False}}

    save(page, shown="outcome_emails,reminder_emails,nudge_emails", reminder_emails="on")
    assert email_switches(tutor) == {**ALL_ON, "outcome_emails": False, "nudge_emails": False}


def test_a_student_has_booking_and_charge_switches_but_no_nudge_switch(student):
    page = logged_in(student)
    html = page.get("/settings/notifications/").content.decode()
    assert 'name="reminder_emails"' in html and 'name="nudge_emails"' not in html
    assert 'name="booking_emails"' in html and 'name="charge_emails"' in html
    shown = "outcome_emails,reminder_emails,nudge_emails,booking_emails,charge_emails"
    save(page, shown=shown, outcome_emails="on", charge_emails="on")
    assert email_switches(student) == {**ALL_ON, "reminder_emails": False, "booking_emails": False}


def test_a_form_without_the_list_of_switches_changes_the_outcome_switch_only(student):
    page = logged_in(student)
    page.post("/settings/notifications/", {"idempotency_key": str(uuid.uuid4())})
    assert email_switches(student) == {**ALL_ON, "outcome_emails": False}
