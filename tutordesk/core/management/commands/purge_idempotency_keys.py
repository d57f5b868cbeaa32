from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from tutordesk.core.idempotency import purge_expired_keys


class Command(BaseCommand):
    help = (
        "Delete stored Idempotency-Key responses older than IDEMPOTENCY_KEY_TTL_HOURS. "
        "Run it from cron, e.g. hourly."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = purge_expired_keys()
        hours = settings.IDEMPOTENCY_KEY_TTL_HOURS
        self.stdout.write(f"Purged {deleted} idempotency key(s) older than {hours} hours.")
