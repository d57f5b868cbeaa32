"""/emails/ (admins): the reminders coming up (lesson, offset, due time) and what became of each,
and every email with its recipient, kind and state, filtered and keyset-paged."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_session
from tests.helpers import update_status
from tests.reminders.conftest import work_at
from tests.web.conftest import logged_in
from tutordesk.events.models import EmailNotification, EmailState
from tutordesk.web import email_views

pytestmark = pytest.mark.django_db


def ids(html: str, hook: str) -> list[str]:
    return re.findall(rf'{hook}="([^"]+)"', html)


def test_an_admin_sees_the_reminders_coming_up_soonest_first_and_the_emails_sent(
    admin, match, package, tutor
):
    soon = make_session(match=match, scheduled_start_at=timezone.now() + timedelta(hours=30))
    later = make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=3))
    work_at(timezone.now())
    page = logged_in(admin)
    html = page.get("/emails/").content.decode()
    assert ids(html, "data-session-id")[:2] == [str(soon.id), str(soon.id)]  # its 24h, then its 1h
    assert str(later.id) in ids(html, "data-session-id")
    assert "Reminder, 24h before" in html and "Outcome nudge, 2h after the end" in html

    work_at(soon.scheduled_start_at - timedelta(hours=24))
    html = page.get("/emails/?kind=reminder").content.decode()
    assert len(ids(html, "data-email-id")) == 2  # the student and the tutor
    assert set(ids(html, "data-kind")) == {"reminder"} and set(ids(html, "data-state")) >= {"sent"}
    sent = page.get("/emails/?reminders=sent").content.decode()
    assert ids(sent, "data-session-id") == [str(soon.id)]


def test_skipped_reminders_are_listed_and_emails_filter_by_kind_and_state(admin, match, package, tutor):
    session = make_session(match=match, scheduled_start_at=timezone.now() + timedelta(hours=30))
    work_at(timezone.now())
    update_status(session_id=session.id, status="rescheduled", actor=tutor)
    work_at(timezone.now())  # the outcome email of the reschedule
    work_at(session.scheduled_start_at - timedelta(hours=1))
    page = logged_in(admin)
    skipped = page.get("/emails/?reminders=skipped").content.decode()
    assert ids(skipped, "data-state").count("not_scheduled") == 2
    outcome = EmailNotification.objects.get(kind="outcome")
    html = page.get("/emails/?kind=outcome&state=sent").content.decode()
    assert ids(html, "data-email-id") == [str(outcome.id)]
    assert ids(page.get("/emails/?kind=reminder").content.decode(), "data-email-id") == []
    EmailNotification.objects.filter(pk=outcome.pk).update(state=EmailState.FAILED, last_error="SMTP said no")
    html = page.get("/emails/?state=failed").content.decode()
    assert ids(html, "data-email-id") == [str(outcome.id)] and "SMTP said no" in html


def test_the_lists_are_keyset_paged(admin, match, package, monkeypatch):
    monkeypatch.setattr(email_views, "PAGE_SIZE", 2)
    for days in (2, 3, 4):
        make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=days))
    work_at(timezone.now())
    page = logged_in(admin)
    html = page.get("/emails/").content.decode()
    seen = ids(html, "data-reminder-id")
    assert len(seen) == 2
    cursor = re.search(r'href="\?([^"]*rcursor=[^"]+)"[^>]*data-page-after', html)
    assert cursor is not None
    second = page.get("/emails/?" + cursor.group(1).replace("&amp;", "&")).content.decode()
    more = ids(second, "data-reminder-id")
    assert len(more) == 2 and not set(more) & set(seen)


def test_only_admins_see_the_page(tutor, student):
    for person in (tutor, student):
        assert logged_in(person).get("/emails/").status_code in (403, 404)
