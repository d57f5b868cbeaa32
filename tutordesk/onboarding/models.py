from __future__ import annotations

from django.conf import settings
from django.db import models

from tutordesk.core.clock import CreatedAtField
from tutordesk.core.ids import new_id


class Import(models.Model):
    """One enrolment file imported for real: its SHA-256, so the same file never sells its
    packages twice, and what it created."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    sha256 = models.CharField(max_length=64, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField()
    users_created = models.PositiveIntegerField()
    requests_created = models.PositiveIntegerField()
    matches_created = models.PositiveIntegerField()
    packages_created = models.PositiveIntegerField()
    created_at = CreatedAtField()

    class Meta:
        db_table = "imports"

    def __str__(self) -> str:
        return f"import {self.sha256[:12]} ({self.rows} rows)"


class PendingImport(models.Model):
    """A file uploaded on the Import page and previewed, kept until it is confirmed (then deleted
    in the import's own transaction) or for a day. Only its uploader may import it."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255, blank=True, default="")
    data = models.BinaryField()
    created_at = CreatedAtField()

    class Meta:
        db_table = "pending_imports"

    def __str__(self) -> str:
        return f"pending import {self.sha256[:12]}"
