"""The worker: fans events out into deliveries and emails, then works those off.

Three queues, each a table, each claimed the same way so several workers share the work and never
do one thing twice at once:

1. **Events** not yet dispatched. One transaction takes a batch (`SELECT … FOR UPDATE SKIP LOCKED`
   on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers), writes a delivery per
   subscribed endpoint and the emails the event makes, and marks the events dispatched. Unique
   constraints make a second fan-out of one event impossible.
2. **Webhook deliveries** that are due. A short transaction claims a batch with a lease
   (`locked_until`, `claim_token`) and commits; the requests then go out at once (threads, no
   database), each bounded by the timeouts; each answer is written back with a check-and-set on
   the claim token, beside its attempt row. A worker killed mid-delivery leaves its claim behind:
   when the lease runs out, another worker (or the same one restarted) takes the row again.
   So deliveries are at least once, never lost, and receivers dedupe on `webhook-id`.
3. **Emails**, claimed the same way and sent through Django's email backend.
4. **Jobs** of the kinds higher apps registered (events.jobs: a meeting link to make, say), one
   claim at a time with the kind's lease, run outside any transaction, retried with the same
   backoff as webhooks and finally marked failed. The apps' event listeners ask for them while
   the events are fanned out (step 1, in its transaction), so nothing asked for is lost.

Functions take `now` so tests can walk a delivery through its whole retry schedule without sleeping.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import close_old_connections, connection
from django.db.models import Model, Q, QuerySet
from standardwebhooks.webhooks import Webhook

from tutordesk.core import clock
from tutordesk.core.db import run_in_transaction
from tutordesk.events import emails as email_rules
from tutordesk.events import http
from tutordesk.events.jobs import GiveUp, JobKind, RetryLater, event_listeners, job_kinds
from tutordesk.events.models import (
    DeliveryState,
    EmailNotification,
    EmailState,
    Event,
    Job,
    JobState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from tutordesk.events.schedule import EMAIL_MAX_ATTEMPTS, gives_up_after, retry_delay

logger = logging.getLogger("tutordesk.events")

M = TypeVar("M", bound=Model)

DISPATCH_BATCH = 200
DEFAULT_CONCURRENCY = 8
# A worker claims this many rounds of requests at once: fewer transactions per delivery.
BATCH_ROUNDS = 4
EMAIL_BATCH = 5  # sent one by one; with a 20 s SMTP timeout they fit well inside the lease
EMAIL_LEASE = timedelta(minutes=5)  # a claimed batch of emails; the worker's `--lease` replaces it
JOB_BATCH = 4  # jobs run one after another in a round, each under its own claim


def default_lease(timeout: float) -> timedelta:
    """Long enough for a claimed batch to go out (BATCH_ROUNDS requests one after another), with
    room for slow DNS answers; a request that could not finish inside the lease is not started."""
    return timedelta(seconds=BATCH_ROUNDS * (min(http.MAX_CONNECT_SECONDS, timeout) + timeout) + 30)


def minimum_lease(timeout: float) -> timedelta:
    return timedelta(seconds=min(http.MAX_CONNECT_SECONDS, timeout) + timeout + 1)


# ---------------------------------------------------------------- 1. fan-out


def dispatch_events(*, now: datetime | None = None, limit: int = DISPATCH_BATCH) -> int:
    """Turn undispatched events into deliveries and emails; return how many events were done."""
    now = now or clock.now()
    if not Event.objects.filter(dispatched_at__isnull=True).exists():
        return 0  # a plain read: no write transaction (on SQLite, the write lock) when idle

    def work() -> int:
        events = list(
            Event.objects.filter(dispatched_at__isnull=True)
            .order_by("created_at", "id")
            .select_for_update(skip_locked=True)[:limit]
        )
        if not events:
            return 0
        endpoints = list(WebhookEndpoint.objects.filter(enabled=True))
        for event in events:
            event.dispatched_at = now
        deliveries = [
            WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now)
            for event in events
            for endpoint in endpoints
            # An endpoint hears of what happens from its creation on.
            if endpoint.wants(event.type) and endpoint.created_at <= event.created_at
        ]
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        EmailNotification.objects.bulk_create(email_rules.emails_for(events), ignore_conflicts=True)
        for listener in event_listeners():
            listener(events)  # the jobs these events call for, in this transaction
        Event.objects.filter(pk__in=[event.pk for event in events]).update(dispatched_at=now)
        return len(events)

    return run_in_transaction(work)


# ---------------------------------------------------------------- claims


def _claim(
    rows: QuerySet[M], *, now: datetime, lease: timedelta, limit: int, related: tuple[str, ...] = ()
) -> list[M]:
    """Take up to `limit` due rows for this worker until `now + lease`; nobody else takes them
    before then. Returns them as claimed (their `claim_token` is this claim's)."""
    token = uuid.uuid4()
    model = rows.model
    due = rows.filter(next_attempt_at__lte=now).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    )
    if not due.exists():
        return []  # a plain read: no write transaction (on SQLite, the write lock) when idle

    def work() -> list[Any]:
        ids = list(
            due.order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            model._default_manager.filter(pk__in=ids).update(locked_until=now + lease, claim_token=token)
        return ids

    ids = run_in_transaction(work)
    if not ids:
        return []
    return list(model._default_manager.filter(pk__in=ids, claim_token=token).select_related(*related))


def claim_deliveries(*, now: datetime, lease: timedelta, limit: int) -> list[WebhookDelivery]:
    due = WebhookDelivery.objects.filter(state=DeliveryState.PENDING, endpoint__enabled=True)
    return _claim(due, now=now, lease=lease, limit=limit, related=("endpoint", "event"))


def claim_emails(*, now: datetime, lease: timedelta, limit: int) -> list[EmailNotification]:
    due = EmailNotification.objects.filter(state=EmailState.PENDING)
    return _claim(due, now=now, lease=lease, limit=limit)


# ---------------------------------------------------------------- 2. webhooks


def signed_request(endpoint: WebhookEndpoint, event: Event, *, at: datetime) -> tuple[bytes, dict[str, str]]:
    """The body and the Standard Webhooks headers of one attempt. `webhook-id` is the event's id
    on every attempt; during a rotation both the new and the old secret sign."""
    body = json.dumps(event.payload(), separators=(",", ":"), ensure_ascii=False)
    msg_id = str(event.id)
    secrets = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > at
    ):
        secrets.append(endpoint.previous_secret)
    signatures = " ".join(Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=body) for secret in secrets)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": signatures,
    }
    return body.encode("utf-8"), headers


