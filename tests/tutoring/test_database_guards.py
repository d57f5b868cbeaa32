"""The database guards the invariants on its own, whatever code or person writes SQL."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from tests.factories import TutorFactory, make_match, make_package, make_session
from tutordesk.tutoring.models import Match


def raw(sql: str, params: list | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_sessions_used_cannot_pass_sessions_total(db):
    package = make_package(sessions_total=3)
    with pytest.raises(IntegrityError, match="packages_sessions_used_within_total"):
        raw("UPDATE packages SET sessions_used = sessions_total + 1")
    package.refresh_from_db()
    assert package.sessions_used == 0


def test_sessions_used_cannot_go_below_zero(db):
    make_package(sessions_total=3)
    with pytest.raises(IntegrityError, match="sessions_used"):
        raw("UPDATE packages SET sessions_used = -1")


def test_a_full_package_cannot_stay_active(db):
    make_package(sessions_total=3)
    with pytest.raises(IntegrityError, match="packages_status_matches_usage"):
        raw("UPDATE packages SET sessions_used = 3")


def test_an_unknown_session_status_is_refused(db):
    make_session()
    with pytest.raises(IntegrityError, match="sessions_status_valid"):
        raw("UPDATE sessions SET status = 'cancelled'")


@pytest.mark.parametrize("minutes", [0, 14, 241])
def test_a_duration_outside_15_to_240_is_refused(db, minutes):
    make_session()
    with pytest.raises(IntegrityError, match="sessions_duration_15_to_240"):
        raw("UPDATE sessions SET duration_minutes = %s", [minutes])


def test_a_plain_http_meet_link_is_refused(db):
    make_session()
    with pytest.raises(IntegrityError, match="sessions_meet_link_https"):
        raw("UPDATE sessions SET meet_link = 'http://meet.example.com/x'")


def test_a_request_has_one_active_match_at_most(db):
    match = make_match()
    # match_create refuses this before the database sees it; the row is written directly to prove
    # that the database refuses it on its own.
    # SQLite names the column of the partial unique index, PostgreSQL the index.
    with (
        pytest.raises(IntegrityError, match=r"matches\.request_id|matches_one_active_per_request"),
        transaction.atomic(),
    ):
        Match.objects.create(request=match.request, tutor=TutorFactory())
