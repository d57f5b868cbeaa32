"""The admins' webhook pages: list, add (secret shown once), enable/disable, rotate, delete, and
the delivery log with "send again". Every change goes through a service and its audit row."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.events.conftest import make_endpoint, run_worker
from tests.helpers import update_status
from tests.web.conftest import logged_in
from tutordesk.audit.models import AuditLog
from tutordesk.events.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db
PUBLIC_URL = "https://93.184.216.34/hooks"  # a public IP literal: checked without any DNS query; never called


def key() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def admin_page(admin):
    return logged_in(admin)


def test_an_admin_adds_an_endpoint_and_sees_the_secret_only_then(admin_page):
    response = admin_page.post(
        "/webhooks/add/",
        {
            "url": PUBLIC_URL,
            "events": ["session.status_updated", "package.low_balance"],
            "description": "CRM",
            "idempotency_key": key(),
        },
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    html = response.content.decode()
    assert f"data-secret>{endpoint.secret}<" in html
    assert endpoint.events == ["session.status_updated", "package.low_balance"]
    assert AuditLog.objects.filter(action="webhook_endpoint_created").count() == 1

    listing = admin_page.get("/webhooks/").content.decode()
    assert PUBLIC_URL in listing and endpoint.secret not in listing
    detail = admin_page.get(f"/webhooks/{endpoint.id}/").content.decode()
    assert endpoint.secret not in detail


def test_a_double_submit_adds_one_endpoint_and_shows_the_same_secret(admin_page):
    data = {"url": PUBLIC_URL, "events": ["session.created"], "idempotency_key": key()}
    first = admin_page.post("/webhooks/add/", data).content.decode()
    second = admin_page.post("/webhooks/add/", data).content.decode()
    assert WebhookEndpoint.objects.count() == 1
    secret = WebhookEndpoint.objects.get().secret
    assert secret in first and secret in second


def test_a_refused_url_is_said_in_words_and_saves_nothing(admin_page):
    response = admin_page.post(
        "/webhooks/add/",
        {"url": "https://127.0.0.1/x", "events": ["session.created"], "idempotency_key": key()},
    )
    assert response.status_code == 422
    assert "loopback" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(("allowed", "rule"), [(False, "public-https"), (True, "private-allowed")])
def test_the_url_hint_says_what_this_server_accepts(admin_page, settings, allowed, rule):
    """The hint follows TUTORDESK_WEBHOOKS_ALLOW_PRIVATE, and so does what the form accepts."""
    settings.WEBHOOKS_ALLOW_PRIVATE = allowed
    html = admin_page.get("/webhooks/").content.decode()
    assert f'data-url-rule="{rule}"' in html and html.count("data-url-rule=") == 1
    response = admin_page.post(
        "/webhooks/add/",
        {"url": "http://127.0.0.1:9/hook", "events": ["session.created"], "idempotency_key": key()},
    )
    assert response.status_code == (200 if allowed else 422)
    assert WebhookEndpoint.objects.exists() is allowed


def test_an_admin_disables_enables_rotates_and_deletes(admin_page):
    endpoint, secret = make_endpoint(PUBLIC_URL)
    admin_page.post(f"/webhooks/{endpoint.id}/enabled/", {"idempotency_key": key()})
    endpoint.refresh_from_db()
    assert endpoint.enabled is False
    admin_page.post(f"/webhooks/{endpoint.id}/enabled/", {"enabled": "on", "idempotency_key": key()})
    endpoint.refresh_from_db()
    assert endpoint.enabled is True

    rotated = admin_page.post(f"/webhooks/{endpoint.id}/rotate/", {"idempotency_key": key()}).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret != secret and f"data-secret>{endpoint.secret}<" in rotated

    response = admin_page.post(f"/webhooks/{endpoint.id}/delete/", {"idempotency_key": key()})
    assert response.status_code == 302 and response["Location"] == "/webhooks/"
    assert not WebhookEndpoint.objects.exists()
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"webhook_endpoint_updated", "webhook_secret_rotated", "webhook_endpoint_deleted"} <= actions


@pytest.mark.usefixtures("allow_private")
def test_the_delivery_log_shows_attempts_and_sends_again(admin_page, receivers, tutor, past_session):
    receiver = receivers(lambda request, before: 500 if before == 0 else 200)
    endpoint, _ = make_endpoint(receiver.url, events=["session.status_updated"])
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    delivery = WebhookDelivery.objects.get()
    html = admin_page.get(f"/webhooks/{endpoint.id}/").content.decode()
    row = re.search(rf'<tr data-delivery-id="{delivery.id}" data-state="pending".*?</tr>', html, re.S).group(
        0
    )
    assert "HTTP 500" in row and "data-duration-ms" in row
    assert f"{delivery.event_id}" in row
    assert "—" not in row.split("data-next-attempt>")[1][:5]  # a next retry time is shown

    admin_page.post(f"/webhooks/{endpoint.id}/deliveries/{delivery.id}/resend/", {"idempotency_key": key()})
    run_worker()
    delivery.refresh_from_db()
    assert delivery.state == "succeeded"
    html = admin_page.get(f"/webhooks/{endpoint.id}/").content.decode()
    assert 'data-state="succeeded"' in html and "HTTP 200" in html


@pytest.mark.parametrize("persona", ["tutor", "student"])
def test_the_pages_are_for_admins_only(request, persona):
    page = logged_in(request.getfixturevalue(persona))
    assert page.get("/webhooks/").status_code == 403
    response = page.post(
        "/webhooks/add/", {"url": PUBLIC_URL, "events": ["session.created"], "idempotency_key": key()}
    )
    assert response.status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_an_unknown_endpoint_is_a_404(admin_page):
    assert admin_page.get(f"/webhooks/{uuid.uuid4()}/").status_code == 404