def attempt_delivery(delivery: WebhookDelivery, *, timeout: float) -> tuple[datetime, http.Answer]:
    """Send one attempt (no database here: this runs in the worker's threads)."""
    at = clock.now()
    body, headers = signed_request(delivery.endpoint, delivery.event, at=at)
    return at, http.post(delivery.endpoint.url, body=body, headers=headers, timeout=timeout)


def record_answers(
    answered: list[tuple[WebhookDelivery, datetime, http.Answer]], *, now: datetime | None = None
) -> int:
    """Write the outcomes of a round of attempts in one transaction, each only if this worker
    still holds its claim (check-and-set on the claim token); a lost claim (the lease ran out and
    another worker took over, or the endpoint was deleted meanwhile) is skipped. Returns how many
    were written."""
    now = now or clock.now()
    planned: list[tuple[WebhookDelivery, datetime, http.Answer, dict[str, Any]]] = []
    for delivery, attempted_at, answer in answered:
        attempts = delivery.attempts + 1
        if answer.ok:
            outcome: dict[str, Any] = {"state": DeliveryState.SUCCEEDED, "next_attempt_at": None}
        elif gives_up_after(attempts - delivery.round_start):
            outcome = {"state": DeliveryState.FAILED, "next_attempt_at": None}
        else:
            outcome = {
                "state": DeliveryState.PENDING,
                "next_attempt_at": now + retry_delay(attempts - delivery.round_start),
            }
        planned.append((delivery, attempted_at, answer, {"attempts": attempts, **outcome}))

    def work() -> list[WebhookDelivery]:
        written: list[WebhookDelivery] = []
        log: list[WebhookAttempt] = []
        for delivery, attempted_at, answer, fields in planned:
            updated = WebhookDelivery.objects.filter(pk=delivery.pk, claim_token=delivery.claim_token).update(
                last_attempt_at=attempted_at,
                last_status_code=answer.status_code,
                last_error=answer.error,
                last_duration_ms=answer.duration_ms,
                locked_until=None,
                claim_token=None,
                **fields,
            )
            if updated:
                written.append(delivery)
                log.append(
                    WebhookAttempt(
                        delivery_id=delivery.pk,
                        number=fields["attempts"],
                        created_at=attempted_at,
                        status_code=answer.status_code,
                        error=answer.error,
                        duration_ms=answer.duration_ms,
                        response_body=answer.body,
                    )
                )
        WebhookAttempt.objects.bulk_create(log)
        return written

    written = run_in_transaction(work)
    for delivery, _, _, fields in planned:
        if delivery in written:
            for name, value in fields.items():
                setattr(delivery, name, value)
        else:
            logger.warning("delivery %s: the claim was lost before its answer was written", delivery.pk)
    return len(written)


