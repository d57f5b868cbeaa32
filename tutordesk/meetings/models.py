"""A lesson's meeting link as its provider made it, and the Google Calendar event behind it.

One row per session whose link a provider made (a link typed by hand has none). For Google, the
row also says what Google holds, as far as Tutordesk knows (`event_state`, `event_start`,
`event_end`): the worker compares it with the lesson and calls Google only when they differ.

A Google event follows its lesson through reschedules: the replacement gets a row with the same
`event_id` (the event is moved, not made again) and the original's row becomes `moved`. So at
most one row per event is live (not `moved`), which a unique index holds.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tutordesk.core.clock import CreatedAtField, UpdatedAtField


class Provider(models.TextChoices):
    JITSI = "jitsi", "Jitsi"
    GOOGLE = "google", "Google Meet"


class LinkState(models.TextChoices):
    """What the session page says about the link."""

    PREPARING = "preparing", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be made"
    # The lesson left the schedule, or a link typed by hand replaced this one: its event is deleted.
    REMOVED = "removed", "Removed"
    # Rescheduled: the replacement lesson carries the link (and its Google event) on.
    MOVED = "moved", "Moved to the new time"


class EventState(models.TextChoices):
    """What Google holds of the event, as far as Tutordesk knows."""

    NONE = "none", "Never asked for"
    ASKED = "asked", "Asked for, answer not yet recorded"  # it may exist: never ask without the id
    PRESENT = "present", "On the calendar"
    DELETED = "deleted", "Deleted"


class MeetingLink(models.Model):
    session = models.OneToOneField(
        "scheduling.Session",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="meeting_link",
        db_column="session_id",
    )
    provider = models.CharField(max_length=16, choices=Provider.choices)
    # The provider's link (null while a Google link is being prepared).
    link = models.URLField(max_length=500, null=True, blank=True)  # noqa: DJ001 (null: not made yet)
    state = models.CharField(max_length=16, choices=LinkState.choices)
    # Google only: the event's id (base32hex, chosen by Tutordesk so a retried insert cannot make
    # a second event), the calendar it lives on (the tutor's email) and what Google holds.
    event_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (null: not Google)
    calendar_id = models.CharField(max_length=254, blank=True, default="")
    event_state = models.CharField(max_length=16, choices=EventState.choices, default=EventState.NONE)
    event_start = models.DateTimeField(null=True, blank=True)
    event_end = models.DateTimeField(null=True, blank=True)
    created_at = CreatedAtField()
    updated_at = UpdatedAtField()

    class Meta:
        db_table = "meeting_links"
        constraints = [
            models.UniqueConstraint(
                fields=["event_id"], condition=~Q(state="moved"), name="meeting_links_one_live_row_per_event"
            ),
            models.CheckConstraint(
                condition=Q(provider__in=["jitsi", "google"]), name="meeting_links_provider_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["preparing", "ready", "failed", "removed", "moved"]),
                name="meeting_links_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(link__isnull=True) | Q(link__startswith="https://"),
                name="meeting_links_link_https",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} link of session {self.session_id} ({self.state})"
