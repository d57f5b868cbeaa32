"""`manage.py welcome`, make run's last words: once the server accepts connections and the worker
has sent what was due, the address and the demo logins, so they end the terminal's output."""

from __future__ import annotations

import socket
import time

import pytest
from django.core.management import CommandError, call_command

from tests.demo.helpers import seed
from tests.events.conftest import run_worker
from tutordesk.core import clock
from tutordesk.events.models import EmailNotification
from tutordesk.events.selectors import worker_has_work_due


@pytest.fixture
def listening():
    """A real listening socket on 127.0.0.1, standing in for the server."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield f"127.0.0.1:{server.getsockname()[1]}"


def lines_of(capsys) -> list[str]:
    return [line.strip() for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_it_prints_the_address_and_the_demo_logins(db, capsys, listening):
    seed(2, 5, 4)
    capsys.readouterr()
    call_command("welcome", "--address", listening, "--worker-timeout", "0")
    lines = lines_of(capsys)
    assert f"Tutordesk is running: http://{listening}" in lines
    assert "Log in with password tutordesk-demo as" in lines
    assert lines.index("admin@example.com") < lines.index("tutor1@example.com … tutor2@example.com")
    assert "student1@example.com … student5@example.com" in lines
    assert "Ctrl-C stops the server and the worker." in lines


def test_without_demo_data_it_prints_the_address_only(db, capsys, listening):
    call_command("welcome", "--address", listening)
    lines = lines_of(capsys)
    assert f"Tutordesk is running: http://{listening}" in lines
    assert not any("@example.com" in line for line in lines)


def test_a_password_other_than_the_environments_is_not_printed(db, capsys, listening, monkeypatch):
    seed(1, 1, 2)
    capsys.readouterr()
    monkeypatch.setenv("TUTORDESK_DEMO_PASSWORD", "not-the-seeded-one")
    call_command("welcome", "--address", listening, "--worker-timeout", "0")
    out = capsys.readouterr().out
    assert "not-the-seeded-one" not in out and "the one the demo was seeded with" in out


def test_it_waits_for_the_workers_backlog_at_most_as_long_as_told(db, capsys, listening):
    seed()  # the story's outcomes left events for the worker, not yet fanned out into emails
    assert not EmailNotification.objects.exists()
    started = time.monotonic()
    call_command("welcome", "--address", listening, "--worker-timeout", "1")
    assert time.monotonic() - started >= 1  # nobody drained the outbox: it waited its full second
    assert "Tutordesk is running" in capsys.readouterr().out


def test_the_backlog_is_done_once_the_worker_has_sent_the_stories_emails(db):
    seed()
    assert worker_has_work_due(now=clock.now())
    run_worker()
    assert EmailNotification.objects.filter(state="sent").exists()
    assert not worker_has_work_due(now=clock.now())


def test_nothing_answering_is_an_error_after_the_timeout(db):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, never listening: connections are refused
        with pytest.raises(CommandError):
            call_command("welcome", "--address", f"127.0.0.1:{port}", "--timeout", "0.5")


def test_it_names_the_demo_guardian_logins(db, capsys, listening):
    seed(2, 7, 4)
    capsys.readouterr()
    call_command("welcome", "--address", listening, "--worker-timeout", "0")
    assert "guardian1@example.com … guardian3@example.com" in lines_of(capsys)