def deliver_due(
    *,
    now: datetime | None = None,
    limit: int = DEFAULT_CONCURRENCY * BATCH_ROUNDS,
    lease: timedelta | None = None,
    timeout: float | None = None,
    pool: ThreadPoolExecutor | None = None,
) -> int:
    """Claim the due deliveries (up to `limit`), send them (through `pool`, several at once), write
    their answers in one transaction. A request starts only while it can still finish inside the
    claim's lease; the ones that cannot are released unsent for the next round."""
    timeout = float(timeout or settings.WEBHOOKS_TIMEOUT_SECONDS)
    lease = lease or default_lease(timeout)
    claimed = claim_deliveries(now=now or clock.now(), lease=lease, limit=limit)
    if not claimed:
        return 0
    start_by = time.monotonic() + (lease - minimum_lease(timeout)).total_seconds() + 1

    def send(delivery: WebhookDelivery) -> tuple[datetime, http.Answer] | None:
        if time.monotonic() > start_by:
            return None
        return attempt_delivery(delivery, timeout=timeout)

    if pool is None or len(claimed) == 1:
        results = [send(delivery) for delivery in claimed]
    else:
        results = list(pool.map(send, claimed))
    sent = [(d, result[0], result[1]) for d, result in zip(claimed, results, strict=True) if result]
    record_answers(sent, now=now)
    unsent = [d.pk for d, result in zip(claimed, results, strict=True) if result is None]
    if unsent:
        run_in_transaction(
            lambda: WebhookDelivery.objects.filter(pk__in=unsent, claim_token=claimed[0].claim_token).update(
                locked_until=None, claim_token=None
            )
        )
    for delivery, _, answer in sent:
        log = logger.info if answer.ok else logger.warning
        log(
            "webhook %s %s → %s: %s in %d ms (attempt %d, %s)",
            delivery.event.type,
            delivery.event_id,
            delivery.endpoint.url,
            answer.status_code or answer.error,
            answer.duration_ms,
            delivery.attempts,
            delivery.state,
        )
    return len(claimed)


# ---------------------------------------------------------------- 3. emails


def send_due_emails(
    *, now: datetime | None = None, limit: int = EMAIL_BATCH, lease: timedelta = EMAIL_LEASE
) -> int:
    claimed = claim_emails(now=now or clock.now(), lease=lease, limit=limit)
    if not claimed:
        return 0
    # One conversation with the mail server for the round, not one per email.
    mail = email_rules.open_connection()
    try:
        for email in claimed:
            _send_one(email, mail, now=now)
    finally:
        mail.close()
    return len(claimed)


def _send_one(email: EmailNotification, mail: BaseEmailBackend, *, now: datetime | None) -> None:
    try:
        email_rules.send(email, connection=mail)
        error = ""
    except Exception as exc:  # any failure of the mail server: try again later
        error = f"{type(exc).__name__}: {exc}"[:500]
        mail.close()  # the next email starts a fresh conversation
    attempts = email.attempts + 1
    if not error:
        outcome: dict[str, Any] = {
            "state": EmailState.SENT,
            "sent_at": clock.now(),
            "next_attempt_at": None,
        }
    elif attempts >= EMAIL_MAX_ATTEMPTS:
        outcome = {"state": EmailState.FAILED, "next_attempt_at": None}
    else:
        outcome = {"next_attempt_at": (now or clock.now()) + retry_delay(attempts)}
    _record_email(email, attempts=attempts, error=error, outcome=outcome)
    if error:
        logger.warning("email %s to %s failed (attempt %d): %s", email.kind, email.recipient, attempts, error)


def _record_email(email: EmailNotification, *, attempts: int, error: str, outcome: dict[str, Any]) -> None:
    def work() -> int:
        return EmailNotification.objects.filter(pk=email.pk, claim_token=email.claim_token).update(
            attempts=attempts, last_error=error, locked_until=None, claim_token=None, **outcome
        )

    run_in_transaction(work)


# ---------------------------------------------------------------- 4. jobs


def run_due_jobs(
    *, now: datetime | None = None, limit: int = JOB_BATCH, lease: timedelta | None = None
) -> int:
    """Claim and run up to `limit` due jobs of the registered kinds, one at a time; return how
    many ran. `lease` (the worker's `--lease`) replaces each kind's own when given."""
    kinds = job_kinds()
    if not kinds:
        return 0
    ran = 0
    for _ in range(limit):
        claim_now = now or clock.now()
        longest = max(kind.lease for kind in kinds.values())
        claimed = _claim(
            Job.objects.filter(state=JobState.PENDING, kind__in=list(kinds)),
            now=claim_now,
            lease=lease or longest,
            limit=1,
        )
        if not claimed:
            break
        run_job(claimed[0], kinds[claimed[0].kind], now=now)
        ran += 1
    return ran


