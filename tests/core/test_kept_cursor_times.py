"""On PostgreSQL the row helpers' kept cursor reads `timestamptz` with psycopg's compiled loader
(`DatabaseWrapper.read_times_fast`): the same datetimes as Django's loader, which every other
cursor keeps, and Django's loader again wherever the two could differ."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import DEFAULT_DB_ALIAS, DataError, connection, connections
from django.test import override_settings
from psycopg.pq import Format

from tests.factories import TutorFactory
from tutordesk.accounts.models import User
from tutordesk.core.db.postgresql.base import PSYCOPG_TIMESTAMPTZ_LOADER, TIMESTAMPTZ_OID
from tutordesk.core.db.rows import fetch_models, select_list, statement_cursor

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's loaders"),
]

# Microseconds, a leap day, the first and last instants Python holds. PostgreSQL sends every value
# in the session's zone (UTC), whatever offset it was given with: the instants given with offsets
# check the same instant comes back, as the loaders only ever read "+00".
TIMES = [
    "2026-12-07 22:52:26.123456+00",
    "2026-03-29 01:59:59.999999+00",
    "2024-02-29 23:30:00-05",
    "2025-10-26 02:30:00+05:30",
    "2025-06-01 00:00:00.000001+14",
    "1970-01-01 00:00:00+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
]
_SELECT = "SELECT " + ", ".join(f"%s::timestamptz AS t{i}" for i in range(len(TIMES)))


def _loader(cursor: object) -> type:
    """The class `cursor` loads a text timestamptz with."""
    return cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)  # type: ignore[attr-defined, no-any-return]


def _read(cursor: object) -> tuple[datetime.datetime, ...]:
    cursor.execute(_SELECT, TIMES)  # type: ignore[attr-defined]
    return tuple(cursor.fetchone())  # type: ignore[attr-defined]


def test_the_kept_cursor_reads_times_as_djangos_own_cursor_does_with_the_compiled_loader():
    own = connections[DEFAULT_DB_ALIAS]
    with statement_cursor(own) as kept:
        fast = _read(kept)
        assert _loader(kept) is PSYCOPG_TIMESTAMPTZ_LOADER
    with connection.cursor() as django_cursor:
        slow = _read(django_cursor)
        assert _loader(django_cursor) is not PSYCOPG_TIMESTAMPTZ_LOADER  # every other cursor: Django's
        assert _loader(django_cursor).timezone is datetime.UTC
    assert fast == slow
    assert [t.tzinfo for t in fast] == [datetime.UTC] * len(TIMES)
    assert [t.isoformat() for t in fast] == [t.isoformat() for t in slow]
    assert fast[0] == datetime.datetime(2026, 12, 7, 22, 52, 26, 123456, tzinfo=datetime.UTC)
    assert fast[2] == datetime.datetime(2024, 3, 1, 4, 30, tzinfo=datetime.UTC)
    assert fast[6] == datetime.datetime.min.replace(tzinfo=datetime.UTC)
    assert fast[7] == datetime.datetime.max.replace(tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "value", ["infinity", "-infinity", "2000-01-01 00:00:00+00 BC", "10000-01-01 00:00:00+00"]
)
def test_a_time_python_cannot_hold_is_the_same_error_through_both(value):
    own = connections[DEFAULT_DB_ALIAS]
    errors = []
    with statement_cursor(own) as kept, connection.cursor() as django_cursor:
        for cursor in (kept, django_cursor):
            with pytest.raises(DataError) as raised:
                cursor.execute("SELECT %s::timestamptz", [value])
                cursor.fetchone()
            errors.append((type(raised.value), str(raised.value)))
        assert _loader(kept) is PSYCOPG_TIMESTAMPTZ_LOADER
    assert errors[0] == errors[1]


def test_rows_read_through_the_kept_cursor_match_the_orms():
    user = TutorFactory()
    key = User._meta.pk.get_db_prep_value(user.pk, connections[DEFAULT_DB_ALIAS])
    fetched = fetch_models(User, f"SELECT {select_list(User)} FROM users WHERE id = %s", [key])[0][0]
    orm = User.objects.get(pk=user.pk)
    assert fetched.date_joined == orm.date_joined
    assert fetched.date_joined.tzinfo is datetime.UTC


def test_any_other_zone_keeps_djangos_loader():
    own = connections[DEFAULT_DB_ALIAS]
    # Django reads naive times here: psycopg's loader would not.
    with override_settings(USE_TZ=False), statement_cursor(own) as kept:
        assert _loader(kept) is not PSYCOPG_TIMESTAMPTZ_LOADER
        naive = _read(kept)
    assert all(t.tzinfo is None for t in naive)
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Kolkata'")
        try:
            assert not own.read_times_fast(cursor)  # the session's zone is not UTC: Django's loader stays
            assert _loader(cursor) is not PSYCOPG_TIMESTAMPTZ_LOADER
        finally:
            cursor.execute("SET TIME ZONE 'UTC'")


def test_a_database_time_zone_setting_keeps_djangos_loader():
    """DATABASES' TIME_ZONE makes Django read times in a ZoneInfo, even "UTC": not psycopg's zone."""
    own = connections[DEFAULT_DB_ALIAS]
    given = own.settings_dict.get("TIME_ZONE")
    own.settings_dict["TIME_ZONE"] = "UTC"
    for cached in ("timezone", "timezone_name"):
        own.__dict__.pop(cached, None)
    try:
        assert own.timezone == ZoneInfo("UTC")
        with connection.cursor() as cursor:
            assert not own.read_times_fast(cursor)
            assert _loader(cursor) is not PSYCOPG_TIMESTAMPTZ_LOADER
    finally:
        own.settings_dict["TIME_ZONE"] = given
        for cached in ("timezone", "timezone_name"):
            own.__dict__.pop(cached, None)
    assert own.timezone is datetime.UTC
