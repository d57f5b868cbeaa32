"""Odd input to the pages gets a plain answer, never a server error."""

from __future__ import annotations

import pytest

from tests.helpers import snapshot
from tests.web.conftest import status_post
from tutordesk.accounts.models import User


@pytest.mark.parametrize(
    "url",
    ["/?end=9999-12-31", "/audit/?end=9999-12-31", "/audit/export.csv?end=9999-12-31", "/?start=0001-01-01"],
)
def test_a_date_filter_outside_this_century_is_refused_politely(admin_client_, url):
    response = admin_client_.get(url)
    if url.startswith("/audit/export"):  # no file for filters that cannot be: back to the page
        assert response.status_code == 302 and response["Location"] == "/audit/?end=9999-12-31"
        return
    assert response.status_code == 200
    field = "end" if "end=" in url else "start"
    assert response.context["form"].has_error(field, "out_of_range")
    assert f'data-field-error="{field}"'.encode() in response.content


def test_a_reschedule_far_in_the_future_is_refused_in_the_row(tutor_client, future_session):
    before = snapshot()
    response = status_post(tutor_client, future_session, "rescheduled", new_start_at="9999-12-31T23:59")
    assert response.status_code == 200
    assert b"between the years 2000 and 2099" in response.content
    assert snapshot() == before


def test_a_nul_character_in_a_page_filter_is_a_bad_request(admin_client_):
    assert admin_client_.get("/", {"student": "a\x00b"}).status_code == 400
    assert admin_client_.get("/admin/scheduling/session/", {"status": "\x00"}).status_code == 400


def test_the_django_admin_refuses_an_email_that_differs_only_in_case(admin_client_, tutor):
    response = admin_client_.post(
        "/admin/accounts/user/add/",
        {"email": tutor.email.upper(), "name": "Copy", "role": "tutor", "timezone": "UTC", "is_active": "on"},
    )
    assert response.status_code == 200
    assert b"already" in response.content
    assert User.objects.filter(email__iexact=tutor.email).count() == 1
