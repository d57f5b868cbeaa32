"""Reads for the admin's email page: the reminders planned and decided, and the outbox's emails."""

from __future__ import annotations

from django.db.models import QuerySet

from tutordesk.accounts.access import require_admin
from tutordesk.accounts.models import User
from tutordesk.events.models import EmailKind, EmailNotification, EmailState
from tutordesk.reminders.models import Reminder, ReminderState

# The page's filter of reminders: what is coming, or what was decided.
REMINDER_FILTERS = {
    "scheduled": [ReminderState.PENDING],
    "sent": [ReminderState.SENT],
    "skipped": [ReminderState.SKIPPED_LATE, ReminderState.NOT_SCHEDULED],
}


def reminders_for_admin(*, viewer: User, show: str) -> QuerySet[Reminder]:
    """Reminders and nudges in one state group (`REMINDER_FILTERS`), by due time."""
    require_admin(viewer, "see the reminders")
    return Reminder.objects.filter(state__in=REMINDER_FILTERS.get(show, REMINDER_FILTERS["scheduled"]))


def with_lessons(rows: QuerySet[Reminder]) -> QuerySet[Reminder]:
    return rows.select_related("session__request", "session__student", "tutor")


def emails_for_admin(*, viewer: User, kind: str = "", state: str = "") -> QuerySet[EmailNotification]:
    """The outbox, narrowed to one kind and one state when asked (unknown values: no narrowing)."""
    require_admin(viewer, "see the emails sent")
    rows = EmailNotification.objects.all()
    if kind in EmailKind.values:
        rows = rows.filter(kind=kind)
    if state in EmailState.values:
        rows = rows.filter(state=state)
    return rows.defer("body_text", "body_html", "attachments")
