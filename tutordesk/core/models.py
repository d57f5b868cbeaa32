from __future__ import annotations

from django.conf import settings
from django.db import models

from tutordesk.core import clock


class IdempotencyKey(models.Model):
    """The completed response to the first request a user sent with one Idempotency-Key.

    Written in the same transaction as the change it answers (see core.idempotency), so a
    stored response always describes a committed change. Purged after
    settings.IDEMPOTENCY_KEY_TTL_HOURS by `manage.py purge_idempotency_keys`.
    """

    # The unique index on (user, key) leads with it: no index of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request (method, path, body)")
    status_code = models.PositiveSmallIntegerField()
    # The exact JSON text sent the first time, so every replay is byte-for-byte the same
    # (a jsonb column would reorder the keys).
    response_body = models.TextField()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        db_table = "idempotency_keys"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_keys_user_key_uniq"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_keys_created_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
