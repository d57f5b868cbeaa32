"""The outbox and what the worker makes of it: webhook endpoints, deliveries, attempts, emails.

`Event` rows are written by the services in the change's own transaction (events.services
`events_record`), so a rolled-back change has none and a committed one always has its own. The
worker (events.worker) then fans each event out into `WebhookDelivery` and `EmailNotification`
rows and works those off; both are queues of their own, claimed with a lease (`locked_until`,
`claim_token`), so several workers share them and a killed worker's claim simply runs out.
`Job` is the third such queue: work that higher apps register with the worker (events.jobs), such
as making a lesson's meeting link, claimed and retried the same way.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from tutordesk.core.clock import CreatedAtField, UpdatedAtField
from tutordesk.core.ids import new_id


class EventType(models.TextChoices):
    """CONTRACT §10. The value is the type receivers see."""

    SESSION_CREATED = "session.created", "Session scheduled"
    SESSION_STATUS_UPDATED = "session.status_updated", "Session status recorded"
    SESSION_STATUS_CORRECTED = "session.status_corrected", "Session status corrected"
    SESSION_UPDATED = "session.updated", "Session details changed"
    PACKAGE_CREATED = "package.created", "Package added"
    PACKAGE_LOW_BALANCE = "package.low_balance", "Package running low"
    PACKAGE_EXHAUSTED = "package.exhausted", "Package used up"
    # People (CONTRACT §11; accounts.hooks names them).
    USER_INVITED = "user.invited", "Person invited"
    USER_UPDATED = "user.updated", "Person changed"
    USER_DEACTIVATED = "user.deactivated", "Person deactivated"
    USER_REACTIVATED = "user.reactivated", "Person reactivated"
    USER_STUDENTS_CHANGED = "user.students_changed", "Guardian's students changed"
    USER_PASSWORD_RESET_REQUESTED = "user.password_reset_requested", "Password reset asked for"
    # Reminders (the reminders app): a lesson's reminder fell due; lessons still wait for an outcome.
    # Not `session.*`: nothing about the lesson changed (listeners of lesson changes ignore them).
    REMINDER_SENT = "reminder.sent", "Lesson reminder sent"
    REMINDER_OUTCOME_NUDGE = "reminder.outcome_nudge", "Lessons awaiting an outcome"


class Event(models.Model):
    """Something that happened, as receivers will see it: `{type, timestamp, data}`."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    type = models.CharField(max_length=64, choices=EventType.choices)
    created_at = models.DateTimeField()
    data = models.JSONField(encoder=DjangoJSONEncoder)
    # Set once the worker has made the event's deliveries and emails.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "events"
        indexes = [
            models.Index(fields=["created_at", "id"], name="events_created_idx"),
            # The worker's queue: only events not yet fanned out, oldest first.
            models.Index(
                fields=["created_at", "id"],
                name="events_undispatched_idx",
                condition=Q(dispatched_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"

    def payload(self) -> dict[str, object]:
        """The body receivers get (Standard Webhooks): type, timestamp and data."""
        return {"type": self.type, "timestamp": self.created_at.isoformat(), "data": self.data}


class WebhookEndpoint(models.Model):
    """A URL an admin asked Tutordesk to notify, and the event types it wants."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    url = models.CharField(max_length=2000)
    events = models.JSONField(default=list)
    description = models.CharField(max_length=500, blank=True, default="")
    enabled = models.BooleanField(default=True)
    # Stored as given to the admin (`whsec_` + base64): signing needs the secret itself.
    secret = models.CharField(max_length=100)
    # After a rotation the old secret still signs for a while, so receivers can switch over.
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = CreatedAtField()
    updated_at = UpdatedAtField()

    class Meta:
        db_table = "webhook_endpoints"
        indexes = [models.Index(fields=["created_at", "id"], name="webhook_endpoints_created_idx")]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return event_type in self.events


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event for one endpoint, until a 2xx answer or the retry schedule runs out."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    # No index of their own: webhook_deliveries_log_idx and the unique (event, endpoint) lead with them.
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # `attempts` when the current round began ("send again" starts a new round of the schedule).
    round_start = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # A worker's claim: nobody else takes the row until `locked_until`.
    locked_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    created_at = CreatedAtField()

    class Meta:
        db_table = "webhook_deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"], name="webhook_deliveries_once_per_endpoint"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "succeeded", "failed"]),
                name="webhook_deliveries_state_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="webhook_deliveries_due_idx", condition=Q(state="pending")
            ),
            models.Index(fields=["endpoint", "created_at", "id"], name="webhook_deliveries_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery (or its refusal before sending): the delivery log."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    # webhook_attempts_delivery_idx leads with it: no index of its own.
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log", db_index=False
    )
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    response_body = models.TextField(blank=True, default="")

    class Meta:
        db_table = "webhook_attempts"
        indexes = [models.Index(fields=["delivery", "number"], name="webhook_attempts_delivery_idx")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class EmailKind(models.TextChoices):
    OUTCOME = "outcome", "Session outcome"
    LOW_BALANCE = "low_balance", "Package running low"
    EXHAUSTED = "exhausted", "Package used up"
    # People (CONTRACT §11).
    INVITATION = "invitation", "Invitation"
    PASSWORD_RESET = "password_reset", "Password reset"
    # Reminders (the reminders app).
    REMINDER = "reminder", "Lesson reminder"
    OUTCOME_NUDGE = "outcome_nudge", "Outcome nudge"
    LESSON_BOOKED = "lesson_booked", "Lesson booked"
    CHARGE_CORRECTED = "charge_corrected", "Charge corrected"


class EmailState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class EmailNotification(models.Model):
    """One email to one person about one event, rendered when the event was fanned out."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    # The unique (event, recipient) leads with it: no index of its own.
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="emails", db_index=False)
    kind = models.CharField(max_length=32, choices=EmailKind.choices)
    recipient = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    # Files sent with the email: [{"filename", "mimetype", "content" (text)}], e.g. a lesson's .ics.
    attachments = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=16, choices=EmailState.choices, default=EmailState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    created_at = CreatedAtField()

    class Meta:
        db_table = "email_notifications"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient"], name="email_notifications_once_per_person"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="email_notifications_due_idx", condition=Q(state="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.state})"