def run_job(job: Job, kind: JobKind, *, now: datetime | None = None) -> None:
    """Run one claimed job and write what came of it, each write only while this worker still
    holds the claim (check-and-set on the claim token)."""
    started = clock.now()
    try:
        kind.run(job.key)
        error, give_up = "", False
    except GiveUp as exc:
        error, give_up = f"{exc}"[:2000] or "GiveUp", True
    except Exception as exc:  # any failure is tried again, with the backoff
        error, give_up = f"{type(exc).__name__}: {exc}"[:2000], False
        if not isinstance(exc, RetryLater):  # an expected refusal is one line; anything else, a trace
            logger.exception("job %s %s failed", job.kind, job.key)
    attempts = job.attempts + 1
    mine = Job.objects.filter(pk=job.pk, claim_token=job.claim_token)
    released: dict[str, Any] = {
        "locked_until": None,
        "claim_token": None,
        "last_attempt_at": started,
        "updated_at": clock.now(),
    }

    def record() -> str:
        if not error:
            done = {
                "state": JobState.SUCCEEDED,
                "attempts": attempts,
                "next_attempt_at": None,
                "last_error": "",
            }
            if mine.filter(wanted=job.wanted).update(**done, **released):
                return "succeeded"
            # Asked for again while it ran: run it once more, from the start.
            again = mine.update(attempts=0, next_attempt_at=clock.now(), **released)
            return "again" if again else "lost"
        released["attempts"] = attempts
        if give_up or attempts >= kind.max_attempts:
            if not mine.update(state=JobState.FAILED, next_attempt_at=None, last_error=error, **released):
                return "lost"
            if kind.on_failed is not None:
                kind.on_failed(job.key, error)
            return "failed"
        retry_at = (now or clock.now()) + retry_delay(attempts)
        return "retry" if mine.update(next_attempt_at=retry_at, last_error=error, **released) else "lost"

    outcome = run_in_transaction(record)
    if outcome == "lost":
        logger.warning("job %s %s: the claim was lost before its outcome was written", job.kind, job.key)
    elif error:
        logger.warning("job %s %s: %s (attempt %d, %s)", job.kind, job.key, error, attempts, outcome)
    else:
        # Quiet by default: a job's visible result (an email, a link) prints its own line.
        logger.debug("job %s %s done (attempt %d, %s)", job.kind, job.key, attempts, outcome)


# ---------------------------------------------------------------- the loop


@dataclass
class Worker:
    """`python manage.py run_worker` runs one of these until it is told to stop."""

    concurrency: int = DEFAULT_CONCURRENCY
    timeout: float = field(default_factory=lambda: float(settings.WEBHOOKS_TIMEOUT_SECONDS))
    lease: timedelta | None = None
    # Given (`--lease`), every claim lasts this long, jobs' too; otherwise each job kind's own.
    job_lease: timedelta | None = None
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.lease = self.lease or default_lease(self.timeout)
        if self.lease < minimum_lease(self.timeout):
            raise ValueError(
                f"the lease must be at least {minimum_lease(self.timeout).total_seconds():.0f} s "
                f"with a {self.timeout:.0f} s request timeout"
            )
        self.pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="webhook")

    def run_once(self, *, now: datetime | None = None) -> int:
        """One round of each queue; returns how much was done (0: nothing was due)."""
        done = dispatch_events(now=now)
        done += deliver_due(
            now=now,
            limit=self.concurrency * BATCH_ROUNDS,
            lease=self.lease,
            timeout=self.timeout,
            pool=self.pool,
        )
        done += send_due_emails(now=now, lease=self.job_lease or EMAIL_LEASE)
        done += run_due_jobs(now=now, lease=self.job_lease)
        return done

    def run(
        self,
        *,
        interval: float = 1.0,
        until_idle: bool = False,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Work until `stopping` is set (or, with `until_idle`, until nothing is due)."""
        try:
            while not self.stopping.is_set():
                try:
                    done = self.run_once()
                except Exception as exc:  # a database hiccup must not end the worker
                    if on_error is None:
                        raise
                    on_error(exc)
                    done = 0
                if done:
                    continue
                if until_idle:
                    return
                if not connection.in_atomic_block:
                    close_old_connections()  # while idle, as after a request: drop a broken or old one
                self.stopping.wait(interval)
        finally:
            self.pool.shutdown(wait=True)
