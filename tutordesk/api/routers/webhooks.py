"""Webhook endpoints and their delivery logs (CONTRACT §10): admins only."""

from __future__ import annotations

from typing import Annotated, Any

from django.conf import settings
from django.http import HttpResponse
from ninja import Router, Schema
from pydantic import AfterValidator, ConfigDict, Field, StrictBool, StringConstraints

from tutordesk.api.auth import AuthedRequest
from tutordesk.api.idempotent import IdempotencyKey, respond_once
from tutordesk.api.pagination import keyset_page
from tutordesk.api.params import Cursor, Limit, ObjectId
from tutordesk.api.responses import LIST_ERRORS, READ_ERRORS, UNAVAILABLE, WRITE_ERRORS, ok
from tutordesk.api.schemas import Problem
from tutordesk.core.db import run_in_transaction
from tutordesk.core.validation import NO_NUL_PATTERN
from tutordesk.events.models import WebhookDelivery
from tutordesk.events.selectors import (
    webhook_attempts_of,
    webhook_deliveries_of,
    webhook_endpoint_get,
    webhook_endpoints_visible_to,
)
from tutordesk.events.services import (
    MAX_DESCRIPTION_LENGTH,
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from tutordesk.events.shapes import (
    EventTypeName,
    WebhookDeliveryOut,
    WebhookEndpointOut,
    WebhookEndpointWithSecretOut,
    webhook_delivery_dict,
    webhook_endpoint_dict,
    webhook_endpoint_with_secret_dict,
)
from tutordesk.events.ssrf import MAX_URL_LENGTH, url_pattern

router = Router(tags=["webhooks"])

# The service's own rule for a new URL, as this server was started (http:// only with
# TUTORDESK_WEBHOOKS_ALLOW_PRIVATE=1).
URL_PATTERN = url_pattern()
URL_DESCRIPTION = (
    "Where to POST the events: a host name, an IPv4 address or an [IPv6] address, an optional port "
    "(1-65535), then an optional path and query in printable ASCII; no user name, password or "
    "#fragment. Its host must resolve to public addresses only (loopback, link-local, private, "
    "multicast and reserved addresses are a validation_error)"
    + (
        "; this server runs with TUTORDESK_WEBHOOKS_ALLOW_PRIVATE=1, so http:// and private addresses "
        "are allowed too."
        if settings.WEBHOOKS_ALLOW_PRIVATE
        else "."
    )
)


def _each_once(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("list each event type once")
    return values


EventTypes = Annotated[
    list[EventTypeName],
    Field(
        min_length=1,
        json_schema_extra={"uniqueItems": True},
        description="the event types to send, each once",
    ),
    AfterValidator(_each_once),
]


Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION_LENGTH, pattern=NO_NUL_PATTERN)]


class WebhookEndpointCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, StringConstraints(max_length=MAX_URL_LENGTH, pattern=URL_PATTERN)] = Field(
        description=URL_DESCRIPTION
    )
    events: EventTypes
    description: Description = ""


class WebhookEndpointUpdateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    enabled: StrictBool | None = Field(None, description="false stops new deliveries; pending ones wait")
    events: EventTypes | None = None
    description: Description | None = None


