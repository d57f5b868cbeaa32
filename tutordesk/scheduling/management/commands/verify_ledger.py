from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from tutordesk.scheduling.selectors import ledger_problems
from tutordesk.tutoring.models import Package


class Command(BaseCommand):
    help = "Check every package against the sessions charged to it. Exit 0 when consistent, 1 with a report."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(ledger_problems())
        packages = Package.objects.count()
        if not problems:
            self.stdout.write(self.style.SUCCESS(f"Ledger consistent: {packages} package(s) checked."))
            return
        self.stdout.write(
            self.style.ERROR(f"Ledger drift: {len(problems)} problem(s) in {packages} package(s):")
        )
        for line in problems:
            self.stdout.write(f"  - {line}")
        sys.exit(1)
