"""Login and logout with email and password, and django-axes' lockout with a cool-off that ends."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from tests.factories import TEST_PASSWORD


def test_the_login_page_asks_for_email_and_password(db):
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'type="email"' in html
    assert 'name="password"' in html
    assert "csrfmiddlewaretoken" in html


def test_an_anonymous_visitor_is_sent_to_the_login_page(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


def test_a_tutor_logs_in_with_email_and_lands_on_the_dashboard(tutor):
    client = Client()
    response = client.post("/accounts/login/", {"username": "TARA@example.test", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "Your sessions" in client.get("/").content.decode()


def test_a_wrong_password_says_so_plainly(tutor):
    response = Client().post("/accounts/login/", {"username": tutor.email, "password": "nope"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()


def test_five_failures_lock_the_email_with_a_clear_message(tutor):
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": tutor.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": tutor.email, "password": TEST_PASSWORD})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed sign-in attempts" in html
    assert "15 minutes" in html
    assert "_auth_user_id" not in client.session


def test_the_lockout_ends_after_the_cool_off(tutor):
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": tutor.email, "password": "wrong"})
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = client.post("/accounts/login/", {"username": tutor.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_lockout_of_one_email_leaves_another_email_free(tutor, other_tutor):
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": tutor.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": other_tutor.email, "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_logging_out_takes_a_post_and_ends_the_session(tutor):
    client = Client()
    client.post("/accounts/login/", {"username": tutor.email, "password": TEST_PASSWORD})
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302
