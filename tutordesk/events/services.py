"""Every write a person makes in the events app: the outbox itself, webhook endpoints, "send
again", preferences. The worker's bookkeeping (claims, attempts, answers) is its own (worker.py).

`events_record` is called by the services of the floors above (tutoring, scheduling) inside the
transaction of their change, beside the audit row: one multi-row INSERT for all the events of
that change, and nothing read. Those services build the data (their own shapes) and hand it down;
this app never imports them.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from tutordesk.accounts.access import require_admin
from tutordesk.accounts.hooks import PersonEvent
from tutordesk.accounts.models import User
from tutordesk.audit.details import FromTo
from tutordesk.audit.services import audit_log_write
from tutordesk.core import clock
from tutordesk.core.db.rows import insert_rows
from tutordesk.core.errors import Forbidden, NotFound, ValidationError, require
from tutordesk.core.validation import clean_text
from tutordesk.events.audit import (
    NotificationPreferenceChanged,
    WebhookDeliveryResent,
    WebhookEndpointCreated,
    WebhookEndpointDeleted,
    WebhookEndpointUpdated,
    WebhookSecretRotated,
)
from tutordesk.events.models import (
    DeliveryState,
    Event,
    EventType,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)
from tutordesk.events.ssrf import MAX_URL_LENGTH, UnsafeUrl, check_new_url

MAX_DESCRIPTION_LENGTH = 500
# A charge that leaves this many sessions on the request's active packages is "running low".
LOW_BALANCE_LEFT = frozenset({1, 2})
# After a rotation the old secret keeps signing (beside the new one) for this long.
PREVIOUS_SECRET_GRACE = timedelta(hours=24)
SECRET_PREFIX = "whsec_"


@dataclass(frozen=True)
class NewEvent:
    """An event to record: its type and the data receivers get (JSON-ready)."""

    type: EventType
    data: dict[str, Any]


def events_record(*, changes: Sequence[NewEvent]) -> list[Event]:
    """Write the events of one change in the caller's transaction, with ONE multi-row INSERT.

    Call it beside the audit row: a rolled-back change leaves no event, a committed one has all of
    its own. All events of one change share one time.
    """
    if not changes:
        return []
    now = clock.now()
    events = [Event(type=change.type, created_at=now, data=change.data) for change in changes]
    insert_rows(events)
    return events


def package_balance_events(
    *, package: Mapping[str, Any], request_sessions_left: int, student_id: str
) -> list[NewEvent]:
    """The events a charge raises: `package.exhausted` when it used the package's last session,
    `package.low_balance` when the request's active packages hold 1 or 2 sessions after it."""
    data = {
        "package": dict(package),
        "request_id": package["request_id"],
        "student_id": student_id,
        "request_sessions_left": request_sessions_left,
    }
    found: list[NewEvent] = []
    if package["status"] == "exhausted":
        found.append(NewEvent(EventType.PACKAGE_EXHAUSTED, data))
    if request_sessions_left in LOW_BALANCE_LEFT:
        found.append(NewEvent(EventType.PACKAGE_LOW_BALANCE, data))
    return found


# ---------------------------------------------------------------- webhook endpoints (admins)


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def clean_webhook_url(url: object) -> str:
    """A URL the worker may call (events.ssrf), or ValidationError on `url`."""
    try:
        check_new_url(url)
    except UnsafeUrl as exc:
        raise ValidationError(str(exc), field="url", reason="unsafe_url") from exc
    assert isinstance(url, str)
    return url


def clean_event_types(events: object) -> list[str]:
    """A non-empty list of known event types, each once, in the order given."""
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError("events must list at least one event type", field="events")
    known = set(EventType.values)
    cleaned: list[str] = []
    for value in events:
        if not isinstance(value, str) or value not in known:
            raise ValidationError(
                f"events may hold only {', '.join(EventType.values)}", field="events", reason="unknown_event"
            )
        if value in cleaned:
            raise ValidationError(f"{value} is listed twice", field="events")
        cleaned.append(value)
    return cleaned


@transaction.atomic(savepoint=False)
def webhook_endpoint_create(
    *, url: str, events: Sequence[str], actor: User, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """An admin adds an endpoint; returns it and its secret (shown to the admin only now)."""
    require_admin(actor, "add a webhook endpoint")
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"url must be at most {MAX_URL_LENGTH} characters", field="url")
    event_types = clean_event_types(list(events) if isinstance(events, list | tuple) else events)
    description = clean_text(description, field="description", max_length=MAX_DESCRIPTION_LENGTH).strip()
    url = clean_webhook_url(url)
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        url=url, events=event_types, description=description, secret=secret
    )
    audit_log_write(
        actor=actor,
        entity_id=endpoint.id,
        details=WebhookEndpointCreated(url=url, events=event_types, description=description),
    )
    return endpoint, secret


