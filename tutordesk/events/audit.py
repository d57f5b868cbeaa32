"""The audit shapes of webhook endpoints, deliveries and email preferences (audit.details explains the rules)."""

from __future__ import annotations

import uuid
from typing import Any

from tutordesk.audit.details import AuditDetails, FromTo, Instant, Names, when_text
from tutordesk.audit.models import AuditAction, AuditEntity


class WebhookEndpointCreated(AuditDetails):
    action = AuditAction.WEBHOOK_ENDPOINT_CREATED
    entity = AuditEntity.WEBHOOK_ENDPOINT

    url: str
    events: list[str] = []
    description: str = ""
    enabled: bool = True

    def words(self, names: Names) -> str:
        return f"Webhook endpoint {self.url} added for {', '.join(self.events) or 'no events'}"


class WebhookEndpointUpdated(AuditDetails):
    action = AuditAction.WEBHOOK_ENDPOINT_UPDATED
    entity = AuditEntity.WEBHOOK_ENDPOINT

    url: str
    changes: dict[str, FromTo] = {}

    def words(self, names: Names) -> str:
        parts = [
            f"{name} from {change.before!r} to {change.after!r}" for name, change in self.changes.items()
        ]
        return f"Webhook endpoint {self.url} changed: " + "; ".join(parts)


class WebhookEndpointDeleted(AuditDetails):
    action = AuditAction.WEBHOOK_ENDPOINT_DELETED
    entity = AuditEntity.WEBHOOK_ENDPOINT

    url: str
    events: list[str] = []
    description: str = ""

    def words(self, names: Names) -> str:
        return f"Webhook endpoint {self.url} deleted"


class WebhookSecretRotated(AuditDetails):
    action = AuditAction.WEBHOOK_SECRET_ROTATED
    entity = AuditEntity.WEBHOOK_ENDPOINT

    url: str
    previous_secret_expires_at: Instant | None = None

    def words(self, names: Names) -> str:
        return f"Signing secret of {self.url} rotated; the old one signs until {when_text(self.previous_secret_expires_at)}"


class WebhookDeliveryResent(AuditDetails):
    action = AuditAction.WEBHOOK_DELIVERY_RESENT
    entity = AuditEntity.WEBHOOK_DELIVERY

    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    from_state: str
    attempts_before: int = 0

    def words(self, names: Names) -> str:
        return f"Delivery sent again (it was {self.from_state} after {self.attempts_before} attempts)"


class NotificationPreferenceChanged(AuditDetails):
    action = AuditAction.NOTIFICATION_PREFERENCE_CHANGED
    entity = AuditEntity.USER

    outcome_emails: FromTo | None = None
    # Lesson reminders and (tutors) outcome nudges, switched on the same page (the reminders app).
    reminder_emails: FromTo | None = None
    nudge_emails: FromTo | None = None
    booking_emails: FromTo | None = None
    charge_emails: FromTo | None = None

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)  # only the switches that changed

    def words(self, names: Names) -> str:
        said = [
            f"{label} turned {'on' if change.after else 'off'}"
            for label, change in (
                ("Lesson outcome emails", self.outcome_emails),
                ("Lesson reminders", self.reminder_emails),
                ("Outcome nudges", self.nudge_emails),
                ("Lesson booked emails", self.booking_emails),
                ("Charge correction emails", self.charge_emails),
            )
            if change is not None
        ]
        return "; ".join(said) if said else "Email preferences changed"
