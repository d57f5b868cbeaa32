"""Pages for webhooks (admins) and for each user's email preferences.

Thin, like every page: parse a form, call one service through `run_once` (so a double submit
changes nothing twice), render. A new secret is shown once, in the answer to the form that made
it (and in that answer's replay), never again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutordesk.accounts.models import Role, User
from tutordesk.core.errors import NotFound
from tutordesk.events.models import EventType, WebhookEndpoint
from tutordesk.events.schedule import MAX_ATTEMPTS
from tutordesk.events.selectors import (
    email_switches,
    webhook_attempts_of,
    webhook_deliveries_of,
    webhook_endpoint_get,
    webhook_endpoints_visible_to,
)
from tutordesk.events.services import (
    MAX_DESCRIPTION_LENGTH,
    notification_preference_update,
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from tutordesk.events.ssrf import MAX_URL_LENGTH, allow_private
from tutordesk.web.forms import INPUT_CLASSES, IdempotentForm
from tutordesk.web.helpers import AuthenticatedHttpRequest, first_error, form_payload, role_required
from tutordesk.web.once import run_once
from tutordesk.web.outcomes import A, Done, EndpointAdded, Refused, SecretMade
from tutordesk.web.paging import keyset_page

DELIVERIES_PER_PAGE = 25


class WebhookEndpointForm(IdempotentForm):
    url = forms.CharField(
        label="URL",
        max_length=MAX_URL_LENGTH,
        widget=forms.URLInput(
            attrs={"placeholder": "https://example.com/tutordesk-webhook", "class": INPUT_CLASSES}
        ),
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=EventType.values,
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=MAX_DESCRIPTION_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Billing system", "class": INPUT_CLASSES}),
    )


class EnabledForm(IdempotentForm):
    enabled = forms.BooleanField(required=False)


class NotificationForm(IdempotentForm):
    outcome_emails = forms.BooleanField(label="Email me when a session's outcome is recorded", required=False)
    reminder_emails = forms.BooleanField(label="Remind me before each lesson", required=False)
    nudge_emails = forms.BooleanField(
        label="Nudge me about lessons still waiting for an outcome", required=False
    )
    booking_emails = forms.BooleanField(label="Email me when a lesson is booked", required=False)
    charge_emails = forms.BooleanField(
        label="Email me when a correction changes what was charged", required=False
    )
    # The switches the page showed (a tutor's has the nudge): only those are changed by a save.
    shown = forms.CharField(required=False, widget=forms.HiddenInput)


def duration_words(minutes: int) -> str:
    if minutes % 60:
        return f"{minutes} minutes"
    return "1 hour" if minutes == 60 else f"{minutes // 60} hours"


def switches_shown(user: User) -> list[str]:
    if user.role == Role.TUTOR:
        return ["outcome_emails", "reminder_emails", "nudge_emails"]
    if user.role in (Role.STUDENT, Role.GUARDIAN):
        return ["outcome_emails", "reminder_emails", "booking_emails", "charge_emails"]
    return ["outcome_emails", "reminder_emails"]


def _endpoint_or_404(request: AuthenticatedHttpRequest, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    try:
        return webhook_endpoint_get(endpoint_id=endpoint_id, user=request.user)
    except NotFound as exc:
        raise Http404("No such webhook endpoint") from exc


# ---------------------------------------------------------------- endpoints


@role_required(Role.ADMIN)
@require_GET
def webhooks(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _list_page(request, WebhookEndpointForm())


def _list_page(
    request: AuthenticatedHttpRequest, form: WebhookEndpointForm, status: int = 200
) -> HttpResponse:
    if form.is_bound and isinstance(form.data, QueryDict):
        # Shown again with what was typed, under a new key: the refused key keeps its answer.
        form = WebhookEndpointForm(
            initial={
                "url": form.data.get("url", ""),
                "events": form.data.getlist("events"),
                "description": form.data.get("description", ""),
            }
        )
    endpoints = list(webhook_endpoints_visible_to(request.user))
    return render(
        request,
        "web/webhooks/list.html",
        {
            "endpoints": endpoints,
            "form": form,
            "nav": "webhooks",
            "event_labels": dict(EventType.choices),
            "private_allowed": allow_private(),
        },
        status=status,
    )


@role_required(Role.ADMIN)
@require_POST
def webhook_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = WebhookEndpointForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _list_page(request, form, status=422)
    data = form.cleaned_data

    def change() -> EndpointAdded:
        endpoint, secret = webhook_endpoint_create(
            url=data["url"], events=data["events"], description=data["description"], actor=user
        )
        return EndpointAdded(endpoint_id=endpoint.id, secret=secret)

    def respond(outcome: EndpointAdded | Refused) -> HttpResponse:
        if isinstance(outcome, Refused):
            messages.error(request, outcome.error)
            return _list_page(request, form, status=422)
        messages.success(request, "Endpoint added. Copy its signing secret now: it is shown only once.")
        return _detail_page(request, outcome.endpoint_id, secret=outcome.secret)

    return run_once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=EndpointAdded,
        change=change,
        respond=respond,
    )


@role_required(Role.ADMIN)
@require_GET
def webhook_detail(request: AuthenticatedHttpRequest, endpoint_id: uuid.UUID) -> HttpResponse:
    return _detail_page(request, endpoint_id)


def _detail_page(
    request: AuthenticatedHttpRequest, endpoint_id: uuid.UUID, *, secret: str = ""
) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    page = keyset_page(
        webhook_deliveries_of(endpoint),
        time_field="created_at",
        descending=True,
        cursor=request.GET.get("deliveries"),
        size=DELIVERIES_PER_PAGE,
    )
    deliveries = page.rows
    attempts = webhook_attempts_of(deliveries)
    for delivery in deliveries:
        delivery.attempt_rows = attempts[delivery.pk]
    return render(
        request,
        "web/webhooks/detail.html",
        {
            "endpoint": endpoint,
            "section": {
                "page": page,
                "param": "deliveries",
                "title": "Deliveries",
                "before_label": "Newer",
                "after_label": "Older",
            },
            "deliveries": deliveries,
            "secret": secret,
            "max_attempts": MAX_ATTEMPTS,
            "event_labels": dict(EventType.choices),
            "nav": "webhooks",
        },
    )


def _endpoint_action(
    request: AuthenticatedHttpRequest,
    endpoint_id: uuid.UUID,
    form_class: type[IdempotentForm],
    answer: type[A],
    change: Callable[[User, dict[str, Any]], A],
    respond: Callable[[A | Refused], HttpResponse],
) -> HttpResponse:
    """A button on an endpoint: parse its form, run its change once per form key, answer."""
    user = request.user
    _endpoint_or_404(request, endpoint_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("web:webhook-detail", endpoint_id)
    data = form.cleaned_data
    return run_once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=answer,
        change=lambda: change(user, data),
        respond=respond,
    )


def _go_back(
    request: AuthenticatedHttpRequest, endpoint_id: uuid.UUID
) -> Callable[[Done | Refused], HttpResponse]:
    """The answer of most buttons: say what happened, back to the endpoint (or to `next`)."""

    def respond(outcome: Done | Refused) -> HttpResponse:
        if isinstance(outcome, Refused):
            messages.error(request, outcome.error)
            return redirect("web:webhook-detail", endpoint_id)
        if outcome.notice:
            messages.success(request, outcome.notice)
        return redirect(outcome.next or reverse("web:webhook-detail", args=[endpoint_id]))

    return respond


@role_required(Role.ADMIN)
@require_POST
def webhook_enabled(request: AuthenticatedHttpRequest, endpoint_id: uuid.UUID) -> HttpResponse:
    def change(user: User, data: dict[str, Any]) -> Done:
        webhook_endpoint_update(endpoint_id=endpoint_id, enabled=data["enabled"], actor=user)
        if data["enabled"]:
            return Done(notice="Endpoint enabled: deliveries go out again.")
        return Done(notice="Endpoint disabled: nothing is sent to it until you enable it again.")

    return _endpoint_action(request, endpoint_id, EnabledForm, Done, change, _go_back(request, endpoint_id))


@role_required(Role.ADMIN)
@require_POST
def webhook_rotate(request: AuthenticatedHttpRequest, endpoint_id: uuid.UUID) -> HttpResponse:
    def change(user: User, data: dict[str, Any]) -> SecretMade:
        _, secret = webhook_endpoint_rotate_secret(endpoint_id=endpoint_id, actor=user)
        return SecretMade(secret=secret)

    def respond(outcome: SecretMade | Refused) -> HttpResponse:
        if isinstance(outcome, Refused):
            messages.error(request, outcome.error)
            return redirect("web:webhook-detail", endpoint_id)
        messages.success(
            request,
            "New signing secret made: copy it now, it is shown only once. For 24 hours deliveries "
            "are signed with the old secret too, so the receiver can switch over.",
        )
        return _detail_page(request, endpoint_id, secret=outcome.secret)

    return _endpoint_action(request, endpoint_id, IdempotentForm, SecretMade, change, respond)


@role_required(Role.ADMIN)
@require_POST
def webhook_delete(request: AuthenticatedHttpRequest, endpoint_id: uuid.UUID) -> HttpResponse:
    def change(user: User, data: dict[str, Any]) -> Done:
        webhook_endpoint_delete(endpoint_id=endpoint_id, actor=user)
        return Done(notice="Endpoint deleted.", next=reverse("web:webhooks"))

    return _endpoint_action(
        request, endpoint_id, IdempotentForm, Done, change, _go_back(request, endpoint_id)
    )


@role_required(Role.ADMIN)
@require_POST
def webhook_resend(
    request: AuthenticatedHttpRequest, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> HttpResponse:
    def change(user: User, data: dict[str, Any]) -> Done:
        webhook_delivery_resend(delivery_id=delivery_id, endpoint_id=endpoint_id, actor=user)
        return Done(notice="The delivery goes out again within a few seconds.")

    return _endpoint_action(
        request, endpoint_id, IdempotentForm, Done, change, _go_back(request, endpoint_id)
    )


# ---------------------------------------------------------------- email preferences (everyone)


@role_required(*Role.values)
@require_http_methods(["GET", "POST"])
def notification_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "GET":
        shown = switches_shown(user)
        form = NotificationForm(initial={**email_switches(user), "shown": ",".join(shown)})
        context = {
            "form": form,
            "nav": "notifications",
            "shown": shown,
            "reminder_offsets": " and ".join(duration_words(m) for m in settings.REMINDER_OFFSETS_MINUTES),
            "nudge_after": duration_words(settings.OUTCOME_NUDGE_MINUTES[0]),
        }
        return render(request, "web/webhooks/notifications.html", context)
    form = NotificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("web:notifications")
    data = form.cleaned_data

    def change() -> Done:
        # A form without `shown` (an older page) carried the outcome switch only.
        shown = [
            name for name in (data["shown"] or "outcome_emails").split(",") if name in switches_shown(user)
        ]
        notification_preference_update(user=user, actor=user, **{name: data[name] for name in shown})
        if shown == ["outcome_emails"]:
            return Done(notice=f"Outcome emails are {'on' if data['outcome_emails'] else 'off'}.")
        return Done(notice="Your email choices are saved.")

    def respond(outcome: Done | Refused) -> HttpResponse:
        if isinstance(outcome, Refused):
            messages.error(request, outcome.error)
        else:
            messages.success(request, outcome.notice)
        return redirect("web:notifications")

    return run_once(
        request,
        key=data["idempotency_key"],
        payload=form_payload(data),
        answer=Done,
        change=change,
        respond=respond,
    )


urlpatterns = [
    path("webhooks/", webhooks, name="webhooks"),
    path("webhooks/add/", webhook_add, name="webhook-add"),
    path("webhooks/<uuid:endpoint_id>/", webhook_detail, name="webhook-detail"),
    path("webhooks/<uuid:endpoint_id>/enabled/", webhook_enabled, name="webhook-enabled"),
    path("webhooks/<uuid:endpoint_id>/rotate/", webhook_rotate, name="webhook-rotate"),
    path("webhooks/<uuid:endpoint_id>/delete/", webhook_delete, name="webhook-delete"),
    path(
        "webhooks/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/resend/",
        webhook_resend,
        name="webhook-resend",
    ),
    path("settings/notifications/", notification_settings, name="notifications"),
]
