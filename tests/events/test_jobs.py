"""The worker's jobs (events.jobs): kinds and event listeners registered by higher apps, a job asked
for inside a change's transaction, claimed with a lease, retried with the outbox's backoff, and
finally failed; one row per (kind, key), run once more when asked for again while it ran."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.helpers import update_status
from tutordesk.events import jobs
from tutordesk.events.jobs import GiveUp, JobKind, RetryLater, job_enqueue
from tutordesk.events.models import Job, JobState
from tutordesk.events.worker import dispatch_events, run_due_jobs

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kind():
    """A job kind of the test's own: `behaviour[key]` says what a run of it does."""
    runs: list[str] = []
    failed: list[tuple[str, str]] = []
    behaviour: dict[str, object] = {}

    def run(key: str) -> None:
        runs.append(key)
        action = behaviour.get(key)
        if callable(action):
            action()
        elif isinstance(action, BaseException):
            raise action

    jobs.register_job_kind(
        JobKind(
            name="test.kind",
            run=run,
            on_failed=lambda key, error: failed.append((key, error)),
            max_attempts=3,
        )
    )
    yield SimpleNamespace(runs=runs, failed=failed, behaviour=behaviour)
    jobs._KINDS.pop("test.kind", None)


def ask(key: str, at=None) -> None:
    with transaction.atomic():
        job_enqueue(kind="test.kind", key=key, at=at)


def test_a_job_asked_for_by_a_change_that_rolled_back_never_runs(kind):
    with pytest.raises(RuntimeError), transaction.atomic():
        job_enqueue(kind="test.kind", key="a")
        raise RuntimeError("the change failed")
    assert run_due_jobs() == 0 and kind.runs == []


def test_a_job_runs_once_after_commit_and_again_when_asked_again(kind):
    ask("a")
    ask("a")  # still waiting: the same row
    assert Job.objects.get().wanted == 2
    assert run_due_jobs() == 1 and kind.runs == ["a"]
    job = Job.objects.get()
    assert (job.state, job.attempts, job.locked_until) == (JobState.SUCCEEDED, 1, None)
    assert run_due_jobs() == 0
    ask("a")
    job = Job.objects.get()
    assert (job.state, job.attempts) == (JobState.PENDING, 0)
    run_due_jobs()
    assert kind.runs == ["a", "a"]


def test_a_later_job_waits_until_it_is_due(kind):
    now = timezone.now()
    ask("later", at=now + timedelta(hours=1))
    assert run_due_jobs(now=now) == 0
    ask("later", at=now + timedelta(hours=2))  # asking for it later does not put it off
    assert Job.objects.get().next_attempt_at == now + timedelta(hours=1)
    assert run_due_jobs(now=now + timedelta(hours=1)) == 1


def test_failures_back_off_then_fail_and_give_up_fails_at_once(kind):
    kind.behaviour["flaky"] = RetryLater("the other side said 503")
    now = timezone.now()
    ask("flaky", at=now)
    run_due_jobs(now=now)
    job = Job.objects.get(key="flaky")
    assert (job.state, job.attempts, job.next_attempt_at) == (
        JobState.PENDING,
        1,
        now + timedelta(seconds=15),
    )
    assert "503" in job.last_error
    run_due_jobs(now=job.next_attempt_at)
    job = Job.objects.get(key="flaky")
    assert job.next_attempt_at == now + timedelta(seconds=15) + timedelta(minutes=1)
    run_due_jobs(now=job.next_attempt_at)
    job = Job.objects.get(key="flaky")
    assert (job.state, job.attempts, job.next_attempt_at) == (JobState.FAILED, 3, None)
    assert kind.failed == [("flaky", "RetryLater: the other side said 503")]

    kind.behaviour["never"] = GiveUp("nothing will mend this")
    ask("never")
    run_due_jobs()
    assert Job.objects.get(key="never").state == JobState.FAILED
    assert kind.failed[-1] == ("never", "nothing will mend this")


def test_asked_for_again_while_it_runs_it_runs_once_more(kind):
    kind.behaviour["a"] = lambda: ask("a") if len(kind.runs) == 1 else None
    ask("a")
    run_due_jobs()
    assert kind.runs == ["a", "a"]
    assert Job.objects.get().state == JobState.SUCCEEDED


def test_two_workers_never_run_one_job_at_once(kind):
    running = {"now": 0, "most": 0}
    lock = threading.Lock()

    def slow() -> None:
        with lock:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        time.sleep(0.5)
        with lock:
            running["now"] -= 1

    kind.behaviour["a"] = slow
    ask("a")

    def worker() -> None:
        try:
            run_due_jobs()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert kind.runs == ["a"] and running["most"] == 1


def test_a_listener_hears_each_event_as_it_is_fanned_out_and_asks_for_jobs(kind, tutor, past_session):
    heard: list[str] = []

    def listener(events) -> None:
        for event in events:
            heard.append(event.type)
            if event.type == "session.status_updated":
                job_enqueue(kind="test.kind", key=event.data["session"]["id"])

    jobs.register_event_listener(listener)
    try:
        update_status(session_id=past_session.id, status="done", actor=tutor)
        dispatch_events()
        assert "session.status_updated" in heard
        run_due_jobs()
        assert str(past_session.id) in kind.runs
    finally:
        jobs._LISTENERS.remove(listener)
