"""What the worker decided about each reminder and nudge, one row each (docs/reminders.md).

A `Reminder` row is made for each (lesson, kind, offset) when the lesson's `session.created` event
is fanned out, beside the job that falls due at `due_at`. The job changes the row once, with a
conditional UPDATE (`WHERE state = 'pending'`) whose row count it checks: the one run that wins
records the event the emails hang off; every other run (a second worker, a retry, a restart)
finds the row decided and does nothing. So one event per reminder, and one email per person
(the outbox's unique (event, recipient)).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tutordesk.core.clock import CreatedAtField
from tutordesk.core.ids import new_id


class ReminderKind(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    NUDGE = "nudge", "Outcome nudge"


class ReminderState(models.TextChoices):
    PENDING = "pending", "Scheduled"
    SENT = "sent", "Sent"
    # Fell due more than REMINDER_LATE before the worker reached it (an outage, a late booking).
    SKIPPED_LATE = "skipped_late", "Skipped (late)"
    # The lesson had left the schedule (an outcome, moved, cancelled) when it fell due.
    NOT_SCHEDULED = "not_scheduled", "Not scheduled"


class Reminder(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    # The unique (session, kind, offset) leads with it: no index of its own.
    session = models.ForeignKey(
        "scheduling.Session", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # reminders_tutor_idx leads with it: no index of its own.
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    # Before the start (reminder) or after the end (nudge).
    offset_minutes = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=ReminderState.choices, default=ReminderState.PENDING)
    # The event the emails hang off, once sent.
    event_id = models.UUIDField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = CreatedAtField()

    class Meta:
        db_table = "reminders"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "kind", "offset_minutes"], name="reminders_one_per_offset"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "sent", "skipped_late", "not_scheduled"]),
                name="reminders_state_valid",
            ),
        ]
        indexes = [
            # The admin page's list of what is coming, soonest first; and a tutor's waiting nudges.
            models.Index(fields=["due_at", "id"], name="reminders_due_idx", condition=Q(state="pending")),
            models.Index(fields=["tutor", "kind", "due_at"], name="reminders_tutor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.offset_minutes} min for {self.session_id} ({self.state})"


class NudgeClock(models.Model):
    """When a tutor was last nudged: at most one nudge email an hour (it lists every waiting lesson)."""

    tutor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reminder_nudge_clocks"

    def __str__(self) -> str:
        return f"{self.tutor_id} last nudged {self.last_sent_at}"
