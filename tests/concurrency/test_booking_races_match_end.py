"""A booking (one lesson, or a series) racing the end or the reassignment of its match never leaves
a lesson behind on the ended match with the old tutor (CONTRACT §11).

Each pair runs on two connections, the interleaving forced: one change pauses at a chosen point
until the other has either finished or is seen waiting for a row lock (`pg_locks`), then goes on.
- The booking first: it has read the match as active when the reassignment starts; the new lesson
  must be moved to the new tutor with the others.
- The reassignment first: it has ended the match (not yet committed) when the booking starts; the
  booking is refused (`validation_error`, reason `match_ended`) and nothing is left behind.
Without the match row locked first by both (docs/architecture.md, "Locks"), neither waits on the
other and the booking commits a lesson on the ended match."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.factories import AdminFactory, TutorFactory, make_match, make_package, make_session
from tutordesk.core.errors import DomainError
from tutordesk.scheduling import matches as matches_module
from tutordesk.scheduling import series as series_module
from tutordesk.scheduling import services as services_module
from tutordesk.scheduling.matches import match_end_with_lessons, match_reassign
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.series import clean_rule, series_create
from tutordesk.scheduling.services import session_create
from tutordesk.tutoring.models import Match

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks are PostgreSQL's"),
]

WAIT = 60  # seconds; only a hang (a bug) ever gets near it


def _wait_until_done_or_blocked(done: threading.Event) -> None:
    """Return once the other change has finished, or is waiting for a lock (in this database)."""
    deadline = time.monotonic() + WAIT
    while not done.is_set():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted"
                " AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())"
            )
            if cursor.fetchone()[0]:
                return
        assert time.monotonic() < deadline, "the other change neither finished nor waited for a lock"
        time.sleep(0.02)


def _pause_in(
    module: Any,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
    reached: threading.Event,
    other_done: threading.Event,
) -> None:
    """`module.name` (called by one change only) says it was reached, then waits for the other."""
    original = getattr(module, name)

    def paused(*args: Any, **kwargs: Any) -> Any:
        reached.set()
        _wait_until_done_or_blocked(other_done)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, paused)


def _run(
    work: Callable[[], Any],
    done: threading.Event,
    results: dict[str, str],
    key: str,
    start: threading.Event | None = None,
) -> threading.Thread:
    def one() -> None:
        try:
            if start is not None:
                assert start.wait(WAIT)
            with transaction.atomic(durable=True):
                work()
            results[key] = "ok"
        except DomainError as exc:
            reason = exc.context.get("reason")
            results[key] = f"{exc.code}:{reason}" if reason else exc.code
        except BaseException as exc:  # any other failure: reported in the results
            results[key] = repr(exc)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=one)
    thread.start()
    return thread


def _booking(kind: str, match: Match, start: datetime, actor: Any) -> Callable[[], Any]:
    if kind == "session":
        return lambda: session_create(
            match_id=match.id, scheduled_start_at=start, duration_minutes=60, actor=actor
        )
    rule = clean_rule(start_at=start, timezone="Europe/Berlin", count=3)
    return lambda: series_create(match_id=match.id, rule=rule, duration_minutes=60, actor=actor)


# Where each kind of booking goes on after it has read the match: the tutor's row lock.
BOOKING_PAUSE = {"session": (services_module, "ensure_tutor_free"), "series": (series_module, "lock_tutor")}


@pytest.fixture
def scene():
    admin, tara, otto = AdminFactory(), TutorFactory(), TutorFactory()
    match = make_match(tutor=tara)
    make_package(request=match.request, sessions_total=20)
    soon = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    for i in range(2):
        make_session(match=match, scheduled_start_at=soon + timedelta(hours=2 * i))
    return admin, tara, otto, match, soon + timedelta(days=2)


def _ending(change: str, match: Match, otto: Any, admin: Any) -> Callable[[], Any]:
    if change == "reassign":
        return lambda: match_reassign(match_id=match.id, tutor_id=otto.id, reason="Tara left", actor=admin)
    return lambda: match_end_with_lessons(match_id=match.id, reason="Finished", actor=admin)


def _nothing_left_behind(match: Match) -> None:
    match.refresh_from_db()
    assert match.status == "ended"
    assert not Session.objects.filter(
        match=match, status="scheduled", scheduled_start_at__gt=timezone.now()
    ).exists()


@pytest.mark.parametrize("change", ["reassign", "end"])
@pytest.mark.parametrize("kind", ["session", "series"])
def test_a_booking_that_read_the_match_first_is_moved_or_taken_off_with_the_others(
    scene, monkeypatch, kind, change
):
    admin, tara, otto, match, start = scene
    booked, ended = threading.Event(), threading.Event()
    reached = threading.Event()
    _pause_in(*BOOKING_PAUSE[kind], monkeypatch, reached, ended)
    results: dict[str, str] = {}

    threads = [
        _run(_booking(kind, match, start, tara), booked, results, "booking"),
        _run(_ending(change, match, otto, admin), ended, results, "change", start=reached),
    ]
    for thread in threads:
        thread.join(WAIT)

    assert results == {"booking": "ok", "change": "ok"}
    _nothing_left_behind(match)
    booked_count = 1 if kind == "session" else 3
    if change == "reassign":
        new = Match.objects.get(request=match.request, status="active")
        assert new.tutor_id == otto.id
        assert Session.objects.filter(match=new, status="scheduled").count() == 2 + booked_count
    else:
        assert Session.objects.filter(match=match, status="rescheduled").count() == 2 + booked_count


@pytest.mark.parametrize("change", ["reassign", "end"])
@pytest.mark.parametrize("kind", ["session", "series"])
def test_a_booking_after_the_match_ended_uncommitted_is_refused(scene, monkeypatch, kind, change):
    admin, tara, otto, match, start = scene
    booked, ended = threading.Event(), threading.Event()
    reached = threading.Event()
    # The change pauses after the match has ended and its lessons were read, before it commits.
    _pause_in(matches_module, "events_record", monkeypatch, reached, booked)
    results: dict[str, str] = {}

    threads = [
        _run(_ending(change, match, otto, admin), ended, results, "change"),
        _run(_booking(kind, match, start, tara), booked, results, "booking", start=reached),
    ]
    for thread in threads:
        thread.join(WAIT)

    assert results == {"change": "ok", "booking": "validation_error:match_ended"}
    _nothing_left_behind(match)
    assert not Session.objects.filter(scheduled_start_at__gte=start).exists()
