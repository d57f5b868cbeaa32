"""A consuming status update runs a fixed, small number of SQL statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import PackageFactory, SessionFactory
from tutordesk.scheduling.services import session_update_status

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def statements_of_one_done(match, tutor) -> list[str]:
    session = SessionFactory(match=match)
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        session_update_status(session_id=session.id, status="done", actor=tutor)
    return [
        q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(TRANSACTION_CONTROL)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_done_runs_five_statements_however_many_sessions_and_packages(match, tutor):
    PackageFactory(request=match.request, sessions_total=1, sessions_used=1, status="exhausted")
    PackageFactory(request=match.request, sessions_total=200)
    small = statements_of_one_done(match, tutor)
    assert len(small) == 5, small

    for i in range(30):
        PackageFactory(request=match.request, sessions_total=5)
        SessionFactory(match=match, scheduled_start_at=timezone.now() - timedelta(days=1, hours=i))
    assert len(statements_of_one_done(match, tutor)) == 5
    kinds = [sql.split()[0].upper() for sql in small]
    assert kinds == ["SELECT", "SELECT", "UPDATE", "UPDATE", "INSERT"]