class WebhookEndpointPage(Schema):
    items: list[WebhookEndpointOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class WebhookDeliveryPage(Schema):
    items: list[WebhookDeliveryOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


@router.post(
    "/webhook-endpoints",
    response={201: WebhookEndpointWithSecretOut, **WRITE_ERRORS},
    operation_id="webhook_endpoints_create",
)
def webhook_endpoints_create(
    request: AuthedRequest, payload: WebhookEndpointCreateIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    """An admin adds an endpoint. The answer holds its signing secret: the only time it is shown."""

    def run() -> tuple[int, Any]:
        endpoint, secret = webhook_endpoint_create(
            url=payload.url, events=payload.events, description=payload.description, actor=request.auth
        )
        return 201, webhook_endpoint_with_secret_dict(endpoint, secret)

    return respond_once(request, key=idempotency_key, run=run)


@router.get(
    "/webhook-endpoints",
    response={200: WebhookEndpointPage, **LIST_ERRORS},
    operation_id="webhook_endpoints_list",
)
def webhook_endpoints_list(
    request: AuthedRequest, limit: int = Limit, cursor: str | None = Cursor
) -> HttpResponse:
    """Admins only; oldest first. Secrets are never listed."""
    endpoints = webhook_endpoints_visible_to(request.auth)
    return ok(
        keyset_page(
            endpoints, time_field="created_at", cursor=cursor, limit=limit, to_dict=webhook_endpoint_dict
        )
    )


@router.get(
    "/webhook-endpoints/{endpoint_id}",
    response={200: WebhookEndpointOut, 403: Problem, **READ_ERRORS},
    operation_id="webhook_endpoints_get",
)
def webhook_endpoints_get(request: AuthedRequest, endpoint_id: str = ObjectId) -> HttpResponse:
    return ok(webhook_endpoint_dict(webhook_endpoint_get(endpoint_id=endpoint_id, user=request.auth)))


@router.patch(
    "/webhook-endpoints/{endpoint_id}",
    response={200: WebhookEndpointOut, **WRITE_ERRORS},
    operation_id="webhook_endpoints_update",
)
def webhook_endpoints_update(
    request: AuthedRequest, payload: WebhookEndpointUpdateIn, endpoint_id: str = ObjectId
) -> HttpResponse:
    """Enable or disable an endpoint, or change its event types or description (fields left out stay)."""
    endpoint = run_in_transaction(
        lambda: webhook_endpoint_update(
            endpoint_id=endpoint_id,
            enabled=payload.enabled,
            events=payload.events,
            description=payload.description,
            actor=request.auth,
        )
    )
    return ok(webhook_endpoint_dict(endpoint))


@router.delete(
    "/webhook-endpoints/{endpoint_id}",
    response={204: None, 401: Problem, 403: Problem, 404: Problem, **UNAVAILABLE},
    operation_id="webhook_endpoints_delete",
)
def webhook_endpoints_delete(request: AuthedRequest, endpoint_id: str = ObjectId) -> HttpResponse:
    """Delete an endpoint and its delivery log; nothing more is sent to it."""
    run_in_transaction(lambda: webhook_endpoint_delete(endpoint_id=endpoint_id, actor=request.auth))
    return HttpResponse(status=204)


@router.post(
    "/webhook-endpoints/{endpoint_id}/rotate-secret",
    response={200: WebhookEndpointWithSecretOut, **WRITE_ERRORS},
    operation_id="webhook_endpoints_rotate_secret",
)
def webhook_endpoints_rotate_secret(
    request: AuthedRequest, endpoint_id: str = ObjectId, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    """A new signing secret, shown only here. For 24 hours deliveries carry a signature by the old
    secret too (`webhook-signature` holds both), so receivers can switch without a refusal."""

    def run() -> tuple[int, Any]:
        endpoint, secret = webhook_endpoint_rotate_secret(endpoint_id=endpoint_id, actor=request.auth)
        return 200, webhook_endpoint_with_secret_dict(endpoint, secret)

    return respond_once(request, key=idempotency_key, run=run)


@router.get(
    "/webhook-endpoints/{endpoint_id}/deliveries",
    response={200: WebhookDeliveryPage, 404: Problem, **LIST_ERRORS},
    operation_id="webhook_deliveries_list",
)
def webhook_deliveries_list(
    request: AuthedRequest, endpoint_id: str = ObjectId, limit: int = Limit, cursor: str | None = Cursor
) -> HttpResponse:
    """The endpoint's deliveries, newest first: one per event, with its last attempt's answer and
    every attempt made (`attempts`, oldest first)."""
    endpoint = webhook_endpoint_get(endpoint_id=endpoint_id, user=request.auth)
    page = keyset_page(
        webhook_deliveries_of(endpoint),
        time_field="created_at",
        cursor=cursor,
        limit=limit,
        newest_first=True,
        to_dict=lambda delivery: delivery,
    )
    return ok({**page, "items": delivery_dicts(page["items"])})


def delivery_dicts(deliveries: list[WebhookDelivery]) -> list[WebhookDeliveryOut]:
    """The deliveries with their attempts, read for all of them in one query."""
    attempts = webhook_attempts_of(deliveries)
    return [webhook_delivery_dict(delivery, attempts[delivery.pk]) for delivery in deliveries]


@router.post(
    "/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/resend",
    response={200: WebhookDeliveryOut, **WRITE_ERRORS},
    operation_id="webhook_deliveries_resend",
)
def webhook_deliveries_resend(
    request: AuthedRequest,
    endpoint_id: str = ObjectId,
    delivery_id: str = ObjectId,
    idempotency_key: str | None = IdempotencyKey,
) -> HttpResponse:
    """Send a delivery again now, with a fresh round of retries (same `webhook-id`)."""

    def run() -> tuple[int, Any]:
        delivery = webhook_delivery_resend(
            delivery_id=delivery_id, endpoint_id=endpoint_id, actor=request.auth
        )
        delivery = webhook_deliveries_of(delivery.endpoint).get(pk=delivery.pk)
        return 200, delivery_dicts([delivery])[0]

    return respond_once(request, key=idempotency_key, run=run)
