"""SQL statements of one API `done` with an Idempotency-Key: the service's own, plus a fixed few."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import ApiClient, token_for
from tests.factories import make_package, make_session

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def statements(captured) -> list[str]:
    return [
        q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(TRANSACTION_CONTROL)
    ]


@pytest.mark.django_db(transaction=True)
def test_an_api_done_with_a_key_runs_a_fixed_number_of_statements(match, tutor):
    for _ in range(5):
        make_package(request=match.request, sessions_total=3)
    api = ApiClient(token_for(tutor))
    sessions = [make_session(match=match) for _ in range(2)]

    connection.features.supports_json_field
    counts = []
    for i, session in enumerate(sessions):
        with CaptureQueriesContext(connection) as captured:
            response = api.post(f"/sessions/{session.id}/status", {"status": "done"}, key=f"budget-{i}")
        assert response.status_code == 200
        counts.append(statements(captured))

    sql = counts[0]
    # the token with the caller's stored answer for the key (one statement); the lock, the charge
    # and the session; then the rows the change adds (its audit row, its events, the key's answer),
    # sent together at its end: on PostgreSQL one statement, on SQLite (no INSERT inside WITH) one
    # per table (docs/architecture.md, "The heart").
    expected = 5 if connection.vendor == "postgresql" else 7
    assert len(sql) == expected, "\n".join(sql)
    if connection.vendor == "postgresql":
        added = sql[-1]
        for table in ("audit_logs", "events", "idempotency_keys"):
            assert f'INSERT INTO "{table}"' in added, added
    assert len(counts[1]) == expected  # the same however many sessions and packages exist

    with CaptureQueriesContext(connection) as captured:
        replay = api.post(f"/sessions/{sessions[0].id}/status", {"status": "done"}, key="budget-0")
    assert replay["Idempotent-Replayed"] == "true"
    # the token with the stored answer: a replay takes no lock and never reaches the service
    assert len(statements(captured)) == 1
