"""Background work that higher apps give the worker: a registry of job kinds and event listeners.

The worker (events.worker, floor 3) must never import the apps above it, yet it runs their work:
making a lesson's meeting link (meetings), sending reminders. So those apps register here, from
their `AppConfig.ready()`:

- a **job kind** (`register_job_kind`): a name and the function that does one job, given its key.
  It runs in the worker, outside any transaction (it may call another service over the network),
  after the change that asked for it committed. It ends normally (done), raises `RetryLater` or
  any other exception (tried again with the outbox's backoff, events.schedule, until the kind's
  `max_attempts`, then `failed`), or raises `GiveUp` (failed at once: no retry can mend it).
  `on_failed(key, error)` runs in the transaction that marks the job failed.
- an **event listener** (`register_event_listener`): called with each batch of events as the worker
  fans them out, inside that transaction, to ask for jobs (`job_enqueue`) the events call for. So
  a change made anywhere (a reschedule, a cancellation, a match ended) reaches the app that cares
  without the code that made it knowing that app.

A job is about one thing (`key`, e.g. a Google Calendar event's id) and has one row per (kind,
key): asking again for a job that is waiting makes it due now; asking again for one that finished
starts it afresh (its attempts from zero). `job_enqueue` joins the caller's transaction, so a job
asked for by a change that rolls back is never run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Case, DateTimeField, F, PositiveIntegerField, TextField, Value, When

from tutordesk.core import clock
from tutordesk.core.db.rows import insert_rows
from tutordesk.events.models import Job, JobState
from tutordesk.events.schedule import MAX_ATTEMPTS

if TYPE_CHECKING:
    from tutordesk.events.models import Event

DEFAULT_JOB_LEASE = timedelta(minutes=2)


class RetryLater(Exception):
    """The job could not be done now (a 5xx answer, a dropped connection, a timeout): try again."""


class GiveUp(Exception):
    """The job can never be done as asked (a refusal no retry mends): mark it failed now."""


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[str], None]
    on_failed: Callable[[str, str], None] | None = None
    max_attempts: int = MAX_ATTEMPTS
    # How long one job may take before another worker may take it over (a killed worker's claim
    # runs out after this): longer than the slowest run the kind allows itself.
    lease: timedelta = DEFAULT_JOB_LEASE


EventListener = Callable[[Sequence["Event"]], None]

_KINDS: dict[str, JobKind] = {}
_LISTENERS: list[EventListener] = []


def register_job_kind(kind: JobKind) -> None:
    """Called once per kind from the owning app's `ready()`; a second registration replaces the first."""
    _KINDS[kind.name] = kind


def register_event_listener(listener: EventListener) -> None:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def job_kinds() -> dict[str, JobKind]:
    return dict(_KINDS)


def event_listeners() -> list[EventListener]:
    return list(_LISTENERS)


def job_enqueue(*, kind: str, key: str, at: datetime | None = None) -> None:
    """Ask for `kind`'s job about `key`, due at `at` (default now), in the caller's transaction.

    Waiting already: due at `at` if that is sooner, and asked for once more (a run under way does
    its work again afterwards). Finished (succeeded or failed): pending again, attempts from zero.
    Two statements: an INSERT that a unique index turns into nothing when the row exists, then an
    UPDATE of the row; so two changes asking at once both get their run.
    """
    due = at or clock.now()
    Job.objects.bulk_create([Job(kind=kind, key=key, next_attempt_at=due, wanted=0)], ignore_conflicts=True)
    waiting = When(state=JobState.PENDING, next_attempt_at__lt=due, then=F("next_attempt_at"))
    Job.objects.filter(kind=kind, key=key).update(
        wanted=F("wanted") + 1,
        attempts=Case(
            When(state=JobState.PENDING, then=F("attempts")),
            default=Value(0),
            output_field=PositiveIntegerField(),
        ),
        next_attempt_at=Case(waiting, default=Value(due), output_field=DateTimeField()),
        state=JobState.PENDING,
        last_error=Case(
            When(state=JobState.PENDING, then=F("last_error")), default=Value(""), output_field=TextField()
        ),
        updated_at=clock.now(),
    )


def job_enqueue_new(*, kind: str, key: str, at: datetime | None = None) -> None:
    """Ask for a job about a `key` that is new (the id of a row this change made): one plain INSERT,
    sent with the change's other added rows (core.db.rows.batched_inserts)."""
    insert_rows([Job(kind=kind, key=key, next_attempt_at=at or clock.now())])
