from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from tutordesk.accounts.models import User
from tutordesk.core.demo import check_demo_size, seed_demo
from tutordesk.scheduling.models import Session

PROGRESS_FROM = 5000  # sessions; smaller runs finish before a bar would help


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Fill an empty database with demo users, requests, packages and sessions (deterministic per seed)."

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
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if User.objects.exists():
            if options["if_empty"] and not options["reset"]:
                self.stdout.write("The database already has data; leaving it as it is.")
                return
            if not options["reset"]:
                raise CommandError(
                    "The database already has data; seed_demo only fills an empty one. "
                    "Run it with --reset to wipe everything (audit log included) and seed again."
                )
            call_command("flush", interactive=False, verbosity=0)
        password = os.environ.get("TUTORDESK_DEMO_PASSWORD") or "tutordesk-demo"

        def progress(items: Iterable[Session], total: int) -> Iterable[Session]:
            if total < PROGRESS_FROM:
                return items
            return tqdm(items, total=total, desc="sessions", unit="", file=sys.stderr, disable=None)

        summary = seed_demo(
            **sizes, seed=options["seed"], password=password, now=timezone.now(), progress=progress
        )
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {summary.sessions} sessions."))
        self.stdout.write(f"Password for every login: {summary.password}")
        self.stdout.write(f"  admin    {summary.admin_email}")
        for email in summary.tutor_emails[:10]:
            self.stdout.write(f"  tutor    {email}")
        for email in summary.student_emails[:10]:
            self.stdout.write(f"  student  {email}")
        hidden = max(0, len(summary.tutor_emails) - 10) + max(0, len(summary.student_emails) - 10)
        if hidden:
            self.stdout.write(f"  … and {hidden} more (tutorN@example.com, studentN@example.com)")