class NotificationPreference(models.Model):
    """What a user wants to be emailed about. No row: the defaults (everything on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    outcome_emails = models.BooleanField(default=True)
    # Lesson reminders before a lesson, and (tutors) the nudge about lessons awaiting an outcome.
    reminder_emails = models.BooleanField(default=True)
    nudge_emails = models.BooleanField(default=True)
    # A lesson booked; an admin's correction that charged or refunded a session.
    booking_emails = models.BooleanField(default=True)
    charge_emails = models.BooleanField(default=True)
    updated_at = UpdatedAtField()

    class Meta:
        db_table = "notification_preferences"

    def __str__(self) -> str:
        return f"{self.user_id}: outcome emails {'on' if self.outcome_emails else 'off'}"


class JobState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Job(models.Model):
    """One piece of background work of a registered kind (events.jobs), about one thing (`key`).

    There is one row per (kind, key), reused: asking for the work again while it waits makes it
    due now, and after it finished starts it afresh. `wanted` counts the times it was asked for,
    so a run that began before the last ask does not mark it done (it runs once more instead).
    Claimed like deliveries, with a lease (`locked_until`, `claim_token`).
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    kind = models.CharField(max_length=64)
    key = models.CharField(max_length=200)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    wanted = models.PositiveIntegerField(default=1)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    created_at = CreatedAtField()
    updated_at = UpdatedAtField()

    class Meta:
        db_table = "jobs"
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="jobs_one_per_kind_and_key"),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "succeeded", "failed"]), name="jobs_state_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="jobs_due_idx", condition=Q(state="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.state})"
