"""Short versions of `make soak` and `make crash` (harness/): seeded random API traffic against real
app servers, then every invariant of harness.checks. On PostgreSQL the crash rounds kill a worker and
crash a private cluster made with initdb; on SQLite they kill the whole app server mid-load."""

from __future__ import annotations

import pytest
from django.db import connection

from harness.checks import check
from harness.crash import crash_postgres, crash_sqlite
from harness.servers import database_url
from harness.soak import soak

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def assert_holds(report) -> None:
    assert report.ok, "\n".join(report.lines() + report.problems[:20])
    assert report.changes_acknowledged > 20
    assert report.replays_checked > 0


def test_a_short_soak_keeps_every_invariant_and_the_checks_would_see_a_lost_write():
    url = database_url()
    result = soak(url, duration=6, clients=8, seed=3, servers=2, workers=1, threads=4, migrate=False)
    assert_holds(result.report)
    assert result.report.five_xx_outside_outages == 0

    # The checks are not blind: drop one stored answer and they report a lost write.
    acknowledged = next(
        e
        for e in result.record.exchanges
        if e.final and e.final.status == 200 and e.call.kind == "status" and not e.first
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM idempotency_keys WHERE key = %s", [acknowledged.call.key])
    again = check(result.world, result.record, since=result.since, server_logs="")
    assert again.lost_writes == 1
    assert again.audit_mismatches == 1


def test_crash_rounds_lose_no_acknowledged_write_and_never_charge_twice():
    if connection.vendor == "postgresql":
        result = crash_postgres(rounds=3, clients=8, seed=5, period=4.0, down_for=1.0)
        assert result.rounds == ["worker_kill", "database_crash", "both"]
    else:
        result = crash_sqlite(database_url(), rounds=2, clients=8, seed=5, period=3.0)
    assert_holds(result.report)
    assert result.report.lost_writes == 0
    assert result.report.ledger_problems == 0