@transaction.atomic(savepoint=False)
def webhook_endpoint_update(
    *,
    endpoint_id: uuid.UUID | str,
    actor: User,
    enabled: bool | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """An admin enables or disables an endpoint, or changes its event types or description.
    Nothing changed: nothing written."""
    require_admin(actor, "change a webhook endpoint")
    endpoint = _lock_endpoint(endpoint_id)
    wanted: dict[str, Any] = {}
    if enabled is not None:
        require(isinstance(enabled, bool), ValidationError, "enabled must be true or false", field="enabled")
        wanted["enabled"] = enabled
    if events is not None:
        wanted["events"] = clean_event_types(list(events) if isinstance(events, list | tuple) else events)
    if description is not None:
        wanted["description"] = clean_text(
            description, field="description", max_length=MAX_DESCRIPTION_LENGTH
        ).strip()
    changes = {
        name: {"from": getattr(endpoint, name), "to": value}
        for name, value in wanted.items()
        if getattr(endpoint, name) != value
    }
    if not changes:
        return endpoint
    for name, change in changes.items():
        setattr(endpoint, name, change["to"])
    endpoint.save(update_fields=[*changes, "updated_at"])
    audit_log_write(
        actor=actor,
        entity_id=endpoint.id,
        details=WebhookEndpointUpdated(
            url=endpoint.url,
            changes={
                name: FromTo(before=change["from"], after=change["to"]) for name, change in changes.items()
            },
        ),
    )
    return endpoint


@transaction.atomic(savepoint=False)
def webhook_endpoint_rotate_secret(
    *, endpoint_id: uuid.UUID | str, actor: User
) -> tuple[WebhookEndpoint, str]:
    """A new secret for an endpoint (shown once). The old one keeps signing beside it for 24 hours,
    so the receiver can switch over without refusing a delivery."""
    require_admin(actor, "rotate a webhook secret")
    endpoint = _lock_endpoint(endpoint_id)
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = clock.now() + PREVIOUS_SECRET_GRACE
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    audit_log_write(
        actor=actor,
        entity_id=endpoint.id,
        details=WebhookSecretRotated(
            url=endpoint.url, previous_secret_expires_at=endpoint.previous_secret_expires_at
        ),
    )
    return endpoint, secret


@transaction.atomic(savepoint=False)
def webhook_endpoint_delete(*, endpoint_id: uuid.UUID | str, actor: User) -> None:
    """An admin deletes an endpoint with its delivery log; nothing more is sent to it."""
    require_admin(actor, "delete a webhook endpoint")
    endpoint = _lock_endpoint(endpoint_id)
    details = WebhookEndpointDeleted(
        url=endpoint.url, events=endpoint.events, description=endpoint.description
    )
    endpoint_pk = endpoint.pk
    endpoint.delete()
    audit_log_write(
        actor=actor,
        entity_id=endpoint_pk,
        details=details,
    )


@transaction.atomic(savepoint=False)
def webhook_delivery_resend(
    *, delivery_id: uuid.UUID | str, actor: User, endpoint_id: uuid.UUID | str | None = None
) -> WebhookDelivery:
    """ "Send again": the delivery is due now and gets a fresh round of the retry schedule.
    The receiver sees the same `webhook-id` (the event's id), so it can tell a repeat."""
    require_admin(actor, "send a webhook again")
    try:
        rows = WebhookDelivery.objects.select_for_update(no_key=True).filter(pk=delivery_id)
        if endpoint_id is not None:
            rows = rows.filter(endpoint_id=uuid.UUID(str(endpoint_id)))
        delivery = rows.get()
    except (WebhookDelivery.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such delivery") from exc
    from_state = delivery.state
    now = clock.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.PENDING, next_attempt_at=now, round_start=delivery.attempts
    )
    delivery.state, delivery.next_attempt_at, delivery.round_start = (
        DeliveryState.PENDING,
        now,
        delivery.attempts,
    )
    audit_log_write(
        actor=actor,
        entity_id=delivery.id,
        details=WebhookDeliveryResent(
            endpoint_id=delivery.endpoint_id,
            event_id=delivery.event_id,
            from_state=from_state,
            attempts_before=delivery.attempts,
        ),
    )
    return delivery


def _lock_endpoint(endpoint_id: uuid.UUID | str) -> WebhookEndpoint:
    try:
        return WebhookEndpoint.objects.select_for_update(no_key=True).get(pk=endpoint_id)
    except (WebhookEndpoint.DoesNotExist, DjangoValidationError, ValueError) as exc:
        raise NotFound("No such webhook endpoint") from exc


# ---------------------------------------------------------------- notification preferences


@transaction.atomic(savepoint=False)
def notification_preference_update(
    *,
    user: User,
    actor: User,
    outcome_emails: bool | None = None,
    reminder_emails: bool | None = None,
    nudge_emails: bool | None = None,
    booking_emails: bool | None = None,
    charge_emails: bool | None = None,
) -> bool:
    """Turn a user's kinds of email on or off (the user themselves, or an admin); a switch left
    None stays as it is. Returns False when every one was so already (nothing written)."""
    require(actor.pk == user.pk or actor.is_admin, Forbidden, "Only the user or an admin can change this")
    wanted = {
        "outcome_emails": outcome_emails,
        "reminder_emails": reminder_emails,
        "nudge_emails": nudge_emails,
        "booking_emails": booking_emails,
        "charge_emails": charge_emails,
    }
    for name, value in wanted.items():
        require(
            value is None or isinstance(value, bool),
            ValidationError,
            f"{name} must be true or false",
            field=name,
        )
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    changes = {
        name: FromTo(before=getattr(preference, name), after=value)
        for name, value in wanted.items()
        if value is not None and getattr(preference, name) != value
    }
    if not changes:
        return False
    NotificationPreference.objects.filter(pk=user.pk).update(
        **{name: change.after for name, change in changes.items()}, updated_at=clock.now()
    )
    audit_log_write(actor=actor, entity_id=user.pk, details=NotificationPreferenceChanged(**changes))
    return True


# ---------------------------------------------------------------- people (accounts.hooks)


def record_person_events(changes: Sequence[PersonEvent]) -> None:
    """The events of a person's change (accounts, the floor below), in that change's transaction."""
    events_record(changes=[NewEvent(EventType(change.type), change.data) for change in changes])
