from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from tutordesk.core import clock
from tutordesk.demo.builder import DatabaseNotEmpty, check_demo_size, seed_demo
from tutordesk.demo.plan import DemoSizeError

PROGRESS_FROM = 5000  # sessions; smaller runs finish before a bar would help
NOT_EMPTY = (
    "The database already has data; seed_demo only fills an empty one. "
    "Run it with --reset to wipe everything (audit log included) and seed again, "
    "or with --if-empty to leave the data as it is."
)


def demo_password() -> str:
    """Every demo login's password: TUTORDESK_DEMO_PASSWORD, or tutordesk-demo."""
    return os.environ.get("TUTORDESK_DEMO_PASSWORD") or "tutordesk-demo"


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Fill an empty database with demo users, requests, packages, sessions and a story of "
        "recorded outcomes (deterministic per seed and day)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tutors", type=positive, default=3)
        parser.add_argument("--students", type=positive, default=6)
        parser.add_argument("--sessions-per-match", type=positive, default=8)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--reset", action="store_true", help="wipe every table first (audit log included)"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (and succeed) when the database has data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = {k: options[k] for k in ("tutors", "students", "sessions_per_match")}
        try:
            check_demo_size(**sizes)
        except DemoSizeError as exc:
            raise CommandError(str(exc)) from exc
        password = demo_password()
        quiet = options["verbosity"] == 0

        def progress(total: int) -> Any:
            return tqdm(
                total=total,
                desc="sessions",
                unit=" rows",
                unit_scale=True,
                file=sys.stderr,
                # None: shown on a terminal only; never for a run too small to need it.
                disable=True if quiet or total < PROGRESS_FROM else None,
            )

        try:
            # One transaction: a reset and the new data commit together, or nothing changes.
            with transaction.atomic(durable=True):
                if options["reset"]:
                    call_command("flush", interactive=False, verbosity=0)
                summary = seed_demo(
                    **sizes, seed=options["seed"], password=password, now=clock.now(), progress=progress
                )
        except DatabaseNotEmpty as exc:
            if options["if_empty"]:
                if not quiet:
                    self.stdout.write("The database already has data; leaving it as it is.")
                return
            raise CommandError(NOT_EMPTY) from exc
        if quiet:
            return
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {summary.sessions} sessions."))
        self.stdout.write(f"Password for every login: {summary.password}")
        self.stdout.write(f"  admin    {summary.admin_email}")
        for email in summary.tutor_emails[:10]:
            self.stdout.write(f"  tutor    {email}")
        for email in summary.student_emails[:10]:
            self.stdout.write(f"  student  {email}")
        for email in summary.guardian_emails[:10]:
            self.stdout.write(f"  guardian {email}")
        hidden = sum(
            max(0, len(emails) - 10)
            for emails in (summary.tutor_emails, summary.student_emails, summary.guardian_emails)
        )
        if hidden:
            self.stdout.write(
                f"  … and {hidden} more (tutorN@example.com, studentN@example.com, guardianN@example.com)"
            )
