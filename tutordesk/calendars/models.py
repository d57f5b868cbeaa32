from __future__ import annotations

from django.conf import settings
from django.db import models

from tutordesk.core.clock import CreatedAtField
from tutordesk.core.ids import new_id


class CalendarFeed(models.Model):
    """A user's secret iCalendar link. Only the token's SHA-256 is kept: the link is shown once,
    when it is issued; issuing a new one replaces the hash, so the old link stops working."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = CreatedAtField()
    issued_at = models.DateTimeField()

    class Meta:
        db_table = "calendar_feeds"

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"
