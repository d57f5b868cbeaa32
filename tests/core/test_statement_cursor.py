"""The row helpers' kept cursor (`core.db.rows.statement_cursor`): one per database connection,
made again for a new connection or time zone, never used while queries are recorded or while the
connection is shared between threads, refused to another thread, and its errors are Django's as
with any other cursor."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.factories import TutorFactory
from tutordesk.accounts.models import User
from tutordesk.core.db.rows import fetch_models, insert_rows, select_list, statement_cursor
from tutordesk.core.models import IdempotencyKey

pytestmark = pytest.mark.django_db(transaction=True)

_ONE_USER = f"SELECT {select_list(User)} FROM users WHERE id = %s"


def _one_user(user: User) -> User:
    key = User._meta.pk.get_db_prep_value(user.pk, connections[DEFAULT_DB_ALIAS])
    return fetch_models(User, _ONE_USER, [key])[0][0]


def _cursor_used() -> object:
    with statement_cursor(connections[DEFAULT_DB_ALIAS]) as cursor:
        return cursor


def test_one_cursor_serves_every_statement_of_a_connection():
    user = TutorFactory()
    first = _cursor_used()
    assert _one_user(user).pk == user.pk
    assert _cursor_used() is first
    assert _one_user(user).email == user.email


def test_a_new_connection_gets_a_new_cursor_that_works():
    user = TutorFactory()
    first = _cursor_used()
    own = connections[DEFAULT_DB_ALIAS]
    own.close()
    second = _cursor_used()
    assert second is not first
    assert _one_user(user).pk == user.pk


def test_recorded_queries_go_through_a_fresh_recording_cursor():
    user = TutorFactory()
    kept = _cursor_used()
    own = connections[DEFAULT_DB_ALIAS]
    with CaptureQueriesContext(own) as captured:
        assert _cursor_used() is not kept
        _one_user(user)
    assert [q["sql"] for q in captured.captured_queries if "FROM users" in q["sql"]], (
        captured.captured_queries
    )
    assert _cursor_used() is kept  # recording over, the kept cursor again


def test_a_connection_shared_between_threads_gets_a_cursor_per_statement():
    own = connections[DEFAULT_DB_ALIAS]
    kept = _cursor_used()
    own.inc_thread_sharing()
    try:
        assert _cursor_used() is not kept
    finally:
        own.dec_thread_sharing()


def test_an_error_through_the_kept_cursor_is_djangos_and_the_cursor_stays_usable():
    user = TutorFactory()
    row = dict(user=user, key="k-" + uuid.uuid4().hex, fingerprint="f", status_code=200, response_body="{}")
    with transaction.atomic():
        insert_rows([IdempotencyKey(**row)])
    kept = _cursor_used()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows([IdempotencyKey(**row)])  # the same (user, key) again
    assert _cursor_used() is kept
    assert _one_user(user).pk == user.pk
    assert IdempotencyKey.objects.filter(user=user, key=row["key"]).count() == 1


def test_another_threads_connection_is_refused_as_djangos_own_cursor_refuses_it():
    own = connections[DEFAULT_DB_ALIAS]
    own.ensure_connection()
    refused: list[BaseException] = []

    def use_from_another_thread() -> None:
        try:
            with statement_cursor(own):
                pass
        except DatabaseError as exc:
            refused.append(exc)

    thread = threading.Thread(target=use_from_another_thread)
    thread.start()
    thread.join()
    assert len(refused) == 1 and "thread" in str(refused[0])


def test_a_change_of_the_connections_time_zone_gets_a_new_cursor():
    user = TutorFactory()
    kept = _cursor_used()
    with override_settings(USE_TZ=False):
        assert _cursor_used() is not kept
        assert _one_user(user).pk == user.pk
    renewed = _cursor_used()
    assert renewed is not kept
    assert _one_user(user).date_joined.tzinfo is not None  # aware again, as USE_TZ says
