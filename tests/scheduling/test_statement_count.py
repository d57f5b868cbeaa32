"""A consuming status update runs a fixed, small number of SQL statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_package, make_session
from tutordesk.scheduling.services import session_update_status

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def statements_of_one_done(match, tutor) -> list[str]:
    session = make_session(match=match)
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        session_update_status(session_id=session.id, status="done", actor=tutor)
    return [
        q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(TRANSACTION_CONTROL)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_done_runs_five_statements_however_many_sessions_and_packages(match, tutor):
    make_package(request=match.request, sessions_total=1, sessions_used=1)  # exhausted
    make_package(request=match.request, sessions_total=200)
    small = statements_of_one_done(match, tutor)
    assert len(small) == 5, small

    a_day_ago = timezone.now() - timedelta(days=1)
    for i in range(30):
        make_package(request=match.request, sessions_total=5)
        make_session(match=match, scheduled_start_at=a_day_ago - timedelta(hours=i))
    assert len(statements_of_one_done(match, tutor)) == 5
    kinds = [sql.split()[0].upper() for sql in small]
    # lock the session with its request; pick and charge the FIFO package; the session; the audit
    # row; all the change's events (one multi-row INSERT)
    assert kinds == ["SELECT", "UPDATE", "UPDATE", "INSERT", "INSERT"]
