"""Invitations and password resets, end to end: the worker sends the email through a real SMTP
server on 127.0.0.1 (aiosmtpd), a real HTTP client follows the link to the live server, sets a
password and logs in; the link then fails. Links work once, expire after 7 days and die with a
deactivation; "Forgot password?" answers alike for any email and is rate-limited."""

from __future__ import annotations

import email
import re
import threading
from datetime import timedelta
from email.message import Message

import pytest
import requests
from aiosmtpd.controller import Controller
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction

from harness.servers import free_port
from tests.events.conftest import run_worker
from tutordesk.accounts.models import User
from tutordesk.accounts.services import password_reset_request, person_deactivate, person_invite
from tutordesk.audit.models import AuditLog
from tutordesk.events.models import EmailNotification, Event

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a-long-new-secret-42"
LINK = re.compile(r"https?://\S+/accounts/reset/[^/\s]+/[^/\s]+/")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        self.arrived.set()
        return "250 OK"


@pytest.fixture
def inbox(settings, live_server):
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.BASE_URL = live_server.url
    yield box
    controller.stop()


def text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no plain text part")


def link_in(message: Message) -> str:
    found = LINK.search(text_of(message))
    assert found, text_of(message)
    return found.group(0)


def form_post(browser: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    """Post a page's form as a browser does: its CSRF token from the page just fetched."""
    page = browser.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return browser.post(
        page.url, data={"csrfmiddlewaretoken": token.group(1), **data}, headers={"Referer": page.url}
    )


def logs_in(live_server, address: str, password: str) -> bool:
    browser = requests.Session()
    answer = form_post(
        browser, f"{live_server.url}/accounts/login/", {"username": address, "password": password}
    )
    return answer.url.rstrip("/") == live_server.url and "data-logout" in answer.text


def invite(admin, address="nia@example.test") -> User:
    with transaction.atomic():
        return person_invite(actor=admin, email=address, name="Nia New", role="tutor")


def test_an_invitation_link_sets_a_password_once(admin, inbox, live_server):
    user = invite(admin)
    run_worker()
    [message] = inbox.messages
    assert message["To"] == "nia@example.test"
    link = link_in(message)
    assert link.startswith(live_server.url + "/accounts/reset/")
    assert "token" not in str(Event.objects.get(type="user.invited").data)

    browser = requests.Session()
    done = form_post(browser, link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 200 and "data-password-set" in done.text
    assert logs_in(live_server, "nia@example.test", NEW_PASSWORD)
    assert AuditLog.objects.filter(entity_id=user.id, action="password_set").count() == 1

    again = requests.get(link)
    assert "data-link-invalid" in again.text and "data-set-password" not in again.text


def test_a_link_dies_when_the_person_is_deactivated(admin, inbox):
    user = invite(admin)
    run_worker()
    link = link_in(inbox.messages[0])
    with transaction.atomic():
        person_deactivate(actor=admin, user_id=user.id)
    assert "data-link-invalid" in requests.get(link).text


def test_a_link_expires_after_seven_days(admin, inbox, monkeypatch):
    invite(admin)
    run_worker()
    link = link_in(inbox.messages[0])
    # Django's token generator reads its own clock: eight days on, the link is refused.
    real_now = PasswordResetTokenGenerator._now
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: real_now(self) + timedelta(days=8))
    assert "data-link-invalid" in requests.get(link).text
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: real_now(self) + timedelta(days=6))
    assert "data-set-password" in requests.get(link).text


def test_forgot_password_sends_a_link_through_the_outbox_and_answers_alike(admin, tutor, inbox, live_server):
    browser = requests.Session()
    known = form_post(browser, f"{live_server.url}/accounts/password-reset/", {"email": tutor.email.upper()})
    unknown = form_post(
        browser, f"{live_server.url}/accounts/password-reset/", {"email": "nobody@example.test"}
    )
    assert known.status_code == unknown.status_code == 200
    assert known.url == unknown.url and "data-reset-sent" in known.text and "data-reset-sent" in unknown.text
    assert inbox.messages == []  # nothing is sent inside the request
    run_worker()
    [message] = inbox.messages
    assert message["To"] == tutor.email
    done = form_post(
        requests.Session(), link_in(message), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert "data-password-set" in done.text
    assert logs_in(live_server, tutor.email, NEW_PASSWORD)


def test_reset_asks_are_limited_per_email_and_per_address(settings, tutor):
    settings.PASSWORD_RESET_ASKS_PER_EMAIL = 2
    settings.PASSWORD_RESET_ASKS_PER_IP = 4
    outcomes = []
    for _ in range(3):
        with transaction.atomic():
            outcomes.append(password_reset_request(email=tutor.email, client_ip="10.0.0.1"))
    assert outcomes == ["sent", "sent", "limited_email"]
    assert Event.objects.filter(type="user.password_reset_requested").count() == 2
    with transaction.atomic():
        assert password_reset_request(email="someone@example.test", client_ip="10.0.0.1") == "unknown"
    with transaction.atomic():
        assert password_reset_request(email="other@example.test", client_ip="10.0.0.1") == "limited_ip"
    with transaction.atomic():  # another address is not held back by this one
        assert password_reset_request(email="other@example.test", client_ip="10.0.0.2") == "unknown"


def test_the_address_limit_is_said_on_the_page(settings, client):
    settings.PASSWORD_RESET_ASKS_PER_IP = 1
    assert client.post("/accounts/password-reset/", {"email": "a@example.test"}).status_code == 302
    refused = client.post("/accounts/password-reset/", {"email": "b@example.test"})
    assert refused.status_code == 429 and "data-reset-error" in refused.content.decode()


def test_no_email_is_made_for_a_deactivated_person(admin, inbox):
    user = invite(admin)
    with transaction.atomic():
        person_deactivate(actor=admin, user_id=user.id)
    run_worker()
    assert not EmailNotification.objects.exists() and inbox.messages == []
