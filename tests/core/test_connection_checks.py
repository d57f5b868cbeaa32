"""A kept PostgreSQL connection in use is checked at the start of each request without a round
trip when the server has said nothing, and replaced when the server has closed it: a connection
the server closed costs no request a 5xx, and a healthy one in use costs no `SELECT 1`. One idle
for a while is asked, as Django does."""

from __future__ import annotations

import psycopg
import pytest
import urllib3
from django.db import connection

from harness.servers import start_app_server, stop_app_server
from tests.api.conftest import token_for
from tutordesk.core.db.postgresql.base import IDLE_SECONDS

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's kept connections"),
]


def other_connection() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        autocommit=True,
    )


def last_query_of(pid: int) -> str:
    with other_connection() as other:
        row = other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    assert row is not None
    return str(row[0])


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def test_a_healthy_connection_is_checked_without_a_query():
    pid = backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last thing asked'")
    connection.health_check_done = False  # as at the start of a request

    connection.close_if_health_check_failed()

    assert connection.connection is not None
    assert connection.health_check_done
    assert last_query_of(pid) == "SELECT 'the last thing asked'"
    assert backend_pid() == pid  # the same connection is used on


def test_a_connection_idle_for_a_while_is_asked():
    pid = backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last thing asked'")
    connection.health_check_done = False
    connection._last_checked -= IDLE_SECONDS + 1  # as after a quiet spell

    connection.close_if_health_check_failed()

    assert last_query_of(pid) == "SELECT 1"
    assert backend_pid() == pid


def test_a_connection_the_server_closed_is_replaced_before_it_is_used():
    pid = backend_pid()
    with other_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
    connection.health_check_done = False

    connection.close_if_health_check_failed()

    assert backend_pid() != pid


def test_a_request_after_the_server_dropped_the_kept_connections_answers_200(tutor):
    """Over real HTTP: the server keeps its connection between requests; PostgreSQL drops it (as a
    restart would); the next request is served on a new connection, not answered 503."""
    token = token_for(tutor)
    server = start_app_server(workers=1, threads=1)
    try:
        me = f"{server.url}/api/v1/me"
        headers = {"Authorization": f"Bearer {token}"}
        assert urllib3.request("GET", me, headers=headers).status == 200
        with other_connection() as other:
            kept = server_backends(other)
            assert kept, "the server keeps its connection between requests"
            other.execute("SELECT pg_terminate_backend(pid, 5000) FROM unnest(%s::int[]) AS pid", [kept])

        response = urllib3.request("GET", me, headers=headers)

        assert response.status == 200, response.data
        with other_connection() as other:
            assert server_backends(other) and not set(server_backends(other)) & set(kept)
    finally:
        stop_app_server(server)


def server_backends(other: psycopg.Connection) -> list[int]:
    """The connections to the test database other than this test process's own."""
    rows = other.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() AND pid <> %s",
        [connection.settings_dict["NAME"], backend_pid()],
    ).fetchall()
    return [row[0] for row in rows]
