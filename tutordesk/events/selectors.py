"""Reads of the events app, with who may see what: webhooks are for admins only."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet

from tutordesk.accounts.access import require_admin
from tutordesk.accounts.models import User
from tutordesk.core.errors import NotFound
from tutordesk.events.models import (
    EmailNotification,
    EmailState,
    Event,
    NotificationPreference,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


def webhook_endpoints_visible_to(user: User) -> QuerySet[WebhookEndpoint]:
    require_admin(user, "see webhook endpoints")
    return WebhookEndpoint.objects.order_by("created_at", "id")


def webhook_endpoint_get(*, endpoint_id: uuid.UUID | str, user: User) -> WebhookEndpoint:
    try:
        return webhook_endpoints_visible_to(user).get(pk=endpoint_id)
    except (WebhookEndpoint.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such webhook endpoint") from exc


def webhook_deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .order_by("-created_at", "-id")
    )


def webhook_attempts_of(deliveries: list[WebhookDelivery]) -> dict[uuid.UUID, list[WebhookAttempt]]:
    """The attempts of these deliveries, oldest first, in one query (without the receivers'
    answer bodies, which no list shows)."""
    found: dict[uuid.UUID, list[WebhookAttempt]] = {d.pk: [] for d in deliveries}
    if not deliveries:
        return found
    attempts = WebhookAttempt.objects.filter(delivery__in=deliveries).defer("response_body")
    for attempt in attempts.order_by("delivery_id", "number"):
        found[attempt.delivery_id].append(attempt)
    return found


def email_switches(user: User) -> dict[str, bool]:
    """Each kind of email the user may switch off, and whether it is on (no row: all on)."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return {
        name: True if preference is None else bool(getattr(preference, name))
        for name in ("outcome_emails", "reminder_emails", "nudge_emails", "booking_emails", "charge_emails")
    }


def outcome_emails_on(user: User) -> bool:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference is None or preference.outcome_emails


def worker_has_work_due(*, now: datetime) -> bool:
    """Whether a worker has something to do at `now`: events not yet fanned out, or emails due
    (or being sent)."""
    return (
        Event.objects.filter(dispatched_at__isnull=True).exists()
        or EmailNotification.objects.filter(state=EmailState.PENDING, next_attempt_at__lte=now).exists()
    )
