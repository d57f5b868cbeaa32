"""A time with a UTC offset beyond PostgreSQL's ±15:59 (ISO 8601 allows up to ±23:59) is taken
as the instant it names, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_filter_with_a_far_offset_is_answered(admin_api, future_session):
    response = admin_api.get("/sessions", {"from": "2072-04-16T03:03:36.342812-18:10"})
    assert response.status_code == 200, response.content
    response = admin_api.get("/sessions", {"from": "2000-01-01T00:00:00+23:59"})
    assert [s["id"] for s in response.json()["items"]] == [str(future_session.id)]


def test_a_new_session_at_a_far_offset_is_stored_at_its_instant(admin_api, match):
    start = timezone.now() + timedelta(days=3)
    text = start.astimezone(timezone.get_fixed_timezone(-(18 * 60 + 10))).isoformat()
    response = admin_api.post(
        "/sessions", {"match_id": str(match.id), "scheduled_start_at": text, "duration_minutes": 60}
    )
    assert response.status_code == 201, response.content
    assert response.json()["scheduled_start_at"] == start.isoformat()


def test_the_report_takes_a_far_offset_as_its_instant(admin_api, past_session):
    past = past_session.scheduled_start_at
    response = admin_api.get(
        "/reports/outcomes",
        {
            "from": (past - timedelta(hours=1))
            .astimezone(timezone.get_fixed_timezone(23 * 60 + 59))
            .isoformat()
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["totals"]["scheduled"] == 1
