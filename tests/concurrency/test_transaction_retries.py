"""core.db.run_in_transaction: a transaction the database rolled back on its own (a deadlock on
PostgreSQL, "database is locked" on SQLite) runs again, and the caller never sees the refusal.
Both refusals are provoked for real on separate connections."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

import pytest
from django.db import connection

from tests.factories import make_match, make_package
from tutordesk.core.db import run_in_transaction
from tutordesk.tutoring.models import Package

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level deadlocks are PostgreSQL's")
def test_a_deadlock_is_retried_and_both_changes_commit(caplog):
    match = make_match()
    first = make_package(request=match.request, sessions_total=10)
    second = make_package(request=match.request, sessions_total=10)
    both_hold_one = threading.Barrier(2, timeout=30)
    attempts = {"a": 0, "b": 0}

    def lock_in_order(name: str, one: Package, other: Package) -> None:
        def work() -> None:
            attempts[name] += 1
            Package.objects.select_for_update().filter(pk=one.pk).exists()
            if attempts[name] == 1:
                both_hold_one.wait()  # each holds one row and now asks for the other's
            Package.objects.select_for_update().filter(pk=other.pk).exists()
            Package.objects.filter(pk__in=[one.pk, other.pk]).update(sessions_total=20)

        try:
            run_in_transaction(work)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=lock_in_order, args=("a", first, second)),
        threading.Thread(target=lock_in_order, args=("b", second, first)),
    ]
    with caplog.at_level(logging.WARNING, logger="tutordesk.db"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sorted(attempts.values()) == [1, 2]  # PostgreSQL aborted one; it ran again and won
    assert any("transaction retried: 40P01" in r.getMessage() for r in caplog.records)
    assert set(Package.objects.values_list("sessions_total", flat=True)) == {20}


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's database-wide write lock")
def test_a_write_lock_not_granted_in_time_is_retried(caplog):
    match = make_match()
    package = make_package(request=match.request, sessions_total=10)
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock for a moment
    released = threading.Timer(0.4, holder.rollback)
    attempts = []

    def work() -> None:
        attempts.append(time.monotonic())
        Package.objects.filter(pk=package.pk).update(sessions_total=30)

    with caplog.at_level(logging.WARNING, logger="tutordesk.db"):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 100")  # give up waiting quickly, then retry
        released.start()
        try:
            run_in_transaction(work, attempts=8)
        finally:
            released.join()
            holder.close()
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 30000")
    assert any("database is locked" in r.getMessage() for r in caplog.records)
    package.refresh_from_db()
    assert package.sessions_total == 30
