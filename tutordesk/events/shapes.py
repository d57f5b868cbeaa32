"""The JSON shapes of webhook endpoints and deliveries (CONTRACT §10)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import TypedDict

from tutordesk.core.shapes import IsoDateTime, UuidText, time_text
from tutordesk.events.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

EventTypeName = Literal[
    "session.created",
    "session.status_updated",
    "session.status_corrected",
    "package.created",
    "package.low_balance",
    "package.exhausted",
]


class WebhookEndpointOut(TypedDict):
    id: UuidText
    url: str
    events: list[EventTypeName]
    description: str
    enabled: bool
    created_at: IsoDateTime
    updated_at: IsoDateTime


class WebhookEndpointWithSecretOut(WebhookEndpointOut):
    secret: Annotated[
        str,
        Field(
            description="`whsec_` and the base64 key: verify signatures with it. Shown only in this "
            "answer (and its replays under the same Idempotency-Key)."
        ),
    ]


class WebhookAttemptOut(TypedDict):
    number: Annotated[int, Field(description="1 for the first; a send-again goes on counting")]
    status_code: Annotated[
        int | None, Field(description="the receiver's answer; null when no HTTP answer came")
    ]
    error: Annotated[str, Field(description="why this attempt failed; empty after a 2xx")]
    duration_ms: int
    created_at: IsoDateTime


class WebhookDeliveryOut(TypedDict):
    id: UuidText
    event_id: Annotated[UuidText, Field(description="also the `webhook-id` header of every attempt")]
    event_type: EventTypeName
    attempt: Annotated[int, Field(description="attempts made so far")]
    status_code: Annotated[
        int | None, Field(description="of the last attempt; null when no HTTP answer came")
    ]
    error: Annotated[str, Field(description="why the last attempt failed; empty after a 2xx")]
    duration_ms: Annotated[int | None, Field(description="of the last attempt; null before the first")]
    created_at: IsoDateTime
    next_attempt_at: Annotated[IsoDateTime | None, Field(description="null once succeeded or failed")]
    state: Literal["pending", "succeeded", "failed"]
    attempts: Annotated[
        list[WebhookAttemptOut],
        Field(description="every attempt made, oldest first (the last one is what the fields above repeat)"),
    ]


def webhook_endpoint_dict(endpoint: WebhookEndpoint) -> WebhookEndpointOut:
    return {
        "id": str(endpoint.id),
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "created_at": time_text(endpoint.created_at),
        "updated_at": time_text(endpoint.updated_at),
    }


def webhook_endpoint_with_secret_dict(endpoint: WebhookEndpoint, secret: str) -> WebhookEndpointWithSecretOut:
    return {**webhook_endpoint_dict(endpoint), "secret": secret}  # type: ignore[typeddict-item]  # mypy cannot widen a TypedDict by unpacking it


def webhook_attempt_dict(attempt: WebhookAttempt) -> WebhookAttemptOut:
    return {
        "number": attempt.number,
        "status_code": attempt.status_code,
        "error": attempt.error,
        "duration_ms": attempt.duration_ms,
        "created_at": time_text(attempt.created_at),
    }


def webhook_delivery_dict(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> WebhookDeliveryOut:
    """Reads `delivery.event` (select_related it for lists); `attempts` are the delivery's, oldest
    first (`events.selectors.webhook_attempts_of` reads a whole page's in one query)."""
    return {
        "id": str(delivery.id),
        "event_id": str(delivery.event_id),
        "event_type": delivery.event.type,  # type: ignore[typeddict-item]  # django-stubs types a choices CharField as str; a CHECK constraint holds the values
        "attempt": delivery.attempts,
        "status_code": delivery.last_status_code,
        "error": delivery.last_error,
        "duration_ms": delivery.last_duration_ms,
        "created_at": time_text(delivery.created_at),
        "next_attempt_at": time_text(delivery.next_attempt_at) if delivery.next_attempt_at else None,
        "state": delivery.state,  # type: ignore[typeddict-item]  # django-stubs types a choices CharField as str; a CHECK constraint holds the values
        "attempts": [webhook_attempt_dict(attempt) for attempt in attempts],
    }
