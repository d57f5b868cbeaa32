"""`python manage.py run_worker`: deliver events (webhooks and emails) and run the jobs other apps
register (meeting links, …) until stopped.

Run as many as you like against PostgreSQL: they share the work, and none does a thing another is
doing. Ctrl-C or SIGTERM finishes the round under way, then stops; a worker killed outright loses
nothing either (its claims run out and another worker takes them).
"""

from __future__ import annotations

import logging
import signal
from argparse import ArgumentParser, ArgumentTypeError
from datetime import timedelta
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tutordesk.core.db import is_unavailable
from tutordesk.events.worker import DEFAULT_CONCURRENCY, Worker, default_lease

logger = logging.getLogger("tutordesk.events")


def positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0:
            raise ArgumentTypeError("must be greater than 0")
        return value

    return parse


class Command(BaseCommand):
    help = (
        "Deliver events: webhooks (signed, retried) and emails; run background jobs (meeting links). "
        "Stops on Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval", type=positive(float), default=1.0, help="seconds to wait when nothing is due (1)"
        )
        parser.add_argument(
            "--concurrency",
            type=positive(int),
            default=DEFAULT_CONCURRENCY,
            help=f"webhook requests sent at once ({DEFAULT_CONCURRENCY})",
        )
        parser.add_argument(
            "--lease",
            type=positive(float),
            default=None,
            help="seconds a claimed delivery (or job) stays this worker's before another may take it "
            f"(default {default_lease(settings.WEBHOOKS_TIMEOUT_SECONDS).total_seconds():.0f}; "
            "jobs: each kind's own)",
        )
        parser.add_argument(
            "--until-idle", action="store_true", help="stop once nothing is due (for cron jobs and scripts)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # -v 0: only failures; -v 1 (the default): a line per delivery; -v 2: more.
        logger.setLevel({0: logging.WARNING, 1: logging.INFO}.get(options["verbosity"], logging.DEBUG))
        lease = timedelta(seconds=options["lease"]) if options["lease"] else None
        try:
            worker = Worker(concurrency=options["concurrency"], lease=lease, job_lease=lease)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

        def stop(signum: int, frame: FrameType | None) -> None:
            if worker.stopping.is_set():
                raise SystemExit(1)  # a second Ctrl-C: stop now (claims run out, nothing is lost)
            self.stderr.write("Stopping after the current round (Ctrl-C again to stop at once)…")
            worker.stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

        def on_error(exc: Exception) -> None:
            if not is_unavailable(exc):
                logger.exception("worker round failed")
            else:
                logger.warning("database unavailable, trying again shortly: %s", exc)
            worker.stopping.wait(min(30.0, options["interval"] * 5))

        if options["verbosity"] > 0:
            self.stdout.write(
                f"Worker started: {worker.concurrency} webhook requests at once, "
                f"{worker.timeout:.0f} s timeout, {worker.lease.total_seconds():.0f} s lease"  # type: ignore[union-attr]  # set by the worker on creation
            )
        worker.run(interval=options["interval"], until_idle=options["until_idle"], on_error=on_error)
        if options["verbosity"] > 0:
            self.stdout.write("Worker stopped.")
